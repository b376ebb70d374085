using Geo.Core.Domain;
using NetTopologySuite.Geometries;
using Npgsql;

namespace Geo.Storage.Operations;

/// <summary>A plan as stored: who made it, its version, and where it stands against the protected sites.</summary>
public sealed record StoredOperation(PlannedOperation Operation, string CreatedBy, long Version, Deconfliction Deconfliction);

/// <summary>A facility a plan touches, and how far it is in true metres (0 inside).</summary>
public sealed record FacilityTouch(Facility Facility, double DistanceMetres, bool Readable);

/// <summary>A community a plan touches, its representative point and how far it is.</summary>
public sealed record CommunityTouch(string Id, string Name, RiskLevel Risk, AffectedPeople? Population, Core.Spatial.GeoPoint Point, double DistanceMetres);

/// <summary>One unit's plans starting in a period: how many, how many unchecked, the communities their checks touched, and how many were informed before the start.</summary>
public sealed record NoticeCount(string Unit, int Plans, int Unchecked, int Communities, int InformedBeforeStart);

/// <summary>Presence records a plan touches, by sector and organisation (every sharing level: the caller decides what to show).</summary>
public sealed record PresenceTouch(Cluster Sector, string OrganisationId, string OrganisationName, SharingLevel Effective);

/// <summary>
/// Planned operations (migration 13) and what they touch: every distance on the geography (true
/// metres), with ST_DWithin against the plan's area or route and its buffer.
/// </summary>
public sealed class OperationStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "id, name, kind, unit, shape, buffer_metres, starts_at, ends_at, created_by, version, check_state, checked_at, cardinality(flagged_sites), needs_recheck, " +
        "override_reason, overridden_by, overridden_at";

    // The footprint: the area or route grown by the buffer on the geography.
    private const string Footprint = "CASE WHEN $6 = 0 THEN $5::geometry ELSE ST_Buffer($5::geography, $6)::geometry END";

    public async Task<StoredOperation> CreateAsync(PlannedOperation operation, string createdBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO planned_operations (id, name, kind, unit, shape, buffer_metres, footprint, starts_at, ends_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, {Footprint}, $7, $8, $9) ON CONFLICT (id) DO NOTHING");
        Add(command, operation);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = createdBy });
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new RecordConflictException($"operation '{operation.Id}' already exists; use UpdateOperation to change it") { Field = "id" };
        }

        return await GetAsync(operation.Id, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredOperation> UpdateAsync(PlannedOperation operation, long expectedVersion, Geometry? scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var current = await GetAsync(operation.Id, scope, cancellationToken).ConfigureAwait(false);
        if (expectedVersion != 0 && current.Version != expectedVersion)
        {
            throw new VersionMismatchException($"operation '{operation.Id}' is at version {current.Version}, not the expected {expectedVersion}: read it again and retry") { Field = "expected_version" };
        }

        await using var command = dataSource.CreateCommand(
            $"UPDATE planned_operations SET name = $2, kind = $3, unit = $4, shape = $5, buffer_metres = $6, footprint = {Footprint}, starts_at = $7, ends_at = $8, version = version + 1, " +
            // An edit voids the last check and any clearance: the plan is unchecked until checked again.
            "check_state = 0, checked_at = NULL, flagged_sites = '{}', needs_recheck = false, override_reason = '', overridden_by = '', overridden_at = NULL " +
            "WHERE id = $1 AND version = $9");
        Add(command, operation);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = current.Version });
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new VersionMismatchException($"operation '{operation.Id}' changed meanwhile: read it again and retry") { Field = "expected_version" };
        }

        return await GetAsync(operation.Id, scope, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The plan, when its footprint meets the caller's area (NOT_FOUND otherwise, as for an unknown id).</summary>
    public async Task<StoredOperation> GetAsync(string id, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM planned_operations WHERE id = $1 AND ($2::geometry IS NULL OR ST_Intersects(footprint, $2))");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(StoredGeometry.Parameter(scope));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : throw new RecordNotFoundException($"no operation '{id}'") { Field = "id" };
    }

    /// <summary>What the plan covers, as stored with it: the area or route grown by the buffer on the geography.</summary>
    public async Task<Geometry> FootprintAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT footprint FROM planned_operations WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? reader.GetFieldValue<Geometry>(0)
            : throw new RecordNotFoundException($"no operation '{id}'") { Field = "id" };
    }

    public async Task<IReadOnlyList<StoredOperation>> ListAsync(Geometry? area, Geometry? scope, string afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM planned_operations WHERE ($1::geometry IS NULL OR ST_Intersects(footprint, $1)) AND ($2::geometry IS NULL OR ST_Intersects(footprint, $2)) " +
            "AND ($3 = '' OR id > $3) ORDER BY id LIMIT $4");
        command.Parameters.Add(StoredGeometry.Parameter(area));
        command.Parameters.Add(StoredGeometry.Parameter(scope));
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = afterId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var page = new List<StoredOperation>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(Read(reader));
        }

        return page;
    }

    /// <summary>Facilities within the buffer of the plan's area or route (inside: 0 m), with whether the caller reads each in full.</summary>
    /// <remarks>A site is readable when shared as far as <paramref name="widest"/> and inside <paramref name="scope"/> (when the caller has one).</remarks>
    public async Task<IReadOnlyList<FacilityTouch>> FacilitiesAsync(string id, SharingLevel widest, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT f.id, f.name, f.type, f.location, f.status, f.last_confirmed_on, f.notified_on, f.notified_to, f.reconfirm_by, " +
            "ST_Distance(f.location::geography, p.shape::geography), GREATEST(f.sharing, COALESCE(o.sharing, 1)) <= $2 " +
            $"AND ($3::geometry IS NULL OR {AreaSql.Inside("f.location", "$3::geometry")}) " +
            "FROM planned_operations p JOIN facilities f ON ST_DWithin(f.location::geography, p.shape::geography, p.buffer_metres) " +
            "LEFT JOIN organisations o ON o.id = f.operator_id WHERE p.id = $1 ORDER BY 10, f.id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)widest });
        command.Parameters.Add(StoredGeometry.Parameter(scope));
        var touched = new List<FacilityTouch>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            DateOnly? Day(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateOnly>(i);
            var facility = new Facility
            {
                Id = reader.GetString(0),
                Name = reader.GetString(1),
                Type = (FacilityType)reader.GetInt16(2),
                Location = reader.GetFieldValue<Geometry>(3),
                Status = (FacilityStatus)reader.GetInt16(4),
                LastConfirmedOn = Day(5),
                Notification = Day(6) is { } notified ? new SiteNotification(notified, reader.GetString(7), null, Day(8)) : null,
            };
            touched.Add(new FacilityTouch(facility, reader.GetDouble(9), reader.GetBoolean(10)));
        }

        return touched;
    }

    public async Task<IReadOnlyList<CommunityTouch>> CommunitiesAsync(string id, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT c.id, c.name, c.risk_level, c.population, ST_X(ST_PointOnSurface(c.location)), ST_Y(ST_PointOnSurface(c.location)), ST_Distance(c.location::geography, p.shape::geography) " +
            "FROM planned_operations p JOIN communities c ON ST_DWithin(c.location::geography, p.shape::geography, p.buffer_metres) " +
            "WHERE p.id = $1 AND ($2::geometry IS NULL OR ST_Intersects(c.location, $2)) ORDER BY 7, c.id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(StoredGeometry.Parameter(scope));
        var touched = new List<CommunityTouch>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            touched.Add(new CommunityTouch(
                reader.GetString(0), reader.GetString(1), (RiskLevel)reader.GetInt16(2), reader.IsDBNull(3) ? null : AffectedPeople.FromCells(reader.GetFieldValue<int[]>(3)),
                new Core.Spatial.GeoPoint(reader.GetDouble(4), reader.GetDouble(5)), reader.GetDouble(6)));
        }

        return touched;
    }

    public async Task<IReadOnlyList<PresenceTouch>> PresenceAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT pr.sector, pr.organisation_id, o.name, GREATEST(pr.sharing, o.sharing) FROM planned_operations p " +
            "JOIN presence pr ON ST_DWithin(pr.location::geography, p.shape::geography, p.buffer_metres) JOIN organisations o ON o.id = pr.organisation_id " +
            "WHERE p.id = $1 AND pr.status <> 4");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        var touched = new List<PresenceTouch>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            touched.Add(new PresenceTouch((Cluster)reader.GetInt16(0), reader.GetString(1), reader.GetString(2), (SharingLevel)reader.GetInt16(3)));
        }

        return touched;
    }

    /// <summary>Threat observations (not discredited; never security incidents against CLAs) of the last days within the footprint, by category.</summary>
    public async Task<IReadOnlyList<(ObservationCategory Category, long Count)>> ThreatsAsync(string id, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT o.category, count(*) FROM planned_operations p JOIN observations o ON ST_DWithin(o.location::geography, p.shape::geography, p.buffer_metres) " +
            "WHERE p.id = $1 AND o.observed_at >= $2 AND o.verification <> 3 AND o.category IN (1, 2, 3, 4) GROUP BY o.category ORDER BY o.category");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = since });
        var counts = new List<(ObservationCategory, long)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts.Add(((ObservationCategory)reader.GetInt16(0), reader.GetInt64(1)));
        }

        return counts;
    }

    private static void Add(NpgsqlCommand command, PlannedOperation operation)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operation.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operation.Name });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)operation.Kind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = operation.Unit });
        command.Parameters.Add(StoredGeometry.Parameter(operation.Shape));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = operation.BufferMetres });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = operation.StartsAt });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = operation.EndsAt });
    }

    /// <summary>Records a check's result with the plan, when it is still at the version checked; false when it changed meanwhile.</summary>
    public async Task<bool> RecordCheckAsync(
        string id, long version, DeconflictionState state, IReadOnlyCollection<string> flagged, IReadOnlyCollection<string> communities, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE planned_operations SET check_state = $3, checked_at = now(), flagged_sites = $4, needs_recheck = false, override_reason = '', overridden_by = '', overridden_at = NULL, " +
            "touched_communities = $5 WHERE id = $1 AND version = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)((int)state - 1) });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. flagged] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. communities] });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>The notices recorded for a plan, by community.</summary>
    public async Task<IReadOnlyDictionary<string, (DateTimeOffset InformedAt, string InformedBy)>> NoticesAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT community_id, informed_at, informed_by FROM operation_notices WHERE operation_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        var notices = new Dictionary<string, (DateTimeOffset, string)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            notices[reader.GetString(0)] = (reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2));
        }

        return notices;
    }

    /// <summary>Records (or corrects) that a community the plan's last check touched was informed; false when the check did not touch it.</summary>
    public async Task<bool> RecordNoticeAsync(string id, string communityId, DateTimeOffset informedAt, string informedBy, string recordedBy, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO operation_notices (operation_id, community_id, informed_at, informed_by, recorded_by) " +
            "SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT FROM planned_operations WHERE id = $1 AND $2 = ANY(touched_communities)) " +
            "ON CONFLICT (operation_id, community_id) DO UPDATE SET informed_at = $3, informed_by = $4, recorded_by = $5, recorded_at = now()");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = communityId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = informedAt });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = informedBy });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recordedBy });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Clears a flagged plan with the reason, when it is flagged and needs no re-check; false otherwise (the caller reads it again to say why).</summary>
    public async Task<bool> ClearAsync(string id, string reason, string by, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE planned_operations SET check_state = 3, override_reason = $2, overridden_by = $3, overridden_at = now() WHERE id = $1 AND check_state = 2 AND NOT needs_recheck");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reason });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = by });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static StoredOperation Read(NpgsqlDataReader reader) => new(
        new PlannedOperation
        {
            Id = reader.GetString(0),
            Name = reader.GetString(1),
            Kind = (OperationKind)reader.GetInt16(2),
            Unit = reader.GetString(3),
            Shape = reader.GetFieldValue<Geometry>(4),
            BufferMetres = reader.GetInt32(5),
            StartsAt = reader.GetFieldValue<DateTimeOffset>(6),
            EndsAt = reader.GetFieldValue<DateTimeOffset>(7),
        },
        reader.GetString(8),
        reader.GetInt64(9),
        new Deconfliction(
            (DeconflictionState)(reader.GetInt16(10) + 1), reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11), reader.GetInt32(12), reader.GetBoolean(13),
            reader.GetString(14), reader.GetString(15), reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16)));

    /// <summary>
    /// Per unit, the plans starting in [<paramref name="from"/>, <paramref name="to"/>) whose
    /// footprint meets the scope: the communities their last checks touched and how many of those
    /// were informed before the plan's start. Unchecked plans are counted apart: their communities
    /// are not known.
    /// </summary>
    public async Task<IReadOnlyList<NoticeCount>> NoticeCountsAsync(DateTimeOffset from, DateTimeOffset to, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT p.unit, count(*)::int, count(*) FILTER (WHERE p.check_state = 0)::int, " +
            "coalesce(sum(cardinality(p.touched_communities)) FILTER (WHERE p.check_state <> 0), 0)::int, " +
            "coalesce(sum((SELECT count(*) FROM operation_notices n WHERE n.operation_id = p.id AND n.community_id = ANY(p.touched_communities) AND n.informed_at < p.starts_at)) " +
            "FILTER (WHERE p.check_state <> 0), 0)::int " +
            "FROM planned_operations p WHERE p.starts_at >= $1 AND p.starts_at < $2 AND ($3::geometry IS NULL OR ST_Intersects(p.footprint, $3)) GROUP BY p.unit ORDER BY p.unit");
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to });
        command.Parameters.Add(StoredGeometry.Parameter(scope));
        var counts = new List<NoticeCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts.Add(new NoticeCount(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4)));
        }

        return counts;
    }
}
