using System.Net;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Watch;

/// <summary>
/// Issue 20, part 3: a site added or re-confirmed in reach of a checked plan marks the plan for a
/// re-check, and the live watch pushes the mark to those who may read the plan, and to nobody
/// else: a role that reads plans, over gRPC proper, whose token area and watch area meet the plan;
/// a liaison-only site named to UN-CIMIC officers only; replayed after a disconnect in the cursor's
/// order; each push audited as a read of the plan. Each test has a longitude of its own. Alone on
/// the cluster, as the other watch tests: marks wait for the feed's watermark too.
/// </summary>
[Collection(AloneOnTheCluster.Name)]
public sealed class OperationRecheckWatchTests(OperationRecheckWatchTests.RecheckFixture fixture) : IClassFixture<OperationRecheckWatchTests.RecheckFixture>
{
    private ApiFixture Api => fixture.Api;

    public sealed class RecheckFixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new(WatchTests.WatchFixture.WatchSettings, null);

        public Task InitializeAsync() => Api.InitializeAsync();

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    [Fact]
    public async Task Watch_AsPlanner_ASiteAddedInReachOfACheckedPlan_IsPushedOnceWithThePlanAndTheSite_AndAuditedAsARead()
    {
        await CheckedPlanAsync("op-rw-1", 31.0);
        await using var watch = Open(Api.As(Role.Planner), 31.0);
        await watch.QuietForAsync(1);

        await SiteAsync("fac-rw-1", 31.0, -1.505, SharingLevel.Mission);

        var pushed = await watch.NextChangeAsync();
        Assert.Equal(WatchEvent.EventOneofCase.OperationRecheck, pushed.EventCase);
        var mark = pushed.OperationRecheck;
        Assert.Equal(("op-rw-1", "Patrol op-rw-1", RecheckReason.SiteAdded, "fac-rw-1"), (mark.OperationId, mark.Name, mark.Reason, mark.SiteId));
        Assert.True((DateTimeOffset.UtcNow - mark.MarkedAt.ToDateTimeOffset()).Duration() < TimeSpan.FromMinutes(5), $"marked at {mark.MarkedAt}");
        Assert.True((await Api.As(Role.Planner).Operations.GetOperationAsync(new GetByIdRequest { Id = "op-rw-1" })).NeedsRecheck);

        // Marked already: another site in reach adds nothing until the plan is checked again.
        await SiteAsync("fac-rw-1b", 31.01, -1.505, SharingLevel.Mission);
        Assert.Empty(await watch.QuietForAsync(5));
        await Api.As(Role.Planner).Operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-rw-1" });
        await SiteAsync("fac-rw-1c", 31.02, -1.505, SharingLevel.Mission);
        Assert.Equal(("op-rw-1", "fac-rw-1c"), Mark(await watch.NextChangeAsync()));

        // Each push is a read of the plan, audited as GetOperation audits one.
        Assert.Equal(2L, await Api.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM audit_log WHERE action = 'operation.read' AND target_id = 'op-rw-1' AND actor = '{SubjectOf(Role.Planner)}' AND details->>'watched' = 'true'"));
    }

    [Fact]
    public async Task Watch_ASiteReconfirmedInReach_IsPushed_ButAnUnchangedSiteARenamedOneAndAFarOnePushNothing()
    {
        var near = await SiteAsync("fac-rw-2-near", 31.5, -1.505, SharingLevel.Mission);
        var far = await SiteAsync("fac-rw-2-far", 31.5, -1.75, SharingLevel.Mission);
        await CheckedPlanAsync("op-rw-2", 31.5);
        await using var watch = Open(Api.As(Role.Planner), 31.5, halfWidth: 0.4);
        await watch.QuietForAsync(1);

        var civilian = Api.As(Role.HumanitarianLiaison).Civilian;
        far = await civilian.UpdateFacilityAsync(new UpdateFacilityRequest { Facility = With(far, f => f.LastConfirmedOn = Day(2026, 12, 1)) });
        near = await civilian.UpdateFacilityAsync(new UpdateFacilityRequest { Facility = near });
        near = await civilian.UpdateFacilityAsync(new UpdateFacilityRequest { Facility = With(near, f => f.Name = "Renamed school") });
        Assert.Empty(await watch.QuietForAsync(5));
        Assert.False((await Api.As(Role.Planner).Operations.GetOperationAsync(new GetByIdRequest { Id = "op-rw-2" })).NeedsRecheck);

        await civilian.UpdateFacilityAsync(new UpdateFacilityRequest { Facility = With(near, f => f.LastConfirmedOn = Day(2026, 12, 1)) });

        var mark = (await watch.NextChangeAsync()).OperationRecheck;
        Assert.Equal(("op-rw-2", RecheckReason.SiteReconfirmed, "fac-rw-2-near"), (mark.OperationId, mark.Reason, mark.SiteId));
        Assert.Empty(await watch.QuietForAsync(3));
    }

    [Fact]
    public async Task Watch_AsAnalyst_NoMarkIsPushed_ThoughASupervisorOfTheSameAreaGetsIt()
    {
        await CheckedPlanAsync("op-rw-3", 32.0);
        await using var analyst = Open(Api.As(Role.Analyst), 32.0);
        await using var supervisor = Open(Api.As(Role.Supervisor), 32.0);
        await Task.WhenAll(analyst.QuietForAsync(1), supervisor.QuietForAsync(1));

        await SiteAsync("fac-rw-3", 32.0, -1.505, SharingLevel.Public);
        await Api.SubmitAsync(NewObservation("rw-3-after", 32.0, -1.5));

        // Feed order: the mark comes before the observation to whoever may have it.
        Assert.Equal(("op-rw-3", "fac-rw-3"), Mark(await supervisor.NextChangeAsync()));
        Assert.Equal(IdOf("rw-3-after"), (await supervisor.NextChangeAsync()).Observation.Id);
        Assert.Equal(IdOf("rw-3-after"), (await analyst.NextChangeAsync()).Observation.Id);
        Assert.Empty(await analyst.QuietForAsync(3));
        Assert.Equal(0L, await Api.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM audit_log WHERE action = 'operation.read' AND target_id = 'op-rw-3' AND actor = '{SubjectOf(Role.Analyst)}'"));
    }

    [Fact]
    public async Task Watch_AsAPlannerWhoseTokenAreaOrWatchAreaDoesNotMeetThePlan_NothingOfItIsPushed()
    {
        await Api.As(Role.Planner).Registry.PutSectorAsync(new Sector
        {
            Id = "rw-east", Name = "RW east", Area = new Shape { Wkt = "POLYGON((32.6 -1.7, 32.8 -1.7, 32.8 -1.3, 32.6 -1.3, 32.6 -1.7))" },
        });
        using var scoped = await Api.ChannelForAsync(Role.Planner, "rw-planner-east", ["rw-east"]);
        // Its footprint ends about 2 km east of 32.45: nowhere near the sector, which begins at 32.6.
        await CheckedPlanAsync("op-rw-4-west", 32.45);
        await CheckedPlanAsync("op-rw-4-east", 32.7);
        await using var inSector = new WatchStream(scoped.Observations, new WatchRequest());
        await using var eastOnly = Open(Api.As(Role.Planner), 32.7, halfWidth: 0.05);
        await Task.WhenAll(inSector.QuietForAsync(1), eastOnly.QuietForAsync(1));

        await SiteAsync("fac-rw-4-west", 32.45, -1.505, SharingLevel.Public);
        await SiteAsync("fac-rw-4-east", 32.7, -1.505, SharingLevel.Public);

        Assert.Equal(("op-rw-4-east", "fac-rw-4-east"), Mark(await inSector.NextChangeAsync()));
        Assert.Equal(("op-rw-4-east", "fac-rw-4-east"), Mark(await eastOnly.NextChangeAsync()));
        Assert.Empty(await inSector.QuietForAsync(3));
        Assert.Empty(await eastOnly.QuietForAsync(3));
        Assert.True((await Api.As(Role.Planner).Operations.GetOperationAsync(new GetByIdRequest { Id = "op-rw-4-west" })).NeedsRecheck);
    }

    [Fact]
    public async Task Watch_AScopedPlannersMark_ForASiteOutsideItsArea_ComesWithoutTheSitesId()
    {
        // The plan runs from 33.45 to 33.55; the planner's area holds its western half only.
        await Api.As(Role.Planner).Registry.PutSectorAsync(new Sector
        {
            Id = "rw-half", Name = "RW half", Area = new Shape { Wkt = "POLYGON((33.4 -1.7, 33.5 -1.7, 33.5 -1.3, 33.4 -1.3, 33.4 -1.7))" },
        });
        using var scoped = await Api.ChannelForAsync(Role.Planner, "rw-planner-half", ["rw-half"]);
        await CheckedPlanAsync("op-rw-half", 33.5);
        await using var watch = new WatchStream(scoped.Observations, new WatchRequest());
        await using var whole = Open(Api.As(Role.Planner), 33.5);
        await Task.WhenAll(watch.QuietForAsync(1), whole.QuietForAsync(1));

        await SiteAsync("fac-rw-half-out", 33.53, -1.505, SharingLevel.Public);

        Assert.Equal(("op-rw-half", ""), Mark(await watch.NextChangeAsync()));
        Assert.Equal(("op-rw-half", "fac-rw-half-out"), Mark(await whole.NextChangeAsync()));
    }

    [Fact]
    public async Task Watch_ALiaisonOnlySitesId_ReachesUnCimicOfficersOnly_APlannerAndASupervisorGetTheMarkWithoutIt()
    {
        await CheckedPlanAsync("op-rw-5", 33.0);
        await using var planner = Open(Api.As(Role.Planner), 33.0);
        await using var supervisor = Open(Api.As(Role.Supervisor), 33.0);
        await using var cimic = Open(Api.As(Role.UnCimicOfficer), 33.0);
        await Task.WhenAll(planner.QuietForAsync(1), supervisor.QuietForAsync(1), cimic.QuietForAsync(1));

        await SiteAsync("fac-rw-5-liaison", 33.0, -1.505, SharingLevel.LiaisonOnly);

        Assert.Equal(("op-rw-5", "fac-rw-5-liaison"), Mark(await cimic.NextChangeAsync()));
        var forPlanner = (await planner.NextChangeAsync()).OperationRecheck;
        var forSupervisor = (await supervisor.NextChangeAsync()).OperationRecheck;
        Assert.Equal(("op-rw-5", RecheckReason.SiteAdded, ""), (forPlanner.OperationId, forPlanner.Reason, forPlanner.SiteId));
        Assert.Equal(forPlanner, forSupervisor);
    }

    [Fact]
    public async Task Watch_ResumedAfterADisconnect_ReplaysTheMissedMarkOnce_InItsPlaceAmongTheObservations()
    {
        await CheckedPlanAsync("op-rw-6", 33.5);
        string supervisorCursor, plannerCursor;
        await using (var supervisor = Open(Api.As(Role.Supervisor), 33.5))
        await using (var planner = Open(Api.As(Role.Planner), 33.5))
        {
            await Task.WhenAll(supervisor.QuietForAsync(1), planner.QuietForAsync(1));
            (supervisorCursor, plannerCursor) = (supervisor.Cursor, planner.Cursor);
        }

        // While nobody watches: an observation, a mark, another observation.
        await Api.SubmitAsync(NewObservation("rw-6-before", 33.5, -1.5));
        await SiteAsync("fac-rw-6", 33.5, -1.505, SharingLevel.Mission);
        await Api.SubmitReleasedAsync(NewObservation("rw-6-after", 33.5, -1.5));

        string markCursor;
        await using (var resumed = Open(Api.As(Role.Supervisor), 33.5, cursor: supervisorCursor))
        {
            Assert.Equal(IdOf("rw-6-before"), (await resumed.NextChangeAsync()).Observation.Id);
            var mark = await resumed.NextChangeAsync();
            Assert.Equal(("op-rw-6", "fac-rw-6"), Mark(mark));
            markCursor = mark.Cursor;
            Assert.Equal(IdOf("rw-6-after"), (await resumed.NextChangeAsync()).Observation.Id);
            Assert.Empty(await resumed.QuietForAsync(3));
        }

        await using (var plannerResumed = Open(Api.As(Role.Planner), 33.5, cursor: plannerCursor))
        {
            Assert.Equal(("op-rw-6", "fac-rw-6"), Mark(await plannerResumed.NextChangeAsync()));
            Assert.Empty(await plannerResumed.QuietForAsync(3));
        }

        // From the mark's own cursor: what came after it, and not the mark again; the feed pulls from it too.
        await using var fromMark = Open(Api.As(Role.Supervisor), 33.5, cursor: markCursor);
        Assert.Equal(IdOf("rw-6-after"), (await fromMark.NextChangeAsync()).Observation.Id);
        Assert.Empty(await fromMark.QuietForAsync(3));
        var pages = await Api.As(Role.Importer).Feeds.PullObservations(new PullObservationsRequest { Cursor = markCursor, All = true }).ResponseStream.ReadAllAsync().ToListAsync();
        var geoJson = string.Concat(pages.Select(p => p.Geojson.ToStringUtf8()));
        Assert.Contains(IdOf("rw-6-after"), geoJson, StringComparison.Ordinal);
        Assert.DoesNotContain("op-rw-6", geoJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_OverGrpcWeb_NoMarkIsPushed_AndAPlannersWatchIsRefused()
    {
        await CheckedPlanAsync("op-rw-7", 34.0);
        using var supervisorChannel = WebChannel(Api.TokenOf(Role.Supervisor));
        await using var browser = new WatchStream(new Observations.ObservationsClient(supervisorChannel), new WatchRequest { Filter = Box(34.0, 0.2) });
        await browser.QuietForAsync(1);

        await SiteAsync("fac-rw-7", 34.0, -1.505, SharingLevel.Public);
        await Api.SubmitAsync(NewObservation("rw-7-after", 34.0, -1.5));

        Assert.Equal(IdOf("rw-7-after"), (await browser.NextChangeAsync()).Observation.Id);
        Assert.True((await Api.As(Role.Planner).Operations.GetOperationAsync(new GetByIdRequest { Id = "op-rw-7" })).NeedsRecheck);
        using var plannerChannel = WebChannel(Api.TokenOf(Role.Planner));
        var detail = await FailsWith(StatusCode.PermissionDenied, async () =>
        {
            using var call = new Observations.ObservationsClient(plannerChannel).Watch(new WatchRequest { Filter = Box(34.0, 0.2) });
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
            }
        });
        Assert.Contains("over gRPC only, never gRPC-Web", detail, StringComparison.Ordinal);
    }

    // ---- helpers ----

    /// <summary>A checked patrol along 0.1° of latitude -1.5 centred on <paramref name="longitude"/>, 2 km buffer, in five days.</summary>
    private async Task CheckedPlanAsync(string id, double longitude)
    {
        var west = (longitude - 0.05).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var east = (longitude + 0.05).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var operations = Api.As(Role.Planner).Operations;
        await operations.CreateOperationAsync(new PlannedOperation
        {
            Id = id, Name = "Patrol " + id, Kind = OperationKind.Patrol, Route = new Shape { Wkt = $"LINESTRING({west} -1.5, {east} -1.5)" }, BufferMetres = 2000,
            StartsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(5)), EndsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(5).AddHours(8)),
        });
        await operations.CheckOperationAsync(new CheckOperationRequest { Id = id });
    }

    private async Task<Facility> SiteAsync(string id, double longitude, double latitude, SharingLevel sharing) =>
        await Api.As(Role.HumanitarianLiaison).Civilian.CreateFacilityAsync(new Facility
        {
            Id = id, Name = "School " + id, Type = FacilityType.School, Sharing = sharing, Status = FacilityStatus.Functional,
            Location = new Shape { Point = new GeoPoint { Longitude = longitude, Latitude = latitude } }, LastConfirmedOn = Day(2026, 11, 1),
        });

    private static (string Operation, string Site) Mark(WatchEvent pushed)
    {
        Assert.True(pushed.EventCase == WatchEvent.EventOneofCase.OperationRecheck, $"expected a re-check mark, got {pushed}");
        return (pushed.OperationRecheck.OperationId, pushed.OperationRecheck.SiteId);
    }

    private static WatchStream Open(Geo.Api.GeoAwarenessClient client, double longitude, double halfWidth = 0.2, string cursor = "") =>
        new(client.Observations, new WatchRequest { Filter = Box(longitude, halfWidth), Cursor = cursor });

    private static ObservationFilter Box(double longitude, double halfWidth) => WatchTests.Filter(longitude, halfWidth);

    private static CalendarDate Day(int year, int month, int day) => new() { Year = year, Month = month, Day = day };

    private static Facility With(Facility facility, Action<Facility> change)
    {
        var copy = facility.Clone();
        change(copy);
        return copy;
    }

    /// <summary>A browser's channel: gRPC-Web over HTTP/1.1 to the HTTP port.</summary>
    private GrpcChannel WebChannel(string token) => GrpcChannel.ForAddress(Api.Service.HttpEndpoint, new GrpcChannelOptions
    {
        HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWeb, new SocketsHttpHandler { UseProxy = false, UseCookies = false }),
        DisposeHttpClient = true,
        HttpVersion = HttpVersion.Version11,
        HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {token}");
            return Task.CompletedTask;
        })),
        UnsafeUseInsecureChannelCallCredentials = true,
    });
}
