using Geo.Core.Spatial;

namespace Geo.Core.Coverage;

/// <summary>
/// The staffed bases of a report (or all its open bases), sorted by latitude, answering for a
/// community the nearest of them and whether any of them reaches it. Distances are geodesic (Vincenty on
/// WGS84, as PostGIS geography measures them); cheap bounds decide which bases need one: a
/// latitude difference bounds the distance from below, and so does the haversine distance.
/// </summary>
internal sealed class ReachIndex
{
    /// <summary>
    /// Metres per degree of latitude at the equator on WGS84, where a degree is shortest
    /// (a(1 - e²) · π / 180 = 110,574.3 m), a little less: no two points whose latitudes differ by
    /// d degrees are closer than d times this.
    /// </summary>
    private const double MinMetresPerDegreeLatitude = 110_574;

    /// <summary>
    /// The geodesic on the ellipsoid is never shorter than 0.9944 times the haversine distance on
    /// the mean sphere (the ratio of the smallest meridian radius of curvature to the mean radius);
    /// a little less, for rounding.
    /// </summary>
    private const double EllipsoidOverSphereAtLeast = 0.994;

    private readonly (GeoPoint Location, double Reach, string Id, BaseCoverage Base)[] _bases;
    private readonly double _longestReach;

    /// <param name="bases">The open bases of a report.</param>
    /// <param name="staffedOnly">
    /// True for reach (only a staffed base's team can hear a community); false to find the nearest
    /// open base whatever its team, as indicators assign communities to bases.
    /// </param>
    public ReachIndex(IEnumerable<BaseCoverage> bases, bool staffedOnly = true)
    {
        _bases = bases.Where(b => !staffedOnly || b.Team.IsStaffed)
            .Select(b => (b.Base.Location, b.ReachMetres, b.Base.Id, b))
            .OrderBy(b => b.Location.Latitude)
            .ThenBy(b => b.Id, StringComparer.Ordinal)
            .ToArray();
        _longestReach = _bases.Length == 0 ? 0 : _bases.Max(b => b.Reach);
    }

    /// <summary>The nearest staffed base (none when no base is staffed).</summary>
    public CommunityReach Nearest(CommunityAtRisk community)
    {
        IsWithinReach(community, out var nearest);
        return nearest;
    }

    /// <summary>
    /// Whether some staffed base is within its reach of the community, and the nearest staffed
    /// base. The nearest need not be the one that reaches it: a surge team 12 km away reaches 10 km,
    /// an operating base 25 km away reaches 30 km.
    /// </summary>
    public bool IsWithinReach(CommunityAtRisk community, out CommunityReach nearest)
    {
        ArgumentNullException.ThrowIfNull(community);
        var point = community.Centroid;
        string? bestId = null;
        var best = double.PositiveInfinity;
        var reached = false;

        // Walk outwards in latitude from the community, the nearer side first, until no base left
        // can be nearer than the best so far nor, while none reaches it yet, within any reach.
        var above = LowerBound(point.Latitude);
        var below = above - 1;
        while (below >= 0 || above < _bases.Length)
        {
            var belowGap = below >= 0 ? point.Latitude - _bases[below].Location.Latitude : double.PositiveInfinity;
            var aboveGap = above < _bases.Length ? _bases[above].Location.Latitude - point.Latitude : double.PositiveInfinity;
            var i = belowGap <= aboveGap ? below-- : above++;
            var floor = Math.Min(belowGap, aboveGap) * MinMetresPerDegreeLatitude;
            if (floor > best && (reached || floor > _longestReach))
            {
                break;
            }

            var (location, reach, id, station) = _bases[i];
            // Worth measuring only if it could be the nearest, or reach the community while none does yet.
            var needed = reached ? best : Math.Max(best, reach);
            if (Geodesy.SphericalDistanceMetres(point, location) * EllipsoidOverSphereAtLeast > needed)
            {
                continue;
            }

            var metres = Geodesy.DistanceMetres(point, location);
            if (metres < best || (metres == best && string.CompareOrdinal(id, bestId) < 0))
            {
                best = metres;
                bestId = id;
            }

            reached = reached || station.Reaches(point, metres);
        }

        nearest = new CommunityReach(community, bestId, bestId is null ? 0 : best);
        return reached;
    }

    /// <summary>The first base at or north of <paramref name="latitude"/>.</summary>
    private int LowerBound(double latitude)
    {
        int low = 0, high = _bases.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_bases[middle].Location.Latitude < latitude)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
