using Geo.Core.Roads;
using Geo.Core.Spatial;
using Geo.Storage.Access;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Geo.Storage.Roads;

/// <summary>What an import stored.</summary>
public sealed record RoadImport(string Dataset, int Roads, long Segments, int ReplacedRoads, long NetworkVersion);

/// <summary>Length of road by class, and how much of it is seasonal.</summary>
public sealed record RoadClassLength(RoadClass Class, double Kilometres, double SeasonalKilometres);

/// <summary>What the stored network holds.</summary>
public sealed record RoadNetworkFigures(long Version, long Roads, long Segments, long Vertices, IReadOnlyList<RoadClassLength> Classes, IReadOnlyList<string> Datasets);

/// <summary>
/// The road network (migration 19). An import replaces its dataset's roads in one transaction:
/// lines copied in, cut into segments between their points, the points shared by roads that meet
/// made one vertex, and the network's version bumped so that each service rebuilds its copy.
/// </summary>
public sealed class RoadStore(NpgsqlDataSource dataSource)
{
    private static readonly GeometryFactory Wgs84 = new(new PrecisionModel(), 4326);

    /// <summary>The stored network's version: cheap, asked before each use of the in-memory copy.</summary>
    public async Task<long> VersionAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT version FROM road_network_version");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<RoadImport> ImportAsync(string dataset, IAsyncEnumerable<RoadLine> lines, AuditRow audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(audit);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // One import at a time: two imports meeting at a vertex must not both add it.
        await Execute(connection, transaction, "SELECT version FROM road_network_version FOR UPDATE", cancellationToken).ConfigureAwait(false);
        await Execute(connection, transaction,
            "CREATE TEMP TABLE road_import (ord integer, feature_id text, name text, class smallint, seasonal boolean, one_way boolean, geom geometry) ON COMMIT DROP",
            cancellationToken).ConfigureAwait(false);
        var count = 0;
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY road_import (ord, feature_id, name, class, seasonal, one_way, geom) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            await foreach (var line in lines.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(count++, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(line.FeatureId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(line.Name, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync((short)line.Class, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(line.Seasonal, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(line.OneWay, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                var geometry = Wgs84.CreateLineString(line.Points.Select(p => new Coordinate(p.Longitude, p.Latitude)).ToArray());
                await copy.WriteAsync<Geometry>(geometry, NpgsqlDbType.Geometry, cancellationToken).ConfigureAwait(false);
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        var replaced = await Execute(connection, transaction, "DELETE FROM roads WHERE dataset = $1", cancellationToken, dataset).ConfigureAwait(false);
        await Execute(connection, transaction,
            "INSERT INTO roads (dataset, feature_id, name, class, seasonal, one_way, geom) " +
            "SELECT $1, feature_id, name, class, seasonal, one_way, geom FROM road_import ORDER BY ord", cancellationToken, dataset).ConfigureAwait(false);
        await Execute(connection, transaction,
            "CREATE TEMP TABLE road_points ON COMMIT DROP AS " +
            "SELECT r.id AS road_id, (d).path[1] AS n, round(ST_X((d).geom) * 1e7)::integer AS lon_e7, round(ST_Y((d).geom) * 1e7)::integer AS lat_e7, (d).geom AS geom " +
            "FROM (SELECT id, ST_DumpPoints(geom) AS d FROM roads WHERE dataset = $1) r",
            cancellationToken, dataset).ConfigureAwait(false);
        await Execute(connection, transaction,
            "INSERT INTO road_vertices (lon_e7, lat_e7) SELECT DISTINCT lon_e7, lat_e7 FROM road_points ON CONFLICT DO NOTHING", cancellationToken).ConfigureAwait(false);
        var segments = await Execute(connection, transaction,
            "INSERT INTO road_segments (road_id, source, target, length_m) " +
            "SELECT a.road_id, va.id, vb.id, ST_Distance(a.geom::geography, b.geom::geography) " +
            "FROM road_points a JOIN road_points b ON b.road_id = a.road_id AND b.n = a.n + 1 " +
            "JOIN road_vertices va ON va.lon_e7 = a.lon_e7 AND va.lat_e7 = a.lat_e7 " +
            "JOIN road_vertices vb ON vb.lon_e7 = b.lon_e7 AND vb.lat_e7 = b.lat_e7 " +
            "WHERE va.id <> vb.id", cancellationToken).ConfigureAwait(false);
        if (replaced > 0)
        {
            await Execute(connection, transaction,
                "DELETE FROM road_vertices v WHERE NOT EXISTS (SELECT FROM road_segments WHERE source = v.id) AND NOT EXISTS (SELECT FROM road_segments WHERE target = v.id)",
                cancellationToken).ConfigureAwait(false);
        }

        long version;
        await using (var bump = new NpgsqlCommand("UPDATE road_network_version SET version = version + 1 RETURNING version", connection, transaction))
        {
            version = (long)(await bump.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await (audit with { Details = new { audit.Details, roads = count, segments, replaced_roads = replaced, network_version = version } })
            .InsertAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new RoadImport(dataset, count, segments, replaced, version);
    }

    /// <summary>The whole network, read in one snapshot, for the in-memory copy routing runs on.</summary>
    public async Task<RoadNetwork> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        long version;
        await using (var command = new NpgsqlCommand("SELECT version FROM road_network_version", connection, transaction))
        {
            version = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var index = new Dictionary<long, int>();
        var vertices = new List<GeoPoint>();
        await using (var reader = await connection.BeginBinaryExportAsync("COPY (SELECT id, lon_e7, lat_e7 FROM road_vertices ORDER BY id) TO STDOUT (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            while (await reader.StartRowAsync(cancellationToken).ConfigureAwait(false) != -1)
            {
                var id = await reader.ReadAsync<long>(cancellationToken).ConfigureAwait(false);
                var lon = await reader.ReadAsync<int>(cancellationToken).ConfigureAwait(false);
                var lat = await reader.ReadAsync<int>(cancellationToken).ConfigureAwait(false);
                index[id] = vertices.Count;
                vertices.Add(new GeoPoint(lon / 1e7, lat / 1e7));
            }
        }

        var segments = new List<RoadSegment>();
        await using (var reader = await connection.BeginBinaryExportAsync(
            "COPY (SELECT s.source, s.target, r.class, r.seasonal, r.one_way, s.length_m FROM road_segments s JOIN roads r ON r.id = s.road_id ORDER BY s.id) TO STDOUT (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false))
        {
            while (await reader.StartRowAsync(cancellationToken).ConfigureAwait(false) != -1)
            {
                var source = await reader.ReadAsync<long>(cancellationToken).ConfigureAwait(false);
                var target = await reader.ReadAsync<long>(cancellationToken).ConfigureAwait(false);
                var roadClass = await reader.ReadAsync<short>(cancellationToken).ConfigureAwait(false);
                var seasonal = await reader.ReadAsync<bool>(cancellationToken).ConfigureAwait(false);
                var oneWay = await reader.ReadAsync<bool>(cancellationToken).ConfigureAwait(false);
                var length = await reader.ReadAsync<double>(cancellationToken).ConfigureAwait(false);
                segments.Add(new RoadSegment(index[source], index[target], (RoadClass)roadClass, seasonal, oneWay, length));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new RoadNetwork(version, vertices, segments);
    }

    public async Task<RoadNetworkFigures> FiguresAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT version FROM road_network_version), (SELECT count(*) FROM roads), (SELECT count(*) FROM road_segments), (SELECT count(*) FROM road_vertices), " +
            "(SELECT COALESCE(array_agg(DISTINCT dataset ORDER BY dataset), '{}') FROM roads)", connection, transaction);
        long version, roads, segments, vertices;
        string[] datasets;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            (version, roads, segments, vertices, datasets) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetFieldValue<string[]>(4));
        }

        var classes = new List<RoadClassLength>();
        await using (var byClass = new NpgsqlCommand(
            "SELECT r.class, sum(s.length_m) / 1000, COALESCE(sum(s.length_m) FILTER (WHERE r.seasonal), 0) / 1000 " +
            "FROM road_segments s JOIN roads r ON r.id = s.road_id GROUP BY r.class ORDER BY r.class", connection, transaction))
        await using (var reader = await byClass.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                classes.Add(new RoadClassLength((RoadClass)reader.GetInt16(0), reader.GetDouble(1), reader.GetDouble(2)));
            }
        }

        return new RoadNetworkFigures(version, roads, segments, vertices, classes, datasets);
    }

    private static async Task<int> Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, string? text = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        if (text is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
