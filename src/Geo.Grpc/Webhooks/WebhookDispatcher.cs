using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Geo.Core.Domain;
using Geo.Exporters.Feeds;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Geo.Grpc.Telemetry;
using Geo.Grpc.Watch;
using Geo.Storage.Feeds;
using Geo.Storage.Webhooks;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Webhooks;

/// <summary>
/// Delivers the webhooks this process holds the lease of. Woken by the watch hub (the process's
/// one change listener) when something settled, and every <see cref="WebhookOptions.PollSeconds"/>
/// for retries and for hooks made elsewhere. Each hook is delivered by its own task, one event at
/// a time in feed order, so a receiver that hangs delays its own hook and nothing else. It reads
/// the observation feed alone: re-check marks of planned operations, which share the feed's
/// positions, are never read here, so no hook can carry one (and no role that reads plans may own a hook).
/// </summary>
internal sealed partial class WebhookDispatcher(
    WebhookStore store, ObservationFeed feed, WatchHub hub, WatchRequests requests, LocationPrivacy privacy, CallerAuthenticator authenticator,
    IOptions<WebhookOptions> options, IOptions<Alerts.AlertOptions> alertOptions, GeoAwarenessMetrics metrics, TimeProvider clock, ILogger<WebhookDispatcher> logger)
    : BackgroundService
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default);

    /// <summary>This process, as the lease names it.</summary>
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private HttpClient? _http;

    /// <summary>Counts wakes: a hook's task that sees it move while it read reads once more, for what settled meanwhile.</summary>
    private long _wakes;

    /// <summary>Looks for due hooks now (one was made or resumed here, or a commit settled).</summary>
    public void Wake()
    {
        Interlocked.Increment(ref _wakes);
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    public override void Dispose()
    {
        _http?.Dispose();
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // A hook's URL is where the administrator said: a redirect would send the mission's data elsewhere.
            AllowAutoRedirect = false,
            ConnectTimeout = settings.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseCookies = false,
            UseProxy = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        hub.Advanced += Wake;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    foreach (var hook in await store.ClaimDueAsync(_owner, settings.Lease, [.. _running.Keys], stoppingToken).ConfigureAwait(false))
                    {
                        _running[hook.Id] = RunAsync(hook, stoppingToken);
                    }
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    LogClaimFailed(logger, e.Message);
                }

                try
                {
                    await _wake.WaitAsync(settings.Poll, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                }
            }
        }
        finally
        {
            hub.Advanced -= Wake;
            await Task.WhenAll(_running.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                // Another process takes over at once rather than after the lease.
                using var release = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await store.ReleaseAllAsync(_owner, release.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or OperationCanceledException)
            {
                LogReleaseFailed(logger, e.Message);
            }
        }
    }

    private async Task RunAsync(StoredWebhook hook, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await DeliverAsync(hook, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database is away, or something unforeseen: the cursor stands where the last
            // acknowledged event left it, and the next claim (by this process or, once the lease
            // lapses, another) resumes from there. Nothing a hook does may stop the others.
            LogHookFailed(logger, hook.Id, e.Message);
        }
        finally
        {
            _running.TryRemove(hook.Id, out _);
        }
    }

    /// <summary>Delivers what settled after the hook's cursor, in order, until it is all delivered or one delivery fails.</summary>
    private async Task DeliverAsync(StoredWebhook hook, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var caller = await authenticator.CallerOfTokenAsync(hook.TokenId, cancellationToken).ConfigureAwait(false);
        if (caller is null)
        {
            await store.SuspendAsync(hook.Id, _owner, $"token {hook.TokenId} was revoked or has expired: the hook acts for it; make a new hook with a valid token", cancellationToken)
                .ConfigureAwait(false);
            return;
        }

        WatchAsked asked;
        try
        {
            asked = await requests.ReadAsync(V1.WatchRequest.Parser.ParseFrom(hook.Request), caller, "watch", cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            // What was valid when it was made no longer is (its sector was removed, its token's area redrawn).
            await store.SuspendAsync(hook.Id, _owner, e.Status.Detail, cancellationToken).ConfigureAwait(false);
            return;
        }

        var sight = await privacy.SightAsync(caller, asked.Filter, cancellationToken).ConfigureAwait(false);
        var deadlines = alertOptions.Value.Deadlines;
        var cursor = FeedCursor.Parse(hook.Cursor).Position;
        var attempt = hook.Failures + 1;
        while (true)
        {
            var wakes = Interlocked.Read(ref _wakes);
            List<FeedRecord> batch;
            FeedPosition settled;
            // Read, then let the snapshot go before posting: a slow receiver must not hold a transaction open.
            await using (var snapshot = await feed.OpenAsync(sight.Visibility, cancellationToken).ConfigureAwait(false))
            {
                settled = snapshot.SettledEnd;
                batch = await snapshot.ReadMatchingAsync(cursor, settled, sight.Filter, settings.BatchSize, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
            }

            var passed = cursor;
            foreach (var record in batch)
            {
                if (sight.Deliver(record.Stored) is not { } shown)
                {
                    passed = record.Position;
                    continue;
                }

                var message = ApiMapping.ToProto(new ObservationChanged(record.Position, shown, record.ChangedAt), caseDetails: false, deadlines);
                var kind = message.EventCase == V1.WatchEvent.EventOneofCase.Withdrawn ? "withdrawn" : "observation";
                var body = Encoding.UTF8.GetBytes(Json.Format(message));
                // A hook paused (or deleted) while this batch was read sends nothing more once the pause has answered.
                if (!await store.HoldAsync(hook.Id, _owner, settings.Lease, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                var (status, error, milliseconds) = await PostAsync(hook, message.Cursor, body, cancellationToken).ConfigureAwait(false);
                var delivered = error is null;
                metrics.WebhookAttempted(delivered);
                var logged = new WebhookAttempt(message.Cursor, kind, attempt, status, delivered, error ?? string.Empty, milliseconds);
                if (!delivered)
                {
                    var suspend = attempt >= settings.SuspendAfterFailures;
                    var reason = suspend ? $"failed {attempt} times in a row (GeoAwareness:Webhooks:SuspendAfterFailures); last: {error}" : string.Empty;
                    await store.FailedAsync(hook.Id, _owner, FeedCursor.Format(passed), WebhookBackoff.After(attempt, settings.FirstRetry, settings.MaxRetry), suspend, reason, logged, cancellationToken)
                        .ConfigureAwait(false);
                    return;
                }

                if (!await store.DeliveredAsync(hook.Id, _owner, message.Cursor, settings.Lease, logged, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                attempt = 1;
                cursor = passed = record.Position;
                if (hook.Delivered % 100 == 0)
                {
                    await store.PruneLogAsync(hook.Id, settings.LogPerHook, cancellationToken).ConfigureAwait(false);
                }

                hook = hook with { Delivered = hook.Delivered + 1 };
            }

            var end = batch.Count < settings.BatchSize && settled > passed ? settled : passed;
            if (end > cursor)
            {
                // Nothing for this hook up to there: remember it, so the next read starts further on.
                if (!await store.PassedAsync(hook.Id, _owner, FeedCursor.Format(end), settings.Lease, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                cursor = end;
            }

            if (batch.Count < settings.BatchSize && Interlocked.Read(ref _wakes) == wakes)
            {
                return;
            }
        }
    }

    /// <summary>Posts one event; the error is null when the receiver answered 2xx.</summary>
    private async Task<(int? Status, string? Error, int Milliseconds)> PostAsync(StoredWebhook hook, string eventCursor, byte[] body, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body), Version = HttpVersion.Version11 };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", eventCursor);
        request.Headers.TryAddWithoutValidation("X-GeoAwareness-Hook", hook.Id);
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sign(hook.Secret, clock.GetUtcNow(), body));
        request.Headers.UserAgent.ParseAdd("GeoAwareness-Webhooks/1");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            // Only the status matters: the body is never read, however large the receiver makes it.
            using var response = await _http!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return (code, response.IsSuccessStatusCode ? null : $"HTTP {code} {Cut(response.ReasonPhrase ?? string.Empty)}".TrimEnd(), Elapsed());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"no answer within {options.Value.TimeoutSeconds:0.###} s (GeoAwareness:Webhooks:TimeoutSeconds)", Elapsed());
        }
        catch (HttpRequestException e)
        {
            return (null, Cut(e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message), Elapsed());
        }

        int Elapsed() => (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300];

    [LoggerMessage(Level = LogLevel.Warning, Message = "webhooks: could not look for due hooks ({Problem}); retrying")]
    private static partial void LogClaimFailed(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "webhook {Hook}: delivery stopped ({Problem}); it resumes from its cursor")]
    private static partial void LogHookFailed(ILogger logger, string hook, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "webhooks: could not let go of the leases ({Problem}); other processes take over when they lapse")]
    private static partial void LogReleaseFailed(ILogger logger, string problem);
}
