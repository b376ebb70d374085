using System.Runtime.CompilerServices;
using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Privacy;
using Geo.Grpc.Access;
using Geo.Storage;
using Geo.Storage.Access;
using Geo.Storage.Observations;

namespace Geo.Grpc.UseCases;

/// <summary>
/// Observations as a caller may read them: one by id, all in an area and period (streamed), or
/// counted and summarised. Each is what the caller's sight allows (scope, coarsening, release),
/// counts carry the caller's noise and minimum, and every security incident against a CLA that is
/// read is audited (CLA policy paras 45-47), also when a stream breaks halfway.
/// </summary>
internal sealed class ObservationReading(ObservationStore store, ReadModel.ModelReads model, AccessStore audit, LocationPrivacy privacy)
{
    /// <summary>Keys of rows the read model found that one statement reads from PostGIS.</summary>
    private const int KeysPerRead = 2000;

    /// <summary>
    /// Second reads ahead running at once across every query: one per core. A query always reads its
    /// next run while the last streams; a second run beside it only while one of these is free, so
    /// that many queries at once hold about one connection each, as before.
    /// </summary>
    private int _secondReads;

    /// <summary>How many ids of the security incidents one read returned its audit entry lists.</summary>
    private const int AuditedIds = 1000;

    /// <summary>The observation as the caller sees it (an incident's read audited).</summary>
    public async Task<StoredObservation> GetAsync(string id, Caller caller, string field, CancellationToken cancellationToken)
    {
        var delivered = await VisibleAsync(id, caller, field, cancellationToken).ConfigureAwait(false);
        await AuditIncidentsAsync(caller, delivered.Observation.Category == ObservationCategory.SecurityIncidentAgainstCla ? [delivered.Observation.Id] : [], 0, cancellationToken)
            .ConfigureAwait(false);
        return delivered;
    }

    /// <summary>
    /// The observation as the caller sees it, or NOT_FOUND naming <paramref name="field"/> when it
    /// may not: for a coarsened caller, also when its coarse point lies outside the caller's scope.
    /// </summary>
    public async Task<StoredObservation> VisibleAsync(string id, Caller caller, string field, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var sight = await privacy.SightAsync(caller, new ObservationFilter(), cancellationToken).ConfigureAwait(false);
        StoredObservation? delivered = null;
        try
        {
            var stored = await store.GetAsync(id, sight.Visibility, cancellationToken).ConfigureAwait(false);
            var community = stored.Observation.CommunityId;
            if (sight.Coarsening is not null && community is not null && sight.Policy.Method == CoarseningMethod.CommunityCentroid)
            {
                sight = await privacy.SightAsync(caller, new ObservationFilter(), cancellationToken, [community]).ConfigureAwait(false);
            }

            delivered = sight.Deliver(stored);
        }
        catch (RecordNotFoundException)
        {
        }

        return delivered ?? throw new RecordNotFoundException($"no observation '{id}'") { Field = field };
    }

