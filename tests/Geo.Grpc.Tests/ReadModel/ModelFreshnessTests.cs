using Geo.Api.V1;
using Geo.Grpc.ReadModel;
using Geo.Grpc.Tests.Api;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.ReadModel;

/// <summary>
/// The read model answers without a catch-up while nothing can have changed
/// (GeoAwareness:ReadModel:FreshForMilliseconds, 200 here to make the shortcut as likely as it can
/// be): a caller still reads its own writes on its next call, a run of reads costs fewer catch-ups
/// than reads, and a commit made outside the service is seen soon after.
/// </summary>
public sealed class ModelFreshnessTests : IClassFixture<ModelFreshnessTests.Fixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly ApiFixture _fixture;

    public ModelFreshnessTests(Fixture fixture) => _fixture = fixture.Api;

    public sealed class Fixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new(["--GeoAwareness:ReadModel:FreshForMilliseconds=200"], null);

        public Task InitializeAsync() => Api.InitializeAsync();

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    private ModelKeeper Keeper => _fixture.Service.App.Services.GetRequiredService<ModelKeeper>();

    [Fact]
    public async Task EachWriteThroughTheService_IsReadByTheNextCall_WithoutWaitingForTheFeed()
    {
        await ModelReadyAsync();
        var box = Box(30.50, -1.50);
        var before = await CountAsync(box);
        for (var i = 1; i <= 25; i++)
        {
            // Submitted, then counted at once, with every read between kept fresh: only the count
            // of calls that may write tells the model that it must catch up first.
            await _fixture.SubmitAsync(ApiFixture.NewObservation($"fresh-own-{i:D3}", 30.51, -1.49));
            Assert.Equal(before + i, await CountAsync(box));
            var heatMap = await HeatMapTests.ComputeAsync(_fixture.As(Role.Supervisor), new HeatMapRequest { Filter = box, CellSizeMetres = 1000 });
            Assert.NotEqual(0UL, heatMap.Grid.Watermark);
            Assert.Equal(before + i, heatMap.Grid.Frames.Single().Observations);
        }
    }

    [Fact]
    public async Task ReadsWithNothingWritten_TakeFewerCatchUpsThanReads()
    {
        await ModelReadyAsync();
        var box = Box(30.70, -1.30);
        await CountAsync(box);
        var catchUps = Keeper.CatchUps;
        const int Reads = 30;
        for (var i = 0; i < Reads; i++)
        {
            await CountAsync(box);
        }

        var taken = Keeper.CatchUps - catchUps;
        Assert.True(taken < Reads, $"{taken} catch-ups for {Reads} reads: none answered at once");
    }

    [Fact]
    public async Task ACommitOutsideTheService_IsSeenSoonAfter()
    {
        await ModelReadyAsync();
        var box = Box(30.90, -1.10);
        var before = await CountAsync(box);
        await using var insert = _fixture.Database.DataSource.CreateCommand(
            "INSERT INTO observations (id, reporter_id, observed_at, reported_at, location, location_precision, category, severity, affected, content_hash) " +
            "VALUES ('fresh-outside-1', 'cla-sql', '2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z', ST_SetSRID(ST_MakePoint(30.91, -1.09), 4326), 1, 1, 3, array_fill(0, ARRAY[12]), '\\x00'::bytea)");
        await insert.ExecuteNonQueryAsync();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await CountAsync(box) != before + 1)
        {
            Assert.True(waited.Elapsed < Patience, "a commit made outside the service was never seen");
            await Task.Delay(10);
        }
    }

    private async Task ModelReadyAsync()
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Keeper.State != "ready")
        {
            Assert.True(waited.Elapsed < Patience, $"the read model is {Keeper.State}");
            await Task.Delay(20);
        }
    }

    private static ObservationFilter Box(double west, double south) => new()
    {
        Area = new Area { Bbox = new BoundingBox { West = west, South = south, East = west + 0.05, North = south + 0.05 } },
        ObservedFrom = ApiFixture.Time("2026-01-01T00:00:00Z"),
        ObservedTo = ApiFixture.Time("2027-01-01T00:00:00Z"),
    };

    private async Task<long> CountAsync(ObservationFilter filter) =>
        (await _fixture.As(Role.Supervisor).Observations.CountAsync(filter).ResponseAsync).Observations;
}
