using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Geo.Storage.ReadModel;

/// <summary>
/// Reads what the read model holds out of PostgreSQL: the whole table once, from one snapshot, then
/// the changed rows by the feed's positions (migration 0004: a row's change_xid is the transaction
/// that last wrote it, and every change below a snapshot's watermark is settled, so reading from the
/// last watermark misses nothing; a row read twice replaces itself by its key, so nothing counts
/// twice). Binary COPY of the model's columns only.
/// </summary>
public sealed class ModelSource(NpgsqlDataSource dataSource)
{
    /// <summary>Changes are applied to the model at least this many at a time, whole transactions only, so a burst costs readers few waits.</summary>
    private const int ApplyRows = 50_000;

    /// <summary>
    /// The model's columns, the small codes packed into one integer and the people affected as one
    /// array: each field costs the server and the client per row, and there are millions of rows.
    /// Bits of the code: category 0-3, severity 4-6, verification 8-9, released 10, vulnerabilities 11-15, groups 16-27.
    /// </summary>
    private const string Columns =
        "seq, ST_X(location), ST_Y(location), observed_at, " +
        "category::int | (severity::int << 4) | (verification::int << 8) | ((released_at IS NOT NULL)::int << 10) | (vulnerability << 11) | (affected_groups << 16), " +
        "aggregate_key, community_id, base_id, affected";

