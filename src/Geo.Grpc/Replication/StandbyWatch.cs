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
/// Lag is the primary's WAL position minus what the standby has replayed (bytes), and the time
/// since the standby last replayed a commit while it has more to replay (seconds): 0 when it has
/// replayed everything it received and the primary has written nothing newer.
/// </remarks>
internal sealed partial class StandbyWatch : BackgroundService
{
    private readonly ReadPool _reads;
    private readonly StandbyOptions _options;
    private readonly ILogger<StandbyWatch> _logger;
    private double? _lagSeconds;
    private long? _lagBytes;
    private bool? _route;

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

            await using var standby = await _reads.Standby!.OpenConnectionAsync(timeout.Token).ConfigureAwait(false);
            await using var lag = new NpgsqlCommand(
                "SELECT greatest(pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()), 0)::bigint, " +
                "CASE WHEN pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()) <= 0 THEN 0 " +
                "ELSE coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0) END::float8", standby)
            {
                Parameters = { new() { Value = primaryLsn } },
            };
            await using var reader = await lag.ExecuteReaderAsync(timeout.Token).ConfigureAwait(false);
            await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            _lagBytes = reader.GetInt64(0);
            _lagSeconds = reader.GetDouble(1);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _lagSeconds = null;
            _lagBytes = null;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "feed pages and indicators are read from the standby ({Lag:0.0} s behind, at most {Max} s allowed)")]
    private static partial void LogOnStandby(ILogger logger, double lag, double max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "feed pages and indicators are read from the primary: the standby cannot serve them: {Why}")]
    private static partial void LogOnPrimary(ILogger logger, string why);
}
