using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Hosting;
using Geo.Grpc.ReadModel;
using Geo.Grpc.Tests.Api;
using Geo.Testing;
using Geo.Testing.Echo;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.ReadModel;

/// <summary>
/// A row the read model cannot hold, written with SQL past the service's checks (an infinite time,
/// an empty point): the model is dropped, whether the row was there at start-up or came later
/// through the feed, and the service goes on answering from PostGIS, the same answers as a service
/// without the model. Before, such a row stopped the model's background service with an exception.
/// </summary>
public sealed class ReadModelBadRowTests
{
    private static readonly HeatMapRequest Request = new()
    {
        Filter = new ObservationFilter
        {
            Area = new Area { Bbox = new BoundingBox { West = 29, South = -2, East = 32, North = 0 } },
            ObservedFrom = ApiFixture.Time("2026-01-01T00:00:00Z"),
            ObservedTo = ApiFixture.Time("2026-07-01T00:00:00Z"),
        },
        CellSizeMetres = 5000,
    };

    public static TheoryData<string, string> BadRows => new()
    {
        { "'infinity'", "ST_SetSRID(ST_MakePoint(30, -1), 4326)" },
        { "'2026-02-01T00:00:00Z'", "'SRID=4326;POINT EMPTY'::geometry" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public async Task AtStartUp_TheModelIsDropped_AndPostgisAnswers(string observedAt, string location)
    {
        await using var database = await SeededAsync();
        await InsertAsync(database, observedAt, location);
        await using var postgis = await GrpcTestServer.StartAsync(database.ConnectionString, [.. ApiFixture.Settings, "--GeoAwareness:ReadModel:Enabled=false"]);

        await using var model = await GrpcTestServer.StartAsync(database.ConnectionString, [.. ApiFixture.Settings, "--GeoAwareness:ReadModel:FreshForMilliseconds=0"]);
        await DroppedAsync(model);

        await SameAsPostgisAsync(database, model, postgis);
    }

    [Theory]
    [MemberData(nameof(BadRows))]
    public async Task ThroughTheFeed_TheModelIsDropped_AndPostgisAnswers(string observedAt, string location)
    {
        await using var database = await SeededAsync();
        await using var postgis = await GrpcTestServer.StartAsync(database.ConnectionString, [.. ApiFixture.Settings, "--GeoAwareness:ReadModel:Enabled=false"]);
        await using var model = await GrpcTestServer.StartAsync(database.ConnectionString, [.. ApiFixture.Settings, "--GeoAwareness:ReadModel:FreshForMilliseconds=0"]);
        using var client = new GeoAwarenessClient(model.GrpcEndpoint, await TestTokens.IssueAsync(database.DataSource, Role.Supervisor, "bad-row-supervisor"));
        var until = DateTime.UtcNow.AddSeconds(30);
        while ((await HeatMapTests.ComputeAsync(client, Request)).Grid.Watermark == 0)
        {
            Assert.True(DateTime.UtcNow < until, "the model did not load");
            await Task.Delay(50);
        }

        await InsertAsync(database, observedAt, location);
        var answer = await HeatMapTests.ComputeAsync(client, Request);
        await DroppedAsync(model);

        Assert.Equal(0UL, answer.Grid.Watermark);
        await SameAsPostgisAsync(database, model, postgis);
    }

    /// <summary>A database of its own (the model is dropped), with 400 observations of the first half of 2026.</summary>
    private static async Task<PostgisDatabase> SeededAsync()
    {
        var database = new PostgisDatabase();
        await database.InitializeAsync();
        await ReadModelFixture.SeedAsync(database, 400, seed: 0.3, prefix: "bad");
        return database;
    }

    private static async Task DroppedAsync(GeoAwarenessService service)
    {
        var keeper = service.App.Services.GetRequiredService<ModelKeeper>();
        var until = DateTime.UtcNow.AddSeconds(30);
        while (keeper.State != "a row it cannot hold")
        {
            Assert.True(DateTime.UtcNow < until, $"the model is {keeper.State}");
            await Task.Delay(20);
        }

        Assert.Equal(default, keeper.Size);
    }

    private static async Task SameAsPostgisAsync(PostgisDatabase database, GeoAwarenessService model, GeoAwarenessService postgis)
    {
        var token = await TestTokens.IssueAsync(database.DataSource, Role.Supervisor, "bad-row-reader");
        using var fromModel = new GeoAwarenessClient(model.GrpcEndpoint, token);
        using var fromPostgis = new GeoAwarenessClient(postgis.GrpcEndpoint, token);
        var answer = await HeatMapTests.ComputeAsync(fromModel, Request);
        var reference = await HeatMapTests.ComputeAsync(fromPostgis, Request);

        Assert.Equal(0UL, answer.Grid.Watermark);
        Assert.True(reference.Grid.Frames.Single().Observations > 100, $"{reference.Grid.Frames.Single().Observations} observations, {reference.Cells.Count} cells");
        Assert.Equal(reference.Grid.Frames.Single().Observations, answer.Grid.Frames.Single().Observations);
        Assert.Equal(reference.Cells.Select(c => (c.Cell.Column, c.Cell.Row, c.Cell.Value)), answer.Cells.Select(c => (c.Cell.Column, c.Cell.Row, c.Cell.Value)));
        Assert.Equal((await fromPostgis.Observations.CountAsync(Request.Filter)).Observations, (await fromModel.Observations.CountAsync(Request.Filter)).Observations);
    }

    private static async Task InsertAsync(PostgisDatabase database, string observedAt, string location)
    {
        await using var command = database.DataSource.CreateCommand(
            "INSERT INTO observations (id, reporter_id, observed_at, reported_at, location, location_precision, category, severity, affected, content_hash) " +
            $"VALUES ('bad-row', 'cla-bad', {observedAt}, now(), {location}, 1, 1, 3, array_fill(0, ARRAY[12]), '\\x00'::bytea)");
        await command.ExecuteNonQueryAsync();
    }
}
