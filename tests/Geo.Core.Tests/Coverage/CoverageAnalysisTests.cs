using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Core.Validation;
using Xunit;

namespace Geo.Core.Tests.Coverage;

public sealed class CoverageAnalysisTests
{
    private static readonly DateOnly At = new(2026, 3, 1);
    private static readonly GeoPoint Goma = new(29.22, -1.68);
    private static readonly CoverageQuestion Question = new(At, ReachDistances.Defaults, CoverageQuestion.DefaultMinRisk);

    private static Base Station(string id, BaseKind kind = BaseKind.CompanyOperatingBase, GeoPoint? at = null, DateOnly? opened = null, DateOnly? closed = null) => new()
    {
        Id = id, Name = id, Kind = kind, Location = at ?? Goma, OpenedOn = opened ?? new DateOnly(2024, 1, 1), ClosedOn = closed,
    };

    private static ClaDeployment Cla(string id, string baseId, Sex sex, DateOnly? from = null, DateOnly? to = null, bool temporaryDuty = false) => new()
    {
        Id = id, ClaId = id, BaseId = baseId, Sex = sex, From = from ?? new DateOnly(2025, 6, 1), To = to, TemporaryDuty = temporaryDuty,
    };

    /// <summary>A base with a team of <paramref name="male"/> male and <paramref name="female"/> female CLAs, none flagged.</summary>
    private static BaseTeam Team(Base station, int male, int female) => new(station, new ClaTeam(male + female, female, 0), 0, 0);

    private static CommunityAtRisk Village(string id, GeoPoint at, RiskLevel risk = RiskLevel.High, long population = 1000) => new(id, id, at, risk, population);

    /// <summary>A point <paramref name="km"/> kilometres east (west when negative) of <paramref name="from"/>, on the ellipsoid.</summary>
    private static GeoPoint East(GeoPoint from, double km) => Geodesy.DestinationPoint(from, km >= 0 ? 90 : 270, Math.Abs(km) * 1000);

    [Theory]
    [InlineData(0, 0, new[] { TeamGap.NoCla })]
    [InlineData(0, 1, new[] { TeamGap.BelowMinimum })]
    [InlineData(1, 0, new[] { TeamGap.BelowMinimum, TeamGap.NoFemaleCla })]
    [InlineData(2, 0, new[] { TeamGap.NoFemaleCla })]
    [InlineData(1, 1, new TeamGap[0])]
    [InlineData(0, 3, new TeamGap[0])]
    public void TeamGaps_OfATeam_FollowParas53And54WithoutCountingOneGapTwice(int male, int female, TeamGap[] expected)
    {
        Assert.Equal(expected, TeamGaps.Of(new ClaTeam(male + female, female, 0)));
    }

    [Fact]
    public void Analyse_BasesOfEachKindOfTeam_CountsEachGapOnce()
    {
        var bases = new[]
        {
            Team(Station("b-none"), 0, 0), Team(Station("b-one-female"), 0, 1), Team(Station("b-one-male"), 1, 0),
            Team(Station("b-two-male"), 2, 0), Team(Station("b-mixed"), 1, 1),
        };

        var report = CoverageAnalysis.Analyse(Question, bases, []);

        Assert.Equal(["b-mixed", "b-none", "b-one-female", "b-one-male", "b-two-male"], report.Bases.Select(b => b.Base.Id));
        Assert.Equal(1, report.BasesWithoutCla);
        Assert.Equal(2, report.BasesBelowMinimum);
        Assert.Equal(2, report.TeamsWithoutFemaleCla);
        Assert.Empty(report.Bases.Single(b => b.Base.Id == "b-mixed").Gaps);
    }

