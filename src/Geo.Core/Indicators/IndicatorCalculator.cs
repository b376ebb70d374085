using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Privacy;

namespace Geo.Core.Indicators;

/// <summary>What indicators are computed from, as storage read it for the caller (inside its area when it is scoped).</summary>
/// <param name="OpenBases">The bases open on the evaluation date, each with its team on that date.</param>
/// <param name="Communities">The communities at <see cref="CoverageQuestion.DefaultMinRisk"/> or above.</param>
/// <param name="Observations">The observations of the period, tallied by unit of the question's level and category.</param>
/// <param name="NamedBase">The base a base-level question names (it may be closed on the evaluation date); otherwise null.</param>
/// <param name="Completions">Quick impact projects completed in the period (the mission's: mission level only).</param>
/// <param name="Decisions">Civil assistance requests decided in the period (the mission's: mission level only).</param>
/// <param name="Projects">Every quick impact project as it stands (mission level only).</param>
/// <param name="EarlyWarnings">
/// When events are counted, the early-warning alerts as events of their own: an event counts as its
/// earliest alert report, which need not be its earliest threat report (the one
/// <paramref name="Observations"/> counts it as). Null: the alerts of <paramref name="Observations"/>.
/// </param>
public sealed record IndicatorSources(
    IReadOnlyList<BaseTeam> OpenBases,
    IReadOnlyList<CommunityAtRisk> Communities,
    IReadOnlyList<ObservationTally> Observations,
    Base? NamedBase = null,
    IReadOnlyList<QipCompletion>? Completions = null,
    IReadOnlyList<AssistanceDecision>? Decisions = null,
    IReadOnlyList<(QipState State, Cluster Sector)>? Projects = null,
    IReadOnlyList<ObservationTally>? EarlyWarnings = null);

/// <summary>A quick impact project completed in the period, and whether on time.</summary>
public sealed record QipCompletion(DateOnly CompletedOn, bool OnTime);

