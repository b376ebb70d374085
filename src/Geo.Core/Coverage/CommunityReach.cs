using Geo.Core.Domain;
using Geo.Core.Spatial;

namespace Geo.Core.Coverage;

/// <summary>
/// A community at risk, as coverage sees it: where it is (a point on its surface), how much at
/// risk, how many people; and, for indicators, its sector and its protection plan and committee.
/// </summary>
public sealed record CommunityAtRisk(string Id, string Name, GeoPoint Centroid, RiskLevel RiskLevel, long Population)
{
    public string Sector { get; init; } = string.Empty;

    public bool HasProtectionPlan { get; init; }

    public bool HasProtectionCommittee { get; init; }
}

/// <summary>
/// A community at risk and the nearest staffed base (null when no base is staffed) with its
/// geodesic distance in metres, on the WGS84 ellipsoid as PostGIS geography measures it.
/// </summary>
public sealed record CommunityReach(CommunityAtRisk Community, string? NearestBaseId, double DistanceMetres)
{
    /// <summary>
    /// Risk level, then population, highest first: the order a planner works through the list;
    /// then the id, so that equal communities keep one order from call to call.
    /// </summary>
    public static int ByPriority(CommunityReach? x, CommunityReach? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? 1 : -1;
        }

        var byRisk = y.Community.RiskLevel.CompareTo(x.Community.RiskLevel);
        if (byRisk != 0)
        {
            return byRisk;
        }

        var byPopulation = y.Community.Population.CompareTo(x.Community.Population);
        return byPopulation != 0 ? byPopulation : string.CompareOrdinal(x.Community.Id, y.Community.Id);
    }
}

/// <summary>A community at risk on a coverage report: whether some staffed base reaches it, and the nearest staffed base.</summary>
public sealed record CommunityCoverage(CommunityReach Reach, bool WithinReach)
{
    public CommunityAtRisk Community => Reach.Community;
}
