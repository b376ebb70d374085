using Geo.Grpc.Watch;
using Geo.Storage.ReadModel;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;
using Npgsql;

namespace Geo.Grpc.ReadModel;

/// <summary>
/// Loads the read model of observations when the service starts and keeps it in step with the
/// observation feed: woken by every commit the watch hub hears, by requests, and at least every
/// second, it applies what changed since its watermark. A request takes the model at once when a
/// catch-up began less than FreshForMilliseconds ago and since it began no call that may write has
/// ended here (<see cref="LocalWrites"/>) and no commit was heard; otherwise only after a catch-up
/// begun since it arrived has ended. Either way it sees every change committed through this service
/// before it asked (a caller reads its own writes), and changes made elsewhere within
/// FreshForMilliseconds; one catch-up serves every request waiting for it. While the model is
/// loading, off or over its ceiling, or cannot catch up in time, the request reads PostGIS.
/// </summary>
internal sealed partial class ModelKeeper : BackgroundService
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    private readonly ModelSource _source;
    private readonly WatchHub _hub;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<ModelKeeper> _logger;
    private readonly ReadModelOptions _options;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly LocalWrites _writes;
    private readonly long _freshFor;
    private volatile ObservationModel? _model;

    /// <summary>What the last catch-up to end had seen when it began; null until one has ended.</summary>
    private volatile Freshness? _fresh;

    /// <summary>Commits heard from the watch hub, counted.</summary>
    private long _heard;
    private TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Catch-ups begun, and the number of the last one ended: a request waits for one begun after it arrived.</summary>
    private long _begun;
    private long _done;

    public ModelKeeper(
        ModelSource source, WatchHub hub, NpgsqlDataSource dataSource, LocalWrites writes, IOptions<ReadModelOptions> options, IMeterFactory meters, ILogger<ModelKeeper> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _source = source;
        _hub = hub;
        _dataSource = dataSource;
        _writes = writes;
        _logger = logger;
        _options = options.Value;
        _freshFor = _options.FreshForMilliseconds * System.Diagnostics.Stopwatch.Frequency / 1000;

        // On the service's meter (the factory gives the one instance of a name): see the README's Observability table.
        var meter = meters.Create(Telemetry.GeoAwarenessMetrics.MeterName);
        meter.CreateObservableGauge("geoawareness.read_model.observations", () => Size.Rows, "{observation}", "Observations held by the in-memory read model; 0 while it is loading, off or over its ceiling");
        meter.CreateObservableGauge("geoawareness.read_model.size", () => Size.Bytes, "By", "Bytes held by the read model's columns, key array and names");
        meter.CreateObservableCounter("geoawareness.read_model.catch_ups", () => CatchUps, "{catch-up}", "Catch-ups the read model began: reads of what changed since its watermark");
    }

    /// <summary>What the model is doing, for the operator: off, loading, ready, over its ceiling.</summary>
    public string State { get; private set; } = "loading";

    /// <summary>Catch-ups begun since the service started.</summary>
    public long CatchUps => Interlocked.Read(ref _begun);

    /// <summary>The model's rows and bytes, or zero when there is none.</summary>
    public (int Rows, long Bytes, ulong Watermark) Size => _model is { } model ? (model.Count, model.Bytes, model.Watermark) : default;

    /// <summary>
    /// The model once it holds every change committed before this was called (a catch-up that began
    /// after it has ended); null when there is no model, or it could not catch up within the
    /// configured wait: then PostGIS answers.
    /// </summary>
    public async Task<ObservationModel?> CurrentAsync(CancellationToken cancellationToken)
    {
        if (_model is { } current && _fresh is { } fresh && fresh.Model == current
            && System.Diagnostics.Stopwatch.GetTimestamp() - fresh.Began < _freshFor
            && _writes.Ended == fresh.Writes && Interlocked.Read(ref _heard) == fresh.Heard)
        {
            // Nothing written here or heard since a recent catch-up began: it holds what this caller wrote.
            return current;
        }

        var after = Interlocked.Read(ref _begun);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (_model is { } model)
        {
            var caughtUp = Volatile.Read(ref _caughtUp).Task;
            if (Interlocked.Read(ref _done) > after)
            {
                return model;
            }

            Wake();
            var left = _options.CatchUpWait - waited.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                LogBehind(_logger, model.Watermark);
                return null;
            }

            try
            {
                await caughtUp.WaitAsync(left, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Checked once more above, then PostGIS answers.
            }
        }

        return null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            State = "off";
            return;
        }

        _hub.Advanced += Heard;
        try
        {
            if (!await LoadAsync(stoppingToken).ConfigureAwait(false))
            {
                return;
            }

            await FollowAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (FormatException e)
        {
            // A row the model cannot hold (an empty point or an infinite time, written past the
            // service's checks): reading it again would fail again. PostGIS holds it as written,
            // so every request reads PostGIS rather than the service stopping.
            Drop("a row it cannot hold", e.Message);
        }
        finally
        {
            _hub.Advanced -= Heard;
        }
    }

    /// <summary>Loads the model, retrying while the database is away; false when the table is beyond the ceiling.</summary>
    private async Task<bool> LoadAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                var estimate = await EstimatedRowsAsync(stoppingToken).ConfigureAwait(false);
                if (estimate * ObservationModel.BytesPerRow > _options.MaxBytes)
                {
                    Refuse($"about {estimate} observations need about {estimate * ObservationModel.BytesPerRow / (1024 * 1024)} MiB");
                    return false;
                }

                var load = await _source.LoadAsync(_options.Workers, _options.LoadPagesPerReader, stoppingToken).ConfigureAwait(false);
                var model = load.Model;
                if (model.Bytes > _options.MaxBytes)
                {
                    Refuse($"{model.Count} observations take {model.Bytes / (1024 * 1024)} MiB");
                    return false;
                }

                _model = model;
                State = "ready";

                // The load let go of as much again as it keeps (the stagings, a decoded array per row):
                // collected and compacted once, here, so that the process does not hold it for ever.
                System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                LogLoaded(_logger, model.Count, model.Bytes / (1024 * 1024), (load.Read + load.Build).TotalSeconds, load.Readers, load.Read.TotalSeconds, load.Build.TotalSeconds, model.Watermark);
                return true;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogFailed(_logger, "load", e.Message);
                await Task.Delay(Retry, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task FollowAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested && _model is { } model)
        {
            var next = Quiet;
            try
            {
                // The position is the model's watermark: after a failure the next read starts there,
                // and a row read twice replaces itself.
                // Read before the catch-up's snapshot: what ended or was heard after may not be in it.
                var began = new Freshness(null, System.Diagnostics.Stopwatch.GetTimestamp(), _writes.Ended, Interlocked.Read(ref _heard));
                var number = Interlocked.Increment(ref _begun);
                await _source.CatchUpAsync(model, stoppingToken).ConfigureAwait(false);
                if (model.Unordered >= Math.Max(_options.ReorderRows, model.Count / 4))
                {
                    // Ordered again beside the one readers use, then swapped; nothing is applied meanwhile.
                    var rows = model.Unordered;
                    model = await Task.Run(() => model.Reordered(stoppingToken), stoppingToken).ConfigureAwait(false);
                    _model = model;
                    LogReordered(_logger, rows, model.Count);
                }

                Interlocked.Exchange(ref _done, number);
                if (model.Bytes > _options.MaxBytes)
                {
                    Refuse($"{model.Count} observations take {model.Bytes / (1024 * 1024)} MiB");
                }
                else
                {
                    _fresh = began with { Model = model };
                }

                Interlocked.Exchange(ref _caughtUp, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogFailed(_logger, "catch-up", e.Message);
                next = Retry;
            }

            await _wake.WaitAsync(next, stoppingToken).ConfigureAwait(false);
        }
    }

    private void Refuse(string why)
    {
        LogOverCeiling(_logger, why, _options.MaxMegabytes);
        Stop("over its ceiling");
    }

    private void Drop(string state, string why)
    {
        LogDropped(_logger, state, why);
        Stop(state);
    }

    /// <summary>No model from now on: requests waiting for a catch-up go on, and read PostGIS.</summary>
    private void Stop(string state)
    {
        _model = null;
        _fresh = null;
        State = state;
        Interlocked.Exchange(ref _caughtUp, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task<long> EstimatedRowsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'observations'::regclass", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private void Heard()
    {
        Interlocked.Increment(ref _heard);
        Wake();
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: one catch-up serves every commit heard before it.
        }
    }

    /// <summary>A catch-up's start: when, the calls that may write ended here and the commits heard by then; the model it brought up to date.</summary>
    private sealed record Freshness(ObservationModel? Model, long Began, long Writes, long Heard);

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "read model loaded: {Rows} observations, {Megabytes} MiB, in {Seconds:0.00} s (read by {Readers} connections in {ReadSeconds:0.00} s, ordered in {BuildSeconds:0.00} s), at watermark {Watermark}")]
    private static partial void LogLoaded(ILogger logger, int rows, long megabytes, double seconds, int readers, double readSeconds, double buildSeconds, ulong watermark);

    [LoggerMessage(Level = LogLevel.Information, Message = "read model ordered again: {Rows} rows taken in since it was ordered, of {Count}")]
    private static partial void LogReordered(ILogger logger, int rows, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "read model: {Step} failed ({Problem}); retrying from the same watermark")]
    private static partial void LogFailed(ILogger logger, string step, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "read model dropped: {Why}, above GeoAwareness:ReadModel:MaxMegabytes ({Ceiling} MiB); heat maps read PostGIS")]
    private static partial void LogOverCeiling(ILogger logger, string why, double ceiling);

    [LoggerMessage(Level = LogLevel.Error, Message = "read model dropped: {State} ({Why}); heat maps and queries read PostGIS until the service restarts")]
    private static partial void LogDropped(ILogger logger, string state, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "read model at watermark {Watermark} did not catch up within GeoAwareness:ReadModel:CatchUpWaitSeconds; this request reads PostGIS")]
    private static partial void LogBehind(ILogger logger, ulong watermark);
}