/// <summary>A civil assistance request decided in the period: when asked and decided, and how.</summary>
public sealed record AssistanceDecision(DateTimeOffset RequestedAt, DateTimeOffset DecidedAt, bool Approved);

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
        var alerts = (sources.EarlyWarnings ?? sources.Observations.Where(t => t.Category == ObservationCategory.EarlyWarningAlert)).ToLookup(t => t.Unit, StringComparer.Ordinal);
        var catalogue = IndicatorCatalogue.Of(question.CountEvents);

        var units = new List<IndicatorUnit>();
        foreach (var (key, sector, baseId, baseName) in Units(question, sources))
        {
            var civil = level == IndicatorLevel.Mission ? new CivilWorkFigures(sources.Completions ?? [], sources.Decisions ?? [], sources.Projects ?? [], true) : CivilWorkFigures.None;
            var figures = new UnitFigures([.. bases[key]], [.. communities[key]], outOfReach, [.. observations[key]], [.. alerts[key]], civil, policy);
            var values = catalogue.Select(d => figures.Value(d, settings.Goals.For(d, level))).ToList();
            units.Add(new IndicatorUnit(level, sector, baseId, baseName, values));
        }

        return new IndicatorReport(question.Period, level, question.UnitId, evaluatedOn, computedAt, settings.DataSource, units) { CountEvents = question.CountEvents };
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
                    : sources.OpenBases.Select(b => b.Base.Sector).Concat(sources.Communities.Select(c => c.Sector)).Concat(Tallies(sources).Select(t => t.Unit))
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

                foreach (var tally in Tallies(sources).Where(t => t.Unit.Length > 0))
                {
                    known.TryAdd(tally.Unit, (tally.Sector, tally.BaseName));
                }

                return known.Select(b => (b.Key, b.Value.Sector, b.Key, b.Value.Name));
        }
    }

    /// <summary>Every tally of observations: when events are counted, an alert's may be in a unit where the event's first threat report is not.</summary>
    private static IEnumerable<ObservationTally> Tallies(IndicatorSources sources) => sources.Observations.Concat(sources.EarlyWarnings ?? []);

    /// <summary>The figures of one unit: its open bases, its communities at risk, its observations.</summary>
    /// <summary>Projects and requests: the mission's, counted at mission level and nowhere else.</summary>
    private sealed record CivilWorkFigures(IReadOnlyList<QipCompletion> Completions, IReadOnlyList<AssistanceDecision> Decisions, IReadOnlyList<(QipState State, Cluster Sector)> Projects, bool Counted)
    {
        public static readonly CivilWorkFigures None = new([], [], [], false);

        /// <summary>Projects by state and by sector, every one listed (zeros too); no value at all beyond the mission level.</summary>
        public IndicatorValue Count(IndicatorDefinition definition, IndicatorGoal goal)
        {
            if (!Counted)
            {
                return new IndicatorValue(definition, new IndicatorFigure(null, null, null, false), [], goal);
            }

            var parts = Enum.GetValues<QipState>().Select(s => new DisaggregatedCount(Disaggregation.OfState(s), Projects.Count(p => p.State == s), false))
                .Concat(Enum.GetValues<Cluster>().Select(c => new DisaggregatedCount(Disaggregation.OfSector(c), Projects.Count(p => p.Sector == c), false)))
                .ToList();
            return new IndicatorValue(definition, IndicatorFigure.Count(Projects.Count), parts, goal);
        }
    }

    private sealed class UnitFigures(
        List<BaseCoverage> bases, List<CommunityAtRisk> communities, HashSet<string> outOfReach, List<ObservationTally> observations, List<ObservationTally> alertTallies,
        CivilWorkFigures civil, LocationCoarsening policy)
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
            IndicatorCatalogue.Qips => civil.Count(definition, goal),
            IndicatorCatalogue.QipsOnTime => Ratio(definition, goal, civil.Completions.Count(c => c.OnTime), civil.Completions.Count),
            IndicatorCatalogue.RequestsApproved => Ratio(definition, goal, civil.Decisions.Count(d => d.Approved), civil.Decisions.Count),
            IndicatorCatalogue.RequestsDecidedInTime =>
                Ratio(definition, goal, civil.Decisions.Count(d => d.DecidedAt - d.RequestedAt <= IndicatorCatalogue.DecisionTime), civil.Decisions.Count),
            _ => throw new ArgumentException($"no computation for indicator {definition.Code}", nameof(definition)),
        };

        private static IndicatorValue Ratio(IndicatorDefinition definition, IndicatorGoal goal, long numerator, long denominator) =>
            new(definition, IndicatorFigure.Ratio(numerator, denominator), [], goal);

        private IEnumerable<ObservationTally> Threats => observations.Where(t => ObservationTally.ThreatCategories.Contains(t.Category));

        private IEnumerable<ObservationTally> Of(ObservationCategory category) => observations.Where(t => t.Category == category);

        /// <summary>
        /// Counts are perturbed by their keys for a coarsened caller (see <see cref="CountNoise"/>)
        /// when storage read the keys: a quarter less two of its months, or the mission less its
        /// sectors, no longer isolates a withheld count.
        /// </summary>
        private LocationCoarsening Noisy => observations.Concat(alertTallies).All(t => t.Keys is not null) || !policy.IsCoarsened ? policy : policy.WithoutNoise();

        private IndicatorValue ThreatObservations(IndicatorDefinition definition, IndicatorGoal goal)
        {
            var threats = Threats.ToList();
            var total = Figure.Of(threats.Sum(t => t.Observations), threats.Sum(t => t.Keys?.Observations ?? 0));
            var byCategory = ObservationTally.ThreatCategories
                .Select(c => (Disaggregation.OfCategory(c), Figure.Of(
                    threats.Where(t => t.Category == c).Sum(t => t.Observations), threats.Where(t => t.Category == c).Sum(t => t.Keys?.Observations ?? 0))))
                .ToList();
            return Count(definition, goal, total, byCategory, ByGroup(threats, t => t.GroupObservations));
        }

        private IndicatorValue ThreatPeople(IndicatorDefinition definition, IndicatorGoal goal)
        {
            var threats = Threats.ToList();
            // People are withheld where the observations behind them are few, as the counts are.
            var total = new Figure(threats.Sum(t => t.GroupPeople.Sum()), threats.Sum(t => t.Observations), threats.Sum(t => t.Keys?.Observations ?? 0));
            return Count(definition, goal, total, ByGroup(threats, t => t.GroupPeople));
        }

        private IndicatorValue EarlyWarnings(IndicatorDefinition definition, IndicatorGoal goal)
        {
            var alerts = alertTallies;
            var total = Figure.Of(alerts.Sum(t => t.Observations), alerts.Sum(t => t.Keys?.Observations ?? 0));
            return Count(definition, goal, total, ByGroup(alerts, t => t.GroupObservations));
        }

        private IndicatorValue EarlyWarningResponse(IndicatorDefinition definition, IndicatorGoal goal)
        {
            var alerts = alertTallies;
            var total = alerts.Sum(t => t.Observations);
            // The share says nothing of where an alert came from, but its denominator is the alert
            // count, withheld when small: so is the share. Both counts carry their own noise.
            if (AggregateSuppression.Publishable(total, alerts.Sum(t => t.Keys?.Observations ?? 0), Noisy) is not { } denominator)
            {
                return new IndicatorValue(definition, IndicatorFigure.WithheldFigure, [], goal);
            }

            var responded = alerts.Sum(t => t.RespondedInTime);
            var numerator = Noisy.NoiseRatio > 0 ? CountNoise.Perturb(responded, alerts.Sum(t => t.Keys!.RespondedInTime), Noisy.NoiseRatio) : responded;
            return Ratio(definition, goal, Math.Min(numerator, denominator), denominator);
        }

        private IndicatorValue InformationHarm(IndicatorDefinition definition, IndicatorGoal goal)
        {
            var narratives = Of(ObservationCategory.InformationHarm).ToList();
            var total = Figure.Of(narratives.Sum(t => t.Observations), narratives.Sum(t => t.Keys?.Observations ?? 0));
            var byTarget = Enum.GetValues<InformationHarmTarget>()
                .Select((target, i) => (Disaggregation.OfTarget(target), Figure.Of(narratives.Sum(t => t.TargetObservations[i]), narratives.Sum(t => t.Keys?.Targets[i] ?? 0))))
                .ToList();
            return Count(definition, goal, total, byTarget);
        }

        /// <summary>Per sex × age cell: the value (observations or people), resting on the observations affecting the group.</summary>
        private static List<(Disaggregation, Figure)> ByGroup(List<ObservationTally> tallies, Func<ObservationTally, IReadOnlyList<long>> value) =>
            Enumerable.Range(0, AffectedPeople.CellCount)
                .Select(cell => (Disaggregation.OfCell(cell),
                    new Figure(tallies.Sum(t => value(t)[cell]), tallies.Sum(t => t.GroupObservations[cell]), tallies.Sum(t => t.Keys?.Groups[cell] ?? 0))))
                .ToList();

        /// <summary>
        /// A count and its breakdowns, each part withheld from a coarsened caller when the
        /// observations behind it (its support) are few, with complementary suppression within
        /// each breakdown; everything withheld when the total's support is. What is shown carries
        /// the noise of its own observations' key, and a sum of people is scaled with its count.
        /// </summary>
        private IndicatorValue Count(IndicatorDefinition definition, IndicatorGoal goal, Figure total, params List<(Disaggregation Part, Figure Figure)>[] breakdowns)
        {
            var noisy = Noisy;
            var totalShown = AggregateSuppression.Publishable(total.Support, total.Key, noisy);
            var parts = new List<DisaggregatedCount>();
            foreach (var breakdown in breakdowns)
            {
                var shown = AggregateSuppression.SuppressBreakdown(breakdown.Select(p => p.Figure.Support).ToList(), breakdown.Select(p => p.Figure.Key).ToList(), noisy);
                for (var i = 0; i < breakdown.Count; i++)
                {
                    var withheld = totalShown is null || shown[i] is null;
                    parts.Add(new DisaggregatedCount(breakdown[i].Part, withheld ? null : breakdown[i].Figure.ValueFor(shown[i]!.Value), withheld));
                }
            }

            return new IndicatorValue(definition, totalShown is { } support ? IndicatorFigure.Count(total.ValueFor(support)) : IndicatorFigure.WithheldFigure, parts, goal);
        }
    }

    /// <summary>A count or sum (<paramref name="Value"/>), the observations it rests on, and their key.</summary>
    private readonly record struct Figure(long Value, long Support, long Key)
    {
        public static Figure Of(long count, long key) => new(count, count, key);

        /// <summary>The value as shown when its support is shown as <paramref name="shownSupport"/>: the count itself, or the sum scaled alike.</summary>
        public long ValueFor(long shownSupport) => Value == Support ? shownSupport : AggregateSuppression.Scaled(Value, Support, shownSupport);
    }
}
