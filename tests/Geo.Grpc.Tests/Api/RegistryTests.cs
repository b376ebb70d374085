using Geo.Api.V1;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;

namespace Geo.Grpc.Tests.Api;

public sealed class RegistryTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static Community Village(string id, string wkt = "POINT(29.30 -1.60)") => new()
    {
        Id = id,
        Name = "Kibati",
        Location = new Shape { Wkt = wkt },
        AdminArea = "Nyiragongo",
        Sector = "North",
        RiskLevel = RiskLevel.High,
        HasProtectionPlan = true,
        HasCanFocalPoint = true,
        Population =
        {
            new AffectedCount { Sex = Sex.Female, AgeGroup = AgeGroup.Child, Count = 310 },
            new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Adult, Count = 205 },
        },
    };

    private static Base Cob(string id, double longitude = 29.25, double latitude = -1.62) => new()
    {
        Id = id,
        Name = "COB " + id,
        Kind = BaseKind.CompanyOperatingBase,
        Unit = "INDBATT-2",
        Sector = "North",
        AdminArea = "Nyiragongo",
        Location = new GeoPoint { Longitude = longitude, Latitude = latitude },
        OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
    };

    /// <summary>A community's population as comparable text, one "sex/age=count" per group, in order.</summary>
    private static string[] PopulationOf(Community community) =>
        [.. community.Population.Select(p => $"{p.Sex}/{p.AgeGroup}={p.Count}").Order(StringComparer.Ordinal)];

    /// <summary>The three yes/no facts of a community, in one value so that a swap of two of them shows.</summary>
    private static (bool Plan, bool Committee, bool FocalPoint) FlagsOf(Community community) =>
        (community.HasProtectionPlan, community.HasProtectionCommittee, community.HasCanFocalPoint);

    [Fact]
    public async Task CreateCommunity_PointAndPolygon_AreStoredAndListed()
    {
        var point = await api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(Village("reg-c1")).ResponseAsync;
        // The second community's facts differ from the first's in every pair, so that no two of them can be mixed up unseen.
        var sent = Village("reg-c2", "POLYGON((29.3 -1.6, 29.32 -1.6, 29.32 -1.58, 29.3 -1.58, 29.3 -1.6))");
        sent.RiskLevel = RiskLevel.Medium;
        sent.HasProtectionPlan = false;
        sent.HasProtectionCommittee = true;
        sent.HasCanFocalPoint = true;
        sent.Population.Add(new AffectedCount { Sex = Sex.Female, AgeGroup = AgeGroup.Older, Count = 41 });
        sent.Population.Add(new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Youth, Count = 77 });
        var polygon = await api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(sent).ResponseAsync;
        var fetchedPoint = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = "reg-c1" }).ResponseAsync;
        var fetched = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = "reg-c2" }).ResponseAsync;
        var listed = await api.As(Geo.Core.Access.Role.Supervisor).Registry.ListCommunitiesAsync(new ListRequest { Sector = "North", PageSize = 1000 }).ResponseAsync;

        Assert.Equal(1, point.Version);
        Assert.Equal(29.30, point.Centroid.Longitude, 6);
        Assert.StartsWith("POLYGON", fetched.Location.Wkt, StringComparison.Ordinal);
        Assert.InRange(fetched.Centroid.Longitude, 29.3, 29.32);
        Assert.Equal(["Female/Child=310", "Male/Adult=205"], PopulationOf(fetchedPoint));
        Assert.Equal(["Female/Child=310", "Female/Older=41", "Male/Adult=205", "Male/Youth=77"], PopulationOf(fetched));
        Assert.Equal((true, false, true), FlagsOf(fetchedPoint));
        Assert.Equal((false, true, true), FlagsOf(fetched));
        Assert.Equal(RiskLevel.High, fetchedPoint.RiskLevel);
        Assert.Equal(RiskLevel.Medium, fetched.RiskLevel);
        Assert.Equal(("Nyiragongo", "North"), (fetched.AdminArea, fetched.Sector));
        Assert.Equal(polygon, fetched);
        Assert.Equal(point, fetchedPoint);
        Assert.Equal(fetchedPoint, listed.Communities.Single(c => c.Id == "reg-c1"));
        Assert.Equal(fetched, listed.Communities.Single(c => c.Id == "reg-c2"));
    }

    [Fact]
    public async Task CreateCommunity_SameContentAgain_IsIdempotentButOtherContentConflicts()
    {
        var created = await api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(Village("reg-c3")).ResponseAsync;
        var again = await api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(Village("reg-c3")).ResponseAsync;
        var other = Village("reg-c3");
        other.Name = "Another name";
        other.RiskLevel = RiskLevel.Low;
        other.Population[0].Count = 1;

        var detail = await FailsWith(StatusCode.AlreadyExists, () => api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(other).ResponseAsync);
        var readBack = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = "reg-c3" }).ResponseAsync;

        Assert.Equal(1, again.Version);
        Assert.Equal(created, again);
        Assert.Equal("id: community 'reg-c3' already exists with other content; use UpdateCommunity to change it", detail);
        Assert.Equal(created, readBack);
        Assert.Equal(("Kibati", RiskLevel.High, 1L), (readBack.Name, readBack.RiskLevel, readBack.Version));
        Assert.Equal(["Female/Child=310", "Male/Adult=205"], PopulationOf(readBack));
    }

    [Fact]
    public async Task UpdateCommunity_WithCurrentVersion_BumpsItAndAStaleVersionIsAborted()
    {
        var created = await api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(Village("reg-c4")).ResponseAsync;
        var change = Village("reg-c4");
        change.RiskLevel = RiskLevel.Critical;

        var staleChange = change.Clone();
        staleChange.Name = "Written from a stale copy";

        var updated = await api.As(Geo.Core.Access.Role.Planner).Registry.UpdateCommunityAsync(new UpdateCommunityRequest { Community = change, ExpectedVersion = created.Version }).ResponseAsync;
        var stale = await FailsWith(StatusCode.Aborted,
            () => api.As(Geo.Core.Access.Role.Planner).Registry.UpdateCommunityAsync(new UpdateCommunityRequest { Community = staleChange, ExpectedVersion = created.Version }).ResponseAsync);
        var missing = await FailsWith(StatusCode.NotFound,
            () => api.As(Geo.Core.Access.Role.Planner).Registry.UpdateCommunityAsync(new UpdateCommunityRequest { Community = Village("reg-none") }).ResponseAsync);
        var readBack = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = "reg-c4" }).ResponseAsync;

        Assert.Equal(2, updated.Version);
        Assert.Equal(RiskLevel.Critical, updated.RiskLevel);
        Assert.Contains("expected_version: community 'reg-c4' is at version 2, not the expected 1", stale, StringComparison.Ordinal);
        Assert.Equal("community.id: no community 'reg-none'", missing);
        Assert.Equal(updated, readBack);
        Assert.Equal("Kibati", readBack.Name);
        await FailsWith(StatusCode.NotFound, () => api.As(Geo.Core.Access.Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = "reg-none" }).ResponseAsync);
    }

    [Theory]
    [InlineData("POLYGON((29.3 -1.6, 29.32 -1.6, 29.32 -1.58, 29.3 -1.6, 29.32 -1.58, 29.3 -1.58, 29.3 -1.6))", "location: is not a valid geometry")]
    [InlineData("LINESTRING(29.3 -1.6, 29.32 -1.6)", "location: must be a Point or Polygon or MultiPolygon")]
    [InlineData("POINT(200 -1.6)", "location: has coordinate (200 -1.6) outside")]
    [InlineData("POINT EMPTY", "location: is empty")]
    [InlineData("POINT(29.3", "location.wkt: is not valid WKT")]
    public async Task CreateCommunity_BadLocation_IsRefusedNamingTheField(string wkt, string expected)
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(Village("reg-bad", wkt)).ResponseAsync);

        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateCommunity_UnknownRiskLevelOrNegativePopulation_IsRefusedNamingTheFieldAndNothingIsStored()
    {
        var risk = Village("reg-bad-risk");
        risk.RiskLevel = (RiskLevel)9;
        var population = Village("reg-bad-pop");
        population.Population[1].Count = -5;

        var riskDetail = await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(risk).ResponseAsync);
        var populationDetail = await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(population).ResponseAsync);
        var listed = await api.As(Geo.Core.Access.Role.Supervisor).Registry.ListCommunitiesAsync(new ListRequest { PageSize = 1000 }).ResponseAsync;

        Assert.StartsWith("risk_level: 9 is not a known RiskLevel", riskDetail, StringComparison.Ordinal);
        Assert.StartsWith("population[1].count: -5 is negative", populationDetail, StringComparison.Ordinal);
        Assert.Equal("id: no community 'reg-bad-risk'", await FailsWith(StatusCode.NotFound, () => api.As(Geo.Core.Access.Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = "reg-bad-risk" }).ResponseAsync));
        Assert.Equal("id: no community 'reg-bad-pop'", await FailsWith(StatusCode.NotFound, () => api.As(Geo.Core.Access.Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = "reg-bad-pop" }).ResponseAsync));
        Assert.DoesNotContain(listed.Communities, c => c.Id.StartsWith("reg-bad-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpdateCommunity_UnknownRiskLevelOrNegativePopulation_IsRefusedNamingTheFieldAndNothingChanges()
    {
        var created = await api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(Village("reg-c5")).ResponseAsync;
        var risk = Village("reg-c5");
        risk.RiskLevel = (RiskLevel)9;
        var population = Village("reg-c5");
        population.Population[1].Count = -5;

        var riskDetail = await FailsWith(StatusCode.InvalidArgument,
            () => api.As(Geo.Core.Access.Role.Planner).Registry.UpdateCommunityAsync(new UpdateCommunityRequest { Community = risk, ExpectedVersion = created.Version }).ResponseAsync);
        var populationDetail = await FailsWith(StatusCode.InvalidArgument,
            () => api.As(Geo.Core.Access.Role.Planner).Registry.UpdateCommunityAsync(new UpdateCommunityRequest { Community = population, ExpectedVersion = created.Version }).ResponseAsync);
        var readBack = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = "reg-c5" }).ResponseAsync;

        Assert.StartsWith("community.risk_level: 9 is not a known RiskLevel", riskDetail, StringComparison.Ordinal);
        Assert.StartsWith("community.population[1].count: -5 is negative", populationDetail, StringComparison.Ordinal);
        Assert.Equal(created, readBack);
    }

    [Fact]
    public async Task CreateBase_ThenGetAndList_RoundTripsEveryField()
    {
        var created = await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob("reg-b1")).ResponseAsync;
        var fetched = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetBaseAsync(new GetByIdRequest { Id = "reg-b1" }).ResponseAsync;
        var page = await api.As(Geo.Core.Access.Role.Supervisor).Registry.ListBasesAsync(new ListRequest { PageSize = 1 }).ResponseAsync;

        Assert.Equal(Cob("reg-b1").Location, fetched.Location);
        Assert.Equal(BaseKind.CompanyOperatingBase, fetched.Kind);
        Assert.Equal(2024, fetched.OpenedOn.Year);
        Assert.Null(fetched.ClosedOn);
        Assert.Equal(created, fetched);
        Assert.Single(page.Bases);
        Assert.NotEmpty(page.NextPageToken);
    }

    [Fact]
    public async Task CreateBase_BadValues_AreRefusedNamingTheField()
    {
        var kind = Cob("reg-b2");
        kind.Kind = (BaseKind)9;
        var dates = Cob("reg-b3");
        dates.ClosedOn = new CalendarDate { Year = 2023, Month = 5, Day = 1 };
        var date = Cob("reg-b4");
        date.OpenedOn = new CalendarDate { Year = 2024, Month = 2, Day = 30 };

        Assert.StartsWith("kind: 9 is not a known BaseKind", await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(kind).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("closed_on: 2023-05-01 is before opened_on", await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(dates).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("opened_on: 2024-02-30 is not a valid calendar date", await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(date).ResponseAsync), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateBase_SameContentAgain_IsIdempotentButOtherContentConflictsAndNothingIsOverwritten()
    {
        var created = await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob("reg-b6")).ResponseAsync;
        var again = await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob("reg-b6")).ResponseAsync;
        var other = Cob("reg-b6", longitude: 29.40);
        other.Unit = "BANBATT-1";

        var detail = await FailsWith(StatusCode.AlreadyExists, () => api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(other).ResponseAsync);
        var readBack = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetBaseAsync(new GetByIdRequest { Id = "reg-b6" }).ResponseAsync;

        Assert.Equal(created, again);
        Assert.Equal("id: base 'reg-b6' already exists with other content; use UpdateBase to change it", detail);
        Assert.Equal(created, readBack);
        Assert.Equal(("INDBATT-2", 29.25, 1L), (readBack.Unit, readBack.Location.Longitude, readBack.Version));
    }

    [Fact]
    public async Task UpdateBase_WithCurrentVersion_BumpsItAndAStaleVersionIsAborted()
    {
        var created = await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob("reg-b7")).ResponseAsync;
        var change = Cob("reg-b7", longitude: 29.27);
        change.Unit = "BANBATT-1";
        change.ClosedOn = new CalendarDate { Year = 2026, Month = 6, Day = 30 };
        var staleChange = change.Clone();
        staleChange.Name = "Written from a stale copy";

        var updated = await api.As(Geo.Core.Access.Role.Planner).Registry.UpdateBaseAsync(new UpdateBaseRequest { Base = change, ExpectedVersion = created.Version }).ResponseAsync;
        var stale = await FailsWith(StatusCode.Aborted,
            () => api.As(Geo.Core.Access.Role.Planner).Registry.UpdateBaseAsync(new UpdateBaseRequest { Base = staleChange, ExpectedVersion = created.Version }).ResponseAsync);
        var missing = await FailsWith(StatusCode.NotFound,
            () => api.As(Geo.Core.Access.Role.Planner).Registry.UpdateBaseAsync(new UpdateBaseRequest { Base = Cob("reg-b-none") }).ResponseAsync);
        var readBack = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetBaseAsync(new GetByIdRequest { Id = "reg-b7" }).ResponseAsync;

        Assert.Equal(1, created.Version);
        Assert.Equal(2, updated.Version);
        Assert.Equal(("BANBATT-1", 29.27, 2026, 6, 30), (updated.Unit, updated.Location.Longitude, updated.ClosedOn.Year, updated.ClosedOn.Month, updated.ClosedOn.Day));
        Assert.Equal("expected_version: base 'reg-b7' is at version 2, not the expected 1: read it again and retry", stale);
        Assert.Equal("base.id: no base 'reg-b-none'", missing);
        Assert.Equal(updated, readBack);
        Assert.Equal("COB reg-b7", readBack.Name);
        await FailsWith(StatusCode.NotFound, () => api.As(Geo.Core.Access.Role.Supervisor).Registry.GetBaseAsync(new GetByIdRequest { Id = "reg-b-none" }).ResponseAsync);
    }

    [Theory]
    [InlineData("reg-b-nan", double.NaN, -1.62, "location.longitude: is not a finite number")]
    [InlineData("reg-b-inf", 29.25, double.NegativeInfinity, "location.latitude: is not a finite number")]
    [InlineData("reg-b-lon", 200, -1.62, "location.longitude: 200 is out of range -180..180")]
    [InlineData("reg-b-lat", 29.25, -91, "location.latitude: -91 is out of range -90..90")]
    public async Task CreateBase_NonFiniteOrOutOfRangeLocation_IsRefusedNamingTheFieldAndNothingIsStored(string id, double longitude, double latitude, string expected)
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob(id, longitude, latitude)).ResponseAsync);
        var listed = await api.As(Geo.Core.Access.Role.Supervisor).Registry.ListBasesAsync(new ListRequest { PageSize = 1000 }).ResponseAsync;

        Assert.Equal(expected, detail);
        Assert.Equal($"id: no base '{id}'", await FailsWith(StatusCode.NotFound, () => api.As(Geo.Core.Access.Role.Supervisor).Registry.GetBaseAsync(new GetByIdRequest { Id = id }).ResponseAsync));
        Assert.DoesNotContain(listed.Bases, b => b.Id == id);
    }

    [Fact]
    public async Task UpdateBase_OutOfRangeLocation_IsRefusedNamingTheFieldAndNothingChanges()
    {
        var created = await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob("reg-b8")).ResponseAsync;

        var detail = await FailsWith(StatusCode.InvalidArgument,
            () => api.As(Geo.Core.Access.Role.Planner).Registry.UpdateBaseAsync(new UpdateBaseRequest { Base = Cob("reg-b8", latitude: 95), ExpectedVersion = created.Version }).ResponseAsync);

        Assert.Equal("base.location.latitude: 95 is out of range -90..90", detail);
        Assert.Equal(created, await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetBaseAsync(new GetByIdRequest { Id = "reg-b8" }).ResponseAsync);
    }

    [Fact]
    public async Task CreateDeployment_OwnLocalityAndLongTemporaryDuty_AreFlaggedOnWriteAndInQueries()
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob("reg-b5")).ResponseAsync;
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(Village("reg-home", "POINT(29.26 -1.63)")).ResponseAsync;
        var home = await api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
        {
            Id = "dep-home", ClaId = "cla-1", Sex = Sex.Female, BaseId = "reg-b5", HomeCommunityId = "reg-home",
            From = new CalendarDate { Year = 2026, Month = 1, Day = 1 },
        }).ResponseAsync;
        var area = await api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
        {
            Id = "dep-area", ClaId = "cla-2", Sex = Sex.Male, BaseId = "reg-b5", HomeLocality = "nyiragongo",
            From = new CalendarDate { Year = 2026, Month = 1, Day = 1 },
        }).ResponseAsync;
        var tdy = await api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
        {
            Id = "dep-tdy", ClaId = "cla-3", Sex = Sex.Male, BaseId = "reg-b5", TemporaryDuty = true, HomeLocality = "Masisi",
            From = new CalendarDate { Year = 2026, Month = 1, Day = 1 }, To = new CalendarDate { Year = 2026, Month = 6, Day = 30 },
        }).ResponseAsync;

        var inFebruary = await api.As(Geo.Core.Access.Role.Supervisor).Registry.ListDeploymentsAsync(new ListDeploymentsRequest
        {
            BaseId = "reg-b5", ActiveOn = new CalendarDate { Year = 2026, Month = 2, Day = 15 }, Flag = DeploymentFlag.TemporaryDutyOverThreeMonths,
        }).ResponseAsync;
        var inMay = await api.As(Geo.Core.Access.Role.Supervisor).Registry.ListDeploymentsAsync(new ListDeploymentsRequest
        {
            BaseId = "reg-b5", ActiveOn = new CalendarDate { Year = 2026, Month = 5, Day = 15 }, Flag = DeploymentFlag.TemporaryDutyOverThreeMonths,
        }).ResponseAsync;

        Assert.Equal([DeploymentFlag.OwnLocality], home.Flags);
        Assert.Equal([DeploymentFlag.OwnLocality], area.Flags);
        Assert.Equal([DeploymentFlag.TemporaryDutyOverThreeMonths], tdy.Flags);
        Assert.Empty(inFebruary.Deployments);
        Assert.Equal(["dep-tdy"], inMay.Deployments.Select(d => d.Id));
    }

    [Fact]
    public async Task CreateDeployment_UnknownBaseOrBadValues_AreRefusedNamingTheField()
    {
        var unknownBase = new ClaDeployment { Id = "dep-x", ClaId = "cla-9", Sex = Sex.Female, BaseId = "no-base", From = new CalendarDate { Year = 2026, Month = 1, Day = 1 } };
        var unknownSex = unknownBase.Clone();
        unknownSex.Sex = Sex.Unknown;
        var inverted = unknownBase.Clone();
        inverted.To = new CalendarDate { Year = 2025, Month = 1, Day = 1 };

        Assert.Equal("base_id: no base 'no-base'", await FailsWith(StatusCode.NotFound, () => api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(unknownBase).ResponseAsync));
        Assert.StartsWith("sex: 3 is not FEMALE (1) or MALE (2)", await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(unknownSex).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("to: 2025-01-01 is before from 2026-01-01", await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(inverted).ResponseAsync), StringComparison.Ordinal);
    }

    private static ClaDeployment Deployment(string id, string baseId) => new()
    {
        Id = id, ClaId = "cla-" + id, Sex = Sex.Female, BaseId = baseId, HomeLocality = "Masisi",
        From = new CalendarDate { Year = 2025, Month = 1, Day = 1 },
    };

    private Task<ClaDeployment> GetDeployment(string id) => api.As(Geo.Core.Access.Role.Supervisor).Registry.GetDeploymentAsync(new GetByIdRequest { Id = id }).ResponseAsync;

    private async Task<List<string>> FlaggedAsync(string baseId, DeploymentFlag flag, CalendarDate? activeOn = null)
    {
        var page = await api.As(Geo.Core.Access.Role.Supervisor).Registry.ListDeploymentsAsync(new ListDeploymentsRequest { BaseId = baseId, Flag = flag, ActiveOn = activeOn }).ResponseAsync;
        return [.. page.Deployments.Select(d => d.Id)];
    }

    [Fact]
    public async Task CreateDeployment_SameContentAgain_IsIdempotentButOtherContentConflictsAndNothingIsOverwritten()
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob("reg-b9")).ResponseAsync;
        var created = await api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(Deployment("dep-dup", "reg-b9")).ResponseAsync;
        var again = await api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(Deployment("dep-dup", "reg-b9")).ResponseAsync;
        var other = Deployment("dep-dup", "reg-b9");
        other.ClaId = "cla-someone-else";
        other.TemporaryDuty = true;

        var detail = await FailsWith(StatusCode.AlreadyExists, () => api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(other).ResponseAsync);
        var readBack = await GetDeployment("dep-dup");

        Assert.Equal(created, again);
        Assert.Equal("id: deployment 'dep-dup' already exists with other content; use UpdateDeployment to change it", detail);
        Assert.Equal(created, readBack);
        Assert.Equal(("cla-dep-dup", false, 1L), (readBack.ClaId, readBack.TemporaryDuty, readBack.Version));
    }

    [Fact]
    public async Task UpdateDeployment_WithCurrentVersion_BumpsItAndAStaleVersionIsAborted()
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob("reg-b10")).ResponseAsync;
        var created = await api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(Deployment("dep-upd", "reg-b10")).ResponseAsync;
        var change = Deployment("dep-upd", "reg-b10");
        change.Sex = Sex.Male;
        change.To = new CalendarDate { Year = 2025, Month = 2, Day = 28 };
        var staleChange = change.Clone();
        staleChange.ClaId = "cla-from-a-stale-copy";

        var updated = await api.As(Geo.Core.Access.Role.Supervisor).Registry.UpdateDeploymentAsync(new UpdateDeploymentRequest { Deployment = change, ExpectedVersion = created.Version }).ResponseAsync;
        var stale = await FailsWith(StatusCode.Aborted,
            () => api.As(Geo.Core.Access.Role.Supervisor).Registry.UpdateDeploymentAsync(new UpdateDeploymentRequest { Deployment = staleChange, ExpectedVersion = created.Version }).ResponseAsync);
        var missing = await FailsWith(StatusCode.NotFound,
            () => api.As(Geo.Core.Access.Role.Supervisor).Registry.UpdateDeploymentAsync(new UpdateDeploymentRequest { Deployment = Deployment("dep-none", "reg-b10") }).ResponseAsync);
        var readBack = await GetDeployment("dep-upd");

        Assert.Equal(1, created.Version);
        Assert.Equal(2, updated.Version);
        Assert.Equal((Sex.Male, 2025, 2, 28), (updated.Sex, updated.To.Year, updated.To.Month, updated.To.Day));
        Assert.Equal("expected_version: deployment 'dep-upd' is at version 2, not the expected 1: read it again and retry", stale);
        Assert.Equal("deployment.id: no deployment 'dep-none'", missing);
        Assert.Equal(updated, readBack);
        Assert.Equal("cla-dep-upd", readBack.ClaId);
        await FailsWith(StatusCode.NotFound, () => GetDeployment("dep-none"));
    }

    [Fact]
    public async Task UpdateDeployment_IntoLongTemporaryDutyOrTheOwnLocality_IsFlaggedOnWriteAndInQueries()
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob("reg-b11")).ResponseAsync;
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(Village("reg-home-2", "POINT(29.26 -1.63)")).ResponseAsync;
        // Both ended or began in 2025, so that the flags read today are those of their whole span, whatever today is.
        var tdy = Deployment("dep-to-tdy", "reg-b11");
        tdy.To = new CalendarDate { Year = 2025, Month = 6, Day = 30 };
        var createdTdy = await api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(tdy).ResponseAsync;
        var createdHome = await api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(Deployment("dep-to-home", "reg-b11")).ResponseAsync;
        var inMay = new CalendarDate { Year = 2025, Month = 5, Day = 15 };
        var tdyBefore = await FlaggedAsync("reg-b11", DeploymentFlag.TemporaryDutyOverThreeMonths, inMay);
        var ownBefore = await FlaggedAsync("reg-b11", DeploymentFlag.OwnLocality);
        var getTdyBefore = await GetDeployment("dep-to-tdy");
        var getHomeBefore = await GetDeployment("dep-to-home");
        tdy.TemporaryDuty = true;
        var home = Deployment("dep-to-home", "reg-b11");
        home.HomeCommunityId = "reg-home-2";

        var updatedTdy = await api.As(Geo.Core.Access.Role.Supervisor).Registry.UpdateDeploymentAsync(new UpdateDeploymentRequest { Deployment = tdy, ExpectedVersion = createdTdy.Version }).ResponseAsync;
        var updatedHome = await api.As(Geo.Core.Access.Role.Supervisor).Registry.UpdateDeploymentAsync(new UpdateDeploymentRequest { Deployment = home, ExpectedVersion = createdHome.Version }).ResponseAsync;

        Assert.Empty(createdTdy.Flags);
        Assert.Empty(createdHome.Flags);
        Assert.Empty(tdyBefore);
        Assert.Empty(ownBefore);
        Assert.Empty(getTdyBefore.Flags);
        Assert.Empty(getHomeBefore.Flags);
        Assert.Equal([DeploymentFlag.TemporaryDutyOverThreeMonths], updatedTdy.Flags);
        Assert.Equal([DeploymentFlag.OwnLocality], updatedHome.Flags);
        Assert.Equal([DeploymentFlag.TemporaryDutyOverThreeMonths], (await GetDeployment("dep-to-tdy")).Flags);
        Assert.Equal([DeploymentFlag.OwnLocality], (await GetDeployment("dep-to-home")).Flags);
        Assert.Equal(["dep-to-tdy"], await FlaggedAsync("reg-b11", DeploymentFlag.TemporaryDutyOverThreeMonths, inMay));
        Assert.Empty(await FlaggedAsync("reg-b11", DeploymentFlag.TemporaryDutyOverThreeMonths, new CalendarDate { Year = 2025, Month = 3, Day = 15 }));
        Assert.Equal(["dep-to-home"], await FlaggedAsync("reg-b11", DeploymentFlag.OwnLocality));
    }

    [Fact]
    public async Task CreateOrUpdateDeployment_UnknownHomeCommunity_IsNotFoundNamingTheFieldAndNothingIsStored()
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob("reg-b12")).ResponseAsync;
        var unknown = Deployment("dep-no-home", "reg-b12");
        unknown.HomeCommunityId = "no-such-community";
        var created = await api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(Deployment("dep-home-kept", "reg-b12")).ResponseAsync;
        var change = Deployment("dep-home-kept", "reg-b12");
        change.HomeCommunityId = "no-such-community";

        var onCreate = await FailsWith(StatusCode.NotFound, () => api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(unknown).ResponseAsync);
        var onUpdate = await FailsWith(StatusCode.NotFound,
            () => api.As(Geo.Core.Access.Role.Supervisor).Registry.UpdateDeploymentAsync(new UpdateDeploymentRequest { Deployment = change, ExpectedVersion = created.Version }).ResponseAsync);
        var listed = await api.As(Geo.Core.Access.Role.Supervisor).Registry.ListDeploymentsAsync(new ListDeploymentsRequest { BaseId = "reg-b12" }).ResponseAsync;

        Assert.Equal("home_community_id: no community 'no-such-community'", onCreate);
        Assert.Equal("deployment.home_community_id: no community 'no-such-community'", onUpdate);
        Assert.Equal("id: no deployment 'dep-no-home'", await FailsWith(StatusCode.NotFound, () => GetDeployment("dep-no-home")));
        Assert.Equal(created, await GetDeployment("dep-home-kept"));
        Assert.Equal(["dep-home-kept"], listed.Deployments.Select(d => d.Id));
    }

    [Fact]
    public async Task NearestPresence_AlertPoint_ListsOpenBasesNearestFirstWithTheirTeams()
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob("near-1", 28.00, -2.00)).ResponseAsync;
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(Cob("near-2", 28.10, -2.00)).ResponseAsync;
        var closed = Cob("near-closed", 28.01, -2.00);
        closed.ClosedOn = new CalendarDate { Year = 2025, Month = 12, Day = 31 };
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(closed).ResponseAsync;
        foreach (var (id, sex) in new[] { ("near-a", Sex.Male), ("near-b", Sex.Female) })
        {
            await api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment { Id = id, ClaId = id, Sex = sex, BaseId = "near-2", From = new CalendarDate { Year = 2026, Month = 1, Day = 1 } }).ResponseAsync;
        }

        var response = await api.As(Geo.Core.Access.Role.Supervisor).Presence.NearestPresenceAsync(new NearestPresenceRequest
        {
            Point = new GeoPoint { Longitude = 28.02, Latitude = -2.00 }, Limit = 2, At = new CalendarDate { Year = 2026, Month = 3, Day = 1 },
        }).ResponseAsync;

        Assert.Equal(["near-1", "near-2"], response.Bases.Select(b => b.Base.Id));
        var expected = Geo.Core.Spatial.Geodesy.DistanceMetres(new(28.02, -2.0), new(28.0, -2.0));
        Assert.InRange(response.Bases[0].DistanceMetres, expected * 0.995, expected * 1.005);
        Assert.False(response.Bases[0].Team.Staffed);
        Assert.Equal(0, response.Bases[0].Team.ClaCount);
        Assert.True(response.Bases[1].Team.Staffed);
        Assert.True(response.Bases[1].Team.HasFemaleCla);
    }

    [Theory]
    [InlineData(95, 5, 0, "point.latitude: 95 is out of range")]
    [InlineData(10, 51, 0, "limit: 51 is out of range")]
    [InlineData(10, 5, -1, "max_distance_metres: must be between 0")]
    [InlineData(10, 5, 2_000_000, "max_distance_metres: must be between 0")]
    public async Task NearestPresence_BadInput_IsRefusedNamingTheField(double latitude, int limit, double maxDistance, string expected)
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => api.As(Geo.Core.Access.Role.Supervisor).Presence.NearestPresenceAsync(new NearestPresenceRequest { Point = new GeoPoint { Longitude = 28, Latitude = latitude }, Limit = limit, MaxDistanceMetres = maxDistance }).ResponseAsync);

        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
    }
}
