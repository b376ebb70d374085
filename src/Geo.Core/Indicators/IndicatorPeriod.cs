using System.Globalization;
using Geo.Core.Validation;

namespace Geo.Core.Indicators;

public enum PeriodKind
{
    Month = 1,
    Quarter = 2,
    Custom = 3,
}

/// <summary>
/// The period indicators are computed for: whole UTC days from <see cref="First"/> to
/// <see cref="Last"/>, both included. Observations count when observed in [<see cref="Start"/>,
/// <see cref="End"/>); point-in-time indicators (staffing, teams, reach) are taken on
/// <see cref="EvaluatedOn"/>.
/// </summary>
public sealed record IndicatorPeriod(PeriodKind Kind, DateOnly First, DateOnly Last)
{
    /// <summary>Years a period may fall in: the same bounds as every calendar date of the API.</summary>
    private const int EarliestYear = 1900;
    private const int LatestYear = 2200;

    /// <summary>"2026-08", "2026-Q3", or "2026-07-01/2026-09-30" (an ISO 8601 interval of dates).</summary>
    public string Label => Kind switch
    {
        PeriodKind.Month => First.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        PeriodKind.Quarter => string.Create(CultureInfo.InvariantCulture, $"{First.Year:D4}-Q{((First.Month - 1) / 3) + 1}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{First:yyyy-MM-dd}/{Last:yyyy-MM-dd}"),
    };

    public DateTimeOffset Start => new(First.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>The first instant after the period: midnight UTC after its last day.</summary>
    public DateTimeOffset End => new(Last.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>
    /// The day point-in-time indicators are taken on: the period's last day, or today while the
    /// period runs (a team that has not yet been deployed cannot be counted).
    /// </summary>
    public DateOnly EvaluatedOn(DateOnly today) => Last < today ? Last : today;

    /// <summary>
    /// A period from a request: <paramref name="period"/> names a month or a quarter, or it is empty
    /// and <paramref name="from"/> and <paramref name="to"/> give a custom period (both days
    /// included). A period must have begun by <paramref name="today"/>; it may end after it.
    /// Null, with field errors, when the request does not name one.
    /// </summary>
    public static IndicatorPeriod? Read(string? period, DateOnly? from, DateOnly? to, DateOnly today, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        IndicatorPeriod? read;
        string field;
        if (!string.IsNullOrEmpty(period))
        {
            field = "period";
            if (from is not null || to is not null)
            {
                errors.Add(from is not null ? "from" : "to", "give either period or from and to, not both");
                return null;
            }

            read = Named(period.Trim());
            if (read is null)
            {
                errors.Add("period", $"'{period}' is not a month (2026-08) or a quarter (2026-Q3); for another period leave it empty and give from and to");
                return null;
            }
        }
        else
        {
            field = "from";
            if (from is null && to is null)
            {
                errors.Add("period", "is required: a month (2026-08), a quarter (2026-Q3), or from and to (days included)");
                return null;
            }

            if (from is not { } first || to is not { } last)
            {
                errors.Add(from is null ? "from" : "to", $"is required with {(from is null ? "to" : "from")}");
                return null;
            }

            if (last < first)
            {
                errors.Add("to", $"{last:yyyy-MM-dd} is before from ({first:yyyy-MM-dd})");
                return null;
            }

            read = new IndicatorPeriod(PeriodKind.Custom, first, last);
        }

        if (read.First > today)
        {
            errors.Add(field, $"{read.Label} begins on {read.First:yyyy-MM-dd}, after today ({today:yyyy-MM-dd}): indicators are computed for periods that have begun");
            return null;
        }

        return read;
    }

    /// <summary>A day written as YYYY-MM-DD (query strings); null when <paramref name="text"/> is empty.</summary>
    public static DateOnly? ReadDate(string? text, string field, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) || day.Year is < EarliestYear or > LatestYear)
        {
            errors.Add(field, $"'{text}' is not a calendar date (YYYY-MM-DD, years {EarliestYear} to {LatestYear})");
            return null;
        }

        return day;
    }

    private static IndicatorPeriod? Named(string text)
    {
        if (text.Length < 7 || text[4] != '-' || !int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || year is < EarliestYear or > LatestYear)
        {
            return null;
        }

        if (text.Length == 7 && text[5] is 'Q' or 'q' && text[6] is >= '1' and <= '4')
        {
            var first = new DateOnly(year, ((text[6] - '1') * 3) + 1, 1);
            return new IndicatorPeriod(PeriodKind.Quarter, first, first.AddMonths(3).AddDays(-1));
        }

        if (text.Length == 7 && int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var month) && month is >= 1 and <= 12)
        {
            var first = new DateOnly(year, month, 1);
            return new IndicatorPeriod(PeriodKind.Month, first, first.AddMonths(1).AddDays(-1));
        }

        return null;
    }
}
