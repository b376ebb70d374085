using System.Runtime.CompilerServices;
using System.Text.Json;
using Geo.Core.Access;
using Geo.Core.Domain;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Geo.Storage.Access;

/// <summary>A token as stored (never its secret).</summary>
public sealed record StoredToken(
    string Id,
    byte[] Salt,
    byte[] SecretHash,
    Role Role,
    string Subject,
    IReadOnlyList<string> Sectors,
    Geometry? Area,
    ReferralSection? Section,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? RevokedAt,
    string IssuedBy,
    DateTimeOffset IssuedAt,
    string Note);

/// <summary>One entry of the audit trail.</summary>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Action, string TargetKind, string TargetId, string Details);

/// <summary>Tokens, sectors and the audit trail: the SQL of access control lives here.</summary>
public sealed class AccessStore(NpgsqlDataSource dataSource)
{
    public async Task InsertTokenAsync(StoredToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO access_tokens (id, salt, secret_hash, role, subject, sectors, area, referral_section, expires_at, issued_by, note) " +
            "VALUES ($1, $2, $3, $4, $5, $6, ST_Multi($7), $8, $9, $10, $11)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token.Id });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = token.Salt });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = token.SecretHash });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)token.Role });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token.Subject });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. token.Sectors] });
        command.Parameters.Add(StoredGeometry.Parameter(token.Area));
        command.Parameters.Add(new NpgsqlParameter { Value = token.Section is { } s ? (short)s : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = token.ExpiresAt });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token.IssuedBy });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token.Note });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredToken?> FindTokenAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {TokenColumns} FROM access_tokens WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadToken(reader) : null;
    }

    /// <summary>Marks a token revoked; returns false when there is no such token.</summary>
    public async Task<bool> RevokeTokenAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE access_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async IAsyncEnumerable<StoredToken> ListTokensAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {TokenColumns} FROM access_tokens ORDER BY issued_at, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadToken(reader);
        }
    }

    /// <summary>The union of the named sectors' areas, or null when none of them exists.</summary>
    public async Task<Geometry?> SectorAreaAsync(IReadOnlyCollection<string> sectorIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT ST_Multi(ST_Union(area)) FROM sectors WHERE id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. sectorIds] });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as Geometry;
    }

    public async Task<bool> SectorExistsAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT 1 FROM sectors WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Creates or replaces a sector's area (planners draw and redraw them).</summary>
    public async Task PutSectorAsync(string id, string name, Geometry area, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO sectors (id, name, area) VALUES ($1, $2, ST_Multi($3)) " +
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, area = excluded.area, version = sectors.version + 1, updated_at = now() " +
            "WHERE sectors.name <> excluded.name OR NOT ST_Equals(sectors.area, excluded.area)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(StoredGeometry.Parameter(area));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<(string Id, string Name, Geometry Area, long Version)> ListSectorsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, name, area, version FROM sectors ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return (reader.GetString(0), reader.GetString(1), reader.GetFieldValue<Geometry>(2), reader.GetInt64(3));
        }
    }

    /// <summary>Appends to the audit trail. The database refuses any change to what is there.</summary>
    public async Task AuditAsync(string actor, string action, string targetKind, string targetId, object? details, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await new AuditRow(actor, action, targetKind, targetId, details).InsertAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records a change that is already committed. It takes no cancellation: a client that hangs
    /// up right after its change must not leave the change unrecorded.
    /// </summary>
    public Task AuditChangeAsync(string actor, string action, string targetKind, string targetId, object? details) =>
        AuditAsync(actor, action, targetKind, targetId, details, CancellationToken.None);

    public async IAsyncEnumerable<AuditEntry> QueryAuditAsync(
        DateTimeOffset? from, DateTimeOffset? to, string? actor, string? targetKind, string? targetId, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, at, actor, action, target_kind, target_id, details::text FROM audit_log " +
            "WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::timestamptz IS NULL OR at < $2) AND ($3 = '' OR actor = $3) " +
            "AND ($4 = '' OR target_kind = $4) AND ($5 = '' OR target_id = $5) ORDER BY id LIMIT $6");
        command.Parameters.Add(new NpgsqlParameter { Value = from is { } f ? f : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to is { } t ? t : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = actor ?? string.Empty });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = targetKind ?? string.Empty });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = targetId ?? string.Empty });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new AuditEntry(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6));
        }
    }

    private const string TokenColumns =
        "id, salt, secret_hash, role, subject, sectors, area, referral_section, expires_at, revoked_at, issued_by, issued_at, note";

    private static StoredToken ReadToken(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetFieldValue<byte[]>(1),
        reader.GetFieldValue<byte[]>(2),
        (Role)reader.GetInt16(3),
        reader.GetString(4),
        reader.GetFieldValue<string[]>(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<Geometry>(6),
        reader.IsDBNull(7) ? null : (ReferralSection)reader.GetInt16(7),
        reader.GetFieldValue<DateTimeOffset>(8),
        reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
        reader.GetString(10),
        reader.GetFieldValue<DateTimeOffset>(11),
        reader.GetString(12));
}

/// <summary>One entry of the audit trail, written by whoever makes the change, in the change's own transaction where there is one.</summary>
public sealed record AuditRow(string Actor, string Action, string TargetKind, string TargetId, object? Details)
{
    public async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            "INSERT INTO audit_log (actor, action, target_kind, target_id, details) VALUES ($1, $2, $3, $4, $5::jsonb)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Actor });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Action });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = TargetKind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = TargetId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(Details ?? new { }) });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
