using Geo.Core.Domain;
using Geo.Storage;
using Geo.Storage.Feeds;
using Geo.Storage.Notifications;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Geo.Grpc.Watch;

/// <summary>
/// The one change listener of the process. It hears every commit to observations on the
/// database's channel (migration 0008), reads what settled since it last read, once, in feed
/// order, with which watch each change matches (one statement for every watch), and hands each
/// watch what it matches. What is settled is the feed's rule (migration 0004), so a watch
/// delivers what the feed does, in the same order. Re-check marks of planned operations
/// (migration 16) have places in the same order: they are read over the same span and handed out
/// among the observations, to the watches that may receive them. Each process on a database has
/// its own hub.
/// </summary>
internal sealed partial class WatchHub(
    NpgsqlDataSource dataSource, ObservationFeed feed, Geo.Storage.Alerts.AlertStore alerts, Geo.Storage.Operations.RecheckMarks rechecks, IOptions<WatchOptions> options,
    ILogger<WatchHub> logger)
    : BackgroundService
{
    public const string Channel = "geoawareness_observations";

    /// <summary>Alerts opened or changed (migration 9): their ids.</summary>
    public const string AlertChannel = "geoawareness_alerts";

    /// <summary>Plans marked for a re-check (migration 16): nothing, what is new is read by position.</summary>
    public const string RecheckChannel = "geoawareness_operations";

    /// <summary>While a change waits above the watermark, how often to look whether it settled (its blocker may end without a word).</summary>
    private static readonly TimeSpan Unsettled = TimeSpan.FromMilliseconds(250);

    /// <summary>How often to read even when nothing was heard: a notification lost with a connection costs at most this.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    /// <summary>Held while a batch is read and handed out, and while a watch joins: a watch joins between batches.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<Watcher> _watchers = [];
    private readonly SemaphoreSlim _heard = new(0, 1);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _alertsHeard = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FeedPosition _position = FeedPosition.Start;

    /// <summary>
    /// Raised on the hub's thread when what is settled moved on: the one listener of the process
    /// also wakes the webhooks, which read the feed each from its own cursor. Keep handlers short.
    /// </summary>
    public event Action? Advanced;

    /// <summary>Open watches, for the operator.</summary>
    public int Count
    {
        get
        {
            lock (_watchers)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>
    /// Adds <paramref name="watcher"/>, between two batches. Returns the position up to which
    /// every change has been handed out before it joined (the catch-up reads up to it, inclusive);
    /// it is offered every change after it.
    /// </summary>
    public async Task<FeedPosition> JoinAsync(Watcher watcher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        await _started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_watchers)
            {
                _watchers.Add(watcher);
            }

            return _position;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Leave(Watcher watcher)
    {
        lock (_watchers)
        {
            _watchers.Remove(watcher);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = ListenAsync(Channel, _ => Wake(), stoppingToken);
        var listeningForAlerts = ListenAsync(AlertChannel, HeardAlert, stoppingToken);
        var listeningForRechecks = ListenAsync(RecheckChannel, _ => Wake(), stoppingToken);
        try
        {
            await DispatchAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await listening.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await listeningForAlerts.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await listeningForRechecks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void HeardAlert(string id)
    {
        if (id != DatabaseChannel.Began)
        {
            _alertsHeard.Enqueue(id);
            Wake();
        }
    }

    private async Task ListenAsync(string name, Action<string> heard, CancellationToken stoppingToken)
    {
        var channel = new DatabaseChannel(dataSource, name);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await channel.ListenAsync(heard, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Reads go on at the quiet pace meanwhile; nothing is lost, only later.
                LogListenerDown(logger, e.Message);
                await Task.Delay(Retry, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Wake()
    {
        try
        {
            _heard.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: one read serves every commit heard before it.
        }
    }

    private async Task DispatchAsync(CancellationToken stoppingToken)
    {
        // A watch without a cursor starts from now: what settled before the hub began is history.
        while (!_started.Task.IsCompleted)
        {
            try
            {
                await using var snapshot = await feed.OpenAsync(Visibility.Everything, stoppingToken).ConfigureAwait(false);
                _position = snapshot.SettledEnd;
                _started.TrySetResult();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogReadFailed(logger, e.Message);
                await Task.Delay(Retry, stoppingToken).ConfigureAwait(false);
            }
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan next;
            try
            {
                var before = _position;
                next = await ReadAndHandOutAsync(stoppingToken).ConfigureAwait(false) ? Unsettled : Quiet;
                if (_position != before)
                {
                    Advanced?.Invoke();
                }

                await HandOutAlertsAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The database is away (restarting, failing over): the position is kept, so the
                // next read resumes where this one stopped and nothing is lost or repeated.
                LogReadFailed(logger, e.Message);
                next = Retry;
            }

            await _heard.WaitAsync(next, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads everything settled after the position and hands it out; true when changes are still waiting to settle.</summary>
    private async Task<bool> ReadAndHandOutAsync(CancellationToken cancellationToken)
    {
        var batchSize = options.Value.BatchSize;
        var marksWaiting = false;
        await using var snapshot = await feed.OpenAsync(Visibility.Everything, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var read = 0;
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Watcher[] watchers;
                lock (_watchers)
                {
                    watchers = [.. _watchers];
                }

                // Observations to the watches that read them, marks to those that may receive them.
                var reading = watchers.Where(w => w.Condition is not null).ToArray();
                var marking = watchers.Where(w => w.Rechecks is not null).ToArray();
                // Both reads at once, so that marks add no wait to a watch's observations: the marks
                // up to the watermark (few), then only those of the span the observations cover.
                var marksRead = marking.Length == 0
                    ? Task.FromResult(new Geo.Storage.Operations.RecheckRead([], false))
                    : rechecks.ReadForWatchesAsync(_position, snapshot.SettledEnd, snapshot.Watermark, [.. marking.Select(w => w.Rechecks!.Condition)], cancellationToken);
                List<(FeedRecord Record, bool[] Matches)> changes;
                try
                {
                    changes = await snapshot.ReadForWatchesAsync(_position, [.. reading.Select(w => w.Condition!)], batchSize, cancellationToken)
                        .ToListAsync(cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await ((Task)marksRead).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    throw;
                }

                read = changes.Count;
                var upTo = read == batchSize ? changes[^1].Record.Position : snapshot.SettledEnd;
                var found = await marksRead.ConfigureAwait(false);
                marksWaiting = found.Unsettled;
                var marks = found.Marks.Where(m => m.Mark.Position <= upTo).ToList();
                var next = 0;
                foreach (var (record, matches) in changes)
                {
                    for (; next < marks.Count && marks[next].Mark.Position < record.Position; next++)
                    {
                        HandOut(marking, marks[next]);
                    }

                    for (var i = 0; i < reading.Length; i++)
                    {
                        if (matches[i] && reading[i].Sight!.Deliver(record.Stored) is { } delivered)
                        {
                            reading[i].Offer(new WatchedChange(record, delivered));
                        }
                    }

                    _position = record.Position;
                }

                for (; next < marks.Count; next++)
                {
                    HandOut(marking, marks[next]);
                    _position = marks[next].Mark.Position;
                }

                if (read < batchSize)
                {
                    // All that is settled has been read: every watch may resume from the watermark,
                    // a position that names no record (the last one read may be another caller's).
                    if (snapshot.SettledEnd > _position)
                    {
                        _position = snapshot.SettledEnd;
                    }

                    foreach (var watcher in watchers)
                    {
                        watcher.Offer(new WatchSettled(_position));
                    }
                }
            }
            finally
            {
                _gate.Release();
            }

            if (read < batchSize)
            {
                // Marks waiting matter only to watches that may receive them (read with them when there are).
                return marksWaiting || await snapshot.HasUnsettledAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void HandOut(Watcher[] marking, (Geo.Storage.Operations.RecheckMark Mark, bool[] Matches) mark)
    {
        for (var i = 0; i < marking.Length; i++)
        {
            if (mark.Matches[i])
            {
                marking[i].Offer(new WatchedRecheck(marking[i].Rechecks!.Show(mark.Mark)));
            }
        }
    }

    /// <summary>
    /// Hands each watch the alerts heard since the last time that its caller may read (the kinds its
    /// role reads) and whose point, as the caller is shown it, lies in its area and its token's.
    /// Live only: alerts have no place in the feed's order, so a watch resumed later does not get
    /// them again (Alerts.ListAlerts does).
    /// </summary>
    private async Task HandOutAlertsAsync(CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (_alertsHeard.TryDequeue(out var id))
        {
            ids.Add(id);
        }

        if (ids.Count == 0)
        {
            return;
        }

        IReadOnlyList<Geo.Core.Domain.StoredAlert> changed;
        try
        {
            changed = await alerts.GetManyAsync(ids, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            foreach (var id in ids)
            {
                _alertsHeard.Enqueue(id);
            }

            throw;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Watcher[] watchers;
            lock (_watchers)
            {
                watchers = [.. _watchers];
            }

            foreach (var alert in changed)
            {
                foreach (var watcher in watchers)
                {
                    if (Shown(watcher, alert) is { } shown)
                    {
                        watcher.Offer(new WatchedAlert(shown));
                    }
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static Alerts.ShownAlert? Shown(Watcher watcher, Geo.Core.Domain.StoredAlert alert)
    {
        var caller = watcher.Caller;
        var kindSeen = (caller.Categories, alert.Kind) switch
        {
            (Geo.Core.Access.CategoryScope.WithoutSecurityIncidents, Geo.Core.Domain.AlertKind.SecurityIncidentAgainstCla) => false,
            (Geo.Core.Access.CategoryScope.OnlySecurityIncidents, not Geo.Core.Domain.AlertKind.SecurityIncidentAgainstCla) => false,
            _ => true,
        };
        if (!caller.Can(Geo.Core.Access.Permission.ReadAlerts) || !kindSeen)
        {
            return null;
        }

        if (watcher.Sight is not { } sight)
        {
            return null;
        }

        if (sight.Coarsening is null)
        {
            var point = Geo.Core.Spatial.ShapeReader.Factory.CreatePoint(new NetTopologySuite.Geometries.Coordinate(alert.Location.Longitude, alert.Location.Latitude));
            var inScope = caller.ScopeArea is not { } scope || scope.Covers(point);
            var inArea = sight.Filter.Area is not { } area || area.Contains(alert.Location);
            return inScope && inArea ? new Alerts.ShownAlert(alert, alert.Location, true) : null;
        }

        var coarse = sight.Coarsening.Coarsen(alert.Location, alert.CommunityId);
        return sight.Sees(coarse) ? new Alerts.ShownAlert(alert, coarse, false) : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "watches are not hearing commits ({Problem}); reading every few seconds until listening again")]
    private static partial void LogListenerDown(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "watches could not read the feed ({Problem}); retrying from the same position")]
    private static partial void LogReadFailed(ILogger logger, string problem);
}
