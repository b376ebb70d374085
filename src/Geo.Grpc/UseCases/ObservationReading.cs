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
    /// continues the last. A row that changed since the model found it and would come out of order is left out.
    /// </summary>
    private async IAsyncEnumerable<StoredObservation> PagesAsync(
        ReadModel.ModelMatches matches, ObservationSight sight, (DateTimeOffset ObservedAt, string Id)? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keys = matches.Keys;
        var last = after;
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

            await foreach (var row in store.QueryKeysAsync(run, sight.Filter, sight.Visibility, last, cancellationToken).ConfigureAwait(false))
            {
                last = (row.Observation.ObservedAt, row.Observation.Id);
                yield return row;
            }

            start = end;
        }
    }

    /// <summary>How many match, as the caller may be told it; null when withheld (below the caller's minimum).</summary>
    public async Task<long?> CountAsync(ObservationFilter filter, Caller caller, CancellationToken cancellationToken)
    {
        var sight = await privacy.SightAsync(caller, filter, cancellationToken).ConfigureAwait(false);
        var (count, key) = await model.CountAsync(sight, cancellationToken).ConfigureAwait(false) ?? (sight.NeedsEachPoint
            ? Totals(await TallyAsync(sight, cancellationToken).ConfigureAwait(false))
            : await store.CountAsync(sight.Filter, sight.Visibility, cancellationToken).ConfigureAwait(false));
        return AggregateSuppression.Publishable(count, key, sight.Policy);

        static (long, long) Totals(ObservationSummary summary) => (summary.Observations, summary.Key);
    }

    /// <summary>The summary as the caller may be told it; null when the whole is withheld.</summary>
    public async Task<PublishedSummary?> SummarizeAsync(ObservationFilter filter, Caller caller, CancellationToken cancellationToken)
    {
        var sight = await privacy.SightAsync(caller, filter, cancellationToken).ConfigureAwait(false);
        var policy = sight.Policy;
        var summary = await model.TallyAsync(sight, cancellationToken).ConfigureAwait(false) ?? (sight.NeedsEachPoint
            ? await TallyAsync(sight, cancellationToken).ConfigureAwait(false)
            : await store.SummarizeAsync(sight.Filter, sight.Visibility, cancellationToken).ConfigureAwait(false));
        if (AggregateSuppression.Publishable(summary.Observations, summary.Key, policy) is not { } total)
        {
            return null;
        }

        // Every count a coarsened caller gets carries its own set's noise, and the people counted
        // with it are scaled alike. The totals are published, so one small part withheld alone
        // would be the total minus the others: a second part goes with a lone one.
        var categories = AggregateSuppression.SuppressBreakdown(
            summary.ByCategory.Select(c => c.Observations).ToList(), summary.ByCategory.Select(c => c.Key).ToList(), policy);
        var groups = AggregateSuppression.SuppressBreakdown(summary.ByGroup.Select(g => g.Observations).ToList(), summary.ByGroup.Select(g => g.Key).ToList(), policy);
        return new PublishedSummary(
            total,
            AggregateSuppression.Scaled(summary.PeopleAffected, summary.Observations, total),
            [.. summary.ByCategory.Select((c, i) => categories[i] is { } shown
                ? new PublishedCategory(c.Category, shown, AggregateSuppression.Scaled(c.PeopleAffected, c.Observations, shown))
                : new PublishedCategory(c.Category, null, null))],
            [.. summary.ByGroup.Select((g, i) => groups[i] is { } shown
                ? new PublishedGroup(g.Sex, g.Age, shown, AggregateSuppression.Scaled(g.People, g.Observations, shown))
                : new PublishedGroup(g.Sex, g.Age, null, null))]);
    }

    /// <summary>A coarsened caller's area and scope are tested on coarse points, so those rows are counted here, one by one.</summary>
    private async Task<ObservationSummary> TallyAsync(ObservationSight sight, CancellationToken cancellationToken)
    {
        var tally = new SummaryTally();
        await foreach (var row in store.TallyRowsAsync(sight.Filter, sight.Visibility, cancellationToken).ConfigureAwait(false))
        {
            if (sight.Sees(sight.Coarsening!.Coarsen(row.Location, row.CommunityId)))
            {
                tally.Add(row.Category, row.Key, row.Affected);
            }
        }

        return tally.ToSummary();
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

/// <summary>A summary as a caller may be told it: each part's count null when withheld.</summary>
internal sealed record PublishedSummary(long Observations, long PeopleAffected, IReadOnlyList<PublishedCategory> ByCategory, IReadOnlyList<PublishedGroup> ByGroup);

internal sealed record PublishedCategory(ObservationCategory Category, long? Observations, long? PeopleAffected);

internal sealed record PublishedGroup(Sex Sex, AgeGroup Age, long? Observations, long? People);
