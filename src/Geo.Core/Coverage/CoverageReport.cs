using Geo.Core.Domain;
using Geo.Core.Roads;
using Geo.Core.Spatial;

namespace Geo.Core.Coverage;

/// <summary>How a base's reach was judged.</summary>
public enum ReachBasis
{
    StraightLine = 1,
    TravelTime = 2,

    /// <summary>Travel time was asked but no usable road is within a walk of the base: its kind's distance applies.</summary>
    StraightLineNoRoads = 3,
}

/// <summary>
/// An open base on the report's date: its team, the team's gaps and how far the team reaches: a
/// distance, and with a travel time the cells its isochrone reaches (then the distance is only the
/// farthest any road could take it, a bound for indexes).
/// </summary>
public sealed record BaseCoverage(BaseTeam Station, IReadOnlyList<TeamGap> Gaps, double ReachMetres, ReachBasis Basis = ReachBasis.StraightLine, Isochrone? Travel = null)
{
    public Base Base => Station.Base;

    public ClaTeam Team => Station.Team;

    /// <summary>Whether the team reaches a point <paramref name="metres"/> (geodesic) from the base.</summary>
    public bool Reaches(GeoPoint point, double metres) => metres <= ReachMetres && (Travel is null || Travel.Reaches(point));
}

/// <summary>
/// Coverage on one date: every open base with its team and gaps (ordered by id), the number of
/// each gap, and the communities at risk beyond reach of every staffed base (most urgent first).
/// </summary>
public sealed record CoverageReport(
    DateOnly At,
    IReadOnlyList<BaseCoverage> Bases,
    int BasesWithoutCla,
    int BasesBelowMinimum,
    int TeamsWithoutFemaleCla,
    int CommunitiesAtRisk,
    IReadOnlyList<CommunityReach> CommunitiesOutOfReach);

/// <summary>A gap of one base that a plan closes or opens.</summary>
public sealed record TeamGapChange(string BaseId, TeamGap Gap);

/// <summary>
/// What a plan would change: coverage before and after, the gaps it closes and opens, the
/// communities it brings within reach or leaves out of it, the bases it opens and closes.
/// </summary>
public sealed record PlannedCoverage(
    CoverageReport Before,
    CoverageReport After,
    IReadOnlyList<TeamGapChange> ClosedTeamGaps,
    IReadOnlyList<CommunityReach> CommunitiesBroughtInReach)
{
    public IReadOnlyList<TeamGapChange> OpenedTeamGaps { get; init; } = [];

    /// <summary>Within reach before the plan, out of it after; each with its nearest staffed base after the plan.</summary>
    public IReadOnlyList<CommunityReach> CommunitiesPutOutOfReach { get; init; } = [];

    public IReadOnlyList<string> OpenedBaseIds { get; init; } = [];

    public IReadOnlyList<string> ClosedBaseIds { get; init; } = [];
}
