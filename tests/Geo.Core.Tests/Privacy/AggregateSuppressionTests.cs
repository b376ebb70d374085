using Geo.Core.Privacy;
using Xunit;

namespace Geo.Core.Tests.Privacy;

public sealed class AggregateSuppressionTests
{
    [Theory]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(4, true)]
    [InlineData(5, false)]
    [InlineData(1_000, false)]
    public void CoarsenedCallers_SeeNoCountBelowTheMinimum(long count, bool withheld)
    {
        var policy = LocationCoarsening.Grid(1_000, minimumAggregateCount: 5);

        Assert.Equal(withheld, AggregateSuppression.IsWithheld(count, policy));
        Assert.Equal(withheld ? null : count, AggregateSuppression.Publishable(count, policy));
    }

    [Fact]
    public void ExactCallers_SeeEveryCount()
    {
        Assert.False(AggregateSuppression.IsWithheld(0, LocationCoarsening.Exact));
        Assert.False(AggregateSuppression.IsWithheld(1, LocationCoarsening.Exact));
    }

    [Fact]
    public void Breakdown_ALoneWithheldPartTakesTheNextSmallestWithIt()
    {
        // Female 3, male 12, unknown 7, total 22 shown: 3 could be recovered as 22 - 12 - 7.
        var parts = AggregateSuppression.SuppressBreakdown([3, 12, 7], LocationCoarsening.Displacement());

        Assert.Equal(new long?[] { null, 12, null }, parts);
    }

    [Fact]
    public void Breakdown_TwoOrMoreWithheldPartsNeedNoMore()
    {
        var parts = AggregateSuppression.SuppressBreakdown([3, 2, 7, 9], LocationCoarsening.Displacement());

        Assert.Equal(new long?[] { null, null, 7, 9 }, parts);
    }

    [Fact]
    public void Breakdown_ForExactCallersIsUntouched()
    {
        Assert.Equal(new long?[] { 1, 2 }, AggregateSuppression.SuppressBreakdown([1, 2], LocationCoarsening.Exact));
    }
}
