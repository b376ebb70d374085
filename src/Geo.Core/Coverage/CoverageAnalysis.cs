using Geo.Core.Domain;
using Geo.Core.Roads;
using Geo.Core.Validation;

namespace Geo.Core.Coverage;

/// <summary>
/// What a coverage question asks: on which date, how far teams reach (a distance by kind of base,
/// or a travel time on the roads), and from which risk level a community counts as at risk.
/// </summary>
/// <remarks>
/// A travel time is asked as <see cref="Time"/>; <see cref="Travel"/> is its reach on the road
/// network, attached once the network is at hand (without it the distances apply).
/// </remarks>
public sealed record CoverageQuestion(DateOnly At, ReachDistances Reach, RiskLevel MinRisk, TravelTime? Time = null, TravelReach? Travel = null)
{
    /// <summary>Medium and above: low-risk communities are followed up by routine engagement, not by planning.</summary>
    public const RiskLevel DefaultMinRisk = RiskLevel.Medium;
}

/// <summary>
/// Team gaps and communities out of reach (issue 6, items 6, 7 and 9): the CLA policy's rules
/// applied to what storage read. Pure: the same bases, teams and communities give the same report.
/// </summary>
public static class CoverageAnalysis
{
    /// <summary>
    /// The coverage on <see cref="CoverageQuestion.At"/>. Bases that are not open on the date are
    /// left out (a closed base has no team to count and reaches no one); communities below
    /// <see cref="CoverageQuestion.MinRisk"/> are not at risk.
    /// </summary>
    public static CoverageReport Analyse(CoverageQuestion question, IEnumerable<BaseTeam> bases, IEnumerable<CommunityAtRisk> communities)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(bases);
        ArgumentNullException.ThrowIfNull(communities);
        var open = OpenOn(question.At, bases);
        var atRisk = AtRisk(question.MinRisk, communities);
        return Report(question, open, atRisk);
    }

    /// <summary>
    /// Coverage before and after the planned teams join the bases they name. Several teams for
    /// one base add up. Every named base must be among the open ones (the caller has checked that
    /// against storage and told the user which field was wrong).
    /// </summary>
    public static PlannedCoverage Plan(CoverageQuestion question, IEnumerable<BaseTeam> bases, IEnumerable<CommunityAtRisk> communities, IReadOnlyList<PlannedTeam> teams)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(teams);
        var all = bases.ToList();
        var errors = new FieldErrors();
        var planned = WhatIfPlan.Apply(question.At, all, [.. teams.Select((t, i) => AddClas.Of(t, $"teams[{i}]"))], new Dictionary<string, PlannedDeployment>(), errors);
        return errors.First is { } error ? throw new ArgumentException(error.ToString(), nameof(teams)) : Compare(question, all, planned, communities);
    }

    /// <summary>
    /// Coverage before and after a plan: <paramref name="bases"/> as they are on the date, and
    /// <paramref name="planned"/> as the plan leaves them (<see cref="WhatIfPlan.Apply"/>). Both are
    /// judged by the same rules and reach, so that a base the plan opens reaches as far as a
    /// registered base of its kind.
    /// </summary>
    public static PlannedCoverage Compare(CoverageQuestion question, IEnumerable<BaseTeam> bases, IEnumerable<BaseTeam> planned, IEnumerable<CommunityAtRisk> communities)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(bases);
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(communities);
        var atRisk = AtRisk(question.MinRisk, communities);
        var before = Report(question, OpenOn(question.At, bases), atRisk);
        var after = Report(question, OpenOn(question.At, planned), atRisk);
        var gapsBefore = before.Bases.ToDictionary(b => b.Base.Id, b => b.Gaps, StringComparer.Ordinal);
        var gapsAfter = after.Bases.ToDictionary(b => b.Base.Id, b => b.Gaps, StringComparer.Ordinal);
        var closed = new List<TeamGapChange>();
        foreach (var station in before.Bases)
        {
            if (gapsAfter.TryGetValue(station.Base.Id, out var now))
            {
                closed.AddRange(station.Gaps.Where(g => !now.Contains(g)).Select(g => new TeamGapChange(station.Base.Id, g)));
            }
        }

        var opened = new List<TeamGapChange>();
        foreach (var station in after.Bases)
        {
            var was = gapsBefore.GetValueOrDefault(station.Base.Id) ?? [];
            opened.AddRange(station.Gaps.Where(g => !was.Contains(g)).Select(g => new TeamGapChange(station.Base.Id, g)));
        }

        // Reported as they stand after the plan: the base that now reaches them (or the nearest) and its distance.
        var reachAfter = new ReachIndex(after.Bases);
        var outBefore = before.CommunitiesOutOfReach.Select(c => c.Community.Id).ToHashSet(StringComparer.Ordinal);
        var outAfter = after.CommunitiesOutOfReach.Select(c => c.Community.Id).ToHashSet(StringComparer.Ordinal);
        var broughtIn = atRisk.Where(c => outBefore.Contains(c.Id) && !outAfter.Contains(c.Id)).Select(reachAfter.Nearest).ToList();
        broughtIn.Sort(CommunityReach.ByPriority);
        var putOut = after.CommunitiesOutOfReach.Where(c => !outBefore.Contains(c.Community.Id)).ToList();
        return new PlannedCoverage(before, after, closed, broughtIn)
        {
            OpenedTeamGaps = opened,
            CommunitiesPutOutOfReach = putOut,
            OpenedBaseIds = [.. after.Bases.Select(b => b.Base.Id).Where(id => !gapsBefore.ContainsKey(id))],
            ClosedBaseIds = [.. before.Bases.Select(b => b.Base.Id).Where(id => !gapsAfter.ContainsKey(id))],
        };
    }

    /// <summary>
    /// Every community at risk under <paramref name="question"/>, ordered by id, judged against the
    /// bases of <paramref name="report"/> (the report of the same question): within reach or not,
    /// and its nearest staffed base. Those not within reach are the report's communities out of reach.
    /// </summary>
    public static IReadOnlyList<CommunityCoverage> Communities(CoverageQuestion question, CoverageReport report, IEnumerable<CommunityAtRisk> communities)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(communities);
        var index = new ReachIndex(report.Bases);
        var atRisk = AtRisk(question.MinRisk, communities);
        atRisk.Sort((x, y) => string.CompareOrdinal(x.Id, y.Id));
        var judged = new List<CommunityCoverage>(atRisk.Count);
        foreach (var community in atRisk)
        {
            var within = index.IsWithinReach(community, out var nearest);
            judged.Add(new CommunityCoverage(nearest, within));
        }

        return judged;
    }

    private static List<BaseTeam> OpenOn(DateOnly at, IEnumerable<BaseTeam> bases) =>
        bases.Where(b => b.Base.IsOpenOn(at)).OrderBy(b => b.Base.Id, StringComparer.Ordinal).ToList();

    /// <summary>The communities at or above <paramref name="minRisk"/>; an unassessed community is not known to be at risk, whatever the threshold.</summary>
    internal static List<CommunityAtRisk> AtRisk(RiskLevel minRisk, IEnumerable<CommunityAtRisk> communities) =>
        communities.Where(c => c.RiskLevel >= minRisk && c.RiskLevel != RiskLevel.Unassessed).ToList();

    /// <summary>
    /// A base's reach under the question: its kind's distance; or with a travel time its isochrone,
    /// unless no usable road is within a walk of it (then its kind's distance, and it says so).
    /// </summary>
    internal static BaseCoverage Covering(CoverageQuestion question, BaseTeam station, IReadOnlyList<TeamGap> gaps, CancellationToken cancellationToken = default)
    {
        var distance = question.Reach.For(station.Base.Kind);
        if (question.Travel is not { } travel)
        {
            return new BaseCoverage(station, gaps, distance);
        }

        var isochrone = travel.From(station.Base.Location, cancellationToken);
        return isochrone.StartsOnRoad
            ? new BaseCoverage(station, gaps, travel.FarthestMetres, ReachBasis.TravelTime, isochrone)
            : new BaseCoverage(station, gaps, distance, ReachBasis.StraightLineNoRoads);
    }

    private static CoverageReport Report(CoverageQuestion question, List<BaseTeam> open, List<CommunityAtRisk> atRisk)
    {
        // Every staffed base's isochrone at once, on all cores; each is kept for the next question.
        question.Travel?.Prepare(open.Where(b => b.Team.IsStaffed).Select(b => b.Base.Location), CancellationToken.None);
        var bases = new List<BaseCoverage>(open.Count);
        int withoutCla = 0, belowMinimum = 0, withoutFemale = 0;
        foreach (var station in open)
        {
            var gaps = TeamGaps.Of(station.Team);
            withoutCla += gaps.Contains(TeamGap.NoCla) ? 1 : 0;
            belowMinimum += gaps.Contains(TeamGap.BelowMinimum) ? 1 : 0;
            withoutFemale += gaps.Contains(TeamGap.NoFemaleCla) ? 1 : 0;
            bases.Add(Covering(question, station, gaps));
        }

        var index = new ReachIndex(bases);
        var outOfReach = new List<CommunityReach>();
        foreach (var community in atRisk)
        {
            if (!index.IsWithinReach(community, out var nearest))
            {
                outOfReach.Add(nearest);
            }
        }

        outOfReach.Sort(CommunityReach.ByPriority);
        return new CoverageReport(question.At, bases, withoutCla, belowMinimum, withoutFemale, atRisk.Count, outOfReach);
    }
}