    /// <summary>
    /// The model of every row one snapshot sees, at that snapshot's watermark. Rows of transactions
    /// not yet settled that it saw come again from <see cref="CatchUpAsync"/> and replace themselves.
    /// A large table is read by up to <paramref name="readers"/> connections at once in the one snapshot,
    /// one per <paramref name="pagesPerReader"/> pages, each its own range of the table's pages,
    /// each decoding on a thread of its own.
    /// </summary>
    public async Task<ObservationModel> LoadAsync(int readers, long pagesPerReader, CancellationToken cancellationToken)
    {
        await using var first = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await first.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var watermark = await WatermarkAsync(first, transaction, cancellationToken).ConfigureAwait(false);
        long pages, estimate;
        await using (var size = new NpgsqlCommand(
            "SELECT pg_relation_size('observations') / current_setting('block_size')::bigint, greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'observations'::regclass",
            first, transaction))
        await using (var reader = await size.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            (pages, estimate) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        readers = (int)Math.Clamp(pages / Math.Max(1, pagesPerReader), 1, Math.Max(1, readers));
        var snapshot = string.Empty;
        if (readers > 1)
        {
            await using var export = new NpgsqlCommand("SELECT pg_export_snapshot()", first, transaction);
            snapshot = (string)(await export.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var parts = new ModelStaging[readers];
        var reads = new Task[readers];
        for (var part = 0; part < readers; part++)
        {
            // Page boundaries are literal integers we computed; the last range is open, so rows added since the size was read are not missed.
            var from = pages * part / readers;
            var to = pages * (part + 1) / readers;
            var range = readers == 1 ? "TRUE" : string.Create(CultureInfo.InvariantCulture,
                $"ctid >= '({from},0)'::tid{(part == readers - 1 ? string.Empty : $" AND ctid < '({to},0)'::tid")}");
            var copy = $"COPY (SELECT {Columns}, 0::bigint FROM observations WHERE {range}) TO STDOUT (FORMAT BINARY)";
            var staging = parts[part] = new ModelStaging((int)Math.Min(int.MaxValue / 16, (estimate / readers) + 1024));
            reads[part] = part == 0
                ? Task.Run(() => Stage(first, copy, staging, cancellationToken), cancellationToken)
                : StageInSnapshotAsync(snapshot, copy, staging, cancellationToken);
        }

        await Task.WhenAll(reads).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return await Task.Run(() => ObservationModel.Build(parts, watermark, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private async Task StageInSnapshotAsync(string snapshot, string copy, ModelStaging staging, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using (var use = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshot.Replace("'", "''", StringComparison.Ordinal)}'", connection, transaction))
        {
            await use.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await Task.Run(() => Stage(connection, copy, staging, cancellationToken), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Decodes a copy's rows synchronously (far faster than one await per field) into a staging.</summary>
    private static void Stage(NpgsqlConnection connection, string copy, ModelStaging staging, CancellationToken cancellationToken)
    {
        foreach (var (row, _) in RowsWithXid(connection, copy, cancellationToken))
        {
            staging.Add(row);
        }
    }

    /// <summary>
    /// Applies to <paramref name="model"/> every change to a row since its watermark that a new
    /// snapshot sees, in the feed's order, whole transactions at a time, and moves the watermark to
    /// that snapshot's. Changes the snapshot sees above its watermark (committed while an older
    /// transaction still runs) are applied now, so that a caller reads what committed before it asked,
    /// and read again once settled, when they replace themselves: a transaction that commits late
    /// has a transaction id below what was read, and is still at or above the watermark, so it is
    /// read then. Returns the watermark reached.
    /// </summary>
    public async Task<ulong> CatchUpAsync(ObservationModel model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var watermark = await WatermarkAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var from = model.Watermark;

        // A literal transaction id we read ourselves: COPY takes no parameters.
        var copy = string.Create(CultureInfo.InvariantCulture,
            $"COPY (SELECT {Columns}, change_xid::text::bigint FROM observations WHERE change_xid >= '{from}'::xid8 ORDER BY change_xid) TO STDOUT (FORMAT BINARY)");
        await Task.Run(
            () =>
            {
                var staged = new List<ModelRow>();
                var last = 0L;
                foreach (var (row, xid) in RowsWithXid(connection, copy, cancellationToken))
                {
                    if (staged.Count >= ApplyRows && xid != last)
                    {
                        model.Apply(staged, Math.Min((ulong)last + 1, watermark));
                        staged.Clear();
                    }

                    staged.Add(row);
                    last = xid;
                }

                model.Apply(staged, Math.Max(from, watermark));
            },
            cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return model.Watermark;
    }

    private static async Task<ulong> WatermarkAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())::text", connection, transaction);
        return ulong.Parse((string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!, CultureInfo.InvariantCulture);
    }

    private static IEnumerable<(ModelRow Row, long Xid)> RowsWithXid(NpgsqlConnection connection, string copy, CancellationToken cancellationToken)
    {
        using var exporter = connection.BeginBinaryExport(copy);
        using var cancel = cancellationToken.Register(exporter.Cancel);
        while (exporter.StartRow() != -1)
        {
            var seq = exporter.Read<long>(NpgsqlDbType.Bigint);
            var longitude = exporter.Read<double>(NpgsqlDbType.Double);
            var latitude = exporter.Read<double>(NpgsqlDbType.Double);
            var observedAt = ModelTime.ToMicros(new DateTimeOffset(exporter.Read<DateTime>(NpgsqlDbType.TimestampTz)));
            var codes = exporter.Read<int>(NpgsqlDbType.Integer);
            var row = new ModelRow
            {
                Seq = seq,
                Longitude = longitude,
                Latitude = latitude,
                ObservedAt = observedAt,
                Category = (byte)(codes & 0xF),
                Severity = (byte)((codes >> 4) & 0x7),
                Verification = (byte)((codes >> 8) & 0x3),
                Released = ((codes >> 10) & 1) != 0,
                Vulnerability = (byte)((codes >> 11) & 0x1F),
                AffectedGroups = (ushort)((codes >> 16) & 0xFFF),
                AggregateKey = exporter.Read<int>(NpgsqlDbType.Integer),
                CommunityId = exporter.IsNull ? Skip(exporter) : exporter.Read<string>(NpgsqlDbType.Text),
                BaseId = exporter.IsNull ? Skip(exporter) : exporter.Read<string>(NpgsqlDbType.Text),
            };
            var affected = exporter.Read<int[]>(NpgsqlDbType.Array | NpgsqlDbType.Integer);
            for (var c = 0; c < Geo.Core.Domain.AffectedPeople.CellCount; c++)
            {
                row.Affected[c] = affected[c];
            }

            var xid = exporter.Read<long>(NpgsqlDbType.Bigint);
            yield return (row, xid);
        }
    }

    private static string? Skip(NpgsqlBinaryExporter exporter)
    {
        exporter.Skip();
        return null;
    }
}
