using System.Collections.Concurrent;
using Geo.Core.Roads;
using Geo.Storage.Roads;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.Roads;

/// <summary>
/// The stored road network in memory, with the grids and isochrones computed on it. Every use asks
/// the database for the network's version (one row) and rebuilds when an import has changed it,
/// in this process or another. Isochrones are kept per travel question, the last few questions.
/// </summary>
internal sealed partial class RoadNetworkCache(RoadStore store, IOptions<RoadsOptions> options, ILogger<RoadNetworkCache> log) : IDisposable
{
    private const int QuestionsKept = 8;

    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly ConcurrentDictionary<(TravelMode, bool), Lazy<RoadGrid>> _grids = new();
    private readonly ConcurrentDictionary<TravelTime, (TravelReach Reach, long LastUsed)> _reaches = new();
    private RoadNetwork _network = RoadNetwork.Empty;
    private long _uses;

    /// <summary>The reach of one travel question on the current network.</summary>
    public async Task<TravelReach> ReachAsync(TravelTime time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        var network = await CurrentAsync(cancellationToken).ConfigureAwait(false);
        var use = Interlocked.Increment(ref _uses);
        if (_reaches.TryGetValue(time, out var kept) && kept.Reach.Grid.Network == network)
        {
            _reaches[time] = (kept.Reach, use);
            return kept.Reach;
        }

        var reach = new TravelReach(Grid(network, time, cancellationToken), time);
        _reaches[time] = (reach, use);
        foreach (var old in _reaches.OrderByDescending(r => r.Value.LastUsed).Skip(QuestionsKept))
        {
            _reaches.TryRemove(old);
        }

        return reach;
    }

    private RoadGrid Grid(RoadNetwork network, TravelTime time, CancellationToken cancellationToken)
    {
        var key = (time.Mode, time.SeasonalRoadsClosed);
        var settings = options.Value;
        var lazy = _grids.GetOrAdd(key, k => new Lazy<RoadGrid>(() =>
        {
            var profile = new TravelProfile(k.Item1, settings.SpeedsFor(k.Item1), settings.OffRoadWalkingKmh, settings.MaxWalkToRoadMetres, k.Item2);
            var started = Environment.TickCount64;
            var grid = new RoadGrid(network, profile, settings.CellMetres, settings.MaxCells, cancellationToken);
            GridBuilt(k.Item1, k.Item2, grid.Columns, grid.Rows, grid.CellMetres, grid.Bytes >> 20, Environment.TickCount64 - started);
            return grid;
        }));
        try
        {
            var grid = lazy.Value;
            if (grid.Network == network)
            {
                return grid;
            }

            // Built on a network since replaced.
            _grids.TryRemove(new KeyValuePair<(TravelMode, bool), Lazy<RoadGrid>>(key, lazy));
            return Grid(network, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _grids.TryRemove(new KeyValuePair<(TravelMode, bool), Lazy<RoadGrid>>(key, lazy));
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            return Grid(network, time, cancellationToken);
        }
    }

    private async Task<RoadNetwork> CurrentAsync(CancellationToken cancellationToken)
    {
        var version = await store.VersionAsync(cancellationToken).ConfigureAwait(false);
        if (version == Volatile.Read(ref _network).Version)
        {
            return _network;
        }

        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (version != _network.Version)
            {
                var started = Environment.TickCount64;
                var network = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _network, network);
                _grids.Clear();
                _reaches.Clear();
                NetworkLoaded(network.Version, network.Vertices.Length, network.Segments.Count, Environment.TickCount64 - started);
            }

            return _network;
        }
        finally
        {
            _loading.Release();
        }
    }

    public void Dispose() => _loading.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "road grid for {Mode} (seasonal roads closed: {Closed}): {Columns} x {Rows} cells of {Cell} m, {Megabytes} MB, built in {Milliseconds} ms")]
    private partial void GridBuilt(TravelMode mode, bool closed, int columns, int rows, double cell, long megabytes, long milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "road network version {Version} loaded: {Vertices} vertices, {Segments} segments in {Milliseconds} ms")]
    private partial void NetworkLoaded(long version, int vertices, int segments, long milliseconds);
}
