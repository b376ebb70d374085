using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Geo.Storage.Registry;

/// <summary>Communities, bases and CLA deployments in PostGIS: the SQL of those three tables lives here.</summary>
public sealed class RegistryStore(NpgsqlDataSource dataSource)
{
    private const string CommunityColumns =
        "id, name, location, admin_area, sector, population, risk_level, has_protection_plan, has_protection_committee, " +
        "has_can_focal_point, version, ST_X(ST_PointOnSurface(location)), ST_Y(ST_PointOnSurface(location))";

    private const string BaseColumns = "id, name, kind, unit, sector, admin_area, ST_X(location), ST_Y(location), opened_on, closed_on, version";

    private const string DeploymentColumns =
        "d.id, d.cla_id, d.sex, d.base_id, d.from_date, d.to_date, d.temporary_duty, d.home_locality, d.home_community_id, d.version, " +
        "b.admin_area, ST_X(b.location), ST_Y(b.location), ST_X(ST_PointOnSurface(c.location)), ST_Y(ST_PointOnSurface(c.location))";

    private const string DeploymentFrom = "cla_deployments d JOIN bases b ON b.id = d.base_id LEFT JOIN communities c ON c.id = d.home_community_id";

    // ---- communities ----

    /// <summary>Creates a community; the same content again is a no-op, other content under the id is a conflict.</summary>
    public async Task<StoredCommunity> CreateCommunityAsync(Community community, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(community);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO communities (id, name, location, admin_area, sector, population, risk_level, has_protection_plan, has_protection_committee, has_can_focal_point) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING");
        AddCommunityParameters(command, community);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
        {
            return await GetCommunityAsync(community.Id, null, cancellationToken).ConfigureAwait(false);
        }

        var existing = await GetCommunityAsync(community.Id, null, cancellationToken).ConfigureAwait(false);
        return SameCommunity(existing.Community, community)
            ? existing
            : throw new RecordConflictException($"community '{community.Id}' already exists with other content; use UpdateCommunity to change it") { Field = "id" };
    }

    public async Task<StoredCommunity> UpdateCommunityAsync(Community community, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(community);
        await using var command = dataSource.CreateCommand(
            "UPDATE communities SET name = $2, location = $3, admin_area = $4, sector = $5, population = $6, risk_level = $7, " +
            "has_protection_plan = $8, has_protection_committee = $9, has_can_focal_point = $10, version = version + 1, updated_at = now() " +
            "WHERE id = $1 AND ($11 = 0 OR version = $11)");
        AddCommunityParameters(command, community);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        await ExpectOneRowAsync(command, "communities", "community", community.Id, expectedVersion, cancellationToken).ConfigureAwait(false);
        return await GetCommunityAsync(community.Id, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredCommunity> GetCommunityAsync(string id, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.CommandText = $"SELECT {CommunityColumns} FROM communities WHERE id = $1 AND {Scope(command, scope, "location")}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? ReadCommunity(reader)
            : throw new RecordNotFoundException($"no community '{id}'") { Field = "id" };
    }

    /// <summary>A page of communities ordered by id, after <paramref name="afterId"/>.</summary>
    public async Task<IReadOnlyList<StoredCommunity>> ListCommunitiesAsync(string? afterId, int limit, string? sector, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        AddPageParameters(command, afterId, sector, limit);
        command.CommandText = $"SELECT {CommunityColumns} FROM communities WHERE ($1 = '' OR id > $1) AND ($2 = '' OR sector = $2) AND {Scope(command, scope, "location")} ORDER BY id LIMIT $3";
        var page = new List<StoredCommunity>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(ReadCommunity(reader));
        }

        return page;
    }

    // ---- bases ----

    public async Task<Versioned<Base>> CreateBaseAsync(Base station, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(station);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO bases (id, name, kind, unit, sector, admin_area, location, opened_on, closed_on) " +
            "VALUES ($1, $2, $3, $4, $5, $6, ST_SetSRID(ST_MakePoint($7, $8), 4326), $9, $10) ON CONFLICT (id) DO NOTHING");
        AddBaseParameters(command, station);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
        {
            return await GetBaseAsync(station.Id, null, cancellationToken).ConfigureAwait(false);
        }

        var existing = await GetBaseAsync(station.Id, null, cancellationToken).ConfigureAwait(false);
        return existing.Value == station
            ? existing
            : throw new RecordConflictException($"base '{station.Id}' already exists with other content; use UpdateBase to change it") { Field = "id" };
    }

