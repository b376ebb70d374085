using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Storage.Observations;
using Geo.Testing;
using Npgsql;
using Xunit;

namespace Geo.Storage.Tests.Observations;

/// <summary>
/// The analysts' queries must be answered from the PostGIS indexes, not by reading the table:
/// with 200,000 rows spread over a region and a year, the plans of narrow queries use them.
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
            "INSERT INTO observations (id, reporter_id, observed_at, reported_at, location, location_precision, category, severity, affected, affected_groups, content_hash) " +
            "SELECT 'o' || g, 'cla', timestamptz '2025-01-01' + (g % 365) * interval '1 day' + (g % 86400) * interval '1 second', now(), " +
            "ST_SetSRID(ST_MakePoint(27 + (g % 997) * 0.004, -4 + (g % 991) * 0.004), 4326), 1, 1 + g % 8, 1 + g % 5, " +
            "'{1,0,0,0,0,0,0,0,0,0,0,0}', 1, '\\x00' FROM generate_series(1, 200000) g; ANALYZE observations;");
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
    public async Task Query_OneDay_UsesTheTimeIndex()
    {
        var day = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var plan = await PlanAsync(new ObservationFilter { ObservedFrom = day, ObservedTo = day.AddDays(1) });

        Assert.Contains("observations_observed_at_idx", plan, StringComparison.Ordinal);
    }

    private async Task<string> PlanAsync(ObservationFilter filter)
    {
        var sql = FilterSql.For(filter, Visibility.Everything);
        await using var command = Database.DataSource.CreateCommand($"EXPLAIN SELECT id FROM observations WHERE {sql.Where} ORDER BY observed_at, id");
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
