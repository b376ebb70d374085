using Geo.Core.Domain;
using Npgsql;
using NpgsqlTypes;

namespace Geo.Storage.Observations;

/// <summary>
/// An observation ready to store under its issued id: checked, fingerprinted, and named for
/// error messages by its place in the request and the client's own key.
/// </summary>
public sealed record PreparedObservation(Observation Observation, string ClientId, byte[] Fingerprint, string Field);

/// <summary>What one commit of the writer did; already stored observations are named by their client_ids.</summary>
public sealed record WriteOutcome(long Received, long Stored, long AlreadyStored, IReadOnlyList<string> AlreadyStoredIds)
{
    public static readonly WriteOutcome Nothing = new(0, 0, 0, []);

    public WriteOutcome Add(WriteOutcome other, int maxIds)
    {
        ArgumentNullException.ThrowIfNull(other);
        var ids = AlreadyStoredIds.Count >= maxIds ? AlreadyStoredIds : [.. AlreadyStoredIds, .. other.AlreadyStoredIds.Take(maxIds - AlreadyStoredIds.Count)];
        return new WriteOutcome(Received + other.Received, Stored + other.Stored, AlreadyStored + other.AlreadyStored, ids);
    }
}

/// <summary>
/// The bulk path: observations are streamed by binary COPY into a session-local staging table
/// and moved into <c>observations</c> by one set-based merge per commit. A commit is
/// all-or-nothing: an id stored with other content, or an unknown community or base, rolls
/// the whole commit back and names the observation by its place and client_id.
/// </summary>
public sealed class ObservationWriter : IAsyncDisposable
{
    // The point crosses as two float8 and becomes a geometry in the merge (ST_MakePoint), unlike
    // the area, which crosses as a geometry: copying 200,000 points as NTS geometries cost the
    // service twice the CPU of the two doubles (85 against 43 ms) and copy plus merge took
    // longer (256 against 225 ms; medians of 21 alternated rounds, 2026-12-07), and every
    // observation has a point.
    private const string StagingColumns =
        "ord, id, reporter_id, observed_at, reported_at, lon, lat, area, location_precision, category, severity, affected, affected_groups, " +
        "vulnerability, community_id, base_id, notes, content_hash";

    private readonly NpgsqlConnection _connection;
    private readonly int _maxListedIds;
    private readonly List<(string Field, string ClientId)> _names = [];
    private NpgsqlTransaction? _transaction;
    private NpgsqlBinaryImporter? _copy;

    private ObservationWriter(NpgsqlConnection connection, int maxListedIds)
    {
        _connection = connection;
        _maxListedIds = maxListedIds;
    }

    /// <summary>Observations added since the last commit.</summary>
    public int Pending => _names.Count;

