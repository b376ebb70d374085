using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Grpc.Access;
using Geo.Storage.Observations;
using Geo.Storage.ReadModel;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.ReadModel;

/// <summary>
/// Counts, summaries and the matches of a query, read from the read model for one caller's sight,
/// with the same rows as the PostGIS path reads: a coarsened caller's rows are kept on the coarse
/// point when its area or scope must be decided on it. Each answer is null when the model cannot
/// give it (not loaded or not caught up, a circle, a CLA's own reports, a query matching more rows
/// than a request may hold keys of): then PostGIS answers.
/// </summary>
internal sealed class ModelReads(ModelKeeper keeper, IOptions<ReadModelOptions> options)
{
    private readonly ReadModelOptions _options = options.Value;

    /// <summary>How many match and the sum of their record keys, as ObservationStore.CountAsync counts them.</summary>
    public async Task<(long Count, long Key)?> CountAsync(ObservationSight sight, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sight);
        if (sight.NeedsEachPoint)
        {
            return await TallyAsync(sight, cancellationToken).ConfigureAwait(false) is { } summary ? (summary.Observations, summary.Key) : null;
        }

        var model = await keeper.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var read = model?.TryScanBlocks(sight.Filter, sight.Visibility, _options.Workers, () => new long[2], static (totals, in block) =>
        {
            var keys = block.AggregateKeys;
            var sum = 0L;
            foreach (var i in block.Rows)
            {
                sum += keys[i];
            }

            totals[0] += block.Rows.Length;
            totals[1] += sum;
        }, cancellationToken);
        return read is null ? null : (read.Sinks.Sum(t => t[0]), read.Sinks.Sum(t => t[1]));
    }

    /// <summary>Counts by category and by sex × age group, as ObservationStore.SummarizeAsync gives them.</summary>
    public async Task<ObservationSummary?> TallyAsync(ObservationSight sight, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sight);
        var model = await keeper.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var read = model?.TryScanBlocks(sight.Filter, sight.Visibility, _options.Workers, () => new Tally(sight.Fork()), static (tally, in block) => tally.Add(block), cancellationToken);
        if (read is null)
        {
            return null;
        }

        var total = read.Sinks[0].Counts;
        foreach (var part in read.Sinks.Skip(1))
        {
            total.Merge(part.Counts);
        }

        return total.ToSummary();
    }

    /// <summary>
    /// The keys of the matching rows in the order of observation (the model does not hold ids: rows
    /// observed at the same instant are ordered by PostGIS, read together), from <paramref name="after"/>'s instant on.
    /// </summary>
    public async Task<ModelMatches?> MatchesAsync(ObservationSight sight, (DateTimeOffset ObservedAt, string Id)? after, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sight);
        var model = await keeper.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var from = after is { } position ? ModelTime.ToMicros(position.ObservedAt) : long.MinValue;
        var limit = Math.Max(1, _options.MaxQueryRows / Math.Max(1, _options.Workers));
        var read = model?.TryScan(sight.Filter, sight.Visibility, _options.Workers, () => new Matches(from, limit), static (matches, in row) => matches.Add(row), cancellationToken);
        if (read is null || read.Sinks.Any(m => m.Overflowed))
        {
            return null;
        }

        var count = read.Sinks.Sum(m => m.Keys.Count);
        var keys = new (long Micros, long Seq)[count];
        var at = 0;
        foreach (var part in read.Sinks)
        {
            part.Keys.CopyTo(keys, at);
            at += part.Keys.Count;
        }

        Array.Sort(keys);
        return new ModelMatches(keys, read.Watermark);
    }

    /// <summary>A coarsened caller's rows count when their coarse point is in its sight, others always.</summary>
    private static bool Sees(ObservationSight sight, in ModelRowView row) =>
        !sight.NeedsEachPoint || sight.Sees(sight.Coarsening!.Coarsen(new GeoPoint(row.Longitude, row.Latitude), row.CommunityId));

    private sealed class Tally(ObservationSight sight)
    {
        public SummaryTally Counts { get; } = new();

        public void Add(in ModelBlockView block)
        {
            var categories = block.Categories;
            var keys = block.AggregateKeys;
            Span<int> counts = stackalloc int[AffectedPeople.CellCount];
            foreach (var i in block.Rows)
            {
                if (sight.NeedsEachPoint && !Sees(sight, block.Row(i)))
                {
                    continue;
                }

                block.AffectedOf(i, counts);
                Counts.Add((ObservationCategory)categories[i], keys[i], counts);
            }
        }
    }

    private sealed class Matches(long from, int limit)
    {
        public List<(long Micros, long Seq)> Keys { get; } = [];

        public bool Overflowed { get; private set; }

        public void Add(in ModelRowView row)
        {
            // Coarse points are decided when the page is delivered, as on the PostGIS path.
            if (Overflowed || row.ObservedAtMicros < from)
            {
                return;
            }

            if (Keys.Count == limit)
            {
                Overflowed = true;
                Keys.Clear();
                return;
            }

            Keys.Add((row.ObservedAtMicros, row.Seq));
        }
    }
}

/// <summary>The keys of a query's matching rows in order of observation, and the model's watermark they were found at.</summary>
internal sealed record ModelMatches(IReadOnlyList<(long Micros, long Seq)> Keys, ulong Watermark);
