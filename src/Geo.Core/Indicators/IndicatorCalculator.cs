using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Privacy;

namespace Geo.Core.Indicators;

/// <summary>What indicators are computed from, as storage read it for the caller (inside its area when it is scoped).</summary>
/// <param name="OpenBases">The bases open on the evaluation date, each with its team on that date.</param>
/// <param name="Communities">The communities at <see cref="CoverageQuestion.DefaultMinRisk"/> or above.</param>
/// <param name="Observations">The observations of the period, tallied by unit of the question's level and category.</param>
/// <param name="NamedBase">The base a base-level question names (it may be closed on the evaluation date); otherwise null.</param>
public sealed record IndicatorSources(
    IReadOnlyList<BaseTeam> OpenBases,
    IReadOnlyList<CommunityAtRisk> Communities,
    IReadOnlyList<ObservationTally> Observations,
    Base? NamedBase = null);

/// <summary>How the mission reports: the data source it names, its goals, and how far its teams reach.</summary>
public sealed record IndicatorSettings(string DataSource, IndicatorGoals Goals, ReachDistances Reach);

/// <summary>
/// The indicators of <see cref="IndicatorCatalogue"/> for every unit of a question's level. Pure:
/// the same sources, settings, time and policy give the same report. Counts drawn from
/// observations are withheld from a coarsened caller when small (<see cref="AggregateSuppression"/>);
/// counts of bases, CLAs and communities are the registry's and never are.
/// </summary>
public static class IndicatorCalculator
{
    public static IndicatorReport Compute(IndicatorQuestion question, IndicatorSources sources, IndicatorSettings settings, DateTimeOffset computedAt, LocationCoarsening policy)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(policy);
        var level = question.Level;
        var evaluatedOn = question.Period.EvaluatedOn(DateOnly.FromDateTime(computedAt.UtcDateTime));
        var coverage = CoverageAnalysis.Analyse(new CoverageQuestion(evaluatedOn, settings.Reach, CoverageQuestion.DefaultMinRisk), sources.OpenBases, sources.Communities);
        var outOfReach = coverage.CommunitiesOutOfReach.Select(c => c.Community.Id).ToHashSet(StringComparer.Ordinal);
        var atRisk = CoverageAnalysis.AtRisk(CoverageQuestion.DefaultMinRisk, sources.Communities);

        Func<CommunityAtRisk, string> communityUnit = level switch
        {
            IndicatorLevel.Mission => _ => string.Empty,
            IndicatorLevel.Sector => c => c.Sector,
            _ => NearestOpenBase(coverage),
        };
        var bases = coverage.Bases.ToLookup(b => UnitOf(level, b.Base), StringComparer.Ordinal);
        var communities = atRisk.ToLookup(communityUnit, StringComparer.Ordinal);
        var observations = sources.Observations.ToLookup(t => t.Unit, StringComparer.Ordinal);

        var units = new List<IndicatorUnit>();
        foreach (var (key, sector, baseId, baseName) in Units(question, sources))
        {
            var figures = new UnitFigures([.. bases[key]], [.. communities[key]], outOfReach, [.. observations[key]], policy);
            var values = IndicatorCatalogue.All.Select(d => figures.Value(d, settings.Goals.For(d, level))).ToList();
            units.Add(new IndicatorUnit(level, sector, baseId, baseName, values));
        }