    [Fact]
    public void Analyse_BaseClosedOrNotYetOpen_IsLeftOut()
    {
        var bases = new[]
        {
            Team(Station("b-open"), 0, 0),
            Team(Station("b-closed", closed: new DateOnly(2026, 2, 28)), 0, 0),
            Team(Station("b-closes-today", closed: At), 0, 0),
            Team(Station("b-later", opened: new DateOnly(2026, 3, 2)), 0, 0),
        };

        var report = CoverageAnalysis.Analyse(Question, bases, []);

        Assert.Equal(["b-closes-today", "b-open"], report.Bases.Select(b => b.Base.Id));
        Assert.Equal(2, report.BasesWithoutCla);
    }

    [Fact]
    public void BaseTeam_DeploymentsEndedOrNotStartedOrElsewhere_AreNotInTheTeam()
    {
        var station = Station("b");
        var deployments = new (ClaDeployment, DeploymentWarnings)[]
        {
            (Cla("d-active", "b", Sex.Female), DeploymentWarnings.OwnLocality),
            (Cla("d-ends-today", "b", Sex.Male, to: At, temporaryDuty: true), DeploymentWarnings.TemporaryDutyOverThreeMonths),
            (Cla("d-ended", "b", Sex.Female, to: new DateOnly(2026, 2, 28)), DeploymentWarnings.None),
            (Cla("d-later", "b", Sex.Female, from: new DateOnly(2026, 3, 2)), DeploymentWarnings.None),
            (Cla("d-elsewhere", "other", Sex.Female), DeploymentWarnings.OwnLocality),
        };

        var team = BaseTeam.Of(station, deployments, At);

        Assert.Equal(new ClaTeam(2, 1, 1), team.Team);
        Assert.Equal(1, team.OwnLocalityCount);
        Assert.Equal(1, team.TemporaryDutyOverThreeMonthsCount);
    }

    [Fact]
    public void BaseTeam_OneDeploymentEnds_TheBaseFallsBelowTheMinimum()
    {
        var deployments = new (ClaDeployment, DeploymentWarnings)[]
        {
            (Cla("d-1", "b", Sex.Female), DeploymentWarnings.None),
            (Cla("d-2", "b", Sex.Male, to: new DateOnly(2026, 2, 15)), DeploymentWarnings.None),
        };

        var inFebruary = CoverageAnalysis.Analyse(Question with { At = new DateOnly(2026, 2, 1) }, [BaseTeam.Of(Station("b"), deployments, new DateOnly(2026, 2, 1))], []);
        var inMarch = CoverageAnalysis.Analyse(Question, [BaseTeam.Of(Station("b"), deployments, At)], []);

        Assert.Empty(inFebruary.Bases[0].Gaps);
        Assert.Equal([TeamGap.BelowMinimum], inMarch.Bases[0].Gaps);
    }

    [Theory]
    [InlineData(BaseKind.OperatingBase, 29, true)]
    [InlineData(BaseKind.OperatingBase, 31, false)]
    [InlineData(BaseKind.CompanyOperatingBase, 19, true)]
    [InlineData(BaseKind.CompanyOperatingBase, 21, false)]
    [InlineData(BaseKind.TemporaryOperatingBase, 14, true)]
    [InlineData(BaseKind.TemporaryOperatingBase, 16, false)]
    [InlineData(BaseKind.SurgeTeam, 9, true)]
    [InlineData(BaseKind.SurgeTeam, 11, false)]
    public void Analyse_CommunityAtADistance_IsWithinReachOfTheBasesKind(BaseKind kind, double km, bool withinReach)
    {
        var village = Village("v", East(Goma, km));

        var report = CoverageAnalysis.Analyse(Question, [Team(Station("b", kind), 1, 1)], [village]);

        Assert.Equal(withinReach, report.CommunitiesOutOfReach.Count == 0);
        Assert.Equal(ReachDistances.Defaults.For(kind), report.Bases[0].ReachMetres);
        Assert.Equal(1, report.CommunitiesAtRisk);
    }

