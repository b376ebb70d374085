using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Synthetic;
using Geo.Core.Validation;
using Xunit;

namespace Geo.Core.Tests.Synthetic;

/// <summary>The demo mission holds the gaps the README promises a newcomer, whatever the seed.</summary>
public sealed class DemoMissionTests
{
    private static readonly DateOnly LoadDate = new(2026, 7, 20);
    private static readonly Mission Mission = DemoMission.Generate(DemoMission.DefaultSeed, LoadDate);
    private static readonly List<Observation> Observations = DemoMission.Observations(Mission).ToList();

    /// <summary>Coverage on the load date, as the service computes it from the registry.</summary>
    private static CoverageReport CoverageOf(Mission mission, DateOnly at)
    {
        var teams = mission.Bases.Select(station => BaseTeam.Of(station, mission.Deployments.Select(d => (d, DeploymentRules.Evaluate(d, station, null, at))), at));
        var communities = mission.Communities.Select(c =>
        {
            var surface = c.Location.InteriorPoint;
            return new CommunityAtRisk(c.Id, c.Name, new GeoPoint(surface.X, surface.Y), c.RiskLevel, c.Population?.Total ?? 0);
        });
        return CoverageAnalysis.Analyse(new CoverageQuestion(at, ReachDistances.Defaults, CoverageQuestion.DefaultMinRisk), teams, communities);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(17)]
    public void Coverage_OnTheLoadDate_ShowsEachDeliberateGap(int seed)
    {
        var report = CoverageOf(DemoMission.Generate(seed, LoadDate), LoadDate);

        Assert.Single(report.Bases, b => b.Base.Kind == BaseKind.OperatingBase && b.Gaps.Count == 0);
        Assert.Contains(report.Bases, b => b.Team.ClaCount == 1 && b.Gaps.Contains(TeamGap.BelowMinimum));
        Assert.Contains(report.Bases, b => b.Team.IsStaffed && b.Gaps.SequenceEqual([TeamGap.NoFemaleCla]));
        Assert.Contains(report.Bases, b => b.Base.Kind == BaseKind.TemporaryOperatingBase && b.Gaps.SequenceEqual([TeamGap.NoCla]));
        Assert.Contains(report.Bases, b => b.Station.TemporaryDutyOverThreeMonthsCount > 0);
        Assert.NotEmpty(report.CommunitiesOutOfReach);
        Assert.True(report.CommunitiesOutOfReach.Count < report.CommunitiesAtRisk, "some communities at risk should be within reach");
    }

    [Fact]
    public void Generate_SameSeedAndLoadDate_SameMission()
    {
        var again = DemoMission.Generate(DemoMission.DefaultSeed, LoadDate);

        Assert.Equal(Mission.Bases, again.Bases);
        Assert.Equal(Mission.Deployments, again.Deployments);
        Assert.Equal(Mission.Communities.Select(c => (c.Id, c.Name, c.Location.ToText())), again.Communities.Select(c => (c.Id, c.Name, c.Location.ToText())));
        Assert.Equal(
            Observations.Select(ObservationFingerprint.Compute).Select(Convert.ToHexString),
            DemoMission.Observations(again).Select(ObservationFingerprint.Compute).Select(Convert.ToHexString));
    }

    [Fact]
    public void Generate_OtherSeed_OtherMission()
    {
        var other = DemoMission.Generate(DemoMission.DefaultSeed + 1, LoadDate);

        Assert.NotEqual(Mission.Communities.Select(c => c.Name), other.Communities.Select(c => c.Name));
    }

    [Fact]
    public void LoadDateOf_TheOperatingBase_IsTheDateTheMissionWasGeneratedFor()
    {
        var operatingBase = Mission.Bases.Single(b => b.Id == DemoMission.OperatingBaseId);

        Assert.Equal(BaseKind.OperatingBase, operatingBase.Kind);
        Assert.Equal(LoadDate, DemoMission.LoadDateOf(operatingBase));
    }

    [Fact]
    public void Observations_AYearEndingOnTheLoadDate_ValidUnderTheRules()
    {
        var loaded = new DateTimeOffset(LoadDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

        Assert.Equal(DemoMission.ObservationCount, Observations.Count);
        Assert.All(Observations, o => Assert.InRange(o.ObservedAt, loaded.AddDays(-365), loaded));
        Assert.True(Observations[^1].ObservedAt > loaded.AddDays(-2), "the last observations are of the last days before the load date");
        foreach (var observation in Observations)
        {
            var errors = new FieldErrors();
            ObservationRules.Check(observation, new ObservationLimits(), loaded, errors);
            Assert.False(errors.Any, $"{observation.Id}: {errors.First}");
        }
    }

    [Fact]
    public void Observations_MixCategoriesSeveritiesAndEveryGenderAndAgeGroup()
    {
        Assert.Equal(Enum.GetValues<ObservationCategory>().Order(), Observations.Select(o => o.Category).Distinct().Order());
        Assert.Equal([1, 2, 3, 4, 5], Observations.Select(o => o.Severity).Distinct().Order());
        foreach (var sex in new[] { Sex.Female, Sex.Male })
        {
            foreach (var age in new[] { AgeGroup.Child, AgeGroup.Youth, AgeGroup.Adult, AgeGroup.Older })
            {
                Assert.Contains(Observations, o => o.Affected[sex, age] > 0);
            }
        }
    }

    [Fact]
    public void Sectors_SplitTheRegion_AndAreTheOnesCommunitiesAndBasesName()
    {
        var sectors = DemoMission.Sectors(Mission);
        var named = Mission.Communities.Select(c => c.Sector).Concat(Mission.Bases.Select(b => b.Sector)).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(named.Order(StringComparer.Ordinal), sectors.Select(s => s.Id).Order(StringComparer.Ordinal));
        foreach (var community in Mission.Communities)
        {
            var surface = community.Location.InteriorPoint;
            Assert.True(sectors.Single(s => s.Id == community.Sector).Area.Covers(surface), $"{community.Id} lies outside {community.Sector}");
        }
    }
}
