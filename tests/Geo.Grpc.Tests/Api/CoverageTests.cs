using Geo.Api.V1;
using Geo.Api;
using Grpc.Core;
using Npgsql;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// Coverage gaps end to end: bases, deployments and communities registered through the API, the
/// report asked for as a planner over the wire. Each test keeps to a sector of its own and asks
/// about that sector only, so that tests sharing the database do not see each other's records.
/// </summary>
public sealed class CoverageTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly CalendarDate At = new() { Year = 2026, Month = 3, Day = 1 };

    private GeoAwarenessClient Planner => api.As(Role.Planner);

    private Task<CoverageReport> GetCoverageAsync(CoverageRequest request, GeoAwarenessClient? channel = null) =>
        (channel ?? Planner).Coverage.GetCoverageAsync(request).ResponseAsync;

    private Task<PlanDeploymentReport> PlanAsync(PlanDeploymentRequest request, GeoAwarenessClient? channel = null) =>
        (channel ?? Planner).Coverage.PlanDeploymentAsync(request).ResponseAsync;

    private async Task BaseAsync(string id, string sector, BaseKind kind, double longitude, double latitude, CalendarDate? closedOn = null)
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base
        {
            Id = id, Name = "Base " + id, Kind = kind, Sector = sector, AdminArea = "Beni", Unit = "BANBATT-1",
            Location = new GeoPoint { Longitude = longitude, Latitude = latitude },
            OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 }, ClosedOn = closedOn,
        }).ResponseAsync;
    }

    private Task<ClaDeployment> DeployAsync(string id, string baseId, Sex sex, CalendarDate? from = null, CalendarDate? to = null, bool temporaryDuty = false, string homeLocality = "Lubero") =>
        api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
        {
            Id = id, ClaId = "cla-" + id, Sex = sex, BaseId = baseId, From = from ?? new CalendarDate { Year = 2025, Month = 6, Day = 1 }, To = to,
            TemporaryDuty = temporaryDuty, HomeLocality = homeLocality,
        }).ResponseAsync;

    private async Task StaffAsync(string baseId, int male, int female)
    {
        for (var i = 0; i < male + female; i++)
        {
            await DeployAsync($"{baseId}-cla{i}", baseId, i < female ? Sex.Female : Sex.Male);
        }
    }

    private Task<Community> CommunityAsync(string id, string sector, double longitude, double latitude, RiskLevel risk = RiskLevel.High, int women = 100, string? wkt = null) =>
        api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community
        {
            Id = id, Name = "Village " + id, Sector = sector, RiskLevel = risk,
            Location = new Shape { Wkt = wkt ?? FormattableString.Invariant($"POINT({longitude} {latitude})") },
            Population = { new AffectedCount { Sex = Sex.Female, AgeGroup = AgeGroup.Adult, Count = women }, new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Adult, Count = 50 } },
        }).ResponseAsync;

    /// <summary>What PostGIS measures between a community (at the point on its surface) and a base, on the geography.</summary>
    private async Task<double> PostgisMetresAsync(string communityId, string baseId)
    {
        await using var command = api.Database.DataSource.CreateCommand(
            "SELECT ST_Distance(ST_PointOnSurface(c.location)::geography, b.location::geography) FROM communities c, bases b WHERE c.id = $1 AND b.id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = communityId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = baseId });
        return (double)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task GetCoverage_BasesWithEveryKindOfTeam_ReportsTheirGapsFlagsAndCounts()
    {
        const string sector = "cov-teams";
        string[] ids = ["t-none", "t-one-female", "t-one-male", "t-two-male", "t-mixed", "t-closed"];
        foreach (var id in ids)
        {
            await BaseAsync(id, sector, BaseKind.CompanyOperatingBase, 29.4, 0.5, id == "t-closed" ? new CalendarDate { Year = 2026, Month = 1, Day = 31 } : null);
        }

        await StaffAsync("t-one-female", 0, 1);
        await StaffAsync("t-one-male", 1, 0);
        await StaffAsync("t-two-male", 2, 0);
        await StaffAsync("t-closed", 1, 1);
        await DeployAsync("t-mixed-f", "t-mixed", Sex.Female, homeLocality: "Beni");
        await DeployAsync("t-mixed-tdy", "t-mixed", Sex.Male, from: new CalendarDate { Year = 2025, Month = 10, Day = 1 }, temporaryDuty: true);
        await DeployAsync("t-mixed-ended", "t-mixed", Sex.Male, to: new CalendarDate { Year = 2026, Month = 2, Day = 28 });

        var report = await GetCoverageAsync(new CoverageRequest { At = At, Sector = sector });

        Assert.Equal(At, report.At);
        Assert.Equal(["t-mixed", "t-none", "t-one-female", "t-one-male", "t-two-male"], report.Bases.Select(b => b.Base.Id));
        var gaps = report.Bases.ToDictionary(b => b.Base.Id, b => b.Gaps.ToArray());
        Assert.Equal([TeamGap.NoCla], gaps["t-none"]);
        Assert.Equal([TeamGap.BelowMinimum], gaps["t-one-female"]);
        Assert.Equal([TeamGap.BelowMinimum, TeamGap.NoFemaleCla], gaps["t-one-male"]);
        Assert.Equal([TeamGap.NoFemaleCla], gaps["t-two-male"]);
        Assert.Empty(gaps["t-mixed"]);
        Assert.Equal((1, 2, 2), (report.BasesWithoutCla, report.BasesBelowMinimum, report.TeamsWithoutFemaleCla));
        var mixed = report.Bases.Single(b => b.Base.Id == "t-mixed");
        Assert.Equal(new ClaTeam { ClaCount = 2, FemaleCount = 1, TemporaryDutyCount = 1, Staffed = true, HasFemaleCla = true }, mixed.Team);
        Assert.Equal(1, mixed.OwnLocalityCount);
        Assert.Equal(1, mixed.TemporaryDutyOverThreeMonthsCount);
        Assert.Equal(20_000, mixed.ReachMetres);
        Assert.Equal(0, report.CommunitiesAtRisk);
    }

    [Fact]
    public async Task GetCoverage_CommunitiesAtRisk_ListsThoseBeyondReachMostUrgentFirstWithPostgisDistances()
    {
        // Astride the equator: a staffed operating base north of it, a surge team of one south of it.
        const string sector = "cov-reach";
        await BaseAsync("r-ob", sector, BaseKind.OperatingBase, 30.0, 0.10);
        await BaseAsync("r-surge", sector, BaseKind.SurgeTeam, 30.0, -0.40);
        await StaffAsync("r-ob", 1, 1);
        await StaffAsync("r-surge", 0, 1);
        await CommunityAsync("r-near", sector, 30.1, 0.05);                                       // ~12 km from r-ob: within its 30 km
        await CommunityAsync("r-south-high", sector, 30.0, -0.39, RiskLevel.High, women: 900);   // beside the lone surge CLA: not staffed
        await CommunityAsync("r-south-small", sector, 30.3, -0.60, RiskLevel.High, women: 10);
        await CommunityAsync("r-critical", sector, 31.5, 1.20, RiskLevel.Critical, women: 5);
        await CommunityAsync("r-medium", sector, 29.0, -1.0, RiskLevel.Medium);
        await CommunityAsync("r-low", sector, 29.0, -1.0, RiskLevel.Low);
        await CommunityAsync("r-polygon", sector, 0, 0, RiskLevel.Medium, wkt: "POLYGON((30.5 -0.5, 30.6 -0.5, 30.6 -0.4, 30.5 -0.4, 30.5 -0.5))");

        var report = await GetCoverageAsync(new CoverageRequest { At = At, Sector = sector });

        Assert.Equal(6, report.CommunitiesAtRisk);
        Assert.Equal(["r-critical", "r-south-high", "r-south-small", "r-medium", "r-polygon"], report.CommunitiesOutOfReach.Select(c => c.CommunityId));
        foreach (var community in report.CommunitiesOutOfReach)
        {
            Assert.Equal("r-ob", community.NearestBaseId);
            var postgis = await PostgisMetresAsync(community.CommunityId, "r-ob");
            Assert.InRange(community.DistanceMetres, postgis * 0.995, postgis * 1.005);
        }

        var high = report.CommunitiesOutOfReach[1];
        Assert.Equal(("Village r-south-high", RiskLevel.High, 950L), (high.Name, high.RiskLevel, high.Population));
        Assert.Equal(new GeoPoint { Longitude = 30.0, Latitude = -0.39 }, high.Centroid);
        var polygon = report.CommunitiesOutOfReach.Single(c => c.CommunityId == "r-polygon");
        Assert.InRange(polygon.Centroid.Longitude, 30.5, 30.6);
    }

    [Fact]
    public async Task GetCoverage_ReachAndRiskThresholdFromTheRequest_ChangeWhatIsOutOfReach()
    {
        const string sector = "cov-override";
        await BaseAsync("o-cob", sector, BaseKind.CompanyOperatingBase, 28.0, 1.0);
        await StaffAsync("o-cob", 1, 1);
        await CommunityAsync("o-25km", sector, 28.0 + (25.0 / 111.32), 1.0);
        await CommunityAsync("o-low", sector, 29.0, 1.0, RiskLevel.Low);

        var byDefault = await GetCoverageAsync(new CoverageRequest { At = At, Sector = sector });
        var wider = await GetCoverageAsync(new CoverageRequest { At = At, Sector = sector, Reach = new ReachDistances { CompanyOperatingBaseMetres = 26_000 }, MinRisk = RiskLevel.Low });

        Assert.Equal(["o-25km"], byDefault.CommunitiesOutOfReach.Select(c => c.CommunityId));
        Assert.Equal(["o-low"], wider.CommunitiesOutOfReach.Select(c => c.CommunityId));
        Assert.Equal(26_000, wider.Bases[0].ReachMetres);
        Assert.Equal(2, wider.CommunitiesAtRisk);
    }

    [Fact]
    public async Task GetCoverage_NoDate_IsToday()
    {
        const string sector = "cov-today";
        await BaseAsync("d-base", sector, BaseKind.TemporaryOperatingBase, 27.0, 2.0);
        await DeployAsync("d-old", "d-base", Sex.Female, to: new CalendarDate { Year = 2025, Month = 12, Day = 31 });

        var report = await GetCoverageAsync(new CoverageRequest { Sector = sector });

        var today = DateTime.UtcNow.Date;
        Assert.Equal(new CalendarDate { Year = today.Year, Month = today.Month, Day = today.Day }, report.At);
        Assert.Equal([TeamGap.NoCla], report.Bases.Single().Gaps);
    }

    public static TheoryData<string, CoverageRequest> BadRequests() => new()
    {
        { "reach.operating_base_metres: -1 m is negative; 0 for the default", new CoverageRequest { Reach = new ReachDistances { OperatingBaseMetres = -1 } } },
        { "reach.surge_team_metres: NaN is not a finite distance", new CoverageRequest { Reach = new ReachDistances { SurgeTeamMetres = double.NaN } } },
        { "reach.company_operating_base_metres: 500001 m is beyond the limit of 500000 m", new CoverageRequest { Reach = new ReachDistances { CompanyOperatingBaseMetres = 500_001 } } },
        { "reach.temporary_operating_base_metres: Infinity is not a finite distance", new CoverageRequest { Reach = new ReachDistances { TemporaryOperatingBaseMetres = double.PositiveInfinity } } },
        { "at: 2026-02-30 is not a valid calendar date", new CoverageRequest { At = new CalendarDate { Year = 2026, Month = 2, Day = 30 } } },
        { "min_risk: 9 is not a known RiskLevel", new CoverageRequest { MinRisk = (RiskLevel)9 } },
        { "sector: has 129 characters; at most 128", new CoverageRequest { Sector = new string('s', 129) } },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task GetCoverage_BadInput_IsRefusedNamingTheField(string expected, CoverageRequest request)
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => GetCoverageAsync(request));

        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanDeployment_TeamOfTwoOneFemale_ClosesTheBasesGapsAndBringsCommunitiesWithinReach()
    {
        const string sector = "cov-plan";
        await BaseAsync("p-empty", sector, BaseKind.CompanyOperatingBase, 26.0, -3.0);
        await BaseAsync("p-male", sector, BaseKind.OperatingBase, 27.0, -3.0);
        await StaffAsync("p-male", 1, 0);
        await CommunityAsync("p-near-empty", sector, 26.1, -3.0);
        await CommunityAsync("p-near-male", sector, 27.1, -3.0, RiskLevel.Critical);
        await CommunityAsync("p-far", sector, 28.5, -3.0, RiskLevel.Medium);

        var before = await GetCoverageAsync(new CoverageRequest { At = At, Sector = sector });
        var plan = await PlanAsync(new PlanDeploymentRequest
        {
            Coverage = new CoverageRequest { At = At, Sector = sector },
            Teams = { new PlannedTeam { BaseId = "p-empty", ClaCount = 2, FemaleCount = 1 }, new PlannedTeam { BaseId = "p-male", ClaCount = 1, FemaleCount = 1 } },
        });
        var after = await GetCoverageAsync(new CoverageRequest { At = At, Sector = sector });

        Assert.Equal(3, before.CommunitiesOutOfReach.Count);
        Assert.Equal(
            [("p-empty", TeamGap.NoCla), ("p-male", TeamGap.BelowMinimum), ("p-male", TeamGap.NoFemaleCla)],
            plan.ClosedTeamGaps.Select(g => (g.BaseId, g.Gap)));
        Assert.Equal(["p-near-male", "p-near-empty"], plan.CommunitiesBroughtInReach.Select(c => c.CommunityId));
        Assert.Equal(["p-male", "p-empty"], plan.CommunitiesBroughtInReach.Select(c => c.NearestBaseId));
        Assert.Equal(["p-far"], plan.After.CommunitiesOutOfReach.Select(c => c.CommunityId));
        Assert.Equal((0, 0, 0), (plan.After.BasesWithoutCla, plan.After.BasesBelowMinimum, plan.After.TeamsWithoutFemaleCla));
        Assert.Equal(2, plan.After.Bases.Single(b => b.Base.Id == "p-empty").Team.ClaCount);
        // Group gaps were not asked for: the plan reports none of them.
        Assert.Equal((0, 0, 0), (plan.ClosedGroupGapCells.Count, plan.GroupGapCellsBefore, plan.GroupGapCellsAfter));
        Assert.Equal(before, after);
    }

    public static TheoryData<string, PlanDeploymentRequest> BadPlans() => new()
    {
        { "changes: is required: at least one change (or a planned team in teams)", new PlanDeploymentRequest() },
        { "teams[0].cla_count: 0 is out of range 1..50", Plan(new PlannedTeam { BaseId = "x", ClaCount = 0 }) },
        { "teams[0].female_count: 3 is more than cla_count 2", Plan(new PlannedTeam { BaseId = "x", ClaCount = 2, FemaleCount = 3 }) },
        { "teams[1].female_count: -1 is negative", Plan(new PlannedTeam { BaseId = "x", ClaCount = 2 }, new PlannedTeam { BaseId = "x", ClaCount = 2, FemaleCount = -1 }) },
        { "teams[0].base_id: is required", Plan(new PlannedTeam { ClaCount = 2 }) },
        { "coverage.reach.surge_team_metres: -5 m is negative", Plan(new ReachDistances { SurgeTeamMetres = -5 }, new PlannedTeam { BaseId = "x", ClaCount = 2 }) },
    };

    private static PlanDeploymentRequest Plan(params PlannedTeam[] teams) => Plan(null, teams);

    private static PlanDeploymentRequest Plan(ReachDistances? reach, params PlannedTeam[] teams)
    {
        var request = new PlanDeploymentRequest { Coverage = new CoverageRequest { At = At, Reach = reach } };
        request.Teams.AddRange(teams);
        return request;
    }

    [Theory]
    [MemberData(nameof(BadPlans))]
    public async Task PlanDeployment_BadTeams_AreRefusedNamingTheField(string expected, PlanDeploymentRequest request)
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => PlanAsync(request));

        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanDeployment_UnknownClosedOrOtherSectorsBase_IsRefusedNamingTheTeam()
    {
        await BaseAsync("q-open", "cov-q", BaseKind.SurgeTeam, 25.0, 4.0);
        await BaseAsync("q-closed", "cov-q", BaseKind.SurgeTeam, 25.0, 4.1, new CalendarDate { Year = 2025, Month = 12, Day = 31 });
        await BaseAsync("q-elsewhere", "cov-q-other", BaseKind.SurgeTeam, 25.0, 4.2);
        PlanDeploymentRequest Asking(string baseId) => new()
        {
            Coverage = new CoverageRequest { At = At, Sector = "cov-q" },
            Teams = { new PlannedTeam { BaseId = "q-open", ClaCount = 2, FemaleCount = 1 }, new PlannedTeam { BaseId = baseId, ClaCount = 2, FemaleCount = 1 } },
        };

        Assert.Equal("teams[1].base_id: no base 'q-unknown'", await FailsWith(StatusCode.NotFound, () => PlanAsync(Asking("q-unknown"))));
        Assert.Equal("teams[1].base_id: base 'q-closed' is not open on 2026-03-01: closed on 2025-12-31", await FailsWith(StatusCode.InvalidArgument, () => PlanAsync(Asking("q-closed"))));
        Assert.Equal("teams[1].base_id: base 'q-elsewhere' is in sector 'cov-q-other', not in the sector 'cov-q' asked about",
            await FailsWith(StatusCode.InvalidArgument, () => PlanAsync(Asking("q-elsewhere"))));
    }

    [Fact]
    public async Task GetCoverage_TokenScopedToOneSector_SeesAndCountsNothingOfAnother()
    {
        // Sectors side by side (A: 40..41 E, B: 41..42 E). A community of A lies 5 km from B's
        // staffed base and 60 km from A's: to a token of A, B's base neither shows nor reaches it.
        await api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "cov-a", Name = "A", Area = new Shape { Wkt = "POLYGON((40 0, 41 0, 41 1, 40 1, 40 0))" } }).ResponseAsync;
        await api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "cov-b", Name = "B", Area = new Shape { Wkt = "POLYGON((41 0, 42 0, 42 1, 41 1, 41 0))" } }).ResponseAsync;
        await BaseAsync("s-a", string.Empty, BaseKind.OperatingBase, 40.41, 0.5);
        await BaseAsync("s-b", string.Empty, BaseKind.OperatingBase, 41.01, 0.5);
        await StaffAsync("s-a", 1, 1);
        await StaffAsync("s-b", 1, 1);
        await CommunityAsync("s-village-a", string.Empty, 40.965, 0.5);
        await CommunityAsync("s-village-b", string.Empty, 41.8, 0.5);
        using var scopedToA = await api.ChannelForAsync(Role.Planner, "planner-a", ["cov-a"]);
        var areaOfBoth = new CoverageRequest { At = At };

        var scoped = await GetCoverageAsync(areaOfBoth, scopedToA);
        var planElsewhere = await FailsWith(StatusCode.NotFound, () => PlanAsync(
            new PlanDeploymentRequest { Coverage = areaOfBoth, Teams = { new PlannedTeam { BaseId = "s-b", ClaCount = 2, FemaleCount = 1 } } }, scopedToA));
        var unscoped = await GetCoverageAsync(areaOfBoth);

        Assert.Equal(["s-a"], scoped.Bases.Select(b => b.Base.Id));
        Assert.Equal(1, scoped.CommunitiesAtRisk);
        var village = Assert.Single(scoped.CommunitiesOutOfReach);
        Assert.Equal(("s-village-a", "s-a"), (village.CommunityId, village.NearestBaseId));
        Assert.Equal("teams[0].base_id: no base 's-b'", planElsewhere);
        Assert.Contains(unscoped.Bases, b => b.Base.Id == "s-b");
        Assert.DoesNotContain(unscoped.CommunitiesOutOfReach, c => c.CommunityId == "s-village-a");
        Assert.Contains(unscoped.CommunitiesOutOfReach, c => c.CommunityId == "s-village-b");
    }

    [Fact]
    public async Task GetCoverage_ReachConfigured_IsTheDefaultAndABadOneStopsTheStart()
    {
        await BaseAsync("g-surge", "cov-config", BaseKind.SurgeTeam, 24.0, 5.0);
        await using var configured = await Geo.Testing.Echo.GrpcTestServer.StartAsync(
            api.Database.ConnectionString, [.. Settings, "--GeoAwareness:Coverage:SurgeTeamReachMetres=12500", "--GeoAwareness:Auth:Enabled=false"]);
        using var channel = new GeoAwarenessClient(configured.GrpcEndpoint);

        var report = await GetCoverageAsync(new CoverageRequest { At = At, Sector = "cov-config" }, channel);
        var refused = await Assert.ThrowsAsync<Geo.Grpc.Hosting.StartupException>(() => Geo.Testing.Echo.GrpcTestServer.StartAsync(
            api.Database.ConnectionString, [.. Settings, "--GeoAwareness:Coverage:OperatingBaseReachMetres=-3"]));

        Assert.Equal(12_500, report.Bases.Single().ReachMetres);
        Assert.Equal("GeoAwareness:Coverage:OperatingBaseReachMetres: -3 m is negative; 0 for the default", refused.Message);
    }

    [Theory]
    [InlineData(Role.Cla)]
    [InlineData(Role.Importer)]
    [InlineData(Role.CpasFocalPoint)]
    [InlineData(Role.ReferralSection)]
    [InlineData(Role.Administrator)]
    public async Task GetCoverage_RoleWithoutReadCoverage_IsPermissionDenied(Role role)
    {
        var detail = await FailsWith(StatusCode.PermissionDenied, () => GetCoverageAsync(new CoverageRequest(), api.As(role)));

        Assert.Equal($"the {role} role may not call /geoawareness.v1.Coverage/GetCoverage", detail);
    }

    /// <summary>
    /// Our geodesic distance against PostGIS geography on pairs near and far, across the equator
    /// and the antimeridian, at high latitudes: within 0.5%, as the report promises.
    /// </summary>
    [Fact]
    public async Task Distances_AgreeWithPostgisGeographyWithinHalfAPercent()
    {
        var random = new Random(6);
        var pairs = new List<(double Lon1, double Lat1, double Lon2, double Lat2)>
        {
            (29.22, -1.68, 29.22, 1.68), (30, -0.01, 30, 0.01), (0, 0, 0.0001, 0), (-70, 10, -69.9, -10), (179.9, 0.5, -179.9, -0.5),
            (10, 60, 30, 70), (-120, 45, 100, -30), (0, 89, 180, 88), (15.3, -4.3, 29.2, -1.7), (-0.1, 51.5, 2.35, 48.86),
        };
        while (pairs.Count < 40)
        {
            var lon = -180 + (random.NextDouble() * 360);
            var lat = -60 + (random.NextDouble() * 120);
            var span = random.Next(3) switch { 0 => 0.3, 1 => 5, _ => 60 };
            pairs.Add((lon, lat, Math.Clamp(lon + ((random.NextDouble() - 0.5) * span), -180, 180), Math.Clamp(lat + ((random.NextDouble() - 0.5) * span), -89, 89)));
        }

        var problems = new List<string>();
        foreach (var (lon1, lat1, lon2, lat2) in pairs)
        {
            await using var command = api.Database.DataSource.CreateCommand(
                "SELECT ST_Distance(ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography)");
            foreach (var value in new[] { lon1, lat1, lon2, lat2 })
            {
                command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = value });
            }

            var postgis = (double)(await command.ExecuteScalarAsync())!;
            var ours = Core.Spatial.Geodesy.DistanceMetres(new(lon1, lat1), new(lon2, lat2));
            if (Math.Abs(ours - postgis) > postgis * 0.005)
            {
                problems.Add(FormattableString.Invariant($"({lon1} {lat1}) to ({lon2} {lat2}): ours {ours:F1} m, PostGIS {postgis:F1} m"));
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}
