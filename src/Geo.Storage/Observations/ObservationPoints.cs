using System.Globalization;
using Geo.Core.Domain;
using Npgsql;

namespace Geo.Storage.Observations;

/// <summary>What a surface needs of one observation, and nothing more (no summary, no reporter).</summary>
public readonly record struct ObservationPoint(string? Id, double Longitude, double Latitude, DateTimeOffset ObservedAt, int Severity, int People);

/// <summary>Receives the points of one reader; each parallel reader gets its own.</summary>
public interface IObservationPointSink
{
    void Add(in ObservationPoint point);
}

/// <summary>
/// Streams the points of matching observations for heat maps. A large table is read by several
/// connections at once, each over its own range of the table's pages (TID range scans) and all
/// in one exported snapshot, so the parts add up to exactly one consistent answer.
/// </summary>
public sealed class ObservationPoints(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Reads every observation matching <paramref name="filter"/> that the caller may see into
    /// the sinks made by <paramref name="newSink"/>, one per reader, and returns them.
    /// <paramref name="peopleCells"/> is the bitmask of the affected-people cells to sum into
    /// <see cref="ObservationPoint.People"/>; ids are read only when <paramref name="withIds"/>.
    /// One reader per <paramref name="pagesPerReader"/> pages of the table, up to <paramref name="maxReaders"/>.
    /// </summary>
    public async Task<IReadOnlyList<TSink>> ReadAsync<TSink>(
        ObservationFilter filter, Visibility visibility, int peopleCells, bool withIds, int maxReaders, long pagesPerReader, Func<TSink> newSink, CancellationToken cancellationToken)
        where TSink : IObservationPointSink
    {
        ArgumentNullException.ThrowIfNull(newSink);
        var sql = FilterSql.For(filter, visibility);
        var people = peopleCells == 0
            ? "0"
            : string.Join(" + ", Enumerable.Range(0, AffectedPeople.CellCount).Where(c => (peopleCells & (1 << c)) != 0).Select(c => $"affected[{c + 1}]"));
        var select = $"SELECT ST_X(location), ST_Y(location), observed_at, severity, {people}{(withIds ? ", id" : string.Empty)} FROM observations WHERE {sql.Where}";

        await using var first = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var pages = await PagesAsync(first, cancellationToken).ConfigureAwait(false);
        var readers = (int)Math.Clamp(pages / Math.Max(1, pagesPerReader), 1, Math.Max(1, maxReaders));
        if (readers == 1)
        {
            var sink = newSink();
            await ReadRangeAsync(first, select, sql, sink, withIds, cancellationToken).ConfigureAwait(false);
            return [sink];
        }

        await using var transaction = await first.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        string snapshot;
        await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", first, transaction))
        {
            snapshot = (string)(await export.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var sinks = Enumerable.Range(0, readers).Select(_ => newSink()).ToList();
        var tasks = new List<Task>(readers);
        for (var part = 0; part < readers; part++)
        {
            // Page boundaries are literal integers we computed; nothing of the caller's is inlined.
            var from = pages * part / readers;
            var to = pages * (part + 1) / readers;
            var range = string.Create(CultureInfo.InvariantCulture,
                $"{select} AND ctid >= '({from},0)'::tid{(part == readers - 1 ? string.Empty : $" AND ctid < '({to},0)'::tid")}");
            var sink = sinks[part];
            tasks.Add(part == 0
                ? ReadRangeAsync(first, range, sql, sink, withIds, cancellationToken)
                : ReadInSnapshotAsync(snapshot, range, sql, sink, withIds, cancellationToken));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return sinks;
    }

    private async Task ReadInSnapshotAsync(string snapshot, string select, FilterSql sql, IObservationPointSink sink, bool withIds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using (var use = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshot.Replace("'", "''", StringComparison.Ordinal)}'", connection, transaction))
        {
            await use.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await ReadRangeAsync(connection, select, sql, sink, withIds, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ReadRangeAsync(NpgsqlConnection connection, string select, FilterSql sql, IObservationPointSink sink, bool withIds, CancellationToken cancellationToken)
    {
        // Let the reader run on its own thread of the pool, so parallel readers bin in parallel.
        await Task.Yield();
        await using var command = new NpgsqlCommand(select, connection) { CommandTimeout = 0 };
        command.Parameters.AddRange(sql.CloneParameters());
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var point = new ObservationPoint(
                null, reader.GetDouble(0), reader.GetDouble(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt16(3), reader.GetInt32(4));
            if (withIds)
            {
                point = point with { Id = reader.GetString(5) };
            }

            sink.Add(point);
        }
    }

    private static async Task<long> PagesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_relation_size('observations') / current_setting('block_size')::bigint", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
