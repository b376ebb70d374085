using Geo.Api;
using Geo.Api.V1;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// What-if plans with changes, end to end: each test registers a sector of its own (a one-degree
/// square, the mission area there), its bases, CLAs and communities, and asks about that sector
/// only. Distances: 0.1 degree of longitude at 20.5 N is about 10.4 km.
/// </summary>
public sealed class PlanChangeTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly CalendarDate At = new() { Year = 2026, Month = 3, Day = 1 };

    private GeoAwarenessClient Planner => api.As(Role.Planner);

    private Task<PlanDeploymentReport> PlanAsync(PlanDeploymentRequest request, GeoAwarenessClient? channel = null) =>
        (channel ?? Planner).Coverage.PlanDeploymentAsync(request).ResponseAsync;

    /// <summary>A sector from (west, 20) to (west + 1, 21), registered as the mission's.</summary>
    private async Task SectorAsync(string id, double west) =>
        await Planner.Registry.PutSectorAsync(new Sector
        {
            Id = id, Name = id, Area = new Shape { Wkt = FormattableString.Invariant($"POLYGON(({west} 20, {west + 1} 20, {west + 1} 21, {west} 21, {west} 20))") },
        }).ResponseAsync;

    private async Task BaseAsync(string id, string sector, double longitude, BaseKind kind = BaseKind.OperatingBase, params Sex[] clas)
    {
        await Planner.Registry.CreateBaseAsync(new Base
        {
            Id = id, Name = "Base " + id, Kind = kind, Sector = sector, Location = new GeoPoint { Longitude = longitude, Latitude = 20.5 },
            OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
        }).ResponseAsync;
        for (var i = 0; i < clas.Length; i++)
        {
            await DeployAsync($"{id}-cla{i}", id, clas[i]);
        }
    }

    private Task<ClaDeployment> DeployAsync(string id, string baseId, Sex sex, CalendarDate? to = null) =>
        api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
        {
            Id = id, ClaId = "cla-" + id, Sex = sex, BaseId = baseId, From = new CalendarDate { Year = 2025, Month = 6, Day = 1 }, To = to,
        }).ResponseAsync;

    private Task<Community> CommunityAsync(string id, string sector, double longitude, RiskLevel risk = RiskLevel.High) =>
        Planner.Registry.CreateCommunityAsync(new Community
        {
            Id = id, Name = "Village " + id, Sector = sector, RiskLevel = risk,
            Location = new Shape { Wkt = FormattableString.Invariant($"POINT({longitude} 20.5)") },
        }).ResponseAsync;

    private static PlanDeploymentRequest Plan(string sector, params PlanChange[] changes)
    {
        var request = new PlanDeploymentRequest { Coverage = new CoverageRequest { At = At, Sector = sector } };
        request.Changes.AddRange(changes);
        return request;
    }

    private static PlanChange Open(string id, double longitude, BaseKind kind, params Sex[] clas) => new()
    {
        OpenBase = new OpenBase { Base = new Base { Id = id, Name = "New " + id, Kind = kind, Location = new GeoPoint { Longitude = longitude, Latitude = 20.5 } }, Clas = { clas } },
    };

    private static PlanChange Team(string id, double longitude, params Sex[] clas) => new()
    {
        DeployTeam = new DeployTeam
        {
            Base = new Base
            {
                Id = id, Name = "Team " + id, Location = new GeoPoint { Longitude = longitude, Latitude = 20.5 },
                OpenedOn = new CalendarDate { Year = 2026, Month = 2, Day = 15 }, ClosedOn = new CalendarDate { Year = 2026, Month = 4, Day = 15 },
            },
            Clas = { clas },
        },
    };

    private static PlanChange Close(string id) => new() { CloseBase = new CloseBase { BaseId = id } };

    private static PlanChange Move(string from, string to, params string[] deployments) =>
        new() { MoveClas = new MoveClas { FromBaseId = from, ToBaseId = to, DeploymentIds = { deployments } } };

    private static PlanChange Add(string id, params Sex[] clas) => new() { AddClas = new AddClas { BaseId = id, Clas = { clas } } };

    private static (string, TeamGap)[] Gaps(IEnumerable<ClosedTeamGap> gaps) => [.. gaps.Select(g => (g.BaseId, g.Gap))];

    [Fact]
    public async Task OpenBase_WithAMixedTeam_BringsTheFarVillageInReach_AndALoneManOpensItsGaps()
    {
        const string sector = "plan-open";
        await SectorAsync(sector, 60);
        await BaseAsync("po-ob", sector, 60.1, BaseKind.OperatingBase, Sex.Female, Sex.Male);
        await CommunityAsync("po-far", sector, 60.8);

        var mixed = await PlanAsync(Plan(sector, Open("po-new", 60.75, BaseKind.CompanyOperatingBase, Sex.Female, Sex.Male)));
        var alone = await PlanAsync(Plan(sector, Open("po-new", 60.75, BaseKind.CompanyOperatingBase, Sex.Male)));

        Assert.Equal(["po-new"], mixed.OpenedBaseIds);
        Assert.Empty(mixed.OpenedTeamGaps);
        var village = Assert.Single(mixed.CommunitiesBroughtInReach);
        Assert.Equal(("po-far", "po-new"), (village.CommunityId, village.NearestBaseId));
        var opened = mixed.After.Bases.Single(b => b.Base.Id == "po-new");
        Assert.Equal((sector, 20_000.0, 2, 1), (opened.Base.Sector, opened.ReachMetres, opened.Team.ClaCount, opened.Team.FemaleCount));
        Assert.Equal(At, opened.Base.OpenedOn);
        Assert.Equal([("po-new", TeamGap.BelowMinimum), ("po-new", TeamGap.NoFemaleCla)], Gaps(alone.OpenedTeamGaps));
        Assert.Empty(alone.CommunitiesBroughtInReach);
        // Nothing was written: the registry still has one base in the sector.
        var today = await Planner.Coverage.GetCoverageAsync(new CoverageRequest { At = At, Sector = sector }).ResponseAsync;
        Assert.Equal(["po-ob"], today.Bases.Select(b => b.Base.Id));
    }

    [Fact]
    public async Task CloseBase_LeavesItsVillageOutOfReach()
    {
        const string sector = "plan-close";
        await SectorAsync(sector, 61);
        await BaseAsync("pc-ob", sector, 61.1, BaseKind.OperatingBase, Sex.Female, Sex.Male);
        await BaseAsync("pc-empty", sector, 61.9);
        await CommunityAsync("pc-near", sector, 61.2);

        var plan = await PlanAsync(Plan(sector, Close("pc-ob"), Close("pc-empty")));

        Assert.Equal(["pc-empty", "pc-ob"], plan.ClosedBaseIds);
        Assert.Empty(plan.After.Bases);
        // A closed base's gap is gone with it, not closed by the plan.
        Assert.Empty(plan.ClosedTeamGaps);
        var village = Assert.Single(plan.CommunitiesPutOutOfReach);
        Assert.Equal(("pc-near", string.Empty), (village.CommunityId, village.NearestBaseId));
        Assert.Equal(["pc-near"], plan.After.CommunitiesOutOfReach.Select(c => c.CommunityId));
    }

    [Fact]
    public async Task DeployTeam_TwoWomenForAPeriod_IsASurgeTeamReachingTenKilometres()
    {
        const string sector = "plan-team";
        await SectorAsync(sector, 62);
        await CommunityAsync("pt-near", sector, 62.55);
        await CommunityAsync("pt-beyond", sector, 62.75);

        var plan = await PlanAsync(Plan(sector, Team("pt-surge", 62.5, Sex.Female, Sex.Female)));

        var team = Assert.Single(plan.After.Bases);
        Assert.Equal((BaseKind.SurgeTeam, 10_000.0, 2, 2), (team.Base.Kind, team.ReachMetres, team.Team.ClaCount, team.Team.FemaleCount));
        Assert.Equal(new CalendarDate { Year = 2026, Month = 4, Day = 15 }, team.Base.ClosedOn);
        Assert.Equal(["pt-near"], plan.CommunitiesBroughtInReach.Select(c => c.CommunityId));
        Assert.Equal(["pt-beyond"], plan.After.CommunitiesOutOfReach.Select(c => c.CommunityId));
    }

    [Fact]
    public async Task MoveClas_TheWomanAway_OpensGapsWhereSheLeavesAndClosesOneWhereSheGoes()
    {
        const string sector = "plan-move";
        await SectorAsync(sector, 63);
        await BaseAsync("pm-a", sector, 63.1, BaseKind.OperatingBase, Sex.Female, Sex.Male);
        await BaseAsync("pm-b", sector, 63.9, BaseKind.OperatingBase, Sex.Male, Sex.Male);

        var plan = await PlanAsync(Plan(sector, Move("pm-a", "pm-b", "pm-a-cla0")));

        Assert.Equal([("pm-a", TeamGap.BelowMinimum), ("pm-a", TeamGap.NoFemaleCla)], Gaps(plan.OpenedTeamGaps));
        Assert.Equal([("pm-b", TeamGap.NoFemaleCla)], Gaps(plan.ClosedTeamGaps));
        var teams = plan.After.Bases.ToDictionary(b => b.Base.Id, b => (b.Team.ClaCount, b.Team.FemaleCount));
        Assert.Equal((1, 0), teams["pm-a"]);
        Assert.Equal((3, 1), teams["pm-b"]);
    }

    [Fact]
    public async Task AddClas_AWomanToTheLoneMan_ClosesBothGaps_AsTheOldPlannedTeamDoes()
    {
        const string sector = "plan-add";
        await SectorAsync(sector, 64);
        await BaseAsync("pa-male", sector, 64.1, BaseKind.OperatingBase, Sex.Male);
        await CommunityAsync("pa-near", sector, 64.2);

        var added = await PlanAsync(Plan(sector, Add("pa-male", Sex.Female)));
        var old = await PlanAsync(new PlanDeploymentRequest
        {
            Coverage = new CoverageRequest { At = At, Sector = sector }, Teams = { new PlannedTeam { BaseId = "pa-male", ClaCount = 1, FemaleCount = 1 } },
        });

        Assert.Equal([("pa-male", TeamGap.BelowMinimum), ("pa-male", TeamGap.NoFemaleCla)], Gaps(added.ClosedTeamGaps));
        Assert.Equal(["pa-near"], added.CommunitiesBroughtInReach.Select(c => c.CommunityId));
        Assert.Equal(old, added);
    }

    [Fact]
    public async Task SeveralChanges_InOrder_OpenAddMoveAndClose()
    {
        const string sector = "plan-many";
        await SectorAsync(sector, 65);
        await BaseAsync("pn-a", sector, 65.1, BaseKind.OperatingBase, Sex.Female, Sex.Male, Sex.Male);
        await BaseAsync("pn-b", sector, 65.3, BaseKind.CompanyOperatingBase, Sex.Male);
        await CommunityAsync("pn-east", sector, 65.8);
        await CommunityAsync("pn-by-b", sector, 65.32);

        var plan = await PlanAsync(Plan(
            sector,
            Open("pn-tob", 65.8, BaseKind.TemporaryOperatingBase, Sex.Male),
            Move("pn-a", "pn-tob", "pn-a-cla0"),
            Add("pn-tob", Sex.Female),
            Close("pn-b")));

        Assert.Equal(["pn-tob"], plan.OpenedBaseIds);
        Assert.Equal(["pn-b"], plan.ClosedBaseIds);
        var teams = plan.After.Bases.ToDictionary(b => b.Base.Id, b => (b.Team.ClaCount, b.Team.FemaleCount));
        Assert.Equal((2, 0), teams["pn-a"]);
        Assert.Equal((3, 2), teams["pn-tob"]);
        Assert.Equal([("pn-a", TeamGap.NoFemaleCla)], Gaps(plan.OpenedTeamGaps));
        Assert.Equal(["pn-east"], plan.CommunitiesBroughtInReach.Select(c => c.CommunityId));
        // The village by pn-b stays within pn-a's 30 km, which keeps two CLAs.
        Assert.Empty(plan.CommunitiesPutOutOfReach);
    }

    public static TheoryData<string, PlanChange> BadChanges() => new()
    {
        { "changes[0]: is empty: set one of open_base, close_base, deploy_team, move_clas, add_clas", new PlanChange() },
        {
            "changes[0].deploy_team.base.closed_on: 2026-02-01 is before opened_on 2026-02-15",
            new PlanChange { DeployTeam = new DeployTeam { Base = new Base { Id = "t", Name = "t", Location = new GeoPoint { Longitude = 66.5, Latitude = 20.5 }, OpenedOn = new CalendarDate { Year = 2026, Month = 2, Day = 15 }, ClosedOn = new CalendarDate { Year = 2026, Month = 2, Day = 1 } }, Clas = { Sex.Female } } }
        },
        {
            "changes[0].deploy_team.base.closed_on: is required: a team is deployed for a period",
            new PlanChange { DeployTeam = new DeployTeam { Base = new Base { Id = "t", Name = "t", Location = new GeoPoint { Longitude = 66.5, Latitude = 20.5 } }, Clas = { Sex.Female } } }
        },
        {
            "changes[0].deploy_team.base.kind: OperatingBase is not a team's kind",
            new PlanChange { DeployTeam = new DeployTeam { Base = new Base { Id = "t", Name = "t", Kind = BaseKind.OperatingBase, Location = new GeoPoint { Longitude = 66.5, Latitude = 20.5 }, ClosedOn = new CalendarDate { Year = 2026, Month = 4, Day = 1 } }, Clas = { Sex.Female } } }
        },
        { "changes[0].deploy_team.clas: is required: at least one CLA", Team("t", 66.5) },
        {
            "changes[0].open_base.base.opened_on: 2026-06-01 is after the plan's date 2026-03-01 (coverage.at)",
            new PlanChange { OpenBase = new OpenBase { Base = new Base { Id = "o", Name = "o", Kind = BaseKind.OperatingBase, Location = new GeoPoint { Longitude = 66.5, Latitude = 20.5 }, OpenedOn = new CalendarDate { Year = 2026, Month = 6, Day = 1 } } } }
        },
        { "changes[0].open_base.base.kind: is required", Open("o", 66.5, 0) },
        { "changes[0].open_base.clas[1]: 0 is not FEMALE (1) or MALE (2)", Open("o", 66.5, BaseKind.OperatingBase, Sex.Female, Sex.Unspecified) },
        { "changes[0].move_clas.deployment_ids: is required: at least one CLA deployment to move", Move("a", "b") },
        { "changes[0].move_clas.to_base_id: is from_base_id 'a': the CLAs would not move", Move("a", "a", "d") },
        { "changes[0].add_clas.clas: is required: at least one CLA", Add("a") },
        { "changes[0].close_base.base_id: is required", Close(string.Empty) },
    };

    [Theory]
    [MemberData(nameof(BadChanges))]
    public async Task BadChange_IsRefusedNamingTheField(string expected, PlanChange change)
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => PlanAsync(Plan(string.Empty, change)));

        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangesAgainstTheRegistry_AreRefusedNamingTheField()
    {
        const string sector = "plan-bad";
        await SectorAsync(sector, 66);
        await BaseAsync("pb-a", sector, 66.1, BaseKind.OperatingBase, Sex.Female, Sex.Male);
        await BaseAsync("pb-b", sector, 66.9, BaseKind.OperatingBase, Sex.Male, Sex.Male);
        await DeployAsync("pb-ended", "pb-a", Sex.Female, to: new CalendarDate { Year = 2026, Month = 1, Day = 31 });

        async Task<string> Refused(StatusCode code, params PlanChange[] changes) => await FailsWith(code, () => PlanAsync(Plan(sector, changes)));

        Assert.Equal("changes[0].move_clas.deployment_ids[0]: deployment 'pb-b-cla0' is not at base 'pb-a' on 2026-03-01", await Refused(StatusCode.InvalidArgument, Move("pb-a", "pb-b", "pb-b-cla0")));
        Assert.Equal("changes[0].move_clas.deployment_ids[0]: deployment 'pb-ended' is not at base 'pb-a' on 2026-03-01", await Refused(StatusCode.InvalidArgument, Move("pb-a", "pb-b", "pb-ended")));
        Assert.Equal("changes[0].move_clas.deployment_ids[0]: deployment 'pb-nobody' is not at base 'pb-a' on 2026-03-01", await Refused(StatusCode.InvalidArgument, Move("pb-a", "pb-b", "pb-nobody")));
        Assert.Equal(
            "changes[1].move_clas.deployment_ids[0]: deployment 'pb-a-cla0' is not at base 'pb-a' on 2026-03-01",
            await Refused(StatusCode.InvalidArgument, Move("pb-a", "pb-b", "pb-a-cla0"), Move("pb-a", "pb-b", "pb-a-cla0")));
        Assert.Equal(
            "changes[0].open_base.base.location: (95.5 20.5) is outside the mission area (the registered sectors)",
            await Refused(StatusCode.InvalidArgument, Open("pb-new", 95.5, BaseKind.OperatingBase)));
        await SectorAsync("plan-bad-next", 96);
        Assert.Equal(
            "changes[0].open_base.base.sector: 'plan-bad-next' is not the sector 'plan-bad' asked about",
            await Refused(StatusCode.InvalidArgument, Open("pb-new", 96.5, BaseKind.OperatingBase)));
        Assert.Equal("changes[0].close_base.base_id: no base 'pb-unknown'", await Refused(StatusCode.NotFound, Close("pb-unknown")));
        Assert.Equal("changes[1].close_base.base_id: base 'pb-a' is closed by changes[0].close_base", await Refused(StatusCode.InvalidArgument, Close("pb-a"), Close("pb-a")));
        Assert.Equal("changes[1].move_clas.from_base_id: base 'pb-a' is closed by changes[0].close_base", await Refused(StatusCode.InvalidArgument, Close("pb-a"), Move("pb-a", "pb-b", "pb-a-cla0")));
        Assert.Equal("changes[0].add_clas.base_id: base 'pb-new' is opened by a later change: open it first", await Refused(StatusCode.InvalidArgument, Add("pb-new", Sex.Female), Open("pb-new", 66.5, BaseKind.OperatingBase)));
        Assert.Equal(
            "changes[0].open_base.base.id: base 'pb-a' is a registered base: give the new one an id of its own",
            await Refused(StatusCode.InvalidArgument, Open("pb-a", 66.5, BaseKind.OperatingBase)));
        Assert.Equal(
            "changes[1].open_base.base.id: base 'pb-new' is opened by changes[0].open_base already",
            await Refused(StatusCode.InvalidArgument, Open("pb-new", 66.5, BaseKind.OperatingBase), Open("pb-new", 66.6, BaseKind.OperatingBase)));
    }

    [Fact]
    public async Task MoveClas_ByARoleThatDoesNotManageDeployments_IsPermissionDenied_OtherChangesAreNot()
    {
        const string sector = "plan-roles";
        await SectorAsync(sector, 67);
        await BaseAsync("pr-a", sector, 67.1, BaseKind.OperatingBase, Sex.Female, Sex.Male);
        await BaseAsync("pr-b", sector, 67.9);

        foreach (var role in new[] { Role.Analyst, Role.UnCimicOfficer })
        {
            var detail = await FailsWith(StatusCode.PermissionDenied, () => PlanAsync(Plan(sector, Add("pr-b", Sex.Male), Move("pr-a", "pr-b", "pr-a-cla0")), api.As(role)));
            var added = await PlanAsync(Plan(sector, Add("pr-b", Sex.Male, Sex.Female)), api.As(role));

            Assert.Equal($"changes[1].move_clas: the {role} role may not name CLA deployments", detail);
            Assert.Equal([("pr-b", TeamGap.NoCla)], Gaps(added.ClosedTeamGaps));
        }

        foreach (var role in new[] { Role.Planner, Role.Supervisor })
        {
            var moved = await PlanAsync(Plan(sector, Move("pr-a", "pr-b", "pr-a-cla0")), api.As(role));

            Assert.Equal([("pr-a", TeamGap.BelowMinimum), ("pr-b", TeamGap.BelowMinimum)], Gaps(moved.OpenedTeamGaps).Where(g => g.Item2 == TeamGap.BelowMinimum));
        }
    }

    [Fact]
    public async Task TokenScopedToASector_PlacesBasesAndMovesCLAsInsideItOnly()
    {
        await SectorAsync("plan-in", 68);
        await SectorAsync("plan-out", 69);
        await BaseAsync("ps-in", "plan-in", 68.1, BaseKind.OperatingBase, Sex.Female, Sex.Male);
        await BaseAsync("ps-out", "plan-out", 69.1, BaseKind.OperatingBase, Sex.Female, Sex.Male);
        using var scoped = await api.ChannelForAsync(Role.Planner, "planner-plan-in", ["plan-in"]);

        var outside = await FailsWith(StatusCode.PermissionDenied, () => PlanAsync(Plan(string.Empty, Open("ps-new", 69.5, BaseKind.OperatingBase)), scoped));
        var fromOutside = await FailsWith(StatusCode.NotFound, () => PlanAsync(Plan(string.Empty, Move("ps-out", "ps-in", "ps-out-cla0")), scoped));
        var theirs = await FailsWith(StatusCode.InvalidArgument, () => PlanAsync(Plan(string.Empty, Move("ps-in", "ps-in-new", "ps-out-cla0"), Open("ps-in-new", 68.5, BaseKind.OperatingBase)), scoped));
        var inside = await PlanAsync(Plan(string.Empty, Open("ps-in-new", 68.5, BaseKind.OperatingBase, Sex.Female)), scoped);

        Assert.Equal("changes[0].open_base.base.location: is outside the area of your token", outside);
        Assert.Equal("changes[0].move_clas.from_base_id: no base 'ps-out'", fromOutside);
        Assert.StartsWith("changes[0].move_clas.to_base_id: base 'ps-in-new' is opened by a later change: open it first", theirs, StringComparison.Ordinal);
        Assert.Equal(["ps-in", "ps-in-new"], inside.After.Bases.Select(b => b.Base.Id));
    }
}
