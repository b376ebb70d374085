namespace Geo.Core.Domain;

/// <summary>
/// A place in an incremental feed: the database transaction that last wrote a record, then the
/// record's id. Positions of new and changed records only grow, so "everything after the last
/// position received" misses nothing and repeats nothing (see migration 0004).
/// </summary>
public readonly record struct FeedPosition(ulong Xid, string Id) : IComparable<FeedPosition>
{
    /// <summary>Before every record: a first pull starts here.</summary>
    public static FeedPosition Start { get; } = new(0, string.Empty);

    public int CompareTo(FeedPosition other)
    {
        var byXid = Xid.CompareTo(other.Xid);
        return byXid != 0 ? byXid : string.CompareOrdinal(Id, other.Id);
    }

    public static bool operator <(FeedPosition left, FeedPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(FeedPosition left, FeedPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(FeedPosition left, FeedPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(FeedPosition left, FeedPosition right) => left.CompareTo(right) >= 0;
}
