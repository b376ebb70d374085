using Geo.Api.V1;
using Geo.Api;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Access;

/// <summary>
/// Object-level access: two sectors side by side (A: 10..11 E, B: 11..12 E, 0..1 N), with
/// observations, communities and bases in each; a token scoped to A sees and writes only A.
/// </summary>
public sealed class AreaScopingTests : IClassFixture<AreaScopingTests.SectorsFixture>
{
    private readonly SectorsFixture _sectors;

    public AreaScopingTests(SectorsFixture sectors) => _sectors = sectors;

    private static readonly string[] SeededKeys = ["in-a-1", "in-a-2", "in-b-1", "in-b-2"];

    private ApiFixture Api => _sectors.Api;

    private GeoAwarenessClient ScopedToA => _sectors.ScopedToA!;

    public sealed class SectorsFixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new();

        public GeoAwarenessClient? ScopedToA { get; private set; }

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            await Api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "sector-a", Name = "A", Area = new Shape { Wkt = "POLYGON((10 0, 11 0, 11 1, 10 1, 10 0))" } }).ResponseAsync;
            await Api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "sector-b", Name = "B", Area = new Shape { Wkt = "POLYGON((11 0, 12 0, 12 1, 11 1, 11 0))" } }).ResponseAsync;
            await Api.SubmitAsync(NewObservation("in-a-1", 10.5, 0.5), NewObservation("in-a-2", 10.9, 0.5), NewObservation("in-b-1", 11.1, 0.5), NewObservation("in-b-2", 11.5, 0.5));
            foreach (var (id, longitude) in new[] { ("a", 10.8), ("b", 11.2) })
            {
                await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community { Id = $"village-{id}", Name = $"Village {id}", Location = new Shape { Wkt = $"POINT({longitude} 0.5)" } }).ResponseAsync;
                await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base
                {
                    Id = $"base-{id}", Name = $"Base {id}", Kind = BaseKind.OperatingBase,
                    Location = new GeoPoint { Longitude = longitude, Latitude = 0.4 }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
                }).ResponseAsync;
            }

            // A village of B whose outline runs along the border with A: it touches A, but is not in it.
            await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community
            {
                Id = "village-b-edge", Name = "Village on the border", Location = new Shape { Wkt = "POLYGON((11 0.2, 11.3 0.2, 11.3 0.4, 11 0.4, 11 0.2))" },
            }).ResponseAsync;
            foreach (var id in new[] { "a", "b" })
            {
                await Api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
                {
                    Id = $"deployment-{id}", ClaId = $"cla-{id}", Sex = Sex.Female, BaseId = $"base-{id}", From = new CalendarDate { Year = 2025, Month = 1, Day = 1 },
                }).ResponseAsync;
            }

            ScopedToA = await Api.ChannelForAsync(Role.Supervisor, "sup-a", ["sector-a"]);
        }

        public async Task DisposeAsync()
        {
            ScopedToA?.Dispose();
            await Api.DisposeAsync();
        }
    }

    /// <summary>A box straddling both sectors: 10.4..11.6 E.</summary>
    private static ObservationFilter Straddling() => new() { Area = new Area { Bbox = new BoundingBox { West = 10.4, South = 0.1, East = 11.6, North = 0.9 } } };

    [Fact]
    public async Task Query_ScopedToAWithAFilterStraddlingBoth_StreamsOnlyA()
    {
        var pages = await AccessCalls.ReadAllAsync(ScopedToA.Observations.Query(new QueryObservationsRequest { Filter = Straddling() }));
        var unscoped = await Api.QueryAllAsync(Straddling());

        Assert.Equal(["in-a-1", "in-a-2"], ClientIdsOf(pages.SelectMany(p => p.Observations), SeededKeys).Order(StringComparer.Ordinal));
        Assert.Equal(4, unscoped.Count);
    }

    [Fact]
    public async Task Query_ScopedToAWithoutAFilter_StreamsOnlyA()
    {
        var pages = await AccessCalls.ReadAllAsync(ScopedToA.Observations.Query(new QueryObservationsRequest()));

        Assert.Equal(["in-a-1", "in-a-2"], ClientIdsOf(pages.SelectMany(p => p.Observations), SeededKeys).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CountAndSummarize_ScopedToA_CountOnlyA()
    {
        var count = await ScopedToA.Observations.CountAsync(Straddling()).ResponseAsync;
        var summary = await ScopedToA.Observations.SummarizeAsync(Straddling()).ResponseAsync;
        var everything = await ScopedToA.Observations.CountAsync(new ObservationFilter()).ResponseAsync;
        // Other tests of this class add observations in A: the unscoped count of A's box is the reference.
        var inA = await Api.As(Role.Supervisor).Observations.CountAsync(new ObservationFilter { Area = new Area { Bbox = new BoundingBox { West = 10, South = 0, East = 11, North = 1 } } }).ResponseAsync;

        Assert.Equal(2, count.Observations);
        Assert.Equal(2, summary.Observations);
        Assert.Equal(12, summary.PeopleAffected);
        Assert.Equal(inA.Observations, everything.Observations);
    }

    [Fact]
    public async Task HeatMap_ScopedToAWithAnAreaStraddlingBoth_BinsOnlyA()
    {
        var request = new HeatMapRequest
        {
            Filter = new ObservationFilter
            {
                Area = Straddling().Area,
                ObservedFrom = Time("2026-01-01T00:00:00Z"),
                ObservedTo = Time("2026-06-01T00:00:00Z"),
            },
            CellSizeMetres = 5000,
        };

        var scoped = await HeatMapTests.ComputeAsync(ScopedToA, request);
        var unscoped = await HeatMapTests.ComputeAsync(Api.As(Role.Supervisor), request);

        Assert.Equal(2, scoped.Grid.Frames[0].Observations);
        Assert.Equal(2, scoped.Cells.Sum(c => c.Cell.Count));
        Assert.All(scoped.Cells, c => Assert.True(c.Cell.Centre.Longitude < 11, $"a cell at {c.Cell.Centre.Longitude} E is in B"));
        Assert.Equal(4, unscoped.Grid.Frames[0].Observations);
    }

    [Fact]
    public async Task Get_ScopedToA_ReadsAButNotB()
    {

        var a = await ScopedToA.Observations.GetAsync(new GetObservationRequest { Id = IdOf("in-a-1") }).ResponseAsync;

        Assert.Equal(IdOf("in-a-1"), a.Id);
        await FailsWith(StatusCode.NotFound, () => ScopedToA.Observations.GetAsync(new GetObservationRequest { Id = IdOf("in-b-1") }).ResponseAsync);
    }

    [Fact]
    public async Task NearestPresence_ScopedToAFromAPointInB_ListsOnlyBasesInA()
    {
        var nearest = await ScopedToA.Presence.NearestPresenceAsync(new NearestPresenceRequest { Point = new GeoPoint { Longitude = 11.3, Latitude = 0.5 }, Limit = 10 }).ResponseAsync;
        var unscoped = await Api.As(Role.Supervisor).Presence.NearestPresenceAsync(new NearestPresenceRequest { Point = new GeoPoint { Longitude = 11.3, Latitude = 0.5 }, Limit = 10 }).ResponseAsync;

        Assert.Equal(["base-a"], nearest.Bases.Select(b => b.Base.Id));
        Assert.Equal(["base-b", "base-a"], unscoped.Bases.Select(b => b.Base.Id));
    }

    [Fact]
    public async Task ListCommunitiesAndBases_ScopedToA_ListOnlyA()
    {
        var communities = await ScopedToA.Registry.ListCommunitiesAsync(new ListRequest()).ResponseAsync;
        var bases = await ScopedToA.Registry.ListBasesAsync(new ListRequest()).ResponseAsync;

        Assert.Equal(["village-a"], communities.Communities.Select(c => c.Id));
        Assert.Equal(["base-a"], bases.Bases.Select(b => b.Id));
        await FailsWith(StatusCode.NotFound, () => ScopedToA.Registry.GetBaseAsync(new GetByIdRequest { Id = "base-b" }).ResponseAsync);
        await FailsWith(StatusCode.NotFound, () => ScopedToA.Registry.GetCommunityAsync(new GetByIdRequest { Id = "village-b" }).ResponseAsync);
        await FailsWith(StatusCode.NotFound, () => ScopedToA.Registry.GetCommunityAsync(new GetByIdRequest { Id = "village-b-edge" }).ResponseAsync);
    }

    [Fact]
    public async Task ListSectors_ScopedToA_ListsOnlyAEvenThoughBTouchesIt()
    {
        var sectors = await ScopedToA.Registry.ListSectorsAsync(new ListSectorsRequest()).ResponseAsync;
        var all = await Api.As(Role.Supervisor).Registry.ListSectorsAsync(new ListSectorsRequest()).ResponseAsync;

        Assert.Equal(["sector-a"], sectors.Sectors.Select(s => s.Id));
        Assert.Equal(["sector-a", "sector-b"], all.Sectors.Select(s => s.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Deployments_ScopedToA_SeeAndCreateOnlyAtBasesInA()
    {
        var listed = await ScopedToA.Registry.ListDeploymentsAsync(new ListDeploymentsRequest()).ResponseAsync;

        Assert.Equal(["deployment-a"], listed.Deployments.Select(d => d.Id));
        await FailsWith(StatusCode.NotFound, () => ScopedToA.Registry.GetDeploymentAsync(new GetByIdRequest { Id = "deployment-b" }).ResponseAsync);
        await FailsWith(StatusCode.NotFound, () => ScopedToA.Registry.CreateDeploymentAsync(new ClaDeployment
        {
            Id = "deployment-b-2", ClaId = "cla-b2", Sex = Sex.Male, BaseId = "base-b", From = new CalendarDate { Year = 2025, Month = 1, Day = 1 },
        }).ResponseAsync);
    }

    [Fact]
    public async Task ReviewAndRecordSource_ScopedToAOnAnObservationInB_AreNotFound()
    {
        await FailsWith(StatusCode.NotFound, () => ScopedToA.Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf("in-b-2"), Verification = VerificationStatus.Discredited }).ResponseAsync);
        await FailsWith(StatusCode.NotFound, () => ScopedToA.Observations.RecordSourceAsync(new Source { ClientId = "scoped-src-b", ObservationId = IdOf("in-b-2"), Kind = SourceKind.Other, Description = "d" }).ResponseAsync);
        var unchanged = await Api.As(Role.Supervisor).Observations.GetAsync(new GetObservationRequest { Id = IdOf("in-b-2") }).ResponseAsync;

        Assert.Equal(VerificationStatus.Reported, unchanged.Verification);
    }

    [Fact]
    public async Task Registry_PlannerScopedToA_CannotCreateInBNorMoveBsRecordsIntoA()
    {
        using var planner = await Api.ChannelForAsync(Role.Planner, "planner-a", ["sector-a"]);
        var moved = new Community { Id = "village-b", Name = "Village b", Location = new Shape { Wkt = "POINT(10.5 0.5)" } };

        await FailsWith(StatusCode.PermissionDenied, () => planner.Registry.CreateCommunityAsync(new Community { Id = "village-b-2", Name = "Village b2", Location = new Shape { Wkt = "POINT(11.5 0.5)" } }).ResponseAsync);
        await FailsWith(StatusCode.NotFound, () => planner.Registry.UpdateCommunityAsync(new UpdateCommunityRequest { Community = moved, ExpectedVersion = 1 }).ResponseAsync);
        await FailsWith(StatusCode.PermissionDenied, () => planner.Registry.PutSectorAsync(new Sector { Id = "sector-b", Name = "B grabbed", Area = new Shape { Wkt = "POLYGON((10 0, 12 0, 12 1, 10 1, 10 0))" } }).ResponseAsync);
        // B redrawn onto A: inside the planner's area, but it would show A to every token scoped to B.
        var onto = await FailsWith(StatusCode.PermissionDenied, () => planner.Registry.PutSectorAsync(new Sector { Id = "sector-b", Name = "B moved", Area = new Shape { Wkt = "POLYGON((10 0, 11 0, 11 1, 10 1, 10 0))" } }).ResponseAsync);
        var sectors = await planner.Registry.ListSectorsAsync(new ListSectorsRequest()).ResponseAsync;
        var b = (await Api.Channel.Registry.ListSectorsAsync(new ListSectorsRequest()).ResponseAsync).Sectors.Single(s => s.Id == "sector-b");

        Assert.Equal("id: sectors set what scoped tokens see; only a token without an area may put one", onto);
        Assert.Equal(["sector-a"], sectors.Sectors.Select(s => s.Id));
        Assert.Equal("B", b.Name);
    }

    [Fact]
    public async Task Submit_ScopedToAWithALocationInB_IsPermissionDeniedAndNotStored()
    {
        var request = new SubmitObservationsRequest { Observations = { NewObservation("scoped-write-b", 11.5, 0.5) } };

        var detail = await FailsWith(StatusCode.PermissionDenied, () => ScopedToA.Observations.SubmitAsync(request).ResponseAsync);
        var stored = await ScopedToA.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { NewObservation("scoped-write-a", 10.2, 0.2) } }).ResponseAsync;

        Assert.Equal("observations[0].location: is outside the area of your token", detail);
        Assert.Equal(1, stored.Stored);
        await FailsWith(StatusCode.NotFound, () => Api.As(Role.Supervisor).Observations.GetAsync(new GetObservationRequest { Id = IdOf("scoped-write-b") }).ResponseAsync);
    }

    [Fact]
    public async Task Submit_ScopedToAReusingTheKeyOfAnObservationInB_StoresItsOwnAndRevealsNothing()
    {
        var probe = NewObservation("in-b-1", 10.2, 0.25);
        var fresh = NewObservation("scoped-probe-fresh", 10.2, 0.25);

        var probed = await ScopedToA.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { probe } }).ResponseAsync;
        var control = await ScopedToA.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { fresh } }).ResponseAsync;
        var b = await Api.Channel.Observations.GetAsync(new GetObservationRequest { Id = IdOf("in-b-1") }).ResponseAsync;

        Assert.Equal((1, 0), (probed.Stored, probed.AlreadyStoredIds.Count));
        Assert.Equal((1, 0), (control.Stored, control.AlreadyStoredIds.Count));
        Assert.Equal([IdOf("in-b-1", "sup-a")], probed.Ids);
        Assert.Equal(11.1, b.Location.Longitude);
    }

    [Fact]
    public async Task Submit_ScopedToANamingTheIdOfAnObservationInB_IsRefusedAsForAnIdThatDoesNotExist()
    {
        var existing = NewObservation("probe-key", 10.2, 0.25);
        existing.Id = IdOf("in-b-1");
        var missing = NewObservation("probe-key", 10.2, 0.25);
        missing.Id = IdOf("never-submitted");

        var onExisting = await FailsWith(StatusCode.InvalidArgument, () => ScopedToA.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { existing } }).ResponseAsync);
        var onMissing = await FailsWith(StatusCode.InvalidArgument, () => ScopedToA.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { missing } }).ResponseAsync);

        Assert.Equal(onMissing.Replace(IdOf("never-submitted"), "<id>", StringComparison.Ordinal), onExisting.Replace(IdOf("in-b-1"), "<id>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ingest_ScopedToAWithALocationInB_IsPermissionDenied()
    {
        using var call = ScopedToA.Observations.Ingest();
        await call.RequestStream.WriteAsync(new IngestRequest { Observations = { NewObservation("scoped-ingest-b", 11.5, 0.5) } }, CancellationToken.None);
        await call.RequestStream.CompleteAsync();

        await FailsWith(StatusCode.PermissionDenied, () => call.ResponseAsync);
    }

    [Fact]
    public async Task Cla_QueryCountAndGet_SeeOnlyTheirOwnObservations()
    {
        using var cla = await Api.ChannelForAsync(Role.Cla, "cla-scope-own");
        var own = NewObservation("cla-own-1", 10.3, 0.3);
        own.ReporterId = "cla-scope-own";
        await cla.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { own } }).ResponseAsync;

        var pages = await AccessCalls.ReadAllAsync(cla.Observations.Query(new QueryObservationsRequest()));
        var count = await cla.Observations.CountAsync(new ObservationFilter()).ResponseAsync;
        var summary = await cla.Observations.SummarizeAsync(new ObservationFilter()).ResponseAsync;

        Assert.Equal([IdOf("cla-own-1", "cla-scope-own")], pages.SelectMany(p => p.Observations).Select(o => o.Id));
        Assert.Equal(1, count.Observations);
        Assert.Equal(1, summary.Observations);
        await FailsWith(StatusCode.NotFound, () => cla.Observations.GetAsync(new GetObservationRequest { Id = IdOf("in-a-1") }).ResponseAsync);
    }

    [Fact]
    public async Task Cla_SubmitWithAnotherReporterId_IsPermissionDenied()
    {
        using var cla = await Api.ChannelForAsync(Role.Cla, "cla-scope-honest");
        var forged = NewObservation("cla-forged-1", 10.3, 0.3);
        forged.ReporterId = "cla-someone-else";

        var detail = await FailsWith(StatusCode.PermissionDenied,
            () => cla.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { forged } }).ResponseAsync);

        Assert.Contains("reporter_id", detail, StringComparison.Ordinal);
    }
}
