using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Indicators;
using Geo.Core.Privacy;
using Geo.Core.Spatial;
using Geo.Core.Validation;
using Xunit;

namespace Geo.Core.Tests.Indicators;

/// <summary>
/// A small mission of two sectors: North with a staffed mixed team and a lone female CLA, South
/// with a staffed all-male team and an empty base; four communities at risk (one without a
/// sector) and one at low risk; and the observations of a quarter, tallied as storage would.
/// </summary>
public sealed class IndicatorCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);
    private static readonly IndicatorQuestion Q3 = new(new IndicatorPeriod(PeriodKind.Quarter, new DateOnly(2026, 7, 1), new DateOnly(2026, 9, 30)), IndicatorLevel.Mission, null);
    private static readonly IndicatorSettings Settings = new("MISSION GeoAwareness", Goals(), ReachDistances.Defaults);

    private static IndicatorGoals Goals() =>
        IndicatorGoals.Read([(IndicatorCatalogue.Staffed, 40, 80), (IndicatorCatalogue.EarlyWarnings, null, 20)], "Targets", new FieldErrors());

    private static BaseTeam Team(string id, string sector, BaseKind kind, double longitude, double latitude, ClaTeam team, int ownLocality = 0, int longDuty = 0) =>
        new(new Base { Id = id, Name = "Base " + id, Sector = sector, Kind = kind, Location = new GeoPoint(longitude, latitude) }, team, ownLocality, longDuty);

    private static readonly BaseTeam[] Bases =
    [
        Team("n-mixed", "North", BaseKind.OperatingBase, 29.0, 0.0, new ClaTeam(3, 1, 1), ownLocality: 1, longDuty: 1),
        Team("n-single", "North", BaseKind.CompanyOperatingBase, 29.5, 0.0, new ClaTeam(1, 1, 0)),
        Team("s-male", "South", BaseKind.CompanyOperatingBase, 29.0, -1.0, new ClaTeam(2, 0, 2), longDuty: 1),
        Team("s-empty", "South", BaseKind.TemporaryOperatingBase, 29.5, -1.0, ClaTeam.Empty),
    ];

    private static CommunityAtRisk Village(string id, string sector, double longitude, double latitude, bool plan, bool committee, RiskLevel risk = RiskLevel.High) =>
        new(id, id, new GeoPoint(longitude, latitude), risk, 100) { Sector = sector, HasProtectionPlan = plan, HasProtectionCommittee = committee };

    private static readonly CommunityAtRisk[] Communities =
    [
        Village("c-north-near", "North", 29.1, 0.0, plan: true, committee: true),      // 11 km from n-mixed (reach 30 km)
        Village("c-north-far", "North", 29.45, 0.0, plan: false, committee: true),     // beside the lone CLA: not staffed
        Village("c-south-near", "South", 29.05, -1.0, plan: true, committee: false),   // 5.6 km from s-male (reach 20 km)
        Village("c-low", "South", 29.0, -1.0, plan: false, committee: false, RiskLevel.Low),
        Village("c-no-sector", "", 29.5, -0.95, plan: false, committee: false),        // by the empty base, 55 km from s-male
    ];

    private static long[] Cells(params (Sex Sex, AgeGroup Age, long Count)[] counts)
    {
        var cells = new long[AffectedPeople.CellCount];
        foreach (var (sex, age, count) in counts)
        {
            cells[AffectedPeople.Cell(sex, age)] = count;
        }

        return cells;
    }

    private static ObservationTally Tally(string unit, ObservationCategory category, long observations, long responded = 0, long[]? groups = null, long[]? people = null, long[]? targets = null) =>
        new(unit, unit.Length == 0 ? string.Empty : "Base " + unit, string.Empty, category, observations, responded,
            groups ?? new long[12], people ?? new long[12], targets ?? new long[6]);

    private static readonly ObservationTally[] MissionTallies =
    [
        Tally("", ObservationCategory.ThreatOfPhysicalViolence, 6,
            groups: Cells((Sex.Female, AgeGroup.Child, 4), (Sex.Male, AgeGroup.Adult, 3)), people: Cells((Sex.Female, AgeGroup.Child, 10), (Sex.Male, AgeGroup.Adult, 5))),
        Tally("", ObservationCategory.Displacement, 2, groups: Cells((Sex.Female, AgeGroup.Adult, 2)), people: Cells((Sex.Female, AgeGroup.Adult, 40))),
        Tally("", ObservationCategory.EarlyWarningAlert, 5, responded: 3, groups: Cells((Sex.Female, AgeGroup.Adult, 5)), people: Cells((Sex.Female, AgeGroup.Adult, 7))),
        Tally("", ObservationCategory.InformationHarm, 3, targets: [1, 2, 0, 0, 0, 1]),
        Tally("", ObservationCategory.CommunityEngagement, 9, groups: Cells((Sex.Male, AgeGroup.Youth, 9)), people: Cells((Sex.Male, AgeGroup.Youth, 90))),
    ];

    private static IndicatorReport Compute(IndicatorQuestion question, ObservationTally[] tallies, LocationCoarsening? policy = null, Base? named = null) =>
        IndicatorCalculator.Compute(question, new IndicatorSources(Bases, Communities, tallies, named), Settings, Now, policy ?? LocationCoarsening.Exact);

    private static IndicatorValue Value(IndicatorUnit unit, string code) => unit.Values.Single(v => v.Definition.Code == code);

    private static (double? Value, long? Numerator, long? Denominator) Ratio(IndicatorUnit unit, string code)
    {
        var figure = Value(unit, code).Figure;
        return (figure.Value, figure.Numerator, figure.Denominator);
    }

    private static long? Part(IndicatorUnit unit, string code, string key) => Value(unit, code).Breakdown.Single(p => p.Part.Key == key).Value;

    [Fact]
    public void Compute_Mission_TeamsCommunitiesAndObservations()
    {
        var report = Compute(Q3, MissionTallies);

        var mission = Assert.Single(report.Units);
        Assert.Equal((IndicatorLevel.Mission, "", "", ""), (mission.Level, mission.Sector, mission.BaseId, mission.BaseName));
        Assert.Equal(IndicatorCatalogue.All.Select(d => d.Code), mission.Values.Select(v => v.Definition.Code));
        Assert.Equal(new DateOnly(2026, 9, 30), report.EvaluatedOn);
        Assert.Equal((50.0, 2L, 4L), Ratio(mission, IndicatorCatalogue.Staffed));
        Assert.Equal((66.7, 2L, 3L), Ratio(mission, IndicatorCatalogue.FemaleCla));
        Assert.Equal((16.7, 1L, 6L), Ratio(mission, IndicatorCatalogue.OwnLocality));
        Assert.Equal((66.7, 2L, 3L), Ratio(mission, IndicatorCatalogue.LongTemporaryDuty));
        Assert.Equal((50.0, 2L, 4L), Ratio(mission, IndicatorCatalogue.CommunitiesInReach));
        Assert.Equal((50.0, 2L, 4L), Ratio(mission, IndicatorCatalogue.ProtectionPlans));
        Assert.Equal((50.0, 2L, 4L), Ratio(mission, IndicatorCatalogue.ProtectionCommittees));
        Assert.Equal((13.0, (long?)null, (long?)null), Ratio(mission, IndicatorCatalogue.ThreatObservations));
        Assert.Equal([6L, 0L, 2L, 5L], Value(mission, IndicatorCatalogue.ThreatObservations).Breakdown.Where(p => p.Part.Dimension == DisaggregationDimension.Category).Select(p => p.Value));
        Assert.Equal(4, Part(mission, IndicatorCatalogue.ThreatObservations, "female_child"));
        Assert.Equal(7, Part(mission, IndicatorCatalogue.ThreatObservations, "female_adult"));
        Assert.Equal(0, Part(mission, IndicatorCatalogue.ThreatObservations, "male_youth"));
        Assert.Equal(62.0, Value(mission, IndicatorCatalogue.ThreatPeople).Figure.Value);
        Assert.Equal(47, Part(mission, IndicatorCatalogue.ThreatPeople, "female_adult"));
        Assert.Equal(5.0, Value(mission, IndicatorCatalogue.EarlyWarnings).Figure.Value);
        Assert.Equal((60.0, 3L, 5L), Ratio(mission, IndicatorCatalogue.EarlyWarningResponse));
        Assert.Equal([1L, 2L, 0L, 0L, 0L, 1L], Value(mission, IndicatorCatalogue.InformationHarm).Breakdown.Select(p => p.Value));
        Assert.Equal(["women_and_girls", "minorities", "journalists_and_activists", "displaced_people", "persons_with_disabilities", "not_recorded"],
            Value(mission, IndicatorCatalogue.InformationHarm).Breakdown.Select(p => p.Part.Key));
        Assert.Equal(new IndicatorGoal(40, 80), Value(mission, IndicatorCatalogue.Staffed).Goal);
        Assert.Equal(new IndicatorGoal(null, 20), Value(mission, IndicatorCatalogue.EarlyWarnings).Goal);
        Assert.Equal("MISSION GeoAwareness: CLA deployments", report.SourceOf(IndicatorCatalogue.Find(IndicatorCatalogue.Staffed)!));
    }

    [Fact]
    public void Compute_Sectors_GroupBasesAndCommunitiesByTheirSectorAndListEverySectorWithSomethingToReport()
    {
        var question = Q3 with { Level = IndicatorLevel.Sector };
        ObservationTally[] tallies = [Tally("North", ObservationCategory.EarlyWarningAlert, 4, responded: 4), Tally("East", ObservationCategory.InformationHarm, 1, targets: [0, 0, 0, 0, 0, 1])];

        var report = Compute(question, tallies);

        Assert.Equal(["East", "North", "South"], report.Units.Select(u => u.Sector));
        var (east, north, south) = (report.Units[0], report.Units[1], report.Units[2]);
        Assert.Equal((50.0, 1L, 2L), Ratio(north, IndicatorCatalogue.Staffed));
        Assert.Equal((100.0, 2L, 2L), Ratio(north, IndicatorCatalogue.FemaleCla));
        Assert.Equal((25.0, 1L, 4L), Ratio(north, IndicatorCatalogue.OwnLocality));
        Assert.Equal((50.0, 1L, 2L), Ratio(north, IndicatorCatalogue.CommunitiesInReach));
        Assert.Equal((100.0, 2L, 2L), Ratio(north, IndicatorCatalogue.ProtectionCommittees));
        Assert.Equal((100.0, 4L, 4L), Ratio(north, IndicatorCatalogue.EarlyWarningResponse));
        Assert.Equal((0.0, 0L, 1L), Ratio(south, IndicatorCatalogue.FemaleCla));
        Assert.Equal((50.0, 1L, 2L), Ratio(south, IndicatorCatalogue.LongTemporaryDuty));
        Assert.Equal((100.0, 1L, 1L), Ratio(south, IndicatorCatalogue.CommunitiesInReach));
        Assert.Equal((null, 0L, 0L), Ratio(east, IndicatorCatalogue.Staffed));
        Assert.Equal(1.0, Value(east, IndicatorCatalogue.InformationHarm).Figure.Value);
        Assert.Equal(new IndicatorGoal(40, 80), Value(east, IndicatorCatalogue.Staffed).Goal);
        Assert.Equal(IndicatorGoal.None, Value(north, IndicatorCatalogue.EarlyWarnings).Goal);
    }

    [Fact]
    public void Compute_Bases_GiveEachCommunityToItsNearestOpenBaseAndListBasesKnownOnlyFromObservations()
    {
        var question = Q3 with { Level = IndicatorLevel.Base };
        ObservationTally[] tallies = [new("closed-tob", "TOB Closed", "South", ObservationCategory.Displacement, 2, 0, new long[12], new long[12], new long[6])];

        var report = Compute(question, tallies);

        Assert.Equal(["closed-tob", "n-mixed", "n-single", "s-empty", "s-male"], report.Units.Select(u => u.BaseId));
        var units = report.Units.ToDictionary(u => u.BaseId);
        Assert.Equal(("South", "TOB Closed"), (units["closed-tob"].Sector, units["closed-tob"].BaseName));
        Assert.Equal((null, 0L, 0L), Ratio(units["closed-tob"], IndicatorCatalogue.Staffed));
        Assert.Equal(2.0, Value(units["closed-tob"], IndicatorCatalogue.ThreatObservations).Figure.Value);
        Assert.Equal((0.0, 0L, 1L), Ratio(units["n-single"], IndicatorCatalogue.Staffed));
        Assert.Equal((0.0, 0L, 1L), Ratio(units["n-single"], IndicatorCatalogue.CommunitiesInReach));
        Assert.Equal((100.0, 1L, 1L), Ratio(units["n-mixed"], IndicatorCatalogue.CommunitiesInReach));
        Assert.Equal((100.0, 1L, 1L), Ratio(units["s-male"], IndicatorCatalogue.ProtectionPlans));
        Assert.Equal((0.0, 0L, 1L), Ratio(units["s-empty"], IndicatorCatalogue.CommunitiesInReach));
        Assert.Equal((null, 0L, 0L), Ratio(units["s-empty"], IndicatorCatalogue.FemaleCla));
        Assert.Equal((null, 0L, 0L), Ratio(units["n-single"], IndicatorCatalogue.LongTemporaryDuty));
    }

    [Fact]
    public void Compute_NamedBase_IsTheOnlyUnitEvenWhenClosed()
    {
        var closed = new Base { Id = "closed-tob", Name = "TOB Closed", Sector = "South" };

        var report = Compute(Q3 with { Level = IndicatorLevel.Base, UnitId = "closed-tob" }, [], named: closed);

        var unit = Assert.Single(report.Units);
        Assert.Equal(("closed-tob", "TOB Closed", "South"), (unit.BaseId, unit.BaseName, unit.Sector));
        Assert.Equal(0.0, Value(unit, IndicatorCatalogue.ThreatObservations).Figure.Value);
    }

    [Fact]
    public void Compute_CoarsenedCaller_WithholdsSmallObservationCountsButNotRegistryCounts()
    {
        var report = Compute(Q3, MissionTallies, LocationCoarsening.Displacement(minimumAggregateCount: 5));

        var mission = report.Units[0];
        var threats = Value(mission, IndicatorCatalogue.ThreatObservations);
        Assert.Equal(13.0, threats.Figure.Value);
        Assert.Equal([6L, null, null, 5L], threats.Breakdown.Where(p => p.Part.Dimension == DisaggregationDimension.Category).Select(p => p.Value));
        var shownGroups = threats.Breakdown.Where(p => p.Part.Dimension == DisaggregationDimension.SexAndAge && !p.Withheld).ToList();
        Assert.Equal(("female_adult", (long?)7), (Assert.Single(shownGroups).Part.Key, shownGroups[0].Value));
        Assert.All(threats.Breakdown.Where(p => p.Withheld), p => Assert.Null(p.Value));
        Assert.Equal(47, Assert.Single(Value(mission, IndicatorCatalogue.ThreatPeople).Breakdown, p => !p.Withheld).Value);
        Assert.Equal((60.0, 3L, 5L), Ratio(mission, IndicatorCatalogue.EarlyWarningResponse));
        var harm = Value(mission, IndicatorCatalogue.InformationHarm);
        Assert.Equal(IndicatorFigure.WithheldFigure, harm.Figure);
        Assert.All(harm.Breakdown, p => Assert.True(p.Withheld && p.Value is null));
        Assert.Equal((50.0, 2L, 4L), Ratio(mission, IndicatorCatalogue.Staffed));
    }

    /// <summary>
    /// A quarter less two of its months used to give the third month's withheld count: with the
    /// keys storage reads, every count a coarsened caller gets is perturbed by its own
    /// observations' key, so the months' figures no longer add up to the quarter's.
    /// </summary>
    [Fact]
    public void Compute_CoarsenedCallerWithKeys_PerturbsEachCountByItsObservationsKey()
    {
        var policy = LocationCoarsening.Displacement();
        static ObservationTally Keyed(ObservationCategory category, long observations, long key) =>
            Tally("", category, observations) with { Keys = new TallyKeys(key, 0, new long[12], new long[6]) };
        ObservationTally[] months = [Keyed(ObservationCategory.ThreatOfPhysicalViolence, 6, 101), Keyed(ObservationCategory.Displacement, 6, 202)];
        ObservationTally[] quarter = [Keyed(ObservationCategory.ThreatOfPhysicalViolence, 14, 101 + 202 + 303)];

        var twoMonths = Value(Compute(Q3, months, policy).Units[0], IndicatorCatalogue.ThreatObservations).Figure.Value;
        var whole = Value(Compute(Q3, quarter, policy).Units[0], IndicatorCatalogue.ThreatObservations).Figure.Value;

        Assert.Equal(AggregateSuppression.Publishable(12, 303, policy), (long?)twoMonths);
        Assert.Equal(AggregateSuppression.Publishable(14, 606, policy), (long?)whole);
        Assert.Equal(twoMonths, Value(Compute(Q3, months, policy).Units[0], IndicatorCatalogue.ThreatObservations).Figure.Value);
    }

    [Fact]
    public void Compute_CoarsenedCallerFewAlerts_WithholdsTheResponseShare()
    {
        ObservationTally[] tallies = [Tally("", ObservationCategory.EarlyWarningAlert, 2, responded: 1)];

        var report = Compute(Q3, tallies, LocationCoarsening.Displacement());

        Assert.Equal(IndicatorFigure.WithheldFigure, Value(report.Units[0], IndicatorCatalogue.EarlyWarningResponse).Figure);
    }

    [Fact]
    public void Compute_PeriodStillRunning_TakesTeamsOnToday()
    {
        var running = new IndicatorQuestion(new IndicatorPeriod(PeriodKind.Quarter, new DateOnly(2026, 10, 1), new DateOnly(2026, 12, 31)), IndicatorLevel.Mission, null);

        Assert.Equal(new DateOnly(2026, 11, 21), Compute(running, []).EvaluatedOn);
    }
}
