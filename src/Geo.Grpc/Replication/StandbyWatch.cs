using System.Diagnostics.Metrics;
using Geo.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Geo.Grpc.Replication;

/// <summary>
/// Measures how far the standby is behind the primary, publishes it, and sends the reads that
/// tolerate lag (<see cref="ReadPool"/>) to the standby only while it is reachable and within
/// <see cref="StandbyOptions.MaxLagSeconds"/>; otherwise to the primary. Logs each change of route.
/// </summary>
/// <remarks>
/// Lag in bytes is the primary's WAL position minus what the standby has replayed. Lag in seconds
/// is how long ago the primary first stood past what the standby has replayed now, from the
/// positions this watch saw at each look: 0 when the standby has replayed everything the primary
/// had written at the previous look. (The time since the standby's last replayed commit would
/// count an idle hour as lag the moment the primary writes a checkpoint.)
/// </remarks>
internal sealed partial class StandbyWatch : BackgroundService
{
    private readonly ReadPool _reads;
    private readonly StandbyOptions _options;
    private readonly ILogger<StandbyWatch> _logger;
    private double? _lagSeconds;
    private long? _lagBytes;
    private bool? _route;

    /// <summary>The primary's WAL positions at recent looks, oldest first, each with when it was seen.</summary>
    private readonly Queue<(long At, ulong Lsn)> _seen = new();
    private ulong _lastSeen;

    public StandbyWatch(GeoDatabase database, IOptions<StandbyOptions> options, IMeterFactory meters, ILogger<StandbyWatch> logger)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(meters);
        _reads = database.Reads;
        _options = options.Value;
        _logger = logger;
        if (database.HasStandby)
        {
            var meter = meters.Create(Telemetry.GeoAwarenessMetrics.MeterName);
            meter.CreateObservableGauge("geoawareness.standby.lag", () => _lagSeconds is { } s ? [new Measurement<double>(s)] : Array.Empty<Measurement<double>>(), "s",
                "How far the standby's replay is behind the primary, in seconds since it last replayed a commit while it has more to replay; none while it cannot be reached");
            meter.CreateObservableGauge("geoawareness.standby.lag_bytes", () => _lagBytes is { } b ? [new Measurement<long>(b)] : Array.Empty<Measurement<long>>(), "By",
                "WAL the primary has written that the standby has not replayed");
            meter.CreateObservableGauge("geoawareness.standby.serving_reads", () => _reads.OnStandby ? 1 : 0, "{boolean}",
                "1 while feed pages and indicators are read from the standby, 0 while they are read from the primary");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_reads.Standby is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.Check);
        do
        {
            await CheckAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        string? problem = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(Math.Max(2, _options.CheckSeconds)));
            string primaryLsn;
            await using (var primary = await _reads.Primary.OpenConnectionAsync(timeout.Token).ConfigureAwait(false))
            await using (var command = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", primary))
            {
                primaryLsn = (string)(await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false))!;
            }

            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (_seen.Count == 0 || _lastSeen != Lsn(primaryLsn))
            {
                // 16 bytes a look while the standby is behind and the primary writes.
                _lastSeen = Lsn(primaryLsn);
                _seen.Enqueue((now, _lastSeen));
            }
            string replayLsn;
            await using (var standby = await _reads.Standby!.OpenConnectionAsync(timeout.Token).ConfigureAwait(false))
            await using (var command = new NpgsqlCommand("SELECT coalesce(pg_last_wal_replay_lsn(), '0/0')::text", standby))
            {
                replayLsn = (string)(await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false))!;
            }

            var replayed = Lsn(replayLsn);
            while (_seen.Count > 0 && _seen.Peek().Lsn <= replayed)
            {
                _seen.Dequeue();
            }

            _lagBytes = (long)(Lsn(primaryLsn) > replayed ? Lsn(primaryLsn) - replayed : 0);
            _lagSeconds = _seen.Count == 0 ? 0 : System.Diagnostics.Stopwatch.GetElapsedTime(_seen.Peek().At, now).TotalSeconds;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _lagSeconds = null;
            _lagBytes = null;
            _seen.Clear();
            problem = e.Message.Split('\n')[0];
        }

        var useStandby = _options.Reads && problem is null && _lagSeconds <= _options.MaxLagSeconds;
        if (useStandby == _route)
        {
            return;
        }

        _route = useStandby;
        _reads.UseStandby(useStandby);
        if (useStandby)
        {
            LogOnStandby(_logger, _lagSeconds ?? 0, _options.MaxLagSeconds);
        }
        else if (_options.Reads)
        {
            LogOnPrimary(_logger, problem ?? $"it is {_lagSeconds:0.0} s behind, more than {_options.MaxLagSeconds} s ({StandbyOptions.SectionName}:MaxLagSeconds)");
        }
    }

    /// <summary>A pg_lsn's text (<c>16/B374D848</c>) as the number it stands for.</summary>
    internal static ulong Lsn(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return (ulong.Parse(text.AsSpan(0, slash), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) << 32)
            | ulong.Parse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "feed pages and indicators are read from the standby ({Lag:0.0} s behind, at most {Max} s allowed)")]
    private static partial void LogOnStandby(ILogger logger, double lag, double max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "feed pages and indicators are read from the primary: the standby cannot serve them: {Why}")]
    private static partial void LogOnPrimary(ILogger logger, string why);
}
