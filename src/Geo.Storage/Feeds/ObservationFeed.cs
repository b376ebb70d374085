using System.Data;
using System.Runtime.CompilerServices;
using Geo.Core.Domain;
using Geo.Storage.Observations;
using Npgsql;

namespace Geo.Storage.Feeds;

/// <summary>An observation as the feed delivers it: where it stands in the feed, and when it last changed.</summary>
public sealed record FeedRecord(FeedPosition Position, StoredObservation Stored, DateTimeOffset ChangedAt);

/// <summary>
/// The observation feed's reads: records in position order after a given position, all from one
/// repeatable-read snapshot, and only below that snapshot's watermark (the oldest transaction
/// still running), where no late commit can land any more. See migration 0004.
/// </summary>
public sealed class ObservationFeed(NpgsqlDataSource dataSource)
{
    /// <summary>Opens a snapshot of the feed as <paramref name="visibility"/> allows; dispose it when the page is written.</summary>
    public async Task<FeedSnapshot> OpenAsync(Visibility visibility, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(visibility);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            ulong watermark;
            await using (var snapshot = new NpgsqlCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())::text", connection, transaction))
            {
                watermark = ulong.Parse((string)(await snapshot.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!, System.Globalization.CultureInfo.InvariantCulture);
            }

            var feed = new FeedSnapshot(connection, transaction, watermark, visibility);
            await feed.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
            return feed;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// How long, in seconds, the oldest committed change to an observation has been waiting for the
    /// watermark to pass it: 0 when every committed change is deliverable. A change waits while a
    /// transaction older than it is still running anywhere on the cluster (transaction ids are the
    /// cluster's), so a large value points an operator at that transaction in pg_stat_activity.
    /// </summary>
    /// <remarks>
    /// Synchronous because a metrics reader asks for it synchronously (an observable gauge), and only
    /// when it collects. Reads the feed index from the watermark up: the changes not yet deliverable.
    /// </remarks>
    public double ReadLagSeconds(TimeSpan timeout)
    {
        using var connection = dataSource.OpenConnection();
        using var command = new NpgsqlCommand(
            "SELECT coalesce(extract(epoch FROM greatest(statement_timestamp() - min(updated_at), interval '0')), 0)::float8 " +
            "FROM observations WHERE change_xid >= pg_snapshot_xmin(pg_current_snapshot())",
            connection);
        command.CommandTimeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        return (double)command.ExecuteScalar()!;
    }
}

/// <summary>One consistent view of the feed, held open while a page is written.</summary>
public sealed class FeedSnapshot : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly Visibility _visibility;

    internal FeedSnapshot(NpgsqlConnection connection, NpgsqlTransaction transaction, ulong watermark, Visibility visibility)
    {
        _connection = connection;
        _transaction = transaction;
        Watermark = watermark;
        _visibility = visibility;
    }

    /// <summary>Transactions below this id are settled; records they wrote are deliverable.</summary>
    public ulong Watermark { get; }

    /// <summary>The last deliverable position the caller may see, or null when there is none yet.</summary>
    public FeedPosition? Head { get; private set; }

    /// <summary>
    /// The records after <paramref name="after"/>, in position order, at most <paramref name="limit"/>
    /// of them (all when null). Rows stream from the server; nothing is kept.
    /// </summary>
    public IAsyncEnumerable<FeedRecord> ReadAfterAsync(FeedPosition after, int? limit, CancellationToken cancellationToken)
    {
        var sql = Settled(out var command);
        sql.And($"(change_xid, id) > ({Xid(sql, after.Xid)}, {sql.P(after.Id)})");
        var limitClause = limit is { } n ? $" LIMIT {sql.P(n)}" : string.Empty;
        return ReadAsync(command, sql, $"ORDER BY change_xid, id{limitClause}", cancellationToken);
    }

    /// <summary>
    /// Every record after <paramref name="after"/> up to <see cref="Head"/>, in the table's own
    /// order: a full export needs the set, not the order, and a sequential read of the table is
    /// far cheaper than walking the index. Where it ends is <see cref="Head"/>, in this snapshot.
    /// </summary>
    public IAsyncEnumerable<FeedRecord> ReadAllAfterAsync(FeedPosition after, CancellationToken cancellationToken)
    {
        var sql = Settled(out var command);
        sql.And($"(change_xid, id) > ({Xid(sql, after.Xid)}, {sql.P(after.Id)})");
        return ReadAsync(command, sql, string.Empty, cancellationToken);
    }

    /// <summary>One record as the feed shows it (the url of a feature), or nothing when the caller may not see it or it is not settled yet.</summary>
    public async Task<FeedRecord?> ReadOneAsync(string id, CancellationToken cancellationToken)
    {
        var sql = Settled(out var command);
        sql.And($"id = {sql.P(id)}");
        await foreach (var record in ReadAsync(command, sql, string.Empty, cancellationToken).ConfigureAwait(false))
        {
            return record;
        }

        return null;
    }

    private static async IAsyncEnumerable<FeedRecord> ReadAsync(NpgsqlCommand command, FilterSql sql, string order, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        command.CommandText = $"SELECT {ObservationColumns.SelectForExport}, change_xid::text AS position_xid, updated_at FROM observations WHERE {sql.Where} {order}";
        command.Parameters.AddRange(sql.CloneParameters());
        command.CommandTimeout = 0;
        await using (command.ConfigureAwait(false))
        {
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var stored = ObservationColumns.Read(reader);
                var xid = ulong.Parse(reader.GetString(ObservationColumns.Count), System.Globalization.CultureInfo.InvariantCulture);
                var changedAt = reader.GetFieldValue<DateTimeOffset>(ObservationColumns.Count + 1);
                yield return new FeedRecord(new FeedPosition(xid, stored.Observation.Id), stored, changedAt);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Read only: ending the transaction either way changes nothing.
        await _transaction.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    internal async Task ReadHeadAsync(CancellationToken cancellationToken)
    {
        var sql = Settled(out var command);
        command.CommandText = $"SELECT change_xid::text AS position_xid, id FROM observations WHERE {sql.Where} ORDER BY change_xid DESC, id DESC LIMIT 1";
        command.Parameters.AddRange(sql.CloneParameters());
        await using (command.ConfigureAwait(false))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            Head = await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new FeedPosition(ulong.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1))
                : null;
        }
    }

    /// <summary>What the caller may see, below the watermark.</summary>
    private FilterSql Settled(out NpgsqlCommand command)
    {
        var sql = FilterSql.For(new ObservationFilter(), _visibility);
        sql.And($"change_xid < {Xid(sql, Watermark)}");
        command = new NpgsqlCommand(null, _connection, _transaction);
        return sql;
    }

    /// <summary>
    /// xid8 travels as text: a cast the planner folds into the index condition. (Selected as
    /// text it needs another name: ORDER BY change_xid would otherwise sort the text.)
    /// </summary>
    private static string Xid(FilterSql sql, ulong xid) => $"{sql.P(xid.ToString(System.Globalization.CultureInfo.InvariantCulture))}::xid8";
}
