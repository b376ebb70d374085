using Geo.Core.Indicators;
using Geo.Core.Validation;
using Xunit;

namespace Geo.Core.Tests.Indicators;

public sealed class IndicatorPeriodTests
{
    private static readonly DateOnly Today = new(2026, 11, 21);

    private static IndicatorPeriod Read(string? period, DateOnly? from = null, DateOnly? to = null)
    {
        var errors = new FieldErrors();
        var read = IndicatorPeriod.Read(period, from, to, Today, errors);
        Assert.True(read is not null, errors.First?.ToString());
        return read;
    }

    private static string Problem(string? period, DateOnly? from = null, DateOnly? to = null)
    {
        var errors = new FieldErrors();
        Assert.Null(IndicatorPeriod.Read(period, from, to, Today, errors));
        return errors.First!.ToString();
    }

    [Theory]
    [InlineData("2026-08", PeriodKind.Month, "2026-08-01", "2026-08-31", "2026-08")]
    [InlineData("2024-02", PeriodKind.Month, "2024-02-01", "2024-02-29", "2024-02")]
    [InlineData("2026-Q1", PeriodKind.Quarter, "2026-01-01", "2026-03-31", "2026-Q1")]
    [InlineData("2026-q3", PeriodKind.Quarter, "2026-07-01", "2026-09-30", "2026-Q3")]
    [InlineData("2025-Q4", PeriodKind.Quarter, "2025-10-01", "2025-12-31", "2025-Q4")]
    public void Read_MonthOrQuarter_IsItsWholeDays(string text, PeriodKind kind, string first, string last, string label)
    {
        var period = Read(text);

        Assert.Equal((kind, DateOnly.Parse(first, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(last, System.Globalization.CultureInfo.InvariantCulture), label),
            (period.Kind, period.First, period.Last, period.Label));
    }

    [Fact]
    public void Read_FromAndTo_IsACustomPeriodWithBothDaysIncluded()
    {
        var period = Read(null, new DateOnly(2026, 7, 15), new DateOnly(2026, 8, 14));

        Assert.Equal(PeriodKind.Custom, period.Kind);
        Assert.Equal("2026-07-15/2026-08-14", period.Label);
        Assert.Equal(DateTimeOffset.Parse("2026-07-15T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), period.Start);
        Assert.Equal(DateTimeOffset.Parse("2026-08-15T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), period.End);
    }

    [Fact]
    public void EvaluatedOn_PeriodOver_IsItsLastDay_PeriodRunning_IsToday()
    {
        Assert.Equal(new DateOnly(2026, 9, 30), Read("2026-Q3").EvaluatedOn(Today));
        Assert.Equal(Today, Read("2026-Q4").EvaluatedOn(Today));
        Assert.Equal(Today, Read("2026-11").EvaluatedOn(Today));
    }

    public static TheoryData<string, string?, DateOnly?, DateOnly?> BadPeriods() => new()
    {
        { "period: '2026-13' is not a month (2026-08) or a quarter (2026-Q3)", "2026-13", null, null },
        { "period: '2026-Q5' is not a month", "2026-Q5", null, null },
        { "period: '26-Q1' is not a month", "26-Q1", null, null },
        { "period: '2026-08-01' is not a month", "2026-08-01", null, null },
        { "period: '1899-12' is not a month", "1899-12", null, null },
        { "period: is required: a month (2026-08), a quarter (2026-Q3), or from and to", null, null, null },
        { "from: give either period or from and to, not both", "2026-Q1", new DateOnly(2026, 1, 1), null },
        { "to: is required with from", null, new DateOnly(2026, 1, 1), null },
        { "from: is required with to", null, null, new DateOnly(2026, 1, 1) },
        { "to: 2026-06-30 is before from (2026-07-01)", null, new DateOnly(2026, 7, 1), new DateOnly(2026, 6, 30) },
        { "period: 2027-Q1 begins on 2027-01-01, after today (2026-11-21)", "2027-Q1", null, null },
        { "from: 2026-11-22/2026-12-01 begins on 2026-11-22, after today (2026-11-21)", null, new DateOnly(2026, 11, 22), new DateOnly(2026, 12, 1) },
    };

    [Theory]
    [MemberData(nameof(BadPeriods))]
    public void Read_BadPeriod_NamesTheField(string expected, string? period, DateOnly? from, DateOnly? to)
    {
        Assert.StartsWith(expected, Problem(period, from, to), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-7-1")]
    [InlineData("2026-02-30")]
    [InlineData("01/07/2026")]
    [InlineData("1899-12-31")]
    public void ReadDate_NotACalendarDate_NamesTheField(string text)
    {
        var errors = new FieldErrors();

        Assert.Null(IndicatorPeriod.ReadDate(text, "from", errors));
        Assert.StartsWith($"from: '{text}' is not a calendar date (YYYY-MM-DD", errors.First!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sector", IndicatorLevel.Sector)]
    [InlineData("BASE", IndicatorLevel.Base)]
    [InlineData("", IndicatorLevel.Mission)]
    public void ReadLevel_KnownName_IsThatLevel(string text, IndicatorLevel level)
    {
        var errors = new FieldErrors();

        Assert.Equal(level, IndicatorQuestion.ReadLevel(text, errors));
        Assert.False(errors.Any);
    }

    [Fact]
    public void Question_UnknownLevelOrIdAtMissionLevel_NamesTheField()
    {
        var level = new FieldErrors();
        var id = new FieldErrors();
        var text = new FieldErrors();

        Assert.Null(IndicatorQuestion.Read("2026-Q1", null, null, (IndicatorLevel)7, null, Today, level));
        Assert.Null(IndicatorQuestion.Read("2026-Q1", null, null, IndicatorLevel.Mission, "ob-01", Today, id));
        IndicatorQuestion.ReadLevel("region", text);

        Assert.StartsWith("level: 7 is not a known IndicatorLevel", level.First!.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("id: the mission level has one unit", id.First!.ToString(), StringComparison.Ordinal);
        Assert.Equal("level: 'region' is not a level: mission, sector or base", text.First!.ToString());
    }
}