    public static async Task<ObservationWriter> OpenAsync(NpgsqlDataSource dataSource, int maxListedIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var create = new NpgsqlCommand(
                "CREATE TEMP TABLE IF NOT EXISTS observation_staging (ord int, id text, reporter_id text, observed_at timestamptz, reported_at timestamptz, " +
                "lon float8, lat float8, area geometry, location_precision smallint, category smallint, severity smallint, affected int[], affected_groups int, " +
                "vulnerability int, community_id text, base_id text, notes text, content_hash bytea) ON COMMIT DELETE ROWS",
                connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new ObservationWriter(connection, maxListedIds);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Streams observations into the staging table of the current commit.</summary>
    public async Task AddAsync(IReadOnlyList<PreparedObservation> observations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observations);
        if (_copy is null)
        {
            _transaction = await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            _copy = await _connection.BeginBinaryImportAsync($"COPY observation_staging ({StagingColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken)
                .ConfigureAwait(false);
        }

        foreach (var prepared in observations)
        {
            var o = prepared.Observation;
            await _copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync(_names.Count, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync(o.Id, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync(o.ReporterId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync(o.ObservedAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync(o.ReportedAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync(o.Location.Longitude, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync(o.Location.Latitude, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
            if (o.Area is null)
            {
                await _copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _copy.WriteAsync(StoredGeometry.InStorageSrid(o.Area), NpgsqlDbType.Geometry, cancellationToken).ConfigureAwait(false);
            }

            await _copy.WriteAsync((short)o.Precision, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync((short)o.Category, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync((short)o.Severity, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync(o.Affected.Counts.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync(o.Affected.GroupMask, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync((int)o.Vulnerabilities, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(o.CommunityId, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(o.BaseId, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync(o.Notes, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await _copy.WriteAsync(prepared.Fingerprint, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
            _names.Add((prepared.Field, prepared.ClientId));
        }
    }

    /// <summary>Merges what was added into <c>observations</c> and commits, all or nothing.</summary>
    public async Task<WriteOutcome> CommitAsync(CancellationToken cancellationToken)
    {
        if (_copy is null || _transaction is null)
        {
            return WriteOutcome.Nothing;
        }

        try
        {
            await _copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
            await _copy.DisposeAsync().ConfigureAwait(false);
            _copy = null;
            await CheckReferencesAsync(cancellationToken).ConfigureAwait(false);
            var staged = _names.Count;
            var stored = await InsertAsync(cancellationToken).ConfigureAwait(false);
            var alreadyStored = stored < staged ? await FindAlreadyStoredAsync(cancellationToken).ConfigureAwait(false) : [];
            await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new WriteOutcome(staged, stored, staged - stored, alreadyStored);
        }
        finally
        {
            await ResetAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ResetAsync().ConfigureAwait(false);
        }
        finally
        {
            // Whatever cleaning up a broken session throws, the connection goes back to the pool
            // (a broken one is discarded there); otherwise every database fault would leak one.
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task CheckReferencesAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT s.ord, 'community_id', s.community_id FROM observation_staging s " +
            "WHERE s.community_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM communities c WHERE c.id = s.community_id) " +
            "UNION ALL SELECT s.ord, 'base_id', s.base_id FROM observation_staging s " +
            "WHERE s.base_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM bases b WHERE b.id = s.base_id) ORDER BY 1 LIMIT 1",
            _connection, _transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var field = reader.GetString(1);
            var kind = field == "community_id" ? "community" : "base";
            throw new RecordNotFoundException($"no {kind} '{reader.GetString(2)}': register it first; nothing of this batch was stored")
            {
                Field = $"{_names[reader.GetInt32(0)].Field}.{field}",
            };
        }
    }

    /// <summary>
    /// Rows go in geohash order, so each commit lays the observations of one area on neighbouring
    /// pages: an area query then reads a few runs of pages per commit instead of a page per row.
    /// Within a cell they go by id, not by their place in the request: two commits that carry the
    /// same observations (a replay racing the original, the same batch sent to two service
    /// processes, in any order) then take their ids' index entries in one and the same order, so
    /// one waits for the other instead of both deadlocking (PostgreSQL aborted one of them, and its
    /// caller got UNKNOWN). A key twice in one commit still goes in from its first row.
    /// </summary>
    private async Task<int> InsertAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO observations (id, reporter_id, observed_at, reported_at, location, area, location_precision, category, severity, affected, " +
            "affected_groups, vulnerability, community_id, base_id, notes, content_hash) " +
            "SELECT id, reporter_id, observed_at, reported_at, ST_SetSRID(ST_MakePoint(lon, lat), 4326), ST_Multi(area), " +
            "location_precision, category, severity, affected, affected_groups, vulnerability, community_id, base_id, notes, content_hash " +
            "FROM observation_staging ORDER BY ST_GeoHash(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 6), id, ord ON CONFLICT (id) DO NOTHING",
            _connection, _transaction);
        command.CommandTimeout = 0;
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Rows this transaction did not insert were stored before: the same content is a replay,
    /// other content under the id is a conflict that rolls everything back.
    /// </summary>
    private async Task<IReadOnlyList<string>> FindAlreadyStoredAsync(CancellationToken cancellationToken)
    {
        await using (var analyze = new NpgsqlCommand("ANALYZE observation_staging", _connection, _transaction))
        {
            await analyze.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // A key sent twice in one commit (in two messages of a stream) is inserted once, from its
        // first row; the later rows are already stored, and listed as such.
        await using var command = new NpgsqlCommand(
            "SELECT s.ord, o.content_hash = s.content_hash " +
            "FROM (SELECT ord, id, content_hash, row_number() OVER (PARTITION BY id ORDER BY ord) AS nth FROM observation_staging) s " +
            "JOIN observations o ON o.id = s.id " +
            "WHERE o.xmin <> pg_current_xact_id()::xid OR o.content_hash <> s.content_hash OR s.nth > 1 ORDER BY s.ord",
            _connection, _transaction);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (field, clientId) = _names[reader.GetInt32(0)];
            if (!reader.GetBoolean(1))
            {
                throw new RecordConflictException(
                    $"'{clientId}' is already stored with other content; nothing was overwritten and nothing of this batch was stored")
                {
                    Field = $"{field}.client_id",
                };
            }

            if (ids.Count < _maxListedIds)
            {
                ids.Add(clientId);
            }
        }

        return ids;
    }

    private async Task WriteNullableAsync(string? value, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(value))
        {
            await _copy!.WriteNullAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _copy!.WriteAsync(value, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ResetAsync()
    {
        _names.Clear();
        if (_copy is not null)
        {
            // Disposing an unfinished import cancels it; the transaction rollback discards the rows.
            try
            {
                await _copy.DisposeAsync().ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
            }

            _copy = null;
        }

        if (_transaction is not null)
        {
            try
            {
                await _transaction.DisposeAsync().ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
            }

            _transaction = null;
        }
    }
}
