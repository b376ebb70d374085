using System.Runtime.CompilerServices;
using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Grpc.Access;
using Geo.Grpc.UseCases;
using Geo.Storage.Access;
using Geo.Storage.Feeds;
using Geo.Storage.Operations;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.Watch;

/// <summary>What a watch pushes: a change, or a heartbeat; each says where to resume after it.</summary>
internal abstract record WatchEvent(FeedPosition Resume);

/// <summary>An observation created or changed, as the caller sees it; <see cref="Withdrawn"/> when discredited (a tombstone).</summary>
internal sealed record ObservationChanged(FeedPosition Resume, StoredObservation Observation, DateTimeOffset ChangedAt) : WatchEvent(Resume)
{
    public bool Withdrawn => Observation.Verification == VerificationStatus.Discredited;
}

internal sealed record WatchHeartbeat(FeedPosition Resume, DateTimeOffset At) : WatchEvent(Resume);

/// <summary>An alert in the watch's area opened or changed, as the caller is shown it.</summary>
internal sealed record AlertChanged(FeedPosition Resume, Alerts.ShownAlert Alert) : WatchEvent(Resume);

/// <summary>A plan the caller reads was marked for a re-check, as the caller is shown it.</summary>
internal sealed record OperationRechecked(FeedPosition Resume, ShownRecheck Recheck) : WatchEvent(Resume);

/// <summary>A watch that cannot go on, with the position its client resumes from.</summary>
internal sealed class WatchEndedException(StatusCode code, string message, FeedPosition resume) : Exception(message)
{
    public StatusCode Code { get; } = code;

    public FeedPosition Resume { get; } = resume;
}

