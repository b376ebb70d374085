using Geo.Core.Indicators;
using Geo.Core.Validation;
using Xunit;

namespace Geo.Core.Tests.Indicators;

public sealed class IndicatorFigureTests
{
    [Theory]
    [InlineData(2, 3, 66.7)]
    [InlineData(1, 3, 33.3)]
    [InlineData(1, 8, 12.5)]
    [InlineData(1, 16, 6.3)]
    [InlineData(0, 5, 0.0)]
    [InlineData(7, 7, 100.0)]
    public void Percent_OfCounts_IsRoundedHalfAwayFromZeroToOneDecimal(long numerator, long denominator, double expected)
    {
        Assert.Equal(expected, IndicatorFigure.Percent(numerator, denominator));
    }

    [Fact]
    public void Ratio_NothingToMeasure_HasNoValueButKeepsItsCounts()
    {
        Assert.Equal(new IndicatorFigure(null, 0, 0, false), IndicatorFigure.Ratio(0, 0));
    }

    [Fact]
    public void Goals_Configured_AreCheckedAndShownWhereTheyCompare()
    {
        var errors = new FieldErrors();
        var goals = IndicatorGoals.Read(
            [(IndicatorCatalogue.Staffed, 40, 80), (IndicatorCatalogue.EarlyWarnings, null, 120)], "GeoAwareness:Indicators:Targets", errors);
        var staffed = IndicatorCatalogue.Find(IndicatorCatalogue.Staffed)!;
        var alerts = IndicatorCatalogue.Find(IndicatorCatalogue.EarlyWarnings)!;

        Assert.False(errors.Any);
        Assert.Equal(new IndicatorGoal(40, 80), goals.For(staffed, IndicatorLevel.Base));
        Assert.Equal(new IndicatorGoal(null, 120), goals.For(alerts, IndicatorLevel.Mission));
        Assert.Equal(IndicatorGoal.None, goals.For(alerts, IndicatorLevel.Sector));
    }

    [Theory]
    [InlineData("CLA-STAFFED", 40, 101, "GeoAwareness:Indicators:Targets:CLA-STAFFED:Target: 101 is above 100: CLA-STAFFED is a percentage")]
    [InlineData("EW-ALERTS", -1, 10, "GeoAwareness:Indicators:Targets:EW-ALERTS:Baseline: -1 is not a finite number of at least 0")]
    [InlineData("EW-ALERTS", double.NaN, 10, "GeoAwareness:Indicators:Targets:EW-ALERTS:Baseline: NaN is not a finite number of at least 0")]
    [InlineData("CLA-STAFF", 1, 2, "GeoAwareness:Indicators:Targets:CLA-STAFF: is not an indicator code (CLA-STAFFED, ")]
    public void Goals_Bad_AreNamedByTheirSetting(string code, double baseline, double target, string expected)
    {
        var errors = new FieldErrors();

        IndicatorGoals.Read([(code, baseline, target)], "GeoAwareness:Indicators:Targets", errors);

        Assert.StartsWith(expected, errors.First!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Catalogue_Codes_AreUniqueAndUpperCaseWords()
    {
        Assert.Equal(IndicatorCatalogue.All.Count, IndicatorCatalogue.All.Select(d => d.Code).Distinct(StringComparer.Ordinal).Count());
        Assert.All(IndicatorCatalogue.All, d => Assert.Matches("^[A-Z0-9]+(-[A-Z0-9]+)+$", d.Code));
    }
}
