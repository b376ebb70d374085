using System.Text.Json;
using Geo.Api;
using Geo.Api.V1;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// Saved plans end to end: two sectors side by side (sp-west 70..71 E, sp-east 71..72 E, 20..21 N),
/// each with a staffed base and a village out of its reach. Each test saves plans under names of
/// its own.
/// </summary>
public sealed class SavedPlanTests : IClassFixture<SavedPlanTests.Mission>
{
    private static readonly CalendarDate At = new() { Year = 2026, Month = 3, Day = 1 };
    private readonly Mission _mission;

    public SavedPlanTests(Mission mission) => _mission = mission;

    private ApiFixture Api => _mission.Api;

    private GeoAwarenessClient Planner => Api.As(Role.Planner);

    public sealed class Mission : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new();

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            var planner = Api.As(Role.Planner);
            foreach (var (sector, west) in new[] { ("sp-west", 70.0), ("sp-east", 71.0) })
            {
                await planner.Registry.PutSectorAsync(new Sector
                {
                    Id = sector, Name = sector,
                    Area = new Shape { Wkt = FormattableString.Invariant($"POLYGON(({west} 20, {west + 1} 20, {west + 1} 21, {west} 21, {west} 20))") },
                }).ResponseAsync;
                await planner.Registry.CreateBaseAsync(new Base
                {
                    Id = sector + "-ob", Name = sector, Kind = BaseKind.OperatingBase, Sector = sector,
                    Location = new GeoPoint { Longitude = west + 0.1, Latitude = 20.5 }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
                }).ResponseAsync;
                foreach (var (i, sex) in new[] { (0, Sex.Female), (1, Sex.Male) })
                {
                    await Api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
                    {
                        Id = $"{sector}-cla{i}", ClaId = $"cla-{sector}-{i}", Sex = sex, BaseId = sector + "-ob", From = new CalendarDate { Year = 2025, Month = 6, Day = 1 },
                    }).ResponseAsync;
                }

