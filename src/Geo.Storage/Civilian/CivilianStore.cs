using Geo.Core.Domain;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Geo.Storage.Civilian;

/// <summary>A presence record as stored, with its organisation's names and the sharing level it effectively has.</summary>
/// <remarks><see cref="Place"/> is where the record is drawn: its point or polygon, or its P-code's area.</remarks>
public sealed record StoredPresence(Presence Presence, long Version, string OrganisationName, string OrganisationAcronym, SharingLevel Effective, Geometry Place);

/// <summary>What a presence list asks for.</summary>
public sealed record PresenceFilter(Geometry? Area, IReadOnlyCollection<Cluster> Sectors, IReadOnlyCollection<PresenceStatus> Statuses, string OrganisationId, DateOnly? ActiveOn);

/// <summary>One cell of the presence summary: organisations and records of one sector in one grid cell.</summary>
public sealed record PresenceCount(int Column, int Row, Cluster Sector, int Organisations, int Records);

/// <summary>What an import did, or would do.</summary>
public sealed record PresenceImportOutcome(int Created, int Updated, int Unchanged, int OrganisationsCreated);

/// <summary>
/// Administrative areas, organisations and presence (migration 11). Every read takes the widest
/// sharing level the caller reads in full: a record beyond it is, for that caller, not there.
/// </summary>
public sealed class CivilianStore(NpgsqlDataSource dataSource)
{
    private const string OrganisationColumns = "id, name, acronym, kind, humanitarian, sharing, version";

    private const string PresenceColumns =
        "p.id, p.organisation_id, p.sector, p.activity, CASE WHEN p.given_location THEN p.location END, p.pcode, p.location_name, p.start_date, p.end_date, " +
        "p.status, p.targeted, p.reached, p.targeted_total, p.reached_total, p.sharing, p.version, o.name, o.acronym, GREATEST(p.sharing, o.sharing), p.location";

    private const string PresenceFrom = "presence p JOIN organisations o ON o.id = p.organisation_id";

    // ---- administrative areas ----

