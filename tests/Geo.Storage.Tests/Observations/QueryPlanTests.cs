using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Storage.Observations;
using Geo.Testing;
using Npgsql;
using Xunit;

namespace Geo.Storage.Tests.Observations;

/// <summary>
/// The analysts' queries must be answered from the PostGIS indexes, not by reading the table:
/// with 200,000 rows as wide as real ones (issued ids, a summary of a couple of hundred
/// characters, a content hash) spread over a region and a year, the plans of narrow queries use them.
/// </summary>
public sealed class QueryPlanTests(QueryPlanTests.FilledDatabase filled) : IClassFixture<QueryPlanTests.FilledDatabase>
{
    private PostgisDatabase Database => filled.Database;

    public sealed class FilledDatabase : IAsyncLifetime
    {
        public PostgisDatabase Database { get; } = new();

        public async Task InitializeAsync()
        {
            await Database.InitializeAsync();
            await using var fill = Database.DataSource.CreateCommand(
            "INSERT INTO observations (id, reporter_id, observed_at, reported_at, location, location_precision, category, severity, affected, affected_groups, summary, content_hash) " +
            "SELECT 'obs-' || md5(g::text), 'cla-' || (g % 50), timestamptz '2025-01-01' + (g % 365) * interval '1 day' + (g % 86400) * interval '1 second', now(), " +
            "ST_SetSRID(ST_MakePoint(27 + (g % 997) * 0.004, -4 + (g % 991) * 0.004), 4326), 1, 1 + g % 8, 1 + g % 5, " +
            "'{1,0,0,0,0,0,0,0,0,0,0,0}', 1, repeat(md5(g::text), 6), decode(md5(g::text) || md5((-g)::text), 'hex') FROM generate_series(1, 200000) g; ANALYZE observations;");
            fill.CommandTimeout = 300;
            await fill.ExecuteNonQueryAsync();
        }

        public Task DisposeAsync() => Database.DisposeAsync();
    }

    [Fact]
    public async Task Query_SmallBox_UsesTheSpatialIndex()
    {
        var plan = await PlanAsync(new ObservationFilter { Area = new BoxArea(28, -3, 28.1, -2.9) });

        Assert.Contains("observations_location_spx", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_SmallCircle_UsesTheSpatialIndex()
    {
        var plan = await PlanAsync(new ObservationFilter { Area = new CircleArea(new GeoPoint(28, -3), 5000) });

        Assert.Contains("observations_location_spx", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_SmallPolygon_UsesTheSpatialIndex()
    {
        var plan = await PlanAsync(new ObservationFilter { Area = Shape("POLYGON((28 -3, 28.1 -3, 28.05 -2.9, 28 -3))") });

        Assert.Contains("observations_location_spx", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_SmallMultiPolygon_UsesTheSpatialIndex()
    {
        var plan = await PlanAsync(new ObservationFilter
        {
            Area = Shape("MULTIPOLYGON(((28 -3, 28.05 -3, 28.05 -2.95, 28 -2.95, 28 -3)),((28.2 -2.8, 28.25 -2.8, 28.25 -2.75, 28.2 -2.75, 28.2 -2.8)))"),
        });

        Assert.Contains("observations_location_spx", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_OneDay_UsesTheTimeIndex()
    {
        var day = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var plan = await PlanAsync(new ObservationFilter { ObservedFrom = day, ObservedTo = day.AddDays(1) });

        Assert.Contains("observations_observed_at_idx", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeatMapRead_OfTheWholeRegionAndYear_IsAnIndexOnlyScanOfTheTimeIndex()
    {
        // An index-only scan needs the visibility map, which autovacuum sets on a live table.
        // Here a plain VACUUM right after the load left it unset; a freezing one sets it.
        await using (var vacuum = Database.DataSource.CreateCommand("VACUUM (FREEZE) observations"))
        {
            await vacuum.ExecuteNonQueryAsync();
        }

        var year = new ObservationFilter
        {
            Area = new BoxArea(26.5, -4.5, 31.5, 0.5),
            ObservedFrom = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
            ObservedTo = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            MinSeverity = 2,
        };

        var counts = await HeatMapPlanAsync(year, new PointColumns(ObservedAt: false, Severity: false, PeopleCells: 0));
        var weighted = await HeatMapPlanAsync(year, new PointColumns(ObservedAt: true, Severity: true, PeopleCells: 0b11));

        Assert.Contains("Index Only Scan using observations_observed_at_idx", counts, StringComparison.Ordinal);
        Assert.DoesNotContain("Index Only Scan", weighted, StringComparison.Ordinal);
    }

    private static ShapeArea Shape(string wkt) =>
        new(ShapeReader.ReadWkt(wkt) is ({ } geometry, null) ? geometry : throw new ArgumentException($"not a geometry: {wkt}", nameof(wkt)));

    private async Task<string> HeatMapPlanAsync(ObservationFilter filter, PointColumns columns)
    {
        var sql = FilterSql.For(filter, Visibility.Everything);
        return await ExplainAsync(ObservationPoints.Select(sql, columns), sql);
    }

    private async Task<string> PlanAsync(ObservationFilter filter)
    {
        var sql = FilterSql.For(filter, Visibility.Everything);
        return await ExplainAsync($"SELECT id FROM observations WHERE {sql.Where} ORDER BY observed_at, id", sql);
    }

    private async Task<string> ExplainAsync(string select, FilterSql sql)
    {
        await using var command = Database.DataSource.CreateCommand($"EXPLAIN {select}");
        command.Parameters.AddRange(sql.CloneParameters());
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
