using System.Text.Json;
using Geo.Core.Domain;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Geo.Storage.Civilian;

/// <summary>What a facility list asks for.</summary>
public sealed record FacilityFilter(Geometry? Area, IReadOnlyCollection<FacilityType> Types, IReadOnlyCollection<FacilityStatus> Statuses);

/// <summary>What a facility import did, or would do.</summary>
public sealed record FacilityImportOutcome(int Created, int Updated, int Unchanged);

/// <summary>
/// Civilian facilities (migration 11). As for presence, a facility is shared no further than its
/// operator, and a caller reads only those within the widest level it reads in full.
/// </summary>
public sealed class FacilityStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "f.id, f.name, f.type, f.location, f.status, f.last_confirmed_on, f.confirmed_by, f.capacity, COALESCE(f.operator_id, ''), " +
        "f.notified_on, f.notified_to, f.acknowledged_on, f.reconfirm_by, f.tags::text, f.sharing, f.version";

    private const string From = "facilities f LEFT JOIN organisations o ON o.id = f.operator_id";

    private const string Effective = "GREATEST(f.sharing, COALESCE(o.sharing, 1))";

    private const string Values = "$1, $2, $3, $4, $5, $6, $7, $8, NULLIF($9, ''), $10, $11, $12, $13, $14::jsonb, $15";

    public async Task<Versioned<Facility>> CreateAsync(Facility facility, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facility);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var created = await InsertAsync(connection, null, facility, cancellationToken).ConfigureAwait(false);
        var stored = await GetAsync(facility.Id, SharingLevel.LiaisonOnly, null, cancellationToken).ConfigureAwait(false);
        return created || Same(stored.Value, facility)
            ? stored
            : throw new RecordConflictException($"facility '{facility.Id}' already exists with other content; use UpdateFacility to change it") { Field = "id" };
    }

    public async Task<Versioned<Facility>> UpdateAsync(Facility facility, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facility);
        await using var command = dataSource.CreateCommand(UpdateSql);
        Add(command, facility);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        int changed;
        try
        {
            changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new RecordNotFoundException($"no organisation '{facility.OperatorId}'") { Field = "operator_id" };
        }

        if (changed == 0)
        {
            await using var current = dataSource.CreateCommand("SELECT version FROM facilities WHERE id = $1");
            current.Parameters.Add(new NpgsqlParameter<string> { TypedValue = facility.Id });
            throw await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long actual
                ? new VersionMismatchException($"facility '{facility.Id}' is at version {actual}, not the expected {expectedVersion}: read it again and retry") { Field = "expected_version" }
                : new RecordNotFoundException($"no facility '{facility.Id}'") { Field = "id" };
        }

        return await GetAsync(facility.Id, SharingLevel.LiaisonOnly, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Versioned<Facility>> GetAsync(string id, SharingLevel widest, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)widest });
        command.CommandText = $"SELECT {Columns} FROM {From} WHERE f.id = $1 AND {Effective} <= $2 AND {Scope(command, scope)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? Read(reader)
            : throw new RecordNotFoundException($"no facility '{id}'") { Field = "id" };
    }

    public async Task<IReadOnlyList<Versioned<Facility>>> ListAsync(FacilityFilter filter, SharingLevel widest, Geometry? scope, string afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var where = Where(command, filter, widest, scope);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = afterId });
        var after = Placeholder(command);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.CommandText = $"SELECT {Columns} FROM {From} WHERE {where} AND ({after} = '' OR f.id > {after}) ORDER BY f.id LIMIT {Placeholder(command)}";
        var page = new List<Versioned<Facility>>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(Read(reader));
        }

        return page;
    }

    /// <summary>Streams every facility the caller reads in full that <paramref name="filter"/> matches, by id; nothing is kept.</summary>
    public async IAsyncEnumerable<Versioned<Facility>> ReadAsync(
        FacilityFilter filter, SharingLevel widest, Geometry? scope, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var where = Where(command, filter, widest, scope);
        command.CommandText = $"SELECT {Columns} FROM {From} WHERE {where} ORDER BY f.id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return Read(reader);
        }
    }

    /// <summary>Stores checked facilities in one transaction: each created, changed or left as it is. Nothing when <paramref name="dryRun"/>.</summary>
    public async Task<FacilityImportOutcome> ImportAsync(IReadOnlyList<Facility> facilities, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facilities);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        int created = 0, updated = 0, unchanged = 0;
        foreach (var facility in facilities)
        {
            if (await InsertAsync(connection, transaction, facility, cancellationToken).ConfigureAwait(false))
            {
                created++;
                continue;
            }

            await using var update = new NpgsqlCommand(UpdateSql +
                " AND ROW(name, type, location, status, last_confirmed_on, confirmed_by, capacity, operator_id, notified_on, notified_to, acknowledged_on, reconfirm_by, tags, sharing) " +
                $"IS DISTINCT FROM ROW({Values.Replace("$1, ", string.Empty, StringComparison.Ordinal)})", connection, transaction);
            Add(update, facility);
            update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 0 });
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                updated++;
            }
            else
            {
                unchanged++;
            }
        }

        if (dryRun)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return new FacilityImportOutcome(created, updated, unchanged);
    }

    private const string UpdateSql =
        "UPDATE facilities SET name = $2, type = $3, location = $4, status = $5, last_confirmed_on = $6, confirmed_by = $7, capacity = $8, operator_id = NULLIF($9, ''), " +
        "notified_on = $10, notified_to = $11, acknowledged_on = $12, reconfirm_by = $13, tags = $14::jsonb, sharing = $15, version = version + 1, updated_at = now() " +
        "WHERE id = $1 AND ($16 = 0 OR version = $16)";

    private static async Task<bool> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Facility facility, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO facilities (id, name, type, location, status, last_confirmed_on, confirmed_by, capacity, operator_id, notified_on, notified_to, acknowledged_on, reconfirm_by, tags, sharing) " +
            $"VALUES ({Values}) ON CONFLICT (id) DO NOTHING", connection, transaction);
        Add(command, facility);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new RecordNotFoundException($"no organisation '{facility.OperatorId}'") { Field = "operator_id" };
        }
    }

    private static string Where(NpgsqlCommand command, FacilityFilter filter, SharingLevel widest, Geometry? scope)
    {
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)widest });
        var parts = new List<string> { $"{Effective} <= {Placeholder(command)}" };
        if (filter.Area is { } area)
        {
            command.Parameters.Add(StoredGeometry.Parameter(area));
            parts.Add($"ST_Intersects(f.location, {Placeholder(command)})");
        }

        if (filter.Types.Count > 0)
        {
            command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. filter.Types.Select(t => (short)t)] });
            parts.Add($"f.type = ANY({Placeholder(command)})");
        }

        if (filter.Statuses.Count > 0)
        {
            command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. filter.Statuses.Select(s => (short)s)] });
            parts.Add($"f.status = ANY({Placeholder(command)})");
        }

        parts.Add(Scope(command, scope));
        return string.Join(" AND ", parts);
    }

    private static string Scope(NpgsqlCommand command, Geometry? scope)
    {
        command.Parameters.Add(StoredGeometry.Parameter(scope));
        var placeholder = Placeholder(command);
        return $"({placeholder} IS NULL OR {AreaSql.Inside("f.location", placeholder)})";
    }

    private static string Placeholder(NpgsqlCommand command) => "$" + command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool Same(Facility stored, Facility submitted) =>
        stored with { Location = submitted.Location, Tags = submitted.Tags } == submitted
        && stored.Location.EqualsExact(submitted.Location)
        && stored.Tags.Count == submitted.Tags.Count && stored.Tags.All(t => submitted.Tags.TryGetValue(t.Key, out var v) && v == t.Value);

    private static void Add(NpgsqlCommand command, Facility facility)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = facility.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = facility.Name });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)facility.Type });
        command.Parameters.Add(StoredGeometry.Parameter(facility.Location));
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)facility.Status });
        command.Parameters.Add(Date(facility.LastConfirmedOn));
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = facility.ConfirmedBy });
        command.Parameters.Add(new NpgsqlParameter { Value = facility.Capacity is { } c ? c : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = facility.OperatorId });
        var n = facility.Notification;
        command.Parameters.Add(Date(n?.NotifiedOn));
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = n?.NotifiedTo ?? string.Empty });
        command.Parameters.Add(Date(n?.AcknowledgedOn));
        command.Parameters.Add(Date(n?.ReconfirmBy));
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(new SortedDictionary<string, string>(facility.Tags.ToDictionary(), StringComparer.Ordinal)) });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)facility.Sharing });
    }

    private static NpgsqlParameter Date(DateOnly? day) => new() { Value = day is { } d ? d : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date };

    private static Versioned<Facility> Read(NpgsqlDataReader reader)
    {
        DateOnly? Day(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateOnly>(i);
        var notifiedOn = Day(9);
        return new Versioned<Facility>(
            new Facility
            {
                Id = reader.GetString(0),
                Name = reader.GetString(1),
                Type = (FacilityType)reader.GetInt16(2),
                Location = reader.GetFieldValue<Geometry>(3),
                Status = (FacilityStatus)reader.GetInt16(4),
                LastConfirmedOn = Day(5),
                ConfirmedBy = reader.GetString(6),
                Capacity = reader.IsDBNull(7) ? null : reader.GetInt32(7),
                OperatorId = reader.GetString(8),
                Notification = notifiedOn is { } on ? new SiteNotification(on, reader.GetString(10), Day(11), Day(12)) : null,
                Tags = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(13)) ?? [],
                Sharing = (SharingLevel)reader.GetInt16(14),
            },
            reader.GetInt64(15));
    }
}