    public async Task<Versioned<Base>> UpdateBaseAsync(Base station, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(station);
        await using var command = dataSource.CreateCommand(
            "UPDATE bases SET name = $2, kind = $3, unit = $4, sector = $5, admin_area = $6, location = ST_SetSRID(ST_MakePoint($7, $8), 4326), " +
            "opened_on = $9, closed_on = $10, version = version + 1, updated_at = now() WHERE id = $1 AND ($11 = 0 OR version = $11)");
        AddBaseParameters(command, station);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        await ExpectOneRowAsync(command, "bases", "base", station.Id, expectedVersion, cancellationToken).ConfigureAwait(false);
        return await GetBaseAsync(station.Id, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Versioned<Base>> GetBaseAsync(string id, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.CommandText = $"SELECT {BaseColumns} FROM bases WHERE id = $1 AND {Scope(command, scope, "location")}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? ReadBase(reader, 0)
            : throw new RecordNotFoundException($"no base '{id}'") { Field = "id" };
    }

    public async Task<IReadOnlyList<Versioned<Base>>> ListBasesAsync(string? afterId, int limit, string? sector, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        AddPageParameters(command, afterId, sector, limit);
        command.CommandText = $"SELECT {BaseColumns} FROM bases WHERE ($1 = '' OR id > $1) AND ($2 = '' OR sector = $2) AND {Scope(command, scope, "location")} ORDER BY id LIMIT $3";
        var page = new List<Versioned<Base>>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(ReadBase(reader, 0));
        }

        return page;
    }

    // ---- deployments ----

    public async Task<StoredDeployment> CreateDeploymentAsync(ClaDeployment deployment, DateOnly today, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO cla_deployments (id, cla_id, sex, base_id, from_date, to_date, temporary_duty, home_locality, home_community_id) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING");
        AddDeploymentParameters(command, deployment);
        int inserted;
        try
        {
            inserted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw UnknownReference(deployment, e);
        }

        var stored = await GetDeploymentAsync(deployment.Id, DeploymentRules.WriteDate(deployment, today), null, cancellationToken).ConfigureAwait(false);
        return inserted == 1 || stored.Deployment == deployment
            ? stored
            : throw new RecordConflictException($"deployment '{deployment.Id}' already exists with other content; use UpdateDeployment to change it") { Field = "id" };
    }

    public async Task<StoredDeployment> UpdateDeploymentAsync(ClaDeployment deployment, long expectedVersion, DateOnly today, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        await using var command = dataSource.CreateCommand(
            "UPDATE cla_deployments SET cla_id = $2, sex = $3, base_id = $4, from_date = $5, to_date = $6, temporary_duty = $7, home_locality = $8, " +
            "home_community_id = $9, version = version + 1, updated_at = now() WHERE id = $1 AND ($10 = 0 OR version = $10)");
        AddDeploymentParameters(command, deployment);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        try
        {
            await ExpectOneRowAsync(command, "cla_deployments", "deployment", deployment.Id, expectedVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw UnknownReference(deployment, e);
        }

        return await GetDeploymentAsync(deployment.Id, DeploymentRules.WriteDate(deployment, today), null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredDeployment> GetDeploymentAsync(string id, DateOnly at, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.CommandText = $"SELECT {DeploymentColumns} FROM {DeploymentFrom} WHERE d.id = $1 AND {Scope(command, scope, "b.location")}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? ReadDeployment(reader, at)
            : throw new RecordNotFoundException($"no deployment '{id}'") { Field = "id" };
    }

    /// <summary>
    /// Deployments ordered by id after <paramref name="afterId"/>, optionally of one base, active on a
    /// date, or carrying a warning (evaluated at <paramref name="at"/>).
    /// </summary>
    public async Task<IReadOnlyList<StoredDeployment>> ListDeploymentsAsync(
        string? afterId, int limit, string? baseId, DateOnly? activeOn, DeploymentWarnings warning, DateOnly at, Geometry? scope, CancellationToken cancellationToken)
    {
        var page = new List<StoredDeployment>(limit);
        var cursor = afterId ?? string.Empty;
        // Warnings are policy computed in Geo.Core, so that filter is applied here, scanning in chunks.
        while (page.Count < limit)
        {
            await using var command = dataSource.CreateCommand();
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cursor });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = baseId ?? string.Empty });
            command.Parameters.Add(new NpgsqlParameter { Value = activeOn is { } d ? d : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = warning == DeploymentWarnings.None ? limit : Math.Max(limit, 500) });
            command.CommandText =
                $"SELECT {DeploymentColumns} FROM {DeploymentFrom} WHERE ($1 = '' OR d.id > $1) AND ($2 = '' OR d.base_id = $2) " +
                $"AND ($3::date IS NULL OR (d.from_date <= $3 AND (d.to_date IS NULL OR d.to_date >= $3))) AND {Scope(command, scope, "b.location")} ORDER BY d.id LIMIT $4";
            var scanned = 0;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    scanned++;
                    var deployment = ReadDeployment(reader, at);
                    cursor = deployment.Deployment.Id;
                    if ((deployment.Warnings & warning) == warning && page.Count < limit)
                    {
                        page.Add(deployment);
                    }
                }
            }