/// <summary>
/// One live watch: from its cursor (or from now), every change the caller may see that its filter
/// matches, in feed order, each once, tombstones included, with heartbeats while nothing happens.
/// It first replays what lies between its cursor and where the hub stood when it joined, read
/// with the caller's own sight (as a query would), then takes what the hub hands it. Security
/// incidents against CLAs that it pushes are audited, as every read of them is. A caller that
/// reads planned operations also gets their re-check marks, replayed and live in the same order,
/// each audited as a read of the plan; one that reads no observations (a planner) gets only those.
/// </summary>
internal sealed class ObservationWatch(
    WatchHub hub, ObservationFeed feed, RecheckMarks rechecks, LocationPrivacy privacy, ObservationReading reading, AccessStore audit, IOptions<WatchOptions> options,
    TimeProvider clock)
{
    /// <param name="grpcProper">The call came over gRPC proper: planned operations never go over gRPC-Web.</param>
    public async IAsyncEnumerable<WatchEvent> RunAsync(
        ObservationFilter filter, FeedPosition? cursor, Caller caller, bool grpcProper, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(caller);
        var settings = options.Value;
        var marks = RecheckSight.For(caller, filter, grpcProper);
        if (!caller.Can(Permission.ReadOwnObservations) && marks is null)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"the {caller.Role} role reads no observations, and re-check marks of planned operations are pushed over gRPC only, never gRPC-Web: watch with a gRPC client"));
        }

        if (cursor is { } asked)
        {
            await CheckCursorAsync(asked, cancellationToken).ConfigureAwait(false);
        }

        // Two sights: the hub's thread coarsens with one, this call's catch-up with the other.
        var sight = caller.Can(Permission.ReadOwnObservations) ? await privacy.SightAsync(caller, filter, cancellationToken).ConfigureAwait(false) : null;
        var watcher = new Watcher(sight is null ? null : new WatchCondition(sight.Filter, sight.Visibility), sight, marks, caller, settings.MaxBacklog);
        var joinedAt = await hub.JoinAsync(watcher, cancellationToken).ConfigureAwait(false);
        try
        {
            var resume = cursor ?? joinedAt;
            // The client learns at once where it stands, so that it can resume even if nothing ever matches.
            yield return new WatchHeartbeat(resume, clock.GetUtcNow());
            if (cursor is { } from && from < joinedAt)
            {
                // Marks are few (one per plan until it is checked again): read whole, then merged into the observations' order.
                var missed = marks is null ? [] : await MissedMarksAsync(from, joinedAt, marks, settings.MaxCatchUp, cancellationToken).ConfigureAwait(false);
                var next = 0;
                if (sight is not null)
                {
                    var catchUp = sight.Fork();
                    await using var snapshot = await feed.OpenAsync(catchUp.Visibility, cancellationToken).ConfigureAwait(false);
                    // Counted up to what is settled now, not only to where the hub stood: a hub a
                    // moment behind would hand the rest over live, and the refusal would depend on its lag.
                    var now = snapshot.SettledEnd > joinedAt ? snapshot.SettledEnd : joinedAt;
                    var behind = await snapshot.CountMatchingAsync(from, now, catchUp.Filter, settings.MaxCatchUp + 1, cancellationToken).ConfigureAwait(false);
                    if (behind > settings.MaxCatchUp)
                    {
                        throw new WatchEndedException(StatusCode.OutOfRange,
                            $"cursor: more than {settings.MaxCatchUp} changes lie between it and now, more than a watch replays; " +
                            "read them with Feeds.PullObservations from this cursor (or Observations.Query), then watch from the feed's next_cursor",
                            from);
                    }

                    await foreach (var record in snapshot.ReadMatchingAsync(from, joinedAt, catchUp.Filter, settings.MaxCatchUp, cancellationToken).ConfigureAwait(false))
                    {
                        for (; next < missed.Count && missed[next].Mark.Position < record.Position; next++)
                        {
                            resume = missed[next].Mark.Position;
                            await AuditAsync(missed[next], caller).ConfigureAwait(false);
                            yield return new OperationRechecked(resume, missed[next]);
                        }

                        resume = record.Position;
                        if (catchUp.Deliver(record.Stored) is { } delivered)
                        {
                            await AuditAsync(delivered, caller).ConfigureAwait(false);
                            yield return new ObservationChanged(resume, delivered, record.ChangedAt);
                        }
                    }
                }

                for (; next < missed.Count; next++)
                {
                    resume = missed[next].Mark.Position;
                    await AuditAsync(missed[next], caller).ConfigureAwait(false);
                    yield return new OperationRechecked(resume, missed[next]);
                }

                if (joinedAt > resume)
                {
                    resume = joinedAt;
                }
            }

            var heartbeat = settings.Heartbeat;
            while (true)
            {
                var (ready, item) = await NextAsync(watcher.Queue, heartbeat, cancellationToken).ConfigureAwait(false);
                if (!ready)
                {
                    yield return new WatchHeartbeat(resume, clock.GetUtcNow());
                    continue;
                }

                if (watcher.Overflowed || item is null)
                {
                    throw new WatchEndedException(StatusCode.ResourceExhausted,
                        $"the watch fell {settings.MaxBacklog} changes behind (GeoAwareness:Watch:MaxBacklog) and was ended; " +
                        "read faster, narrow the filter, or resume from the cursor given",
                        resume);
                }

                switch (item)
                {
                    case WatchedChange change when change.Record.Position > resume:
                        resume = change.Record.Position;
                        await AuditAsync(change.Delivered, caller).ConfigureAwait(false);
                        yield return new ObservationChanged(resume, change.Delivered, change.Record.ChangedAt);
                        break;
                    case WatchedAlert alert:
                        yield return new AlertChanged(resume, alert.Alert);
                        break;
                    case WatchedRecheck recheck when recheck.Recheck.Mark.Position > resume:
                        resume = recheck.Recheck.Mark.Position;
                        await AuditAsync(recheck.Recheck, caller).ConfigureAwait(false);
                        yield return new OperationRechecked(resume, recheck.Recheck);
                        break;
                    case WatchSettled settled when settled.Position > resume:
                        resume = settled.Position;
                        break;
                }
            }
        }
        finally
        {
            hub.Leave(watcher);
        }
    }

    /// <summary>The next item (null when the queue was closed), or not ready when a heartbeat's time passed first.</summary>
    private static async Task<(bool Ready, WatchItem? Item)> NextAsync(System.Threading.Channels.ChannelReader<WatchItem> queue, TimeSpan heartbeat, CancellationToken cancellationToken)
    {
        if (queue.TryRead(out var waiting))
        {
            return (true, waiting);
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(heartbeat);
        try
        {
            return await queue.WaitToReadAsync(wait.Token).ConfigureAwait(false) && queue.TryRead(out var item) ? (true, item) : (true, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, null);
        }
    }

    /// <summary>A cursor the feed could have given: not from a transaction that has not begun.</summary>
    private async Task CheckCursorAsync(FeedPosition cursor, CancellationToken cancellationToken)
    {
        await using var snapshot = await feed.OpenAsync(Geo.Storage.Visibility.Everything, cancellationToken).ConfigureAwait(false);
        if (cursor.Xid >= snapshot.Horizon)
        {
            throw new RpcException(new Status(StatusCode.OutOfRange,
                "cursor: is ahead of the feed (it names a transaction that has not begun): send back a cursor exactly as a watch or the feed gave it, or none to watch from now"));
        }
    }

    /// <summary>The marks between the cursor and where the watch joined, as the caller is shown them; OUT_OF_RANGE beyond what a watch replays.</summary>
    private async Task<IReadOnlyList<ShownRecheck>> MissedMarksAsync(FeedPosition from, FeedPosition upTo, RecheckSight marks, int max, CancellationToken cancellationToken)
    {
        var read = await rechecks.ReadMatchingAsync(from, upTo, marks.Condition, max + 1, cancellationToken).ConfigureAwait(false);
        if (read.Count > max)
        {
            throw new WatchEndedException(StatusCode.OutOfRange,
                $"cursor: more than {max} re-check marks of planned operations lie between it and now, more than a watch replays; " +
                "list the plans that need a re-check with Operations.ListOperations (needs_recheck), then watch without a cursor",
                from);
        }

        return [.. read.Select(marks.Show)];
    }

    private Task AuditAsync(StoredObservation delivered, Caller caller) =>
        delivered.Observation.Category == ObservationCategory.SecurityIncidentAgainstCla
            ? reading.AuditIncidentsAsync(caller, [delivered.Observation.Id], 0, CancellationToken.None)
            : Task.CompletedTask;

    /// <summary>Each mark pushed is a read of the plan, audited as GetOperation and ListOperations audit theirs.</summary>
    private Task AuditAsync(ShownRecheck pushed, Caller caller) =>
        audit.AuditChangeAsync(caller.Subject, "operation.read", "operation", pushed.Mark.OperationId, new { watched = true, recheck = pushed.Mark.Reason.ToString() });
}
