using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Geo.Grpc.Access;

/// <summary>
/// Listens on the database's <c>geoawareness_access</c> channel (migration 0006) and drops the
/// cached tokens that a revocation or a redrawn sector makes stale, so that a token revoked by the
/// command-line tool or by another instance of the service is refused on its next call, not a
/// cache lifetime later. While the listening connection is down nothing would be heard, so the
/// whole cache is dropped each time it breaks.
/// </summary>
internal sealed partial class AccessChangeListener(NpgsqlDataSource dataSource, CallerAuthenticator authenticator, ILogger<AccessChangeListener> logger)
    : BackgroundService
{
    public const string Channel = "geoawareness_access";

    /// <summary>The payload of a change that may concern any token (sectors).</summary>
    public const string Everything = "*";

    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for a notification before checking that the connection still lives.</summary>
    private static readonly TimeSpan Ping = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever broke the connection, the service goes on: it must never stop over this.
                authenticator.ForgetAll();
                LogListenerDown(logger, e.Message);
                await Task.Delay(Retry, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
        connection.Notification += (_, e) => Apply(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
        }

        // Whatever changed before LISTEN took effect was not heard.
        authenticator.ForgetAll();
        while (!stoppingToken.IsCancellationRequested)
        {
            // A connection that died without a word would wait for ever and hear nothing.
            if (!await connection.WaitAsync(Ping, stoppingToken).ConfigureAwait(false))
            {
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private void Apply(string payload)
    {
        if (payload == Everything)
        {
            authenticator.ForgetAll();
        }
        else
        {
            authenticator.Forget(payload);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "not listening for token revocations ({Problem}); every cached token was dropped, retrying")]
    private static partial void LogListenerDown(ILogger logger, string problem);
}