        return new IndicatorReport(question.Period, level, question.UnitId, evaluatedOn, computedAt, settings.DataSource, units);
    }

    private static string UnitOf(IndicatorLevel level, Base station) => level switch
    {
        IndicatorLevel.Mission => string.Empty,
        IndicatorLevel.Sector => station.Sector,
        _ => station.Id,
    };

    /// <summary>A community belongs to the base nearest to it among those open on the evaluation date, staffed or not.</summary>
    private static Func<CommunityAtRisk, string> NearestOpenBase(CoverageReport coverage)
    {
        var index = new ReachIndex(coverage.Bases, staffedOnly: false);
        return c => index.Nearest(c).NearestBaseId ?? string.Empty;
    }

    /// <summary>
    /// The units of the question: the one it names, or every one that has something to report
    /// (an open base, a community at risk, an observation). Records without a sector or base
    /// belong to the mission only.
    /// </summary>
    private static IEnumerable<(string Key, string Sector, string BaseId, string BaseName)> Units(IndicatorQuestion question, IndicatorSources sources)
    {
        switch (question.Level)
        {
            case IndicatorLevel.Mission:
                return [(string.Empty, string.Empty, string.Empty, string.Empty)];
            case IndicatorLevel.Sector:
                IEnumerable<string> sectors = question.UnitId is { } named
                    ? [named]
                    : sources.OpenBases.Select(b => b.Base.Sector).Concat(sources.Communities.Select(c => c.Sector)).Concat(sources.Observations.Select(t => t.Unit))
                        .Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
                return sectors.Select(s => (s, s, string.Empty, string.Empty));
            default:
                if (sources.NamedBase is { } only)
                {
                    return [(only.Id, only.Sector, only.Id, only.Name)];
                }

                var known = new SortedDictionary<string, (string Sector, string Name)>(StringComparer.Ordinal);
                foreach (var station in sources.OpenBases)
                {
                    known[station.Base.Id] = (station.Base.Sector, station.Base.Name);
                }

                foreach (var tally in sources.Observations.Where(t => t.Unit.Length > 0))
                {
                    known.TryAdd(tally.Unit, (tally.Sector, tally.BaseName));
                }

                return known.Select(b => (b.Key, b.Value.Sector, b.Key, b.Value.Name));
        }
    }

    /// <summary>The figures of one unit: its open bases, its communities at risk, its observations.</summary>
    private sealed class UnitFigures(List<BaseCoverage> bases, List<CommunityAtRisk> communities, HashSet<string> outOfReach, List<ObservationTally> observations, LocationCoarsening policy)
    {
        public IndicatorValue Value(IndicatorDefinition definition, IndicatorGoal goal) => definition.Code switch
        {
            IndicatorCatalogue.Staffed => Ratio(definition, goal, bases.Count(b => b.Team.IsStaffed), bases.Count),
            IndicatorCatalogue.FemaleCla => Ratio(definition, goal, bases.Count(b => b.Team.ClaCount > 0 && b.Team.HasFemaleCla), bases.Count(b => b.Team.ClaCount > 0)),
            IndicatorCatalogue.OwnLocality => Ratio(definition, goal, bases.Sum(b => b.Station.OwnLocalityCount), bases.Sum(b => b.Team.ClaCount)),
            IndicatorCatalogue.LongTemporaryDuty => Ratio(definition, goal, bases.Sum(b => b.Station.TemporaryDutyOverThreeMonthsCount), bases.Sum(b => b.Team.TemporaryDutyCount)),
            IndicatorCatalogue.CommunitiesInReach => Ratio(definition, goal, communities.Count(c => !outOfReach.Contains(c.Id)), communities.Count),
            IndicatorCatalogue.ProtectionPlans => Ratio(definition, goal, communities.Count(c => c.HasProtectionPlan), communities.Count),
            IndicatorCatalogue.ProtectionCommittees => Ratio(definition, goal, communities.Count(c => c.HasProtectionCommittee), communities.Count),
            IndicatorCatalogue.ThreatObservations => ThreatObservations(definition, goal),
            IndicatorCatalogue.ThreatPeople => ThreatPeople(definition, goal),
            IndicatorCatalogue.EarlyWarnings => EarlyWarnings(definition, goal),
            IndicatorCatalogue.EarlyWarningResponse => EarlyWarningResponse(definition, goal),
            IndicatorCatalogue.InformationHarm => InformationHarm(definition, goal),
            _ => throw new ArgumentException($"no computation for indicator {definition.Code}", nameof(definition)),
        };

        private static IndicatorValue Ratio(IndicatorDefinition definition, IndicatorGoal goal, long numerator, long denominator) =>
            new(definition, IndicatorFigure.Ratio(numerator, denominator), [], goal);

        private IEnumerable<ObservationTally> Threats => observations.Where(t => ObservationTally.ThreatCategories.Contains(t.Category));

        private IEnumerable<ObservationTally> Of(ObservationCategory category) => observations.Where(t => t.Category == category);

        private IndicatorValue ThreatObservations(IndicatorDefinition definition, IndicatorGoal goal)
        {
            var threats = Threats.ToList();
            var total = threats.Sum(t => t.Observations);
            var byCategory = ObservationTally.ThreatCategories
                .Select(c => (Disaggregation.OfCategory(c), Value: threats.Where(t => t.Category == c).Sum(t => t.Observations)))
                .Select(p => (p.Item1, p.Value, p.Value))
                .ToList();
            return Count(definition, goal, total, total, byCategory, ByGroup(threats, t => t.GroupObservations, t => t.GroupObservations));
        }

        private IndicatorValue ThreatPeople(IndicatorDefinition definition, IndicatorGoal goal)
        {
            var threats = Threats.ToList();
            // People are withheld where the observations behind them are few, as the counts are.
            return Count(definition, goal, threats.Sum(t => t.GroupPeople.Sum()), threats.Sum(t => t.Observations), ByGroup(threats, t => t.GroupPeople, t => t.GroupObservations));
        }

        private IndicatorValue EarlyWarnings(IndicatorDefinition definition, IndicatorGoal goal)
        {
            var alerts = Of(ObservationCategory.EarlyWarningAlert).ToList();
            var total = alerts.Sum(t => t.Observations);
            return Count(definition, goal, total, total, ByGroup(alerts, t => t.GroupObservations, t => t.GroupObservations));
        }

        private IndicatorValue EarlyWarningResponse(IndicatorDefinition definition, IndicatorGoal goal)
        {
            var alerts = Of(ObservationCategory.EarlyWarningAlert).ToList();
            var total = alerts.Sum(t => t.Observations);
            // The share says nothing of where an alert came from, but its denominator is the alert
            // count, withheld when small: so is the share.
            return AggregateSuppression.IsWithheld(total, policy)
                ? new IndicatorValue(definition, IndicatorFigure.WithheldFigure, [], goal)
                : Ratio(definition, goal, alerts.Sum(t => t.RespondedInTime), total);
        }

        private IndicatorValue InformationHarm(IndicatorDefinition definition, IndicatorGoal goal)
        {
            var narratives = Of(ObservationCategory.InformationHarm).ToList();
            var total = narratives.Sum(t => t.Observations);
            var targets = Enum.GetValues<InformationHarmTarget>();
            var byTarget = targets
                .Select((target, i) => (Disaggregation.OfTarget(target), Value: narratives.Sum(t => t.TargetObservations[i])))
                .Select(p => (p.Item1, p.Value, p.Value))
                .ToList();
            return Count(definition, goal, total, total, byTarget);
        }

        private static List<(Disaggregation, long, long)> ByGroup(List<ObservationTally> tallies, Func<ObservationTally, IReadOnlyList<long>> value, Func<ObservationTally, IReadOnlyList<long>> support) =>
            Enumerable.Range(0, AffectedPeople.CellCount)
                .Select(cell => (Disaggregation.OfCell(cell), tallies.Sum(t => value(t)[cell]), tallies.Sum(t => support(t)[cell])))
                .ToList();

        /// <summary>
        /// A count and its breakdowns, each part withheld from a coarsened caller when the
        /// observations behind it (its support) are few, with complementary suppression within
        /// each breakdown; everything withheld when the total's support is.
        /// </summary>
        private IndicatorValue Count(IndicatorDefinition definition, IndicatorGoal goal, long total, long support, params List<(Disaggregation Part, long Value, long Support)>[] breakdowns)
        {
            var totalWithheld = AggregateSuppression.IsWithheld(support, policy);
            var parts = new List<DisaggregatedCount>();
            foreach (var breakdown in breakdowns)
            {
                var shown = AggregateSuppression.SuppressBreakdown(breakdown.Select(p => p.Support).ToList(), policy);
                for (var i = 0; i < breakdown.Count; i++)
                {
                    var withheld = totalWithheld || shown[i] is null;
                    parts.Add(new DisaggregatedCount(breakdown[i].Part, withheld ? null : breakdown[i].Value, withheld));
                }
            }

            return new IndicatorValue(definition, totalWithheld ? IndicatorFigure.WithheldFigure : IndicatorFigure.Count(total), parts, goal);
        }
    }
}