    [Fact]
    public void Analyse_NearestBaseTooShortButAFartherOneReaches_IsWithinReach()
    {
        var village = Village("v", Goma);
        var surge = Team(Station("surge", BaseKind.SurgeTeam, East(Goma, 12)), 1, 1);
        var operating = Team(Station("ob", BaseKind.OperatingBase, East(Goma, -25)), 1, 1);

        var reached = CoverageAnalysis.Analyse(Question, [surge, operating], [village]);
        var onlySurge = CoverageAnalysis.Analyse(Question, [surge], [village]);

        Assert.Empty(reached.CommunitiesOutOfReach);
        var alone = Assert.Single(onlySurge.CommunitiesOutOfReach);
        Assert.Equal("surge", alone.NearestBaseId);
        Assert.Equal(12_000, alone.DistanceMetres, 0.01);
    }

    [Fact]
    public void Analyse_OnlyAnUnstaffedBaseNearby_IsOutOfReachAndNamesTheNearestStaffedBase()
    {
        var village = Village("v", Goma);
        var lone = Team(Station("lone", at: East(Goma, 1)), 0, 1);
        var far = Team(Station("far", at: East(Goma, 80)), 1, 1);

        var withFar = CoverageAnalysis.Analyse(Question, [lone, far], [village]);
        var withoutAny = CoverageAnalysis.Analyse(Question, [lone], [village]);

        var reach = Assert.Single(withFar.CommunitiesOutOfReach);
        Assert.Equal("far", reach.NearestBaseId);
        Assert.Equal(80_000, reach.DistanceMetres, 0.01);
        var none = Assert.Single(withoutAny.CommunitiesOutOfReach);
        Assert.Null(none.NearestBaseId);
        Assert.Equal(0, none.DistanceMetres);
    }

    [Fact]
    public void Analyse_ReachOverridden_UsesTheGivenDistance()
    {
        var village = Village("v", East(Goma, 25));
        var station = Team(Station("b", BaseKind.CompanyOperatingBase), 2, 0);
        var wider = Question with { Reach = ReachDistances.Defaults.Overridden(0, 26_000, 0, 0) };

        Assert.Single(CoverageAnalysis.Analyse(Question, [station], [village]).CommunitiesOutOfReach);
        Assert.Empty(CoverageAnalysis.Analyse(wider, [station], [village]).CommunitiesOutOfReach);
        Assert.Equal(30_000, wider.Reach.OperatingBaseMetres);
    }

    [Fact]
    public void Analyse_CommunitiesOutOfReach_AreSortedByRiskThenPopulationThenId()
    {
        var far = East(Goma, 100);
        var communities = new[]
        {
            Village("c-medium-big", far, RiskLevel.Medium, 90_000), Village("c-high-small", far, RiskLevel.High, 10),
            Village("c-critical", far, RiskLevel.Critical, 5), Village("c-high-big-b", far, RiskLevel.High, 500),
            Village("c-high-big-a", far, RiskLevel.High, 500), Village("c-low", far, RiskLevel.Low, 1_000_000),
            Village("c-unassessed", far, RiskLevel.Unassessed, 1_000_000),
        };

        var report = CoverageAnalysis.Analyse(Question, [Team(Station("b"), 1, 1)], communities);

        Assert.Equal(["c-critical", "c-high-big-a", "c-high-big-b", "c-high-small", "c-medium-big"], report.CommunitiesOutOfReach.Select(c => c.Community.Id));
        Assert.Equal(5, report.CommunitiesAtRisk);
    }

    [Fact]
    public void Analyse_MinRiskLow_CountsLowButNeverUnassessed()
    {
        var far = East(Goma, 100);
        var report = CoverageAnalysis.Analyse(Question with { MinRisk = RiskLevel.Low }, [],
            [Village("low", far, RiskLevel.Low), Village("unassessed", far, RiskLevel.Unassessed)]);

        Assert.Equal(["low"], report.CommunitiesOutOfReach.Select(c => c.Community.Id));
    }

