using Geo.Core.Domain;

namespace Geo.Core.Coverage;

/// <summary>An open base on the report's date: its team, the team's gaps and how far the team reaches.</summary>
public sealed record BaseCoverage(BaseTeam Station, IReadOnlyList<TeamGap> Gaps, double ReachMetres)
{
    public Base Base => Station.Base;

    public ClaTeam Team => Station.Team;
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

/// <summary>A gap of one base that a plan closes.</summary>
public sealed record ClosedTeamGap(string BaseId, TeamGap Gap);

/// <summary>What a planned deployment would change: coverage before and after, the gaps it closes, the communities it brings within reach.</summary>
public sealed record PlannedCoverage(
    CoverageReport Before,
    CoverageReport After,
    IReadOnlyList<ClosedTeamGap> ClosedTeamGaps,
    IReadOnlyList<CommunityReach> CommunitiesBroughtInReach);
