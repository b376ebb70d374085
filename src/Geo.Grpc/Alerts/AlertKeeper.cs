using Geo.Core.Domain;
using Geo.Grpc.Api;
using Geo.Grpc.UseCases;
using Geo.Storage.Alerts;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Alerts;

/// <summary>
/// What each service process does for alerts in the background: tells the database from which
/// severity observations open one; records, for each new alert, the nearest presence at that
/// moment; and escalates the overdue (each once, whichever process gets there first).
/// </summary>
internal sealed partial class AlertKeeper(AlertStore store, NearestPresence presence, IOptions<AlertOptions> options, TimeProvider clock, ILogger<AlertKeeper> logger)
    : BackgroundService
{
    /// <summary>The bases an alert records: as many as NearestPresence gives by default.</summary>
    private const int NearestBases = 5;

    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default);

    /// <summary>Runs one sweep now (tests, and the first one at start).</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await store.SetOpeningAsync(settings.MinSeverity, TimeSpan.FromHours(settings.MaxObservationAgeHours), cancellationToken).ConfigureAwait(false);
        foreach (var (id, location, openedAt) in await store.WithoutNearestAsync(100, cancellationToken).ConfigureAwait(false))
        {
            var nearest = await presence.FindAsync(location, NearestBases, 0, DateOnly.FromDateTime(openedAt.UtcDateTime), null, cancellationToken).ConfigureAwait(false);
            var answer = new V1.NearestPresenceResponse();
            answer.Bases.AddRange(nearest.Select(ApiMapping.ToProto));
            await store.SetNearestAsync(id, Json.Format(answer), cancellationToken).ConfigureAwait(false);
        }

        foreach (var (id, reason) in await store.EscalateAsync(clock.GetUtcNow(), settings.Deadlines, cancellationToken).ConfigureAwait(false))
        {
            LogEscalated(logger, id, reason);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(options.Value.SweepSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogSweepFailed(logger, e.Message);
            }

            await Task.Delay(period, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "alert {AlertId} escalated: {Reason}")]
    private static partial void LogEscalated(ILogger logger, string alertId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the alert sweep failed ({Problem}); trying again at the next")]
    private static partial void LogSweepFailed(ILogger logger, string problem);
}