    /// <summary>Every match in (observed_at, id) order, after <paramref name="after"/> when resuming, as the caller sees it.</summary>
    public async IAsyncEnumerable<StoredObservation> QueryAsync(
        ObservationFilter filter, Caller caller, (DateTimeOffset ObservedAt, string Id)? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sight = await privacy.SightAsync(caller, filter, cancellationToken).ConfigureAwait(false);
        var incidents = new List<string>();
        var moreIncidents = 0L;
        try
        {
            // A coarsened caller's area and scope are tested on the coarse point: the database is
            // asked for a wider area and the answer narrowed here, so no filter touches the exact point.
            var matches = await model.MatchesAsync(sight, after, cancellationToken).ConfigureAwait(false);
            var rows = matches is null
                ? store.QueryAsync(sight.Filter, sight.Visibility, after, cancellationToken)
                : PagesAsync(matches, sight, after, cancellationToken);
            await foreach (var exact in rows.ConfigureAwait(false))
            {
                if (sight.Deliver(exact) is not { } stored)
                {
                    continue;
                }

                if (stored.Observation.Category == ObservationCategory.SecurityIncidentAgainstCla)
                {
                    if (incidents.Count < AuditedIds)
                    {
                        incidents.Add(stored.Observation.Id);
                    }
                    else
                    {
                        moreIncidents++;
                    }
                }

                yield return stored;
            }
        }
        finally
        {
            // Whatever was read is recorded, also when the stream breaks halfway.
            await AuditIncidentsAsync(caller, incidents, moreIncidents, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The rows of the keys the read model found, read from PostGIS in runs of about
    /// <see cref="KeysPerRead"/>: a run ends between two instants, so each run's order (observed_at, id)
    /// continues the last. The next run is read while this one streams (the database and the stream
    /// each kept a core waiting on the other), and a second one beside it while the service has a
    /// second read to spare; at most three runs are held.
    /// </summary>
    private async IAsyncEnumerable<StoredObservation> PagesAsync(
        ReadModel.ModelMatches matches, ObservationSight sight, (DateTimeOffset ObservedAt, string Id)? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The model has decided the filter, and a write changes only an observation's status, release
        // and event, never what else the filter tests (place, time, category, severity, people,
        // communities, bases): so only the status is tested again, with all the caller's visibility
        // (its area, release, categories). Tested again, the place only made PostgreSQL AND a scan of
        // the spatial index with the key lookup, which doubled each read's time.
        var filter = new ObservationFilter { Verification = sight.Filter.Verification };
        var runs = Runs(matches.Keys);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reads = new Queue<Task<List<StoredObservation>>>();
        var started = 0;
        void ReadAhead()
        {
            while (started < runs.Count && reads.Count < 2)
            {
                if (reads.Count == 0)
                {
                    reads.Enqueue(ReadRunAsync(runs[started++], filter, sight.Visibility, after, stop.Token));
                }
                else if (Interlocked.Increment(ref _secondReads) <= Environment.ProcessorCount)
                {
                    reads.Enqueue(ReleasedAfter(ReadRunAsync(runs[started++], filter, sight.Visibility, after, stop.Token)));
                }
                else
                {
                    Interlocked.Decrement(ref _secondReads);
                    break;
                }
            }
        }

        try
        {
            // Two runs read at once while nothing streams yet; then, while each streams, the next one
            // or two: PostgreSQL and the decoding of rows each have a core more often. A 10,000-row
            // polygon query on 1M rows: p50 112 ms with one read ahead, 101 ms with two (medians of
            // four alternated runs of 100 calls), for about 5% more service CPU.
            ReadAhead();
            while (reads.TryDequeue(out var read))
            {
                var rows = await read.ConfigureAwait(false);
                ReadAhead();
                foreach (var row in rows)
                {
                    yield return row;
                }
            }
        }
        finally
        {
            // A caller that stops reading (or breaks off) leaves no read running behind it.
            if (reads.Count > 0)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                foreach (var read in reads)
                {
                    try
                    {
                        await read.ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is OperationCanceledException or Npgsql.NpgsqlException)
                    {
                    }
                }
            }
        }
    }

    private async Task<List<StoredObservation>> ReleasedAfter(Task<List<StoredObservation>> read)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _secondReads);
        }
    }

    /// <summary>The keys in runs of about <see cref="KeysPerRead"/>, each ending between two instants.</summary>
    private static List<long[]> Runs(IReadOnlyList<(long Micros, long Seq)> keys)
    {
        var runs = new List<long[]>();
        for (var start = 0; start < keys.Count;)
        {
            var end = Math.Min(start + KeysPerRead, keys.Count);
            while (end < keys.Count && keys[end].Micros == keys[end - 1].Micros)
            {
                end++;
            }

            var run = new long[end - start];
            for (var k = start; k < end; k++)
            {
                run[k - start] = keys[k].Seq;
            }

            runs.Add(run);
            start = end;
        }

        return runs;
    }

    private async Task<List<StoredObservation>> ReadRunAsync(
        long[] run, ObservationFilter filter, Visibility visibility, (DateTimeOffset ObservedAt, string Id)? after, CancellationToken cancellationToken)
    {
        var rows = new List<StoredObservation>(run.Length);
        await foreach (var row in store.QueryKeysAsync(run, filter, visibility, after, cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>
    /// How many match (and with <paramref name="countEvents"/> how many events), as the caller may
    /// be told it; null when withheld (below the caller's minimum: of events when they are counted).
    /// </summary>
    public async Task<PublishedCount?> CountAsync(ObservationFilter filter, bool countEvents, Caller caller, CancellationToken cancellationToken)
    {
        var sight = await privacy.SightAsync(caller, filter, cancellationToken).ConfigureAwait(false);
        if (countEvents)
        {
            var (reports, events) = await TallyAsync(sight, countEvents, cancellationToken).ConfigureAwait(false);
            return Published(reports, events, sight.Policy) is { } shown ? new PublishedCount(shown.Reports, shown.Events) : null;
        }

        // The read model holds no events: only reports are counted from it, as heat maps do.
        var (count, key) = await model.CountAsync(sight, cancellationToken).ConfigureAwait(false) ?? (sight.NeedsEachPoint
            ? Totals((await TallyAsync(sight, countEvents, cancellationToken).ConfigureAwait(false)).Reports)
            : await store.CountAsync(sight.Filter, sight.Visibility, cancellationToken).ConfigureAwait(false));
        return AggregateSuppression.Publishable(count, key, sight.Policy) is { } published ? new PublishedCount(published, null) : null;

        static (long, long) Totals(ObservationSummary summary) => (summary.Observations, summary.Key);
    }

    /// <summary>The summary (with <paramref name="countEvents"/> of events too) as the caller may be told it; null when the whole is withheld.</summary>
    public async Task<PublishedSummary?> SummarizeAsync(ObservationFilter filter, bool countEvents, Caller caller, CancellationToken cancellationToken)
    {
        var sight = await privacy.SightAsync(caller, filter, cancellationToken).ConfigureAwait(false);
        var policy = sight.Policy;
        var (summary, events) = countEvents
            ? await TallyAsync(sight, countEvents, cancellationToken).ConfigureAwait(false)
            : (await model.TallyAsync(sight, cancellationToken).ConfigureAwait(false) ?? (sight.NeedsEachPoint
                ? (await TallyAsync(sight, countEvents, cancellationToken).ConfigureAwait(false)).Reports
                : await store.SummarizeAsync(sight.Filter, sight.Visibility, cancellationToken).ConfigureAwait(false)), null);
        if (Published(summary, events, policy) is not { } total)
        {
            return null;
        }

        // Every count a coarsened caller gets carries its own set's noise, and the people counted
        // with it are scaled alike. The totals are published, so one small part withheld alone
        // would be the total minus the others: a second part goes with a lone one.
        var eventCategories = events?.ByCategory.ToDictionary(c => c.Category);
        var categories = Breakdown(
            [.. summary.ByCategory.Select(c => new Part(c.Observations, c.Key, c.PeopleAffected))],
            eventCategories is null ? null : [.. summary.ByCategory.Select(c => eventCategories.GetValueOrDefault(c.Category) is { } e ? new Part(e.Observations, e.Key, e.PeopleAffected) : default)],
            policy);
        var groups = Breakdown(
            [.. summary.ByGroup.Select(g => new Part(g.Observations, g.Key, g.People))],
            events is null ? null : [.. events.ByGroup.Select(g => new Part(g.Observations, g.Key, g.People))],
            policy);
        return new PublishedSummary(
            total.Reports,
            total.People,
            [.. summary.ByCategory.Select((c, i) => new PublishedCategory(c.Category, categories[i]?.Reports, categories[i]?.People, categories[i]?.Events))],
            [.. summary.ByGroup.Select((g, i) => new PublishedGroup(g.Sex, g.Age, groups[i]?.Reports, groups[i]?.People, groups[i]?.Events))],
            total.Events);
    }

    /// <summary>A count of reports (or of events), the sum of its record keys, and the people it counts.</summary>
    private readonly record struct Part(long Count, long Key, long People);

    /// <summary>A part as shown: its reports, its events when counted, and the people of the unit counted.</summary>
    private sealed record ShownPart(long Reports, long? Events, long People);

    /// <summary>
    /// A total as the caller may see it, or null when withheld: when events are counted, the minimum
    /// is of events (six reports of one incident are withheld, as a heat map's cell resting on them
    /// is), and the people are the events'; the reports are then at least as many, and shown.
    /// </summary>
    private static ShownPart? Published(ObservationSummary reports, ObservationSummary? events, LocationCoarsening policy)
    {
        var counted = events ?? reports;
        if (AggregateSuppression.Publishable(counted.Observations, counted.Key, policy) is not { } shown)
        {
            return null;
        }

        var people = AggregateSuppression.Scaled(counted.PeopleAffected, counted.Observations, shown);
        return events is null
            ? new ShownPart(shown, null, people)
            : new ShownPart(AggregateSuppression.Publishable(reports.Observations, reports.Key, policy)!.Value, shown, people);
    }

    /// <summary>
    /// A breakdown as the caller may see it (null: withheld), decided on the reports, and when events
    /// are counted on the events too: a part small in either unit is withheld in both, so the parts
    /// shown with the switch are among those shown without it, and the hidden ones are never one
    /// alone (each unit hides none or two and more), which setting the two answers side by side
    /// would give away as the total less the others.
    /// </summary>
    private static List<ShownPart?> Breakdown(IReadOnlyList<Part> reports, IReadOnlyList<Part>? events, LocationCoarsening policy)
    {
        static IReadOnlyList<long?> Shown(IReadOnlyList<Part> parts, LocationCoarsening policy) =>
            AggregateSuppression.SuppressBreakdown([.. parts.Select(p => p.Count)], [.. parts.Select(p => p.Key)], policy);

        var shownReports = Shown(reports, policy);
        var shownEvents = events is null ? null : Shown(events, policy);
        var shownPeople = events ?? reports;
        return [.. reports.Select((_, i) => shownReports[i] is { } r && (shownEvents is null || shownEvents[i] is not null)
            ? new ShownPart(r, shownEvents?[i], AggregateSuppression.Scaled(shownPeople[i].People, shownPeople[i].Count, (shownEvents ?? shownReports)[i]!.Value))
            : null)];
    }

    /// <summary>
    /// Counts the matching rows one by one: a coarsened caller's area and scope are tested on coarse
    /// points, and events are counted as their earliest reports (<see cref="EarliestReports{T}"/>,
    /// as heat maps count them), which only the service can do. The events are null unless counted.
    /// </summary>
    private async Task<(ObservationSummary Reports, ObservationSummary? Events)> TallyAsync(ObservationSight sight, bool countEvents, CancellationToken cancellationToken)
    {
        var reports = new SummaryTally();
        var events = countEvents ? new SummaryTally() : null;
        var linked = new EarliestReports<TallyRow>();
        await foreach (var row in store.TallyRowsAsync(sight.Filter, sight.Visibility, countEvents, cancellationToken).ConfigureAwait(false))
        {
            if (sight.NeedsEachPoint && !sight.Sees(sight.Coarsening!.Coarsen(row.Location, row.CommunityId)))
            {
                continue;
            }

            reports.Add(row.Category, row.Key, row.Affected);
            if (events is not null && !linked.TakeLinked(row.Event!, row))
            {
                events.Add(row.Category, row.Key, row.Affected);
            }
        }

        foreach (var row in linked.Earliest)
        {
            events!.Add(row.Category, row.Key, row.Affected);
        }

        return (reports.ToSummary(), events?.ToSummary());
    }

    /// <summary>Who read which security incidents against CLAs; nothing is written when none was read.</summary>
    internal async Task AuditIncidentsAsync(Caller caller, List<string> ids, long more, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }

        await audit.AuditAsync(caller.Subject, "security_incident.read", "observation", ids.Count == 1 && more == 0 ? ids[0] : string.Empty,
            new { ids, more, token = caller.TokenId, role = caller.Role.ToString() }, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A count as a caller may be told it: the reports, and the events when they were counted.</summary>
internal sealed record PublishedCount(long Observations, long? Events);

/// <summary>
/// A summary as a caller may be told it: each part's count null when withheld; the events null
/// when not counted, and the people then counted once per event.
/// </summary>
internal sealed record PublishedSummary(long Observations, long PeopleAffected, IReadOnlyList<PublishedCategory> ByCategory, IReadOnlyList<PublishedGroup> ByGroup, long? Events = null);

internal sealed record PublishedCategory(ObservationCategory Category, long? Observations, long? PeopleAffected, long? Events = null);

internal sealed record PublishedGroup(Sex Sex, AgeGroup Age, long? Observations, long? People, long? Events = null);
