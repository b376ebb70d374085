using System.Threading.Channels;
using Geo.Core.Domain;
using Geo.Grpc.Access;
using Geo.Storage.Feeds;

namespace Geo.Grpc.Watch;

/// <summary>What the hub hands one watch: a change it may see, or how far everything has been read.</summary>
internal abstract record WatchItem;

/// <summary>A change the watch matches, as its caller sees it (coarsened where the caller's role says so).</summary>
internal sealed record WatchedChange(FeedRecord Record, StoredObservation Delivered) : WatchItem;

/// <summary>An alert in the watch's area opened or changed, as its caller is shown it.</summary>
internal sealed record WatchedAlert(Alerts.ShownAlert Alert) : WatchItem;

/// <summary>A plan the watch's caller reads was marked for a re-check; it has its place in the feed's order.</summary>
internal sealed record WatchedRecheck(ShownRecheck Recheck) : WatchItem;

/// <summary>Every change before <paramref name="Position"/> has been read and offered: the watch may resume from there.</summary>
internal sealed record WatchSettled(FeedPosition Position) : WatchItem;

/// <summary>
/// One open watch as the hub sees it: its condition, the sight that coarsens what it gets (used
/// by the hub's one thread alone), and a bounded queue its call reads. A queue that fills up is
/// closed: the hub never waits for a slow reader, nor keeps more than the backlog for it. A caller
/// that reads no observations (a planner) has no condition and no sight: the hub offers it none;
/// one that may receive no re-check marks has no <see cref="Rechecks"/>.
/// </summary>
internal sealed class Watcher
{
    private readonly Channel<WatchItem> _queue;

    public Watcher(WatchCondition? condition, ObservationSight? sight, RecheckSight? rechecks, Geo.Core.Access.Caller caller, int backlog)
    {
        Condition = condition;
        Sight = sight;
        Rechecks = rechecks;
        Caller = caller;
        _queue = Channel.CreateBounded<WatchItem>(new BoundedChannelOptions(backlog)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public WatchCondition? Condition { get; }

    public ObservationSight? Sight { get; }

    /// <summary>Which re-check marks reach the watch, and how; null when none may.</summary>
    public RecheckSight? Rechecks { get; }

    /// <summary>Who watches: whether alerts reach the watch, and which.</summary>
    public Geo.Core.Access.Caller Caller { get; }

    public ChannelReader<WatchItem> Queue => _queue.Reader;

    /// <summary>Set when the reader fell a whole backlog behind; its queue is then closed.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Queues <paramref name="item"/>, or closes the queue when it is full.</summary>
    public void Offer(WatchItem item)
    {
        if (!_queue.Writer.TryWrite(item) && !Overflowed)
        {
            Overflowed = true;
            _queue.Writer.TryComplete();
        }
    }
}
