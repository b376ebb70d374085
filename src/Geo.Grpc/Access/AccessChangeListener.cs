using Geo.Storage.Access;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Geo.Grpc.Access;

/// <summary>
/// Drops the cached tokens that a revocation or a redrawn sector makes stale, as the database
/// announces them (<see cref="AccessChanges"/>), so that a token revoked by the command-line tool
/// or by another instance of the service is refused on its next call, not a cache lifetime later.
/// While the listening connection is down nothing would be heard, so the whole cache is dropped
/// each time it breaks, and listening starts again.
/// </summary>
internal sealed partial class AccessChangeListener(AccessChanges changes, CallerAuthenticator authenticator, ILogger<AccessChangeListener> logger)
    : BackgroundService
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await changes.ListenAsync(Apply, stoppingToken).ConfigureAwait(false);
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

    private void Apply(string payload)
    {
        if (payload == AccessChanges.Everything)
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