    [Fact]
    public void Plan_TwoClasOneFemaleAtAnEmptyBase_ClosesItsGapAndBringsCommunitiesWithinReach()
    {
        var empty = Team(Station("empty", BaseKind.CompanyOperatingBase), 0, 0);
        var staffed = Team(Station("staffed", BaseKind.OperatingBase, East(Goma, 200)), 2, 0);
        var near = Village("near", East(Goma, 5));
        var far = Village("far", East(Goma, 60));

        var plan = CoverageAnalysis.Plan(Question, [empty, staffed], [near, far], [new PlannedTeam("empty", 2, 1)]);

        Assert.Equal([new TeamGapChange("empty", TeamGap.NoCla)], plan.ClosedTeamGaps);
        Assert.Equal(["far", "near"], plan.Before.CommunitiesOutOfReach.Select(c => c.Community.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["far"], plan.After.CommunitiesOutOfReach.Select(c => c.Community.Id));
        var brought = Assert.Single(plan.CommunitiesBroughtInReach);
        Assert.Equal("empty", brought.NearestBaseId);
        Assert.Equal(5_000, brought.DistanceMetres, 0.01);
        Assert.Equal(1, plan.Before.BasesWithoutCla);
        Assert.Equal(0, plan.After.BasesWithoutCla);
        Assert.Equal(1, plan.After.TeamsWithoutFemaleCla);
        Assert.Equal(new ClaTeam(2, 1, 0), plan.After.Bases.Single(b => b.Base.Id == "empty").Team);
    }

    [Fact]
    public void Plan_OneFemaleJoiningALoneMale_ClosesBothGaps()
    {
        var plan = CoverageAnalysis.Plan(Question, [Team(Station("b"), 1, 0)], [], [new PlannedTeam("b", 1, 1)]);

        Assert.Equal([new TeamGapChange("b", TeamGap.BelowMinimum), new TeamGapChange("b", TeamGap.NoFemaleCla)], plan.ClosedTeamGaps);
        Assert.Empty(plan.After.Bases[0].Gaps);
    }

    [Fact]
    public void Plan_TwoTeamsForOneBase_AddUp()
    {
        var plan = CoverageAnalysis.Plan(Question, [Team(Station("b"), 0, 0)], [], [new PlannedTeam("b", 1, 0), new PlannedTeam("b", 1, 1)]);

        Assert.Equal(new ClaTeam(2, 1, 0), plan.After.Bases[0].Team);
        Assert.Equal([new TeamGapChange("b", TeamGap.NoCla)], plan.ClosedTeamGaps);
    }

    [Fact]
    public void Plan_OneMaleAtAnEmptyBase_ClosesNoClaButLeavesTheOtherGaps()
    {
        var plan = CoverageAnalysis.Plan(Question, [Team(Station("b"), 0, 0)], [], [new PlannedTeam("b", 1, 0)]);

        Assert.Equal([new TeamGapChange("b", TeamGap.NoCla)], plan.ClosedTeamGaps);
        Assert.Equal([TeamGap.BelowMinimum, TeamGap.NoFemaleCla], plan.After.Bases[0].Gaps);
    }

    [Fact]
    public void Plan_BaseThatIsNotOpen_IsAProgrammingError()
    {
        var closed = Team(Station("closed", closed: new DateOnly(2025, 1, 1)), 0, 0);

        Assert.Throws<ArgumentException>(() => CoverageAnalysis.Plan(Question, [closed], [], [new PlannedTeam("closed", 2, 1)]));
        Assert.Throws<ArgumentException>(() => CoverageAnalysis.Plan(Question, [closed], [], [new PlannedTeam("unknown", 2, 1)]));
    }

    [Fact]
    public void PlannedTeam_Check_NamesEachBadField()
    {
        var errors = new FieldErrors();
        PlannedTeam.Check([new PlannedTeam("b", 2, 1), new PlannedTeam("", 0, -1), new PlannedTeam("b", 2, 3), new PlannedTeam("b", 51, 0)], errors);

        Assert.Equal(
            ["teams[1].base_id: is required", "teams[1].cla_count: 0 is out of range 1..50", "teams[1].female_count: -1 is negative",
             "teams[2].female_count: 3 is more than cla_count 2", "teams[3].cla_count: 51 is out of range 1..50"],
            errors.All.Select(e => e.ToString()));
    }

    [Fact]
    public void PlannedTeam_CheckNoTeams_IsLeftToThePlan()
    {
        // A plan may say everything with its changes; "at least one team or change" is the plan's rule.
        var errors = new FieldErrors();
        PlannedTeam.Check([], errors);

        Assert.False(errors.Any);
    }

    [Theory]
    [InlineData(double.NaN, "reach: NaN is not a finite distance")]
    [InlineData(double.PositiveInfinity, "reach: Infinity is not a finite distance")]
    [InlineData(-1, "reach: -1 m is negative; 0 for the default")]
    [InlineData(500_001, "reach: 500001 m is beyond the limit of 500000 m")]
    public void ReachDistances_Check_RefusesWhatIsNotADistance(double metres, string expected)
    {
        var errors = new FieldErrors();
        ReachDistances.Check(metres, "reach", ReachDistances.MaxMetres, errors);

        Assert.Equal(expected, errors.First?.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(500_000)]
    public void ReachDistances_Check_AcceptsZeroAndDistancesUpToTheLimit(double metres)
    {
        var errors = new FieldErrors();
        ReachDistances.Check(metres, "reach", ReachDistances.MaxMetres, errors);

        Assert.False(errors.Any);
    }

    /// <summary>The pruned search against measuring every pair: same nearest base, distance and reach.</summary>
    [Theory]
    [InlineData(1, 27.2, -2.3, 4.0)]
    [InlineData(2, 179.0, -1.0, 2.0)]
    [InlineData(3, -10.0, 60.0, 6.0)]
    public void Analyse_ManyBasesAndCommunities_AgreesWithMeasuringEveryPair(int seed, double west, double south, double span)
    {
        var random = new Random(seed);
        GeoPoint Somewhere()
        {
            var longitude = west + (random.NextDouble() * span);
            return new GeoPoint(longitude > 180 ? longitude - 360 : longitude, south + (random.NextDouble() * span));
        }

        var kinds = Enum.GetValues<BaseKind>();
        var bases = Enumerable.Range(0, 60).Select(i => Team(Station($"b{i:D2}", kinds[random.Next(kinds.Length)], Somewhere()), random.Next(3), random.Next(2))).ToList();
        var communities = Enumerable.Range(0, 400).Select(i => Village($"c{i:D3}", Somewhere())).ToList();

        var report = CoverageAnalysis.Analyse(Question, bases, communities);

        var staffed = bases.Where(b => b.Team.IsStaffed).ToList();
        var expected = new List<(string Id, string Nearest, double Metres)>();
        foreach (var community in communities)
        {
            var measured = staffed.Select(b => (b.Base, Metres: Geodesy.DistanceMetres(community.Centroid, b.Base.Location))).ToList();
            if (measured.Any(m => m.Metres <= ReachDistances.Defaults.For(m.Base.Kind)))
            {
                continue;
            }

            var nearest = measured.OrderBy(m => m.Metres).ThenBy(m => m.Base.Id, StringComparer.Ordinal).First();
            expected.Add((community.Id, nearest.Base.Id, nearest.Metres));
        }

        Assert.NotEmpty(expected);
        Assert.True(expected.Count < communities.Count, "some communities should be within reach");
        Assert.Equal(expected.OrderBy(e => e.Id, StringComparer.Ordinal), report.CommunitiesOutOfReach.Select(c => (c.Community.Id, c.NearestBaseId!, c.DistanceMetres)).OrderBy(e => e.Item1, StringComparer.Ordinal));
    }
}
