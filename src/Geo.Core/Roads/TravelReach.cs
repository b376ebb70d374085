using System.Collections.Concurrent;
using Geo.Core.Spatial;

namespace Geo.Core.Roads;

/// <summary>What a question asks of the roads: how a team travels, for how long, and whether seasonal roads are closed.</summary>
public sealed record TravelTime(TravelMode Mode, int Minutes, bool SeasonalRoadsClosed)
{
    public const int MaxMinutes = 1440;

    public double Seconds => Minutes * 60.0;
}

/// <summary>
/// One travel-time question on one network: its grid, and the isochrone of every place a team
/// starts from, computed once and kept (the same base asked about again costs nothing). Safe to
/// share between requests.
/// </summary>
public sealed class TravelReach(RoadGrid grid, TravelTime time)
{
    private readonly ConcurrentDictionary<GeoPoint, Lazy<Isochrone>> _isochrones = new();

    public RoadGrid Grid { get; } = grid ?? throw new ArgumentNullException(nameof(grid));

    public TravelTime Time { get; } = time ?? throw new ArgumentNullException(nameof(time));

    /// <summary>No point is farther than this from a base whose team reaches it (the fastest road all the way).</summary>
    public double FarthestMetres => Grid.Profile.FarthestMetres(Time.Seconds);

    public long Bytes => _isochrones.Values.Where(l => l.IsValueCreated).Sum(l => l.Value.Bytes);

    /// <summary>The isochrone of a team starting at <paramref name="origin"/>.</summary>
    public Isochrone From(GeoPoint origin, CancellationToken cancellationToken)
    {
        var lazy = _isochrones.GetOrAdd(origin, o => new Lazy<Isochrone>(() => Isochrone.Compute(Grid, o, Time.Seconds, cancellationToken)));
        try
        {
            return lazy.Value;
        }
        catch (OperationCanceledException)
        {
            // A cancelled caller's half-done work must not be what the next caller gets.
            _isochrones.TryRemove(new KeyValuePair<GeoPoint, Lazy<Isochrone>>(origin, lazy));
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            // Another caller's deadline ended the work this one waited on: do it again.
            return From(origin, cancellationToken);
        }
    }

    /// <summary>The isochrones of every origin, computed on all cores.</summary>
    public void Prepare(IEnumerable<GeoPoint> origins, CancellationToken cancellationToken)
    {
        var missing = origins.Distinct().Where(o => !_isochrones.TryGetValue(o, out var l) || !l.IsValueCreated).ToList();
        Parallel.ForEach(missing, new ParallelOptions { CancellationToken = cancellationToken }, o => From(o, cancellationToken));
    }
}
