namespace Geo.Storage.Observations;

/// <summary>Which event an observation reports, and when it was reported, so that an event can be counted once, at its earliest report.</summary>
/// <param name="EventId">The event a supervisor linked the observation into; null when in none (it is then an event of its own).</param>
public sealed record EventMember(string? EventId, DateTimeOffset ReportedAt, long Seq)
{
    /// <summary>The columns a read selects for <see cref="Read"/>, in this order.</summary>
    public const string Columns = "event_id, reported_at, seq";

    /// <summary>Whether this report came before <paramref name="other"/> (reported earlier, or stored first at the same instant).</summary>
    public bool Precedes(EventMember other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ReportedAt < other.ReportedAt || (ReportedAt == other.ReportedAt && Seq < other.Seq);
    }

    /// <summary>The <see cref="Columns"/> of the current row from <paramref name="ordinal"/> on.</summary>
    internal static EventMember Read(Npgsql.NpgsqlDataReader reader, int ordinal) =>
        new(reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal), reader.GetFieldValue<DateTimeOffset>(ordinal + 1), reader.GetInt64(ordinal + 2));
}

/// <summary>
/// Counting events rather than reports (issue 22), for every aggregate that can (heat maps,
/// Observations.Count and Summarize, indicators): reports a supervisor linked as one event count
/// once, as the earliest of them reported (<see cref="EventMember.Precedes"/>) among those handed
/// in, which are the reports the aggregate matched and the caller sees. A report linked into no
/// event is an event of its own and is not kept here: <see cref="TakeLinked"/> hands it back, so
/// only linked reports (a supervisor's few) are held in memory, whatever the size of the answer.
/// </summary>
/// <typeparam name="T">What the aggregate needs of a report: its point, its category and people ...</typeparam>
/// <remarks>Not thread-safe: parallel readers each fill their own and <see cref="Merge"/> at the end.</remarks>
public sealed class EarliestReports<T>
{
    private readonly Dictionary<string, (EventMember Member, T Report)> _events = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes a report linked into an event, kept when it is the event's earliest so far; false for
    /// a report linked into none, which the caller counts at once as an event of its own.
    /// </summary>
    public bool TakeLinked(EventMember member, T report)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (member.EventId is not { } key)
        {
            return false;
        }

        if (!_events.TryGetValue(key, out var kept) || member.Precedes(kept.Member))
        {
            _events[key] = (member, report);
        }

        return true;
    }

    /// <summary>Adds what another reader took (its part of one read).</summary>
    public void Merge(EarliestReports<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (member, report) in other._events.Values)
        {
            TakeLinked(member, report);
        }
    }

    /// <summary>Each linked event's earliest report: the report the event counts as.</summary>
    public IEnumerable<T> Earliest => _events.Values.Select(e => e.Report);
}
