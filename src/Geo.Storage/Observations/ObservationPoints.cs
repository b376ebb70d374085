using System.Globalization;
using Geo.Core.Domain;
using Npgsql;

namespace Geo.Storage.Observations;

/// <summary>What a surface needs of one observation, and nothing more (no id, no notes, no reporter).</summary>
/// <param name="AggregateKey">The observation's secret record key, summed into the keys of the counts it is part of (see Geo.Core.Privacy.CountNoise).</param>
/// <param name="Event">The event the observation reports (no id when it is linked into none) and its place among the event's reports (reported_at, then the server's row key): read only when counting events.</param>
public readonly record struct ObservationPoint(
    double Longitude, double Latitude, DateTimeOffset ObservedAt, int Severity, int People, string? CommunityId = null, int AggregateKey = 0, EventMember? Event = null);

/// <summary>
/// Which parts of an observation a surface needs beyond its point: only those are read.
/// <see cref="PeopleCells"/> is the bitmask of affected-people cells summed into
/// <see cref="ObservationPoint.People"/> (0: not read). <see cref="Event"/> reads <see cref="ObservationPoint.Event"/>.
/// </summary>
public sealed record PointColumns(bool ObservedAt, bool Severity, int PeopleCells, bool CommunityId = false, bool AggregateKey = false, bool Event = false);

/// <summary>Receives the points of one reader; each parallel reader gets its own.</summary>
public interface IObservationPointSink
{
    void Add(in ObservationPoint point);
}

