using System.Data;
using System.Runtime.CompilerServices;
using System.Text;
using Geo.Core.Domain;
using Geo.Storage.Observations;
using Npgsql;

namespace Geo.Storage.Feeds;

/// <summary>What one watch asks for: its filter, within what its caller may see.</summary>
public sealed record WatchCondition(ObservationFilter Filter, Visibility Visibility);

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
    public Task<FeedSnapshot> OpenAsync(Visibility visibility, CancellationToken cancellationToken) => OpenAsync(visibility, dataSource, cancellationToken);

    /// <summary>
    /// The same on <paramref name="on"/>, which may be a hot standby: its snapshot is of what it has
    /// replayed, and its watermark the oldest transaction running there, so a page from it is exact
    /// by the same rule, only older.
    /// </summary>
    public static async Task<FeedSnapshot> OpenAsync(Visibility visibility, NpgsqlDataSource on, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(visibility);
        ArgumentNullException.ThrowIfNull(on);
        var connection = await on.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            ulong watermark, horizon;
            await using (var snapshot = new NpgsqlCommand(
                "SELECT pg_snapshot_xmin(s)::text, pg_snapshot_xmax(s)::text FROM pg_current_snapshot() s", connection, transaction))
            await using (var reader = await snapshot.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                watermark = ulong.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture);
                horizon = ulong.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture);
            }

            var feed = new FeedSnapshot(connection, transaction, watermark, horizon, visibility);
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

    internal FeedSnapshot(NpgsqlConnection connection, NpgsqlTransaction transaction, ulong watermark, ulong horizon, Visibility visibility)
    {
        _connection = connection;
        _transaction = transaction;
        Watermark = watermark;
        Horizon = horizon;
        _visibility = visibility;
    }

    /// <summary>Transactions below this id are settled; records they wrote are deliverable.</summary>
    public ulong Watermark { get; }

    /// <summary>No transaction of this id or above had begun when the snapshot was taken: a position there is from the future.</summary>
    public ulong Horizon { get; }

    /// <summary>
    /// The position just before every record not yet settled: a reader that has read everything
    /// below the watermark resumes from here, and it names no record.
    /// </summary>
    public FeedPosition SettledEnd => new(Watermark, string.Empty);

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

    /// <summary>
    /// The records after <paramref name="after"/> and up to <paramref name="upTo"/> (inclusive) that
    /// <paramref name="filter"/> matches, discredited ones whatever its verification statuses (a
    /// watch's catch-up), in position order, at most <paramref name="limit"/>.
    /// </summary>
    public IAsyncEnumerable<FeedRecord> ReadMatchingAsync(FeedPosition after, FeedPosition upTo, ObservationFilter filter, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var sql = Settled(out var command, filter);
        sql.And($"(change_xid, id) > ({Xid(sql, after.Xid)}, {sql.P(after.Id)})");
        sql.And($"(change_xid, id) <= ({Xid(sql, upTo.Xid)}, {sql.P(upTo.Id)})");
        return ReadAsync(command, sql, $"ORDER BY change_xid, id LIMIT {sql.P(limit)}", cancellationToken, ObservationColumns.Select);
    }

    /// <summary>How many records <see cref="ReadMatchingAsync"/> would read, counted up to <paramref name="max"/> at most.</summary>
    public async Task<long> CountMatchingAsync(FeedPosition after, FeedPosition upTo, ObservationFilter filter, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var sql = Settled(out var command, filter);
        sql.And($"(change_xid, id) > ({Xid(sql, after.Xid)}, {sql.P(after.Id)})");
        sql.And($"(change_xid, id) <= ({Xid(sql, upTo.Xid)}, {sql.P(upTo.Id)})");
        command.CommandText = $"SELECT count(*) FROM (SELECT 1 FROM observations WHERE {sql.Where} LIMIT {sql.P(max)}) AS matching";
        command.Parameters.AddRange(sql.CloneParameters());
        await using (command.ConfigureAwait(false))
        {
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    /// <summary>
    /// The settled records after <paramref name="after"/>, in position order, at most
    /// <paramref name="limit"/>, each with which of <paramref name="watches"/> it matches
    /// (discredited ones whatever a watch's verification statuses): one statement for every
    /// watch of the process, whatever their number.
    /// </summary>
    public async IAsyncEnumerable<(FeedRecord Record, bool[] Matches)> ReadForWatchesAsync(
        FeedPosition after, IReadOnlyList<WatchCondition> watches, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(watches);
        var sql = Settled(out var command);
        sql.And($"(change_xid, id) > ({Xid(sql, after.Xid)}, {sql.P(after.Id)})");
        var matches = new StringBuilder();
        foreach (var watch in watches)
        {
            matches.Append(", (").Append(sql.Condition(watch.Filter, watch.Visibility, withTombstones: true)).Append(')');
        }

        // Every column: a watch's caller may be one who sees the CLA's notes (the mapping for its role withholds them from others).
        command.CommandText = $"SELECT {ObservationColumns.Select}, change_xid::text AS position_xid, updated_at{matches} " +
            $"FROM observations WHERE {sql.Where} ORDER BY change_xid, id LIMIT {sql.P(limit)}";
        command.Parameters.AddRange(sql.CloneParameters());
        command.CommandTimeout = 0;
        await using (command.ConfigureAwait(false))
        {
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var record = ReadRecord(reader);
                var matched = new bool[watches.Count];
                for (var i = 0; i < matched.Length; i++)
                {
                    matched[i] = reader.GetBoolean(ObservationColumns.Count + 2 + i);
                }

                yield return (record, matched);
            }
        }
    }

    /// <summary>Whether some change is committed, or being made, above the watermark: it will settle when the transactions before it end.</summary>
    public async Task<bool> HasUnsettledAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM observations WHERE change_xid >= $1::xid8)", _connection, _transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Watermark.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
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

    /// <param name="columns">The export columns unless given: what the feed may deliver.</param>
    private static async IAsyncEnumerable<FeedRecord> ReadAsync(
        NpgsqlCommand command, FilterSql sql, string order, [EnumeratorCancellation] CancellationToken cancellationToken, string? columns = null)
    {
        command.CommandText = $"SELECT {columns ?? ObservationColumns.SelectForExport}, change_xid::text AS position_xid, updated_at FROM observations WHERE {sql.Where} {order}";
        command.Parameters.AddRange(sql.CloneParameters());
        command.CommandTimeout = 0;
        await using (command.ConfigureAwait(false))
        {
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return ReadRecord(reader);
            }
        }
    }

    private static FeedRecord ReadRecord(NpgsqlDataReader reader)
    {
        var stored = ObservationColumns.Read(reader);
        var xid = ulong.Parse(reader.GetString(ObservationColumns.Count), System.Globalization.CultureInfo.InvariantCulture);
        var changedAt = reader.GetFieldValue<DateTimeOffset>(ObservationColumns.Count + 1);
        return new FeedRecord(new FeedPosition(xid, stored.Observation.Id), stored, changedAt);
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
    private FilterSql Settled(out NpgsqlCommand command, ObservationFilter? watch = null)
    {
        var sql = FilterSql.For(watch ?? new ObservationFilter(), _visibility, withTombstones: watch is not null);
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
