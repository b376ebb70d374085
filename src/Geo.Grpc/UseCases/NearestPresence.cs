using Geo.Core.Domain;
using Geo.Core.Roads;
using Geo.Core.Spatial;
using Geo.Grpc.Roads;
using Geo.Storage.Registry;
using NetTopologySuite.Geometries;

namespace Geo.Grpc.UseCases;

/// <summary>An open base near a point, how far, and its CLA team on the day.</summary>
/// <summary>An open base near a point, how far (and, asked by travel time, how long to get there), and its CLA team on the day.</summary>
internal sealed record BaseNearby(Versioned<Base> Base, double DistanceMetres, ClaTeam Team, double? TravelSeconds = null);

/// <summary>
/// The nearest open bases to a point, with their CLA teams (policy para 57): what Presence answers,
/// and what an alert records when it opens.
/// </summary>
internal sealed class NearestPresence(RegistryStore store, RoadNetworkCache roads)
{
    /// <summary>Bases weighed by travel time: the nearest this many by distance within the farthest reach.</summary>
    private const int TravelCandidates = 50;

    /// <summary>
    /// The open bases whose team gets to the point within <paramref name="time"/>, quickest first:
    /// among the 50 nearest within the farthest the roads could take a team in that time.
    /// </summary>
    public async Task<IReadOnlyList<BaseNearby>> FindByTravelAsync(
        GeoPoint point, int limit, double maxDistanceMetres, TravelTime time, DateOnly at, Geometry? scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        var reach = await roads.ReachAsync(time, cancellationToken).ConfigureAwait(false);
        var within = maxDistanceMetres > 0 ? Math.Min(maxDistanceMetres, reach.FarthestMetres) : reach.FarthestMetres;
        var candidates = await FindAsync(point, TravelCandidates, within, at, scope, cancellationToken).ConfigureAwait(false);
        return [.. candidates
            .Select(b => b with { TravelSeconds = Isochrone.TravelSeconds(reach.Grid, b.Base.Value.Location, point, time.Seconds, cancellationToken) })
            .Where(b => b.TravelSeconds is { } s && double.IsFinite(s))
            .OrderBy(b => b.TravelSeconds)
            .ThenBy(b => b.DistanceMetres)
            .Take(limit)];
    }

    public async Task<IReadOnlyList<BaseNearby>> FindAsync(GeoPoint point, int limit, double maxDistanceMetres, DateOnly at, Geometry? scope, CancellationToken cancellationToken)
    {
        var nearest = await store.NearestBasesAsync(point, limit, maxDistanceMetres, at, scope, cancellationToken).ConfigureAwait(false);
        var teams = await store.TeamsAsync(nearest.Select(n => n.Base.Value.Id).ToList(), at, cancellationToken).ConfigureAwait(false);
        return [.. nearest.Select(n => new BaseNearby(n.Base, n.DistanceMetres, teams[n.Base.Value.Id]))];
    }

    /// <summary>For each point, in order, what <see cref="FindAsync(GeoPoint, int, double, DateOnly, Geometry?, CancellationToken)"/> answers, in two queries whatever the number of points.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<BaseNearby>>> FindAsync(
        IReadOnlyList<GeoPoint> points, int limit, double maxDistanceMetres, DateOnly at, Geometry? scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0)
        {
            return [];
        }

        var nearest = await store.NearestBasesAsync(points, limit, maxDistanceMetres, at, scope, cancellationToken).ConfigureAwait(false);
        var teams = await store.TeamsAsync([.. nearest.SelectMany(n => n).Select(n => n.Base.Value.Id).Distinct(StringComparer.Ordinal)], at, cancellationToken)
            .ConfigureAwait(false);
        return [.. nearest.Select(n => (IReadOnlyList<BaseNearby>)[.. n.Select(b => new BaseNearby(b.Base, b.DistanceMetres, teams[b.Base.Value.Id]))])];
    }
}