/// <summary>
/// Streams the points of matching observations for heat maps. A large table is read by several
/// connections at once, all in one exported snapshot, so the parts add up to exactly one
/// consistent answer: when the time index holds every column the read needs, each reads its own
/// span of the period from it (index-only scans, a fifth of the table's pages); otherwise each
/// reads its own range of the table's pages (TID range scans).
/// </summary>
public sealed class ObservationPoints(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Reads every observation matching <paramref name="filter"/> that the caller may see into
    /// the sinks made by <paramref name="newSink"/>, one per reader, and returns them; parts of
    /// the observation that <paramref name="columns"/> leaves out are left at their defaults.
    /// One reader per <paramref name="pagesPerReader"/> pages of the table, up to <paramref name="maxReaders"/>.
    /// </summary>
    public async Task<IReadOnlyList<TSink>> ReadAsync<TSink>(
        ObservationFilter filter, Visibility visibility, PointColumns columns, int maxReaders, long pagesPerReader, Func<TSink> newSink, CancellationToken cancellationToken)
        where TSink : IObservationPointSink
    {
        ArgumentNullException.ThrowIfNull(newSink);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(visibility);
        var sql = FilterSql.For(filter, visibility);
        var select = Select(sql, columns);

        await using var first = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var pages = await PagesAsync(first, cancellationToken).ConfigureAwait(false);
        var readers = (int)Math.Clamp(pages / Math.Max(1, pagesPerReader), 1, Math.Max(1, maxReaders));
        var byTime = CoveredByTimeIndex(filter, visibility, columns);
        if (byTime && (filter.ObservedFrom is null || filter.ObservedTo is null))
        {
            readers = 1;
        }

        if (readers == 1)
        {
            var sink = newSink();
            await ReadRangeAsync(first, select, sql, sink, columns, cancellationToken).ConfigureAwait(false);
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
            var range = byTime ? TimeSlice(select, filter.ObservedFrom!.Value, filter.ObservedTo!.Value, part, readers) : PageRange(select, pages, part, readers);
            var sink = sinks[part];
            tasks.Add(part == 0
                ? ReadRangeAsync(first, range, sql, sink, columns, cancellationToken)
                : ReadInSnapshotAsync(snapshot, range, sql, sink, columns, cancellationToken));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return sinks;
    }

    /// <summary>
    /// One of <paramref name="readers"/> equal spans of the period: each reader scans its own part
    /// of the time index, index-only. The bounds are instants we computed, written as literals.
    /// </summary>
    private static string TimeSlice(string select, DateTimeOffset from, DateTimeOffset to, int part, int readers)
    {
        var step = (to - from).Ticks / readers;
        var start = from.UtcDateTime.AddTicks(step * part);
        var end = from.UtcDateTime.AddTicks(step * (part + 1));
        return string.Create(CultureInfo.InvariantCulture,
            $"{select}{(part == 0 ? string.Empty : $" AND observed_at >= '{start:O}'::timestamptz")}{(part == readers - 1 ? string.Empty : $" AND observed_at < '{end:O}'::timestamptz")}");
    }

    /// <summary>One of <paramref name="readers"/> equal ranges of the table's pages (a TID range scan).</summary>
    private static string PageRange(string select, long pages, int part, int readers)
    {
        // Page boundaries are literal integers we computed; nothing of the caller's is inlined.
        var from = pages * part / readers;
        var to = pages * (part + 1) / readers;
        return string.Create(CultureInfo.InvariantCulture,
            $"{select} AND ctid >= '({from},0)'::tid{(part == readers - 1 ? string.Empty : $" AND ctid < '({to},0)'::tid")}");
    }

    private async Task ReadInSnapshotAsync(string snapshot, string select, FilterSql sql, IObservationPointSink sink, PointColumns columns, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using (var use = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshot.Replace("'", "''", StringComparison.Ordinal)}'", connection, transaction))
        {
            await use.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await ReadRangeAsync(connection, select, sql, sink, columns, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ReadRangeAsync(NpgsqlConnection connection, string select, FilterSql sql, IObservationPointSink sink, PointColumns columns, CancellationToken cancellationToken)
    {
        // Let the reader run on its own thread of the pool, so parallel readers bin in parallel.
        await Task.Yield();
        await using var command = new NpgsqlCommand(select, connection) { CommandTimeout = 0 };
        command.Parameters.AddRange(sql.CloneParameters());
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // The sink may spend long on a row (a coarsened point tested against a detailed area),
            // and ReadAsync need not look at the token for a row it already holds: checked per row.
            cancellationToken.ThrowIfCancellationRequested();
            // Sequential access: columns are read in their order, those selected only.
            var longitude = reader.GetDouble(0);
            var latitude = reader.GetDouble(1);
            var ordinal = 2;
            var observedAt = columns.ObservedAt ? reader.GetFieldValue<DateTimeOffset>(ordinal++) : default;
            var severity = columns.Severity ? reader.GetInt16(ordinal++) : 0;
            var people = columns.PeopleCells != 0 ? reader.GetInt32(ordinal++) : 0;
            var communityId = columns.CommunityId && !reader.IsDBNull(ordinal) ? reader.GetString(ordinal) : null;
            ordinal += columns.CommunityId ? 1 : 0;
            var key = columns.AggregateKey ? reader.GetInt32(ordinal++) : 0;
            var member = columns.Event ? EventMember.Read(reader, ordinal) : null;
            sink.Add(new ObservationPoint(longitude, latitude, observedAt, severity, people, communityId, key, member));
        }
    }

    /// <summary>The read of one range: only the columns asked for, since every other one costs the database and the reader per row.</summary>
    internal static string Select(FilterSql sql, PointColumns columns)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(columns);
        var people = string.Join(" + ", Enumerable.Range(0, AffectedPeople.CellCount).Where(c => (columns.PeopleCells & (1 << c)) != 0).Select(c => $"affected[{c + 1}]"));
        return $"SELECT ST_X(location), ST_Y(location){(columns.ObservedAt ? ", observed_at" : string.Empty)}{(columns.Severity ? ", severity" : string.Empty)}" +
            $"{(people.Length > 0 ? $", {people}" : string.Empty)}{(columns.CommunityId ? ", community_id" : string.Empty)}{(columns.AggregateKey ? ", aggregate_key" : string.Empty)}" +
            $"{(columns.Event ? $", {EventMember.Columns}" : string.Empty)} " +
            $"FROM observations WHERE {sql.Where}";
    }

    /// <summary>
    /// Whether the time index (migration 0005) holds every column the read tests or returns, so
    /// the planner may answer it without the table's rows. Ids, affected counts and the release live in the rows only.
    /// </summary>
    private static bool CoveredByTimeIndex(ObservationFilter filter, Visibility visibility, PointColumns columns) =>
        columns.PeopleCells == 0 && !columns.CommunityId && !columns.Event && visibility.OnlyReporter is null && !visibility.OnlyReleased
        && filter.CommunityIds.Count == 0 && filter.BaseIds.Count == 0;

    private static async Task<long> PagesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_relation_size('observations') / current_setting('block_size')::bigint", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