                await planner.Registry.CreateCommunityAsync(new Community
                {
                    Id = sector + "-village", Name = sector + " village", Sector = sector, RiskLevel = RiskLevel.High,
                    Location = new Shape { Wkt = FormattableString.Invariant($"POINT({west + 0.8} 20.5)") },
                }).ResponseAsync;
            }
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    /// <summary>A team of two opened by the far village of the sector: it comes within reach.</summary>
    private static PlanDeploymentRequest Reaching(string sector, double west, string id = "new-tob") => new()
    {
        Coverage = new CoverageRequest { At = At, Sector = sector },
        Changes =
        {
            new PlanChange
            {
                OpenBase = new OpenBase
                {
                    Base = new Base { Id = $"{sector}-{id}", Name = "TOB", Kind = BaseKind.TemporaryOperatingBase, Location = new GeoPoint { Longitude = west + 0.75, Latitude = 20.5 } },
                    Clas = { Sex.Female, Sex.Male },
                },
            },
        },
    };

    /// <summary>The sector's woman CLA moved to a new post by the village: her base is left with one man.</summary>
    private static PlanDeploymentRequest Moving(string sector, double west)
    {
        var plan = Reaching(sector, west, "post");
        plan.Changes[0].OpenBase.Clas.Clear();
        plan.Changes[0].OpenBase.Clas.Add(Sex.Male);
        plan.Changes.Add(new PlanChange { MoveClas = new MoveClas { FromBaseId = sector + "-ob", ToBaseId = $"{sector}-post", DeploymentIds = { sector + "-cla0" } } });
        return plan;
    }

    private Task<SavedPlan> SaveAsync(string name, PlanDeploymentRequest plan, bool replace = false, GeoAwarenessClient? channel = null) =>
        (channel ?? Planner).Plans.SavePlanAsync(new SavePlanRequest { Name = name, Plan = plan, Replace = replace }).ResponseAsync;

    [Fact]
    public async Task SaveGetListReplaceDelete_KeepsThePlanAtItsDateWithTheSameReportAsPlanDeployment()
    {
        var plan = Reaching("sp-west", 70);
        plan.Coverage.At = null;

        var saved = await SaveAsync("crud-1", plan);
        var again = await FailsWith(StatusCode.AlreadyExists, () => SaveAsync("crud-1", plan));
        var got = await Planner.Plans.GetPlanAsync(new GetPlanRequest { Name = "crud-1" }).ResponseAsync;
        var direct = await Planner.Coverage.PlanDeploymentAsync(got.Plan).ResponseAsync;
        var replaced = await SaveAsync("crud-1", Moving("sp-west", 70), replace: true);
        var listed = await Planner.Plans.ListPlansAsync(new ListPlansRequest()).ResponseAsync;
        await Planner.Plans.DeletePlanAsync(new DeletePlanRequest { Name = "crud-1" }).ResponseAsync;
        var gone = await FailsWith(StatusCode.NotFound, () => Planner.Plans.GetPlanAsync(new GetPlanRequest { Name = "crud-1" }).ResponseAsync);
        var deletedTwice = await FailsWith(StatusCode.NotFound, () => Planner.Plans.DeletePlanAsync(new DeletePlanRequest { Name = "crud-1" }).ResponseAsync);

        // Saved at the date it was judged on (today, when none was given), with the reach and risk it used.
        Assert.NotNull(saved.Plan.Coverage.At);
        Assert.Equal(20_000, saved.Plan.Coverage.Reach.CompanyOperatingBaseMetres);
        Assert.Equal(RiskLevel.Medium, saved.Plan.Coverage.MinRisk);
        Assert.Equal(SubjectOf(Role.Planner), saved.SavedBy);
        Assert.Equal(["sp-west-village"], saved.Report.CommunitiesBroughtInReach.Select(c => c.CommunityId));
        Assert.Equal("name: a plan named 'crud-1' is saved already; set replace to save over it", again);
        Assert.Equal(saved.Plan, got.Plan);
        Assert.Equal(direct, got.Report);
        Assert.Equal(saved.Report, got.Report);
        Assert.Equal(2, replaced.Plan.Changes.Count);
        Assert.Contains(listed.Plans, p => p.Name == "crud-1" && p.Plan.Changes.Count == 2 && p.Report is null);
        Assert.Equal("name: no saved plan 'crud-1'", gone);
        Assert.Equal("name: no saved plan 'crud-1'", deletedTwice);
    }

    [Fact]
    public async Task Save_ABadPlanOrName_IsRefusedNamingTheField()
    {
        var outside = Reaching("sp-west", 70);
        outside.Changes[0].OpenBase.Base.Location.Longitude = 95.5;
        outside.Coverage.Sector = string.Empty;
        var unknown = new PlanDeploymentRequest { Coverage = new CoverageRequest { At = At }, Changes = { new PlanChange { CloseBase = new CloseBase { BaseId = "sp-nowhere" } } } };

        Assert.Equal("name: is required", await FailsWith(StatusCode.InvalidArgument, () => SaveAsync(string.Empty, Reaching("sp-west", 70))));
        Assert.Equal("plan: is required", await FailsWith(StatusCode.InvalidArgument, () => SaveAsync("bad-1", null!)));
        Assert.Equal(
            "plan.changes[0].open_base.base.location: (95.5 20.5) is outside the mission area (the registered sectors)",
            await FailsWith(StatusCode.InvalidArgument, () => SaveAsync("bad-1", outside)));
        Assert.Equal("plan.changes[0].close_base.base_id: no base 'sp-nowhere'", await FailsWith(StatusCode.NotFound, () => SaveAsync("bad-1", unknown)));
        Assert.Equal("name: no saved plan 'bad-1'", await FailsWith(StatusCode.NotFound, () => Planner.Plans.GetPlanAsync(new GetPlanRequest { Name = "bad-1" }).ResponseAsync));
    }

    [Fact]
    public async Task Compare_TwoPlansSideBySide_AndOneAgainstToday()
    {
        await SaveAsync("cmp-reach", Reaching("sp-east", 71));
        await SaveAsync("cmp-move", Moving("sp-east", 71));

        var both = await Planner.Plans.ComparePlansAsync(new ComparePlansRequest { Left = "cmp-reach", Right = "cmp-move" }).ResponseAsync;
        var today = await Planner.Plans.ComparePlansAsync(new ComparePlansRequest { Left = "cmp-move" }).ResponseAsync;
        var missing = await FailsWith(StatusCode.NotFound, () => Planner.Plans.ComparePlansAsync(new ComparePlansRequest { Left = "cmp-reach", Right = "cmp-none" }).ResponseAsync);

        Assert.Equal(("cmp-reach", "cmp-move"), (both.Left.Name, both.Right.Name));
        Assert.Empty(both.Left.Report.OpenedTeamGaps);
        Assert.Equal(["sp-east-village"], both.Left.Report.CommunitiesBroughtInReach.Select(c => c.CommunityId));
        Assert.Equal(
            [("sp-east-ob", TeamGap.BelowMinimum), ("sp-east-ob", TeamGap.NoFemaleCla)],
            both.Right.Report.OpenedTeamGaps.Where(g => g.BaseId == "sp-east-ob").Select(g => (g.BaseId, g.Gap)));
        Assert.Equal(string.Empty, today.Right.Name);
        Assert.Equal(["sp-east-ob"], today.Right.Report.After.Bases.Select(b => b.Base.Id));
        Assert.Empty(today.Right.Report.OpenedTeamGaps);
        Assert.Empty(today.Right.Report.CommunitiesBroughtInReach);
        Assert.Equal("right: no saved plan 'cmp-none'", missing);
    }

    [Fact]
    public async Task Export_BasesAfterThePlan_AndTheCommunitiesItChanges_AsGeoJsonLayers()
    {
        var plan = Moving("sp-west", 70);
        plan.Changes.Add(new PlanChange { AddClas = new AddClas { BaseId = "sp-west-post", Clas = { Sex.Male } } });
        await SaveAsync("export-1", plan);

        var bases = await Planner.Plans.ExportPlanAsync(new ExportPlanRequest { Name = "export-1", Layer = PlanLayer.Bases }).ResponseAsync;
        var communities = await Planner.Plans.ExportPlanAsync(new ExportPlanRequest { Name = "export-1", Layer = PlanLayer.CommunitiesChanged }).ResponseAsync;
        var noLayer = await FailsWith(StatusCode.InvalidArgument, () => Planner.Plans.ExportPlanAsync(new ExportPlanRequest { Name = "export-1" }).ResponseAsync);

        using var baseLayer = JsonDocument.Parse(bases.Geojson.Memory);
        var features = baseLayer.RootElement.GetProperty("features").EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("properties"));
        Assert.Equal("bases", baseLayer.RootElement.GetProperty("layer").GetString());
        Assert.Equal(["sp-west-ob", "sp-west-post"], features.Keys.Order());
        Assert.Equal("below_minimum,no_female_cla", features["sp-west-ob"].GetProperty("gaps").GetString());
        Assert.Equal(3, features["sp-west-post"].GetProperty("cla_count").GetInt32());
        Assert.Equal("temporary_operating_base", features["sp-west-post"].GetProperty("kind").GetString());
        using var communityLayer = JsonDocument.Parse(communities.Geojson.Memory);
        var village = Assert.Single(communityLayer.RootElement.GetProperty("features").EnumerateArray());
        Assert.Equal("sp-west-village", village.GetProperty("id").GetString());
        Assert.True(village.GetProperty("properties").GetProperty("within_reach").GetBoolean());
        Assert.Equal("sp-west-post", village.GetProperty("properties").GetProperty("nearest_base_id").GetString());
        Assert.StartsWith("layer: 0 is not a plan layer", noLayer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Role.Planner, true, true, true)]
    [InlineData(Role.Supervisor, false, true, true)]
    [InlineData(Role.Analyst, false, true, false)]
    [InlineData(Role.UnCimicOfficer, false, true, false)]
    [InlineData(Role.Cla, false, false, false)]
    [InlineData(Role.Importer, false, false, false)]
    [InlineData(Role.CpasFocalPoint, false, false, false)]
    [InlineData(Role.ReferralSection, false, false, false)]
    [InlineData(Role.Administrator, false, false, false)]
    [InlineData(Role.SecurityFocalPoint, false, false, false)]
    [InlineData(Role.HumanitarianLiaison, false, false, false)]
    public async Task EveryRole_SavesReadsAndSeesNamedClasAsItsRoleAllows(Role role, bool saves, bool reads, bool seesClas)
    {
        var name = $"role-{role}".ToLowerInvariant();
        await SaveAsync(name, Moving("sp-west", 70));
        var channel = Api.As(role);

        var save = await StatusOfAsync(() => SaveAsync(name + "-own", Reaching("sp-west", 70), channel: channel));
        var calls = new Func<Task>[]
        {
            () => channel.Plans.GetPlanAsync(new GetPlanRequest { Name = name }).ResponseAsync,
            () => channel.Plans.ListPlansAsync(new ListPlansRequest()).ResponseAsync,
            () => channel.Plans.ComparePlansAsync(new ComparePlansRequest { Left = name }).ResponseAsync,
            () => channel.Plans.ExportPlanAsync(new ExportPlanRequest { Name = name, Layer = PlanLayer.Bases }).ResponseAsync,
        };
        var delete = await StatusOfAsync(() => channel.Plans.DeletePlanAsync(new DeletePlanRequest { Name = name + "-own" }).ResponseAsync);

        Assert.Equal(saves ? StatusCode.OK : StatusCode.PermissionDenied, save);
        Assert.Equal(saves ? StatusCode.OK : StatusCode.PermissionDenied, delete);
        foreach (var call in calls)
        {
            Assert.Equal(reads ? StatusCode.OK : StatusCode.PermissionDenied, await StatusOfAsync(call));
        }

        if (!reads)
        {
            return;
        }

        var got = await channel.Plans.GetPlanAsync(new GetPlanRequest { Name = name }).ResponseAsync;
        var listed = (await channel.Plans.ListPlansAsync(new ListPlansRequest()).ResponseAsync).Plans.Single(p => p.Name == name);
        var compared = (await channel.Plans.ComparePlansAsync(new ComparePlansRequest { Left = name }).ResponseAsync).Left;
        foreach (var shown in new[] { got, listed, compared })
        {
            var move = shown.Plan.Changes[1].MoveClas;
            Assert.Equal(seesClas ? ["sp-west-cla0"] : [], move.DeploymentIds);
            Assert.Equal(seesClas ? 0 : 1, move.WithheldCount);
            Assert.Equal(seesClas, shown.ToString().Contains("sp-west-cla0", StringComparison.Ordinal));
        }

        // The report is the same for every reader: team counts, never who.
        Assert.Equal([("sp-west-ob", TeamGap.BelowMinimum), ("sp-west-ob", TeamGap.NoFemaleCla)], got.Report.OpenedTeamGaps.Where(g => g.BaseId == "sp-west-ob").Select(g => (g.BaseId, g.Gap)));
    }

    [Fact]
    public async Task TokenScopedToASector_SeesSavesAndDeletesOnlyThePlansInsideIt()
    {
        await SaveAsync("scope-west", Reaching("sp-west", 70));
        await SaveAsync("scope-east", Reaching("sp-east", 71));
        using var west = await Api.ChannelForAsync(Role.Planner, "planner-sp-west", ["sp-west"]);
        using var westReader = await Api.ChannelForAsync(Role.Analyst, "analyst-sp-west", ["sp-west"]);

        var listed = await west.Plans.ListPlansAsync(new ListPlansRequest()).ResponseAsync;
        var readerListed = await westReader.Plans.ListPlansAsync(new ListPlansRequest()).ResponseAsync;
        var east = await FailsWith(StatusCode.NotFound, () => west.Plans.GetPlanAsync(new GetPlanRequest { Name = "scope-east" }).ResponseAsync);
        var eastByReader = await FailsWith(StatusCode.NotFound, () => westReader.Plans.ExportPlanAsync(new ExportPlanRequest { Name = "scope-east", Layer = PlanLayer.Bases }).ResponseAsync);
        var compareEast = await FailsWith(StatusCode.NotFound, () => westReader.Plans.ComparePlansAsync(new ComparePlansRequest { Left = "scope-west", Right = "scope-east" }).ResponseAsync);
        var deleteEast = await FailsWith(StatusCode.NotFound, () => west.Plans.DeletePlanAsync(new DeletePlanRequest { Name = "scope-east" }).ResponseAsync);
        var replaceEast = await FailsWith(StatusCode.AlreadyExists, () => SaveAsync("scope-east", Reaching("sp-west", 70), replace: true, channel: west));
        var saveEast = await FailsWith(StatusCode.PermissionDenied, () => SaveAsync("scope-west-2", Reaching("sp-east", 71), channel: west));
        var westBases = await west.Plans.ExportPlanAsync(new ExportPlanRequest { Name = "scope-west", Layer = PlanLayer.Bases }).ResponseAsync;
        var stillEast = await Planner.Plans.GetPlanAsync(new GetPlanRequest { Name = "scope-east" }).ResponseAsync;

        Assert.Contains(listed.Plans, p => p.Name == "scope-west");
        Assert.DoesNotContain(listed.Plans, p => p.Name.Contains("east", StringComparison.Ordinal) || p.Plan.ToString().Contains("sp-east", StringComparison.Ordinal));
        Assert.Equal(listed.Plans.Select(p => p.Name), readerListed.Plans.Select(p => p.Name));
        Assert.Equal("name: no saved plan 'scope-east'", east);
        Assert.Equal("name: no saved plan 'scope-east'", eastByReader);
        Assert.Equal("right: no saved plan 'scope-east'", compareEast);
        Assert.Equal("name: no saved plan 'scope-east'", deleteEast);
        Assert.StartsWith("name: a plan named 'scope-east' is saved already", replaceEast, StringComparison.Ordinal);
        Assert.Equal("plan.changes[0].open_base.base.location: is outside the area of your token", saveEast);
        Assert.DoesNotContain("sp-east", westBases.Geojson.ToStringUtf8(), StringComparison.Ordinal);
        Assert.Equal("sp-east", stillEast.Plan.Coverage.Sector);
    }

    [Fact]
    public async Task SavedMove_OfACLAWhoseDeploymentHasSinceEnded_NoLongerApplies()
    {
        var supervisor = Api.As(Role.Supervisor);
        await supervisor.Registry.CreateDeploymentAsync(new ClaDeployment
        {
            Id = "sp-east-leaving", ClaId = "cla-leaving", Sex = Sex.Female, BaseId = "sp-east-ob", From = new CalendarDate { Year = 2025, Month = 6, Day = 1 },
        }).ResponseAsync;
        var plan = Moving("sp-east", 71);
        plan.Changes[1].MoveClas.DeploymentIds[0] = "sp-east-leaving";
        await SaveAsync("stale-1", plan);
        var deployment = await supervisor.Registry.GetDeploymentAsync(new GetByIdRequest { Id = "sp-east-leaving" }).ResponseAsync;
        deployment.To = new CalendarDate { Year = 2026, Month = 2, Day = 1 };
        await supervisor.Registry.UpdateDeploymentAsync(new UpdateDeploymentRequest { Deployment = deployment }).ResponseAsync;

        var stale = await FailsWith(StatusCode.FailedPrecondition, () => Planner.Plans.GetPlanAsync(new GetPlanRequest { Name = "stale-1" }).ResponseAsync);

        Assert.Equal("name: saved plan 'stale-1' no longer applies: changes[1].move_clas.deployment_ids[0]: deployment 'sp-east-leaving' is not at base 'sp-east-ob' on 2026-03-01", stale);
    }

    private static async Task<StatusCode> StatusOfAsync(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}
