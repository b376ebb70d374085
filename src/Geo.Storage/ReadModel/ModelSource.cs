using System.Globalization;
using Geo.Storage.Observations;
using Npgsql;

namespace Geo.Storage.ReadModel;

/// <summary>
/// Reads what the read model holds out of PostgreSQL: the whole table once, from one snapshot, then
/// the changed rows by the feed's positions (migration 0004: a row's change_xid is the transaction
/// that last wrote it, and every change below a snapshot's watermark is settled, so reading from the
/// last watermark misses nothing; a row read twice replaces itself by its key, so nothing counts
/// twice). The model's columns only, in binary.
/// </summary>
public sealed class ModelSource(NpgsqlDataSource dataSource)
{
    /// <summary>Changes are applied to the model at least this many at a time, whole transactions only, so a burst costs readers few waits.</summary>
    private const int ApplyRows = 50_000;

    /// <summary>
    /// The model's columns, the small codes packed into one integer and the people affected as one
    /// array: each field costs the server and the client per row, and there are millions of rows.
    /// Bits of the code: category 0-3, severity 4-6, verification 8-9, released 10, vulnerabilities 11-15, groups 16-27.
    /// The people affected come as the array's text, and not at all when no group is affected
    /// (affected_groups has the bit of every count above zero, migration 0001; about half the
    /// rows): PostgreSQL writes the text faster than the binary array, and reading it here costs a
    /// fraction of Npgsql's array decoding, which was a quarter of the load's time.
    /// </summary>
    private static readonly string Columns =
        "seq, ST_X(location), ST_Y(location), observed_at, " +
        "category::int | (severity::int << 4) | (verification::int << 8) | ((released_at IS NOT NULL)::int << 10) | (vulnerability << 11) | (affected_groups << 16), " +
        $"aggregate_key, community_id, base_id, CASE WHEN affected_groups = 0 THEN NULL ELSE {AffectedText.Column} END";

    /// <summary>
    /// The model of every row one snapshot sees, at that snapshot's watermark. Rows of transactions
    /// not yet settled that it saw come again from <see cref="CatchUpAsync"/> and replace themselves.
    /// A large table is read by up to <paramref name="readers"/> connections at once in the one snapshot,
    /// one per <paramref name="pagesPerReader"/> pages, each its own range of the table's pages,
    /// each decoding on a thread of its own.
    /// </summary>
    public async Task<ModelLoad> LoadAsync(int readers, long pagesPerReader, CancellationToken cancellationToken)
    {
        var took = System.Diagnostics.Stopwatch.StartNew();
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
            var select = $"SELECT {Columns}, 0::bigint FROM observations WHERE {range}";
            var staging = parts[part] = new ModelStaging((int)Math.Min(int.MaxValue / 16, (estimate / readers) + 1024));
            reads[part] = part == 0
                ? Task.Run(() => Stage(first, select, staging, cancellationToken), cancellationToken)
                : StageInSnapshotAsync(snapshot, select, staging, cancellationToken);
        }

        await Task.WhenAll(reads).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var read = took.Elapsed;
        var model = await Task.Run(() => ObservationModel.Build(parts, watermark, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new ModelLoad(model, readers, read, took.Elapsed - read);
    }

    private async Task StageInSnapshotAsync(string snapshot, string select, ModelStaging staging, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using (var use = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshot.Replace("'", "''", StringComparison.Ordinal)}'", connection, transaction))
        {
            await use.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await Task.Run(() => Stage(connection, select, staging, cancellationToken), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Decodes the rows of a select into a staging.</summary>
    private static void Stage(NpgsqlConnection connection, string select, ModelStaging staging, CancellationToken cancellationToken)
    {
        using var copy = ModelCopy.Start(connection, select, cancellationToken);
        while (copy.Read(out var row, out _))
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

        // A literal transaction id we read ourselves.
        var select = string.Create(CultureInfo.InvariantCulture,
            $"SELECT {Columns}, change_xid::text::bigint FROM observations WHERE change_xid >= '{from}'::xid8 ORDER BY change_xid");
        await Task.Run(
            () =>
            {
                var staged = new List<ModelRow>();
                var last = 0L;
                using var copy = ModelCopy.Start(connection, select, cancellationToken);
                while (copy.Read(out var row, out var xid))
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
}

/// <summary>A loaded model, the connections that read it, and how long reading and ordering took.</summary>
public sealed record ModelLoad(ObservationModel Model, int Readers, TimeSpan Read, TimeSpan Build);
