using Geo.Core.Domain;
using Geo.Core.Privacy;
using Geo.Core.Spatial;

namespace Geo.Grpc.Access;

/// <summary>
/// One request's coarsening of points for a caller without the right to exact locations: the
/// same answer for the same place on every pull, by every instance.
/// </summary>
public sealed class PointCoarsening(LocationCoarsener coarsener, LocationCoarsening policy, IReadOnlyDictionary<string, GeoPoint>? communityCentroids)
{
    public LocationCoarsening Policy => policy;

    /// <summary>The coarse point of one observation, from its exact point and linked community.</summary>
    public GeoPoint Coarsen(GeoPoint exact, string? communityId)
    {
        GeoPoint? centroid = communityId is not null && communityCentroids is not null && communityCentroids.TryGetValue(communityId, out var known) ? known : null;
        return coarsener.Coarsen(policy, exact, centroid);
    }

    /// <summary>
    /// The observation as a coarsened caller sees it: the coarse point, the precision the
    /// coarsening leaves (never the stored one), and no area polygon.
    /// </summary>
    public StoredObservation Coarsen(StoredObservation stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var o = stored.Observation;
        return stored with
        {
            Observation = o with { Location = Coarsen(o.Location, o.CommunityId), Precision = policy.Delivered(o.Precision), Area = null },
        };
    }
}