            if (warning == DeploymentWarnings.None || scanned == 0)
            {
                break;
            }
        }

        return page;
    }

    /// <summary>The team of each base on <paramref name="at"/>, for the bases given.</summary>
    public async Task<Dictionary<string, ClaTeam>> TeamsAsync(IReadOnlyCollection<string> baseIds, DateOnly at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT base_id, count(*)::int, count(*) FILTER (WHERE sex = 1)::int, count(*) FILTER (WHERE temporary_duty)::int FROM cla_deployments " +
            "WHERE base_id = ANY($1) AND from_date <= $2 AND (to_date IS NULL OR to_date >= $2) GROUP BY base_id");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. baseIds] });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = at });
        var teams = baseIds.ToDictionary(id => id, _ => ClaTeam.Empty, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            teams[reader.GetString(0)] = new ClaTeam(reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
        }

        return teams;
    }

    /// <summary>Open bases nearest to a point on a date, nearest first, with geodesic distances in metres.</summary>
    public async Task<IReadOnlyList<(Versioned<Base> Base, double DistanceMetres)>> NearestBasesAsync(
        GeoPoint point, int limit, double maxDistanceMetres, DateOnly at, Geometry? scope, CancellationToken cancellationToken)
    {
        // The KNN operator orders by planar degrees through the GiST index; a generous candidate
        // set is then ordered by true geodesic distance.
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = point.Longitude });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = point.Latitude });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = at });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = maxDistanceMetres });
        command.CommandText =
            $"WITH p AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS g), candidates AS (" +
            $"  SELECT b.*, ST_Distance(b.location::geography, p.g::geography) AS metres FROM bases b, p " +
            $"  WHERE (b.opened_on IS NULL OR b.opened_on <= $3) AND (b.closed_on IS NULL OR b.closed_on >= $3) AND {Scope(command, scope, "b.location")} " +
            $"  ORDER BY b.location <-> p.g LIMIT $4 * 4 + 20) " +
            $"SELECT {BaseColumns}, metres FROM candidates WHERE $5 <= 0 OR metres <= $5 ORDER BY metres, id LIMIT $4";
        var nearest = new List<(Versioned<Base>, double)>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            nearest.Add((ReadBase(reader, 0), reader.GetDouble(11)));
        }

        return nearest;
    }

    /// <summary>
    /// For each point, in order, what <see cref="NearestBasesAsync(GeoPoint, int, double, DateOnly, Geometry?, CancellationToken)"/>
    /// answers for it, in one query: a check of a plan asks it for every community at risk it
    /// touches, and a round trip each cost more than the answers.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<(Versioned<Base> Base, double DistanceMetres)>>> NearestBasesAsync(
        IReadOnlyList<GeoPoint> points, int limit, double maxDistanceMetres, DateOnly at, Geometry? scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(points);
        var nearest = points.Select(_ => new List<(Versioned<Base>, double)>(limit)).ToList();
        if (points.Count == 0)
        {
            return nearest;
        }

        // The same candidates and order as for one point, in a lateral join over the points.
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. points.Select(p => p.Longitude)] });
        command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. points.Select(p => p.Latitude)] });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = at });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = maxDistanceMetres });
        command.CommandText =
            $"WITH p AS (SELECT u.i, ST_SetSRID(ST_MakePoint(u.x, u.y), 4326) AS g FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS u(x, y, i)) " +
            $"SELECT p.i, n.* FROM p CROSS JOIN LATERAL (" +
            $"  SELECT {BaseColumns}, metres FROM (" +
            $"    SELECT b.*, ST_Distance(b.location::geography, p.g::geography) AS metres FROM bases b " +
            $"    WHERE (b.opened_on IS NULL OR b.opened_on <= $3) AND (b.closed_on IS NULL OR b.closed_on >= $3) AND {Scope(command, scope, "b.location")} " +
            $"    ORDER BY b.location <-> p.g LIMIT $4 * 4 + 20) candidates " +
            $"  WHERE $5 <= 0 OR metres <= $5 ORDER BY metres, id LIMIT $4) n " +
            $"ORDER BY p.i, n.metres, n.id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            nearest[(int)reader.GetInt64(0) - 1].Add((ReadBase(reader, 1), reader.GetDouble(12)));
        }

        return nearest;
    }

    // ---- coverage ----

    /// <summary>
    /// The bases open on <paramref name="at"/> (of one sector, when given, and inside the caller's
    /// area), ordered by id, each with its team on that date: the deployments active then, with
    /// the warnings the deployment rules give them at that date (evaluated here once, as every
    /// read of a deployment does, and only counted by coverage).
    /// </summary>
    public async Task<IReadOnlyList<BaseTeam>> OpenBaseTeamsAsync(DateOnly at, string? sector, Geometry? scope, CancellationToken cancellationToken)
    {
        var bases = new List<Base>();
        await using (var command = dataSource.CreateCommand())
        {
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = at });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sector ?? string.Empty });
            command.CommandText =
                $"SELECT {BaseColumns} FROM bases WHERE (opened_on IS NULL OR opened_on <= $1) AND (closed_on IS NULL OR closed_on >= $1) " +
                $"AND ($2 = '' OR sector = $2) AND {Scope(command, scope, "location")} ORDER BY id";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                bases.Add(ReadBase(reader, 0).Value);
            }
        }

        var deployments = new Dictionary<string, List<(ClaDeployment, DeploymentWarnings)>>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand(
            $"SELECT {DeploymentColumns} FROM {DeploymentFrom} WHERE d.base_id = ANY($1) AND d.from_date <= $2 AND (d.to_date IS NULL OR d.to_date >= $2)"))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. bases.Select(b => b.Id)] });
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = at });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var stored = ReadDeployment(reader, at);
                if (!deployments.TryGetValue(stored.Deployment.BaseId, out var atBase))
                {
                    deployments[stored.Deployment.BaseId] = atBase = [];
                }

                atBase.Add((stored.Deployment, stored.Warnings));
            }
        }

        return bases.Select(b => BaseTeam.Of(b, deployments.TryGetValue(b.Id, out var atBase) ? atBase : [], at)).ToList();
    }

    /// <summary>
    /// The communities at or above <paramref name="minRisk"/> (of one sector, when given, and inside
    /// the caller's area), ordered by id, each at the point on its surface the registry shows as its centroid.
    /// </summary>
    public async Task<IReadOnlyList<CommunityAtRisk>> CommunitiesAtRiskAsync(RiskLevel minRisk, string? sector, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)Math.Max((int)minRisk, (int)RiskLevel.Low) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sector ?? string.Empty });
        command.CommandText =
            "SELECT id, name, ST_X(ST_PointOnSurface(location)), ST_Y(ST_PointOnSurface(location)), risk_level, population, sector, has_protection_plan, has_protection_committee " +
            $"FROM communities WHERE risk_level >= $1 AND ($2 = '' OR sector = $2) AND {Scope(command, scope, "location")} ORDER BY id";
        var communities = new List<CommunityAtRisk>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            long population = 0;
            if (!reader.IsDBNull(5))
            {
                foreach (var count in reader.GetFieldValue<int[]>(5))
                {
                    population += count;
                }
            }

            communities.Add(new CommunityAtRisk(
                reader.GetString(0), reader.GetString(1), new GeoPoint(reader.GetDouble(2), reader.GetDouble(3)), (RiskLevel)reader.GetInt16(4), population)
            {
                Sector = reader.GetString(6),
                HasProtectionPlan = reader.GetBoolean(7),
                HasProtectionCommittee = reader.GetBoolean(8),
            });
        }

        return communities;
    }

    /// <summary>
    /// Whether any sector is registered, and the first sector (by id) whose area covers
    /// <paramref name="point"/>: the mission area is the union of the sectors.
    /// </summary>
    public async Task<(bool AnySector, string? Sector)> SectorOfAsync(GeoPoint point, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM sectors), " +
            "(SELECT id FROM sectors WHERE ST_Covers(area, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY id LIMIT 1)");
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = point.Longitude });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = point.Latitude });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>Whether some base or community inside the caller's area carries <paramref name="sector"/> as its sector.</summary>
    public async Task<bool> SectorExistsAsync(string sector, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sector });
        command.CommandText =
            $"SELECT EXISTS (SELECT 1 FROM bases WHERE sector = $1 AND {Scope(command, scope, "location")}) " +
            $"OR EXISTS (SELECT 1 FROM communities WHERE sector = $1 AND {Scope(command, scope, "location")})";
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    /// <summary>
    /// The locations (point, polygon or multipolygon) of the communities named, by id; an id with
    /// no community is left out. For maps of communities that coverage has already selected.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, Geometry>> CommunityLocationsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var locations = new Dictionary<string, Geometry>(ids.Count, StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return locations;
        }

        await using var command = dataSource.CreateCommand("SELECT id, location FROM communities WHERE id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ids] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            locations[reader.GetString(0)] = reader.GetFieldValue<Geometry>(1);
        }

        return locations;
    }

    /// <summary>
    /// The centroids of the communities named, or of every community when <paramref name="ids"/> is
    /// null, by id: what coarsening to the community's centroid moves a point to.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, GeoPoint>> CommunityCentroidsAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        var centroids = new Dictionary<string, GeoPoint>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand(
            "SELECT id, ST_X(ST_Centroid(location)), ST_Y(ST_Centroid(location)) FROM communities WHERE $1::text[] IS NULL OR id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = ids?.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            centroids[reader.GetString(0)] = new GeoPoint(reader.GetDouble(1), reader.GetDouble(2));
        }

        return centroids;
    }

    /// <summary>Adds the caller's area as the next parameter and returns the condition that keeps to it.</summary>
    private static string Scope(NpgsqlCommand command, Geometry? scope, string column)
    {
        command.Parameters.Add(StoredGeometry.Parameter(scope));
        var placeholder = "$" + command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"({placeholder} IS NULL OR {AreaSql.Inside(column, placeholder)})";
    }

    private static RecordNotFoundException UnknownReference(ClaDeployment deployment, PostgresException e) =>
        e.ConstraintName?.Contains("home_community", StringComparison.Ordinal) == true
            ? new RecordNotFoundException($"no community '{deployment.HomeCommunityId}'") { Field = "home_community_id" }
            : new RecordNotFoundException($"no base '{deployment.BaseId}'") { Field = "base_id" };

    private async Task ExpectOneRowAsync(NpgsqlCommand command, string table, string kind, string id, long expectedVersion, CancellationToken cancellationToken)
    {
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
        {
            return;
        }

        await using var current = dataSource.CreateCommand($"SELECT version FROM {table} WHERE id = $1");
        current.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        var version = await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        throw version is long actual
            ? new VersionMismatchException($"{kind} '{id}' is at version {actual}, not the expected {expectedVersion}: read it again and retry") { Field = "expected_version" }
            : new RecordNotFoundException($"no {kind} '{id}'") { Field = "id" };
    }

    private static bool SameCommunity(Community stored, Community submitted) =>
        stored with { Location = submitted.Location } == submitted && stored.Location.EqualsExact(submitted.Location);

    private static void AddCommunityParameters(NpgsqlCommand command, Community community)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = community.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = community.Name });
        command.Parameters.Add(StoredGeometry.Parameter(community.Location));
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = community.AdminArea });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = community.Sector });
        command.Parameters.Add(new NpgsqlParameter { Value = community.Population is { } p ? p.Counts.ToArray() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)community.RiskLevel });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = community.HasProtectionPlan });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = community.HasProtectionCommittee });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = community.HasCanFocalPoint });
    }

    private static void AddBaseParameters(NpgsqlCommand command, Base station)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = station.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = station.Name });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)station.Kind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = station.Unit });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = station.Sector });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = station.AdminArea });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = station.Location.Longitude });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = station.Location.Latitude });
        command.Parameters.Add(new NpgsqlParameter { Value = station.OpenedOn is { } o ? o : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = station.ClosedOn is { } c ? c : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
    }

    private static void AddDeploymentParameters(NpgsqlCommand command, ClaDeployment deployment)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deployment.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deployment.ClaId });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)deployment.Sex });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deployment.BaseId });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = deployment.From });
        command.Parameters.Add(new NpgsqlParameter { Value = deployment.To is { } t ? t : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = deployment.TemporaryDuty });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deployment.HomeLocality });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)deployment.HomeCommunityId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
    }

    private static void AddPageParameters(NpgsqlCommand command, string? afterId, string? sector, int limit)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = afterId ?? string.Empty });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sector ?? string.Empty });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
    }

    private static StoredCommunity ReadCommunity(NpgsqlDataReader reader)
    {
        var community = new Community
        {
            Id = reader.GetString(0),
            Name = reader.GetString(1),
            Location = reader.GetFieldValue<Geometry>(2),
            AdminArea = reader.GetString(3),
            Sector = reader.GetString(4),
            Population = reader.IsDBNull(5) ? null : AffectedPeople.FromCells(reader.GetFieldValue<int[]>(5)),
            RiskLevel = (RiskLevel)reader.GetInt16(6),
            HasProtectionPlan = reader.GetBoolean(7),
            HasProtectionCommittee = reader.GetBoolean(8),
            HasCanFocalPoint = reader.GetBoolean(9),
        };
        return new StoredCommunity(community, reader.GetInt64(10), new GeoPoint(reader.GetDouble(11), reader.GetDouble(12)));
    }

    private static Versioned<Base> ReadBase(NpgsqlDataReader reader, int offset) => new(
        new Base
        {
            Id = reader.GetString(offset),
            Name = reader.GetString(offset + 1),
            Kind = (BaseKind)reader.GetInt16(offset + 2),
            Unit = reader.GetString(offset + 3),
            Sector = reader.GetString(offset + 4),
            AdminArea = reader.GetString(offset + 5),
            Location = new GeoPoint(reader.GetDouble(offset + 6), reader.GetDouble(offset + 7)),
            OpenedOn = reader.IsDBNull(offset + 8) ? null : reader.GetFieldValue<DateOnly>(offset + 8),
            ClosedOn = reader.IsDBNull(offset + 9) ? null : reader.GetFieldValue<DateOnly>(offset + 9),
        },
        reader.GetInt64(offset + 10));

    private static StoredDeployment ReadDeployment(NpgsqlDataReader reader, DateOnly at)
    {
        var deployment = new ClaDeployment
        {
            Id = reader.GetString(0),
            ClaId = reader.GetString(1),
            Sex = (Sex)reader.GetInt16(2),
            BaseId = reader.GetString(3),
            From = reader.GetFieldValue<DateOnly>(4),
            To = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateOnly>(5),
            TemporaryDuty = reader.GetBoolean(6),
            HomeLocality = reader.GetString(7),
            HomeCommunityId = reader.IsDBNull(8) ? null : reader.GetString(8),
        };
        var station = new Base
        {
            Id = deployment.BaseId,
            Name = string.Empty,
            AdminArea = reader.GetString(10),
            Location = new GeoPoint(reader.GetDouble(11), reader.GetDouble(12)),
        };
        GeoPoint? home = reader.IsDBNull(13) ? null : new GeoPoint(reader.GetDouble(13), reader.GetDouble(14));
        return new StoredDeployment(deployment, reader.GetInt64(9), DeploymentRules.Evaluate(deployment, station, home, at));
    }
}

/// <summary>A community as stored: its version and a point on its surface (its centroid for display and reach).</summary>
public sealed record StoredCommunity(Community Community, long Version, GeoPoint Centroid);

/// <summary>A deployment as stored, with its policy warnings at the date it was read for.</summary>
public sealed record StoredDeployment(ClaDeployment Deployment, long Version, DeploymentWarnings Warnings);