    /// <summary>Creates or redraws an area; presence placed by its P-code follows the new shape.</summary>
    public async Task<long> PutAdminAreaAsync(AdminArea area, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(area);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var put = new NpgsqlCommand(
            "INSERT INTO admin_areas (pcode, name, level, parent_pcode, area) VALUES ($1, $2, $3, $4, ST_Multi($5)) " +
            "ON CONFLICT (pcode) DO UPDATE SET name = $2, level = $3, parent_pcode = $4, area = ST_Multi($5), version = admin_areas.version + 1, updated_at = now() " +
            "RETURNING version", connection, transaction);
        Text(put, area.Pcode, area.Name);
        put.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)area.Level });
        Text(put, area.ParentPcode);
        put.Parameters.Add(StoredGeometry.Parameter(area.Area));
        var version = (long)(await put.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await using var follow = new NpgsqlCommand(
            "UPDATE presence SET location = (SELECT area FROM admin_areas WHERE pcode = $1), version = version + 1, updated_at = now() WHERE pcode = $1 AND NOT given_location",
            connection, transaction);
        Text(follow, area.Pcode);
        await follow.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return version;
    }

    public async Task<IReadOnlyList<(AdminArea Area, long Version)>> ListAdminAreasAsync(int level, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT pcode, name, level, parent_pcode, version FROM admin_areas WHERE $1 = 0 OR level = $1 ORDER BY pcode");
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)level });
        var areas = new List<(AdminArea, long)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            areas.Add((new AdminArea(reader.GetString(0), reader.GetString(1), reader.GetInt16(2), reader.GetString(3), Point.Empty), reader.GetInt64(4)));
        }

        return areas;
    }

    /// <summary>The P-codes of <paramref name="pcodes"/> that name a known area.</summary>
    public async Task<IReadOnlySet<string>> KnownPcodesAsync(IReadOnlyCollection<string> pcodes, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT pcode FROM admin_areas WHERE pcode = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. pcodes] });
        var known = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            known.Add(reader.GetString(0));
        }

        return known;
    }

    // ---- organisations ----

    public async Task<Versioned<Organisation>> CreateOrganisationAsync(Organisation organisation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO organisations (id, name, acronym, kind, humanitarian, sharing) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING");
        AddOrganisation(command, organisation);
        var created = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        var stored = await GetOrganisationAsync(organisation.Id, SharingLevel.LiaisonOnly, cancellationToken).ConfigureAwait(false);
        return created || stored.Value == organisation
            ? stored
            : throw new RecordConflictException($"organisation '{organisation.Id}' already exists with other content; use UpdateOrganisation to change it") { Field = "id" };
    }

    public async Task<Versioned<Organisation>> UpdateOrganisationAsync(Organisation organisation, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        await using var command = dataSource.CreateCommand(
            "UPDATE organisations SET name = $2, acronym = $3, kind = $4, humanitarian = $5, sharing = $6, version = version + 1, updated_at = now() " +
            "WHERE id = $1 AND ($7 = 0 OR version = $7)");
        AddOrganisation(command, organisation);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        await ExpectOneRowAsync(command, "organisations", "organisation", organisation.Id, expectedVersion, cancellationToken).ConfigureAwait(false);
        return await GetOrganisationAsync(organisation.Id, SharingLevel.LiaisonOnly, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The organisation, when the caller reads it in full (<paramref name="widest"/>); NOT_FOUND otherwise, as for an unknown id.</summary>
    public async Task<Versioned<Organisation>> GetOrganisationAsync(string id, SharingLevel widest, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {OrganisationColumns} FROM organisations WHERE id = $1 AND sharing <= $2");
        Text(command, id);
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)widest });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? ReadOrganisation(reader)
            : throw new RecordNotFoundException($"no organisation '{id}'") { Field = "id" };
    }

    public async Task<IReadOnlyList<Versioned<Organisation>>> ListOrganisationsAsync(string afterId, int limit, SharingLevel widest, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {OrganisationColumns} FROM organisations WHERE ($1 = '' OR id > $1) AND sharing <= $2 ORDER BY id LIMIT $3");
        Text(command, afterId);
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)widest });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var page = new List<Versioned<Organisation>>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(ReadOrganisation(reader));
        }

        return page;
    }

    /// <summary>Every organisation, for the import to match a sheet's names and acronyms against.</summary>
    public async Task<IReadOnlyList<Organisation>> AllOrganisationsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {OrganisationColumns} FROM organisations ORDER BY id");
        var all = new List<Organisation>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            all.Add(ReadOrganisation(reader).Value);
        }

        return all;
    }

    // ---- presence ----

    public async Task<StoredPresence> CreatePresenceAsync(Presence presence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(presence);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var created = await InsertPresenceAsync(connection, null, presence, cancellationToken).ConfigureAwait(false);
        var stored = await GetPresenceAsync(presence.Id, SharingLevel.LiaisonOnly, null, cancellationToken).ConfigureAwait(false);
        return created || SamePresence(stored.Presence, presence)
            ? stored
            : throw new RecordConflictException($"presence '{presence.Id}' already exists with other content; use UpdatePresence to change it") { Field = "id" };
    }

    public async Task<StoredPresence> UpdatePresenceAsync(Presence presence, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(presence);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(UpdatePresenceSql, connection);
        AddPresence(command, presence);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        int changed;
        try
        {
            changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new RecordNotFoundException($"no organisation '{presence.OrganisationId}'") { Field = "organisation_id" };
        }

        if (changed == 0)
        {
            await ThrowWhyNotWrittenAsync(presence, expectedVersion, cancellationToken).ConfigureAwait(false);
        }

        return await GetPresenceAsync(presence.Id, SharingLevel.LiaisonOnly, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredPresence> GetPresenceAsync(string id, SharingLevel widest, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        Text(command, id);
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)widest });
        command.CommandText = $"SELECT {PresenceColumns} FROM {PresenceFrom} WHERE p.id = $1 AND GREATEST(p.sharing, o.sharing) <= $2 AND {Scope(command, scope)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? ReadPresence(reader)
            : throw new RecordNotFoundException($"no presence '{id}'") { Field = "id" };
    }

    /// <summary>A page, by id after <paramref name="afterId"/>, of the records the caller reads in full.</summary>
    public async Task<IReadOnlyList<StoredPresence>> ListPresenceAsync(
        PresenceFilter filter, SharingLevel widest, Geometry? scope, string afterId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var command = dataSource.CreateCommand();
        var where = Where(command, filter, widest, scope);
        Text(command, afterId);
        var after = Placeholder(command);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.CommandText = $"SELECT {PresenceColumns} FROM {PresenceFrom} WHERE {where} AND ({after} = '' OR p.id > {after}) ORDER BY p.id LIMIT {Placeholder(command)}";
        var page = new List<StoredPresence>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(ReadPresence(reader));
        }

        return page;
    }

    /// <summary>Streams every record the caller reads in full that <paramref name="filter"/> matches, by id.</summary>
    public async IAsyncEnumerable<StoredPresence> ReadPresenceAsync(
        PresenceFilter filter, SharingLevel widest, Geometry? scope, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var command = dataSource.CreateCommand();
        var where = Where(command, filter, widest, scope);
        command.CommandText = $"SELECT {PresenceColumns} FROM {PresenceFrom} WHERE {where} ORDER BY p.id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadPresence(reader);
        }
    }

    /// <summary>
    /// Organisations and records per sector per cell of a fixed grid of <paramref name="cellDegrees"/>,
    /// for the cells <paramref name="area"/> touches: every record not finished, whatever its sharing
    /// level, counted by where its place's representative point lies. No name, no point.
    /// </summary>
    public async Task<IReadOnlyList<PresenceCount>> SummarizeAsync(Geometry area, IReadOnlyCollection<Cluster> sectors, double cellDegrees, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(StoredGeometry.Parameter(area));
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = cellDegrees });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. sectors.Select(s => (short)s)] });
        var inScope = Scope(command, scope);
        // Whole cells: every cell the area touches is counted in full, so that no area drawn inside a
        // cell can count less than the cell (bisecting a cell learns nothing).
        command.CommandText =
            "WITH placed AS (SELECT p.organisation_id, p.sector, ST_PointOnSurface(p.location) AS at FROM presence p " +
            $"WHERE p.status <> 4 AND (cardinality($3) = 0 OR p.sector = ANY($3)) AND {inScope}), " +
            "celled AS (SELECT organisation_id, sector, floor(ST_X(at) / $2)::int AS col, floor(ST_Y(at) / $2)::int AS row FROM placed), " +
            "touched AS (SELECT DISTINCT floor(ST_XMin($1) / $2)::int + gx AS col, floor(ST_YMin($1) / $2)::int + gy AS row " +
            "FROM generate_series(0, (floor(ST_XMax($1) / $2) - floor(ST_XMin($1) / $2))::int) gx, generate_series(0, (floor(ST_YMax($1) / $2) - floor(ST_YMin($1) / $2))::int) gy " +
            "WHERE ST_Intersects($1, ST_MakeEnvelope((floor(ST_XMin($1) / $2) + gx) * $2, (floor(ST_YMin($1) / $2) + gy) * $2, (floor(ST_XMin($1) / $2) + gx + 1) * $2, (floor(ST_YMin($1) / $2) + gy + 1) * $2, 4326))) " +
            "SELECT c.col, c.row, c.sector, count(DISTINCT c.organisation_id)::int, count(*)::int FROM celled c JOIN touched t ON t.col = c.col AND t.row = c.row " +
            "GROUP BY c.col, c.row, c.sector ORDER BY c.row, c.col, c.sector";
        var counts = new List<PresenceCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts.Add(new PresenceCount(reader.GetInt32(0), reader.GetInt32(1), (Cluster)reader.GetInt16(2), reader.GetInt32(3), reader.GetInt32(4)));
        }

        return counts;
    }

    /// <summary>
    /// Stores a checked sheet in one transaction: the organisations it names that do not exist yet,
    /// then each presence record created, changed or left as it is. Nothing when <paramref name="dryRun"/>.
    /// </summary>
    public async Task<PresenceImportOutcome> ImportAsync(IReadOnlyList<Organisation> newOrganisations, IReadOnlyList<Presence> rows, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(newOrganisations);
        ArgumentNullException.ThrowIfNull(rows);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var organisationsCreated = 0;
        foreach (var organisation in newOrganisations)
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO organisations (id, name, acronym, kind, humanitarian, sharing) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING", connection, transaction);
            AddOrganisation(insert, organisation);
            organisationsCreated += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int created = 0, updated = 0, unchanged = 0;
        foreach (var presence in rows)
        {
            if (await InsertPresenceAsync(connection, transaction, presence, cancellationToken).ConfigureAwait(false))
            {
                created++;
                continue;
            }

            await using var update = new NpgsqlCommand(UpdatePresenceSql + " AND ROW(organisation_id, sector, activity, location, pcode, location_name, start_date, end_date, status, targeted, reached, targeted_total, reached_total, sharing) " +
                "IS DISTINCT FROM ROW($2, $3, $4, COALESCE($5, (SELECT area FROM admin_areas WHERE pcode = $6)), $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)", connection, transaction);
            AddPresence(update, presence);
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

        return new PresenceImportOutcome(created, updated, unchanged, organisationsCreated);
    }

    private const string UpdatePresenceSql =
        "UPDATE presence SET organisation_id = $2, sector = $3, activity = $4, location = COALESCE($5, (SELECT area FROM admin_areas WHERE pcode = $6)), " +
        "given_location = $5 IS NOT NULL, pcode = $6, location_name = $7, start_date = $8, end_date = $9, status = $10, targeted = $11, reached = $12, " +
        "targeted_total = $13, reached_total = $14, sharing = $15, version = version + 1, updated_at = now() " +
        "WHERE id = $1 AND ($16 = 0 OR version = $16) AND ($5 IS NOT NULL OR EXISTS (SELECT FROM admin_areas WHERE pcode = $6))";

    /// <summary>Inserts the record unless its id is taken; false when it is. A P-code that names no area is NOT_FOUND.</summary>
    private static async Task<bool> InsertPresenceAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Presence presence, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO presence (id, organisation_id, sector, activity, location, given_location, pcode, location_name, start_date, end_date, status, targeted, reached, targeted_total, reached_total, sharing) " +
            "SELECT $1, $2, $3, $4, COALESCE($5, a.area), $5 IS NOT NULL, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15 " +
            "FROM (SELECT 1) one LEFT JOIN admin_areas a ON a.pcode = $6 WHERE $5 IS NOT NULL OR a.pcode IS NOT NULL " +
            "ON CONFLICT (id) DO NOTHING RETURNING (SELECT count(*) FROM admin_areas WHERE pcode = $6)", connection, transaction);
        AddPresence(command, presence);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new RecordNotFoundException($"no organisation '{presence.OrganisationId}'") { Field = "organisation_id" };
        }

        if (presence.Location is null)
        {
            await using var known = new NpgsqlCommand("SELECT 1 FROM admin_areas WHERE pcode = $1", connection, transaction);
            Text(known, presence.Pcode);
            if (await known.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                throw new RecordNotFoundException($"no administrative area '{presence.Pcode}' (Civilian.PutAdminArea)") { Field = "pcode" };
            }
        }

        return false;
    }

    private async Task ThrowWhyNotWrittenAsync(Presence presence, long expectedVersion, CancellationToken cancellationToken)
    {
        await using var current = dataSource.CreateCommand("SELECT version FROM presence WHERE id = $1");
        Text(current, presence.Id);
        if (await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long actual)
        {
            throw new RecordNotFoundException($"no presence '{presence.Id}'") { Field = "id" };
        }

        if (expectedVersion != 0 && actual != expectedVersion)
        {
            throw new VersionMismatchException($"presence '{presence.Id}' is at version {actual}, not the expected {expectedVersion}: read it again and retry") { Field = "expected_version" };
        }

        throw new RecordNotFoundException($"no administrative area '{presence.Pcode}' (Civilian.PutAdminArea)") { Field = "pcode" };
    }

    private static string Where(NpgsqlCommand command, PresenceFilter filter, SharingLevel widest, Geometry? scope)
    {
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)widest });
        var parts = new List<string> { $"GREATEST(p.sharing, o.sharing) <= {Placeholder(command)}" };
        if (filter.Area is { } area)
        {
            command.Parameters.Add(StoredGeometry.Parameter(area));
            parts.Add($"ST_Intersects(p.location, {Placeholder(command)})");
        }

        if (filter.Sectors.Count > 0)
        {
            command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. filter.Sectors.Select(s => (short)s)] });
            parts.Add($"p.sector = ANY({Placeholder(command)})");
        }

        if (filter.Statuses.Count > 0)
        {
            command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. filter.Statuses.Select(s => (short)s)] });
            parts.Add($"p.status = ANY({Placeholder(command)})");
        }

        if (filter.OrganisationId.Length > 0)
        {
            Text(command, filter.OrganisationId);
            parts.Add($"p.organisation_id = {Placeholder(command)}");
        }

        if (filter.ActiveOn is { } day)
        {
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = day });
            var at = Placeholder(command);
            parts.Add($"p.start_date <= {at} AND (p.end_date IS NULL OR p.end_date >= {at})");
        }

        parts.Add(Scope(command, scope));
        return string.Join(" AND ", parts);
    }

    private static string Scope(NpgsqlCommand command, Geometry? scope)
    {
        command.Parameters.Add(StoredGeometry.Parameter(scope));
        var placeholder = Placeholder(command);
        return $"({placeholder} IS NULL OR {AreaSql.Inside("p.location", placeholder)})";
    }

    private static string Placeholder(NpgsqlCommand command) => "$" + command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool SamePresence(Presence stored, Presence submitted) =>
        stored with { Location = submitted.Location } == submitted
        && (stored.Location is null ? submitted.Location is null : submitted.Location is not null && stored.Location.EqualsExact(submitted.Location));

    private static void AddOrganisation(NpgsqlCommand command, Organisation organisation)
    {
        Text(command, organisation.Id, organisation.Name, organisation.Acronym);
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)organisation.Kind });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = organisation.Humanitarian });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)organisation.Sharing });
    }

    private static void AddPresence(NpgsqlCommand command, Presence presence)
    {
        Text(command, presence.Id, presence.OrganisationId);
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)presence.Sector });
        Text(command, presence.Activity);
        command.Parameters.Add(StoredGeometry.Parameter(presence.Location));
        Text(command, presence.Location is null ? presence.Pcode : string.Empty, presence.LocationName);
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = presence.Start });
        command.Parameters.Add(new NpgsqlParameter { Value = presence.End is { } end ? end : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)presence.Status });
        command.Parameters.Add(Counts(presence.Targeted));
        command.Parameters.Add(Counts(presence.Reached));
        command.Parameters.Add(Number(presence.TargetedTotal));
        command.Parameters.Add(Number(presence.ReachedTotal));
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)presence.Sharing });
    }

    private static NpgsqlParameter Counts(AffectedPeople? people) =>
        new() { Value = people is { } p ? p.Counts.ToArray() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer };

    private static NpgsqlParameter Number(int? value) => new() { Value = value is { } v ? v : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer };

    private static void Text(NpgsqlCommand command, params string[] values)
    {
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
        }
    }

    private static Versioned<Organisation> ReadOrganisation(NpgsqlDataReader reader) => new(
        new Organisation
        {
            Id = reader.GetString(0),
            Name = reader.GetString(1),
            Acronym = reader.GetString(2),
            Kind = (OrganisationKind)reader.GetInt16(3),
            Humanitarian = reader.GetBoolean(4),
            Sharing = (SharingLevel)reader.GetInt16(5),
        },
        reader.GetInt64(6));

    private static StoredPresence ReadPresence(NpgsqlDataReader reader) => new(
        new Presence
        {
            Id = reader.GetString(0),
            OrganisationId = reader.GetString(1),
            Sector = (Cluster)reader.GetInt16(2),
            Activity = reader.GetString(3),
            Location = reader.IsDBNull(4) ? null : reader.GetFieldValue<Geometry>(4),
            Pcode = reader.GetString(5),
            LocationName = reader.GetString(6),
            Start = reader.GetFieldValue<DateOnly>(7),
            End = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateOnly>(8),
            Status = (PresenceStatus)reader.GetInt16(9),
            Targeted = reader.IsDBNull(10) ? null : AffectedPeople.FromCells(reader.GetFieldValue<int[]>(10)),
            Reached = reader.IsDBNull(11) ? null : AffectedPeople.FromCells(reader.GetFieldValue<int[]>(11)),
            TargetedTotal = reader.IsDBNull(12) ? null : reader.GetInt32(12),
            ReachedTotal = reader.IsDBNull(13) ? null : reader.GetInt32(13),
            Sharing = (SharingLevel)reader.GetInt16(14),
        },
        reader.GetInt64(15), reader.GetString(16), reader.GetString(17), (SharingLevel)reader.GetInt16(18), reader.GetFieldValue<Geometry>(19));

    private async Task ExpectOneRowAsync(NpgsqlCommand command, string table, string kind, string id, long expectedVersion, CancellationToken cancellationToken)
    {
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
        {
            return;
        }

        await using var current = dataSource.CreateCommand($"SELECT version FROM {table} WHERE id = $1");
        Text(current, id);
        throw await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long actual
            ? new VersionMismatchException($"{kind} '{id}' is at version {actual}, not the expected {expectedVersion}: read it again and retry") { Field = "expected_version" }
            : new RecordNotFoundException($"no {kind} '{id}'") { Field = "id" };
    }
}
