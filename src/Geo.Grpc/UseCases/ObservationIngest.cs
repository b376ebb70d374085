using Geo.Grpc.Api;
using Geo.Storage.Observations;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.UseCases;

/// <summary>
/// The ingest pipeline behind Observations.Submit and Observations.Ingest: checked observations
/// (<see cref="PreparedObservation"/>) into the database, in commits of about
/// <see cref="ApiOptions.IngestCommitRows"/>. A message that cannot be read is stored not at all, the
/// messages before it are; a broken stream keeps what was committed, and a retry with the same ids
/// completes it (the merge reports repeats as already stored).
/// </summary>
internal sealed class ObservationIngest(ObservationWriters writers, IOptions<ApiOptions> options)
{
    private readonly ApiOptions _options = options.Value;

    /// <summary>One batch, in one transaction.</summary>
    public async Task<WriteOutcome> SubmitAsync(IReadOnlyList<PreparedObservation> batch, CancellationToken cancellationToken)
    {
        await using var writer = await writers.OpenAsync(_options.QueryLimits.MaxListedIds, cancellationToken).ConfigureAwait(false);
        await writer.AddAsync(batch, cancellationToken).ConfigureAwait(false);
        return await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every message of <paramref name="messages"/>, in order. When a message cannot be had (its
    /// source throws: a refused message) or a group cannot be stored, throws
    /// <see cref="IngestStopped"/> saying which messages are stored.
    /// </summary>
    public async Task<WriteOutcome> IngestAsync(IAsyncEnumerable<IReadOnlyList<PreparedObservation>> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var maxIds = _options.QueryLimits.MaxListedIds;
        // Two writers on two connections: while one group is merged into the indexed table, the
        // next is received, checked and copied into the other's staging table. Commits still
        // happen one after the other, in stream order.
        await using var first = await writers.OpenAsync(maxIds, cancellationToken).ConfigureAwait(false);
        await using var second = await writers.OpenAsync(maxIds, cancellationToken).ConfigureAwait(false);
        var writer = first;
        Task<WriteOutcome>? merging = null;
        // Messages before this one are stored; the merge in flight holds those up to mergingEnd.
        var storedUpTo = 0;
        var mergingEnd = 0;
        var total = WriteOutcome.Nothing;
        var message = 0;

        // Waits for the merge in flight; once it is committed, its messages count as stored.
        async Task SettleMergeAsync()
        {
            if (merging is not null)
            {
                var merged = merging;
                merging = null;
                total = total.Add(await merged.ConfigureAwait(false), maxIds);
                storedUpTo = mergingEnd;
            }
        }

        await using var source = messages.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                IReadOnlyList<PreparedObservation> prepared;
                try
                {
                    if (!await source.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    prepared = source.Current;
                }
                catch (Exception refused) when (refused is not OperationCanceledException)
                {
                    // The messages before this one were read whole and checked: they are stored.
                    await SettleMergeAsync().ConfigureAwait(false);
                    total = total.Add(await writer.CommitAsync(cancellationToken).ConfigureAwait(false), maxIds);
                    throw new IngestStopped(message, total, refused, refusedMessage: true);
                }

                await writer.AddAsync(prepared, cancellationToken).ConfigureAwait(false);
                if (writer.Pending >= _options.IngestCommitRows)
                {
                    await SettleMergeAsync().ConfigureAwait(false);
                    (merging, mergingEnd) = (writer.CommitAsync(cancellationToken), message + 1);
                    writer = ReferenceEquals(writer, first) ? second : first;
                }

                message++;
            }

            await SettleMergeAsync().ConfigureAwait(false);
            return total.Add(await writer.CommitAsync(cancellationToken).ConfigureAwait(false), maxIds);
        }
        catch (Exception failed) when (failed is not (IngestStopped or OperationCanceledException))
        {
            // A group failed to store (a conflict, an unknown community, the database gone): say
            // exactly which messages are stored, so that the client resends from the first that
            // is not. The group being merged when another failed may still have been stored.
            try
            {
                await SettleMergeAsync().ConfigureAwait(false);
            }
            catch (Exception mergeFailed) when (mergeFailed is not IngestStopped)
            {
                // Not stored either: the failure already caught tells the same story.
            }

            throw new IngestStopped(storedUpTo, total, failed, refusedMessage: false);
        }
        finally
        {
            // A merge still running when the call fails must end before its connection is disposed.
            if (merging is not null)
            {
                await ((Task)merging).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}

/// <summary>An ingest that stopped at message <see cref="AtMessage"/>: the messages before it are stored (<see cref="Stored"/>), nothing of it or after.</summary>
internal sealed class IngestStopped(int message, WriteOutcome stored, Exception cause, bool refusedMessage)
    : Exception($"ingest stopped at message {message}: {cause.Message}", cause)
{
    public int AtMessage { get; } = message;

    public WriteOutcome Stored { get; } = stored;

    /// <summary>The message itself was refused (rather than the database failing to store a group).</summary>
    public bool RefusedMessage { get; } = refusedMessage;
}
