using Geo.Api.V1;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// Gender and age gaps end to end: two staffed bases 66 km apart, one team with a female CLA and
/// one of two men, threats against women and girls near each, and a community at risk by the
/// second; an empty post of another sector lies 8 km from the men's base. Women and girls near the men's team are a gap (no female CLA within reach); children
/// are not (any staffed team qualifies). Supervisors see exact locations; a planner's heat map is
/// built on coarsened points with its minimum count.
/// </summary>
public sealed class GroupGapTests : IClassFixture<GroupGapTests.Mission>
{
    private static readonly CalendarDate At = new() { Year = 2026, Month = 3, Day = 1 };
    private readonly Mission _mission;

    public GroupGapTests(Mission mission) => _mission = mission;

    private ApiFixture Api => _mission.Api;

    public sealed class Mission : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new();

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            foreach (var (id, longitude, female) in new[] { ("gg-mixed", 35.0, 1), ("gg-men", 35.6, 0) })
            {
                await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base
                {
                    Id = id, Name = id, Kind = BaseKind.OperatingBase, Location = new GeoPoint { Longitude = longitude, Latitude = 0.5 },
                    OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
                }).ResponseAsync;
                for (var i = 0; i < 2; i++)
                {
                    await Api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
                    {
                        Id = $"{id}-{i}", ClaId = $"cla-{id}-{i}", Sex = i < female ? Sex.Female : Sex.Male, BaseId = id,
                        From = new CalendarDate { Year = 2025, Month = 6, Day = 1 },
                    }).ResponseAsync;
                }
            }

            // An empty post of another sector, 8 km from the men's base: a team sent there reaches
            // the women's gap by the men's base.
            await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base
            {
                Id = "gg-north-post", Name = "gg-north-post", Kind = BaseKind.OperatingBase, Sector = "gg-north",
                Location = new GeoPoint { Longitude = 35.65, Latitude = 0.55 }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
            }).ResponseAsync;
            await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community
            {
                Id = "gg-village", Name = "Village by the men's base", RiskLevel = RiskLevel.High, Location = new Shape { Wkt = "POINT(35.6 0.5)" },
            }).ResponseAsync;
            var observations = new List<Observation>();
            foreach (var longitude in new[] { 35.0, 35.6 })
            {
                for (var i = 0; i < 6; i++)
                {
                    observations.Add(NewObservation($"gg-{longitude}-{i}", longitude, 0.5, "2026-03-10T10:00:00Z"));
                }
            }

            await Api.SubmitAsync(observations.ToArray());
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    private static GroupGapsRequest Request(Sex[] sexes, AgeGroup[] ages, double threshold = 5)
    {
        var heatMap = new HeatMapRequest
        {
            Filter = new ObservationFilter
            {
                Area = new Area { Bbox = new BoundingBox { West = 34.8, South = 0.3, East = 35.8, North = 0.7 } },
                ObservedFrom = Time("2026-03-01T00:00:00Z"),
                ObservedTo = Time("2026-04-01T00:00:00Z"),
            },
            CellSizeMetres = 5000,
        };
        heatMap.Filter.AffectedSexes.AddRange(sexes);
        heatMap.Filter.AffectedAgeGroups.AddRange(ages);
        return new GroupGapsRequest { HeatMap = heatMap, Threshold = threshold, At = At };
    }

    private Task<GroupGapsReport> GapsAsync(GroupGapsRequest request, Role role = Role.Supervisor) =>
        Api.As(role).Coverage.GetGroupGapsAsync(request).ResponseAsync;

    [Fact]
    public async Task WomenAndGirls_NearTheTeamWithoutAWoman_AreAGapWithTheVillageAndTheNearestFemaleTeam()
    {
        var report = await GapsAsync(Request([Sex.Female], []));

        Assert.True(report.RequiresFemaleCla);
        Assert.Equal(2, report.ThreatenedCells);
        var gap = Assert.Single(report.Cells);
        Assert.Equal("gg-mixed", gap.NearestBaseId);
        Assert.InRange(gap.DistanceMetres, 60_000, 72_000);
        Assert.Equal(6, gap.Cell.Value);
        Assert.InRange(gap.Cell.Centre.Longitude, 35.55, 35.65);
        Assert.Equal(["gg-village"], gap.CommunityIds);
        var village = Assert.Single(report.Communities);
        Assert.Equal("gg-village", village.Community.CommunityId);
        Assert.Equal("gg-mixed", village.Community.NearestBaseId);
        Assert.Equal((gap.Cell.Column, gap.Cell.Row), (village.Column, village.Row));
        Assert.Equal(HeatMapMethod.Count, report.Grid.Method);
    }

    [Fact]
    public async Task Children_AnyStaffedTeamQualifies_NoGap()
    {
        var report = await GapsAsync(Request([], [AgeGroup.Child]));

        Assert.False(report.RequiresFemaleCla);
        Assert.Equal(2, report.ThreatenedCells);
        Assert.Empty(report.Cells);
    }

    [Fact]
    public async Task ThresholdAboveEveryCell_NothingIsThreatened()
    {
        var report = await GapsAsync(Request([Sex.Female], [], threshold: 7));

        Assert.Equal(0, report.ThreatenedCells);
        Assert.Empty(report.Cells);
    }

    [Fact]
    public async Task PlanDeployment_AWomanJoiningTheMensTeam_ClosesTheGap()
    {
        var request = new PlanDeploymentRequest
        {
            Coverage = new CoverageRequest { At = At },
            Teams = { new PlannedTeam { BaseId = "gg-men", ClaCount = 1, FemaleCount = 1 } },
            GroupGaps = Request([Sex.Female], []),
        };

        var report = await Api.As(Role.Supervisor).Coverage.PlanDeploymentAsync(request).ResponseAsync;

        Assert.Equal(1, report.GroupGapCellsBefore);
        Assert.Equal(0, report.GroupGapCellsAfter);
        var closed = Assert.Single(report.ClosedGroupGapCells);
        Assert.Equal(["gg-village"], closed.CommunityIds);
        // The base that covers the cell after the plan, not the one that was nearest before it (66 km away).
        Assert.Equal("gg-men", closed.NearestBaseId);
        Assert.InRange(closed.DistanceMetres, 0, 5_000);
        Assert.Contains(report.ClosedTeamGaps, g => g.BaseId == "gg-men" && g.Gap == TeamGap.NoFemaleCla);
    }

    [Fact]
    public async Task PlanDeployment_MovingTheWomanToTheMensTeam_ClosesTheirCellAndOpensHers()
    {
        var request = new PlanDeploymentRequest
        {
            Coverage = new CoverageRequest { At = At },
            Changes = { new PlanChange { MoveClas = new MoveClas { FromBaseId = "gg-mixed", ToBaseId = "gg-men", DeploymentIds = { "gg-mixed-0" } } } },
            GroupGaps = Request([Sex.Female], []),
        };

        var report = await Api.As(Role.Supervisor).Coverage.PlanDeploymentAsync(request).ResponseAsync;

        Assert.Equal((1, 1), (report.GroupGapCellsBefore, report.GroupGapCellsAfter));
        var closed = Assert.Single(report.ClosedGroupGapCells);
        Assert.InRange(closed.Cell.Centre.Longitude, 35.55, 35.65);
        Assert.Equal("gg-men", closed.NearestBaseId);
        var opened = Assert.Single(report.OpenedGroupGapCells);
        Assert.InRange(opened.Cell.Centre.Longitude, 34.95, 35.05);
        // Her old base is left with one man: it no longer qualifies, and the nearest that does is where she went.
        Assert.Equal("gg-men", opened.NearestBaseId);
        Assert.Equal([TeamGap.BelowMinimum, TeamGap.NoFemaleCla], report.OpenedTeamGaps.Where(g => g.BaseId == "gg-mixed").Select(g => g.Gap));
    }

    [Fact]
    public async Task PlanDeployment_ForOneSector_JudgesGroupGapsAsGetGroupGapsDoes()
    {
        var request = new PlanDeploymentRequest
        {
            Coverage = new CoverageRequest { At = At, Sector = "gg-north" },
            Teams = { new PlannedTeam { BaseId = "gg-north-post", ClaCount = 2, FemaleCount = 1 } },
            GroupGaps = Request([Sex.Female], []),
        };

        var gaps = await GapsAsync(Request([Sex.Female], []));
        var report = await Api.As(Role.Supervisor).Coverage.PlanDeploymentAsync(request).ResponseAsync;

        // The mixed team, of no sector, covers its own cell: one gap before, as GetGroupGaps finds,
        // not two as the sector's bases alone would give.
        Assert.Equal(gaps.Cells.Count, report.GroupGapCellsBefore);
        Assert.Equal(1, report.GroupGapCellsBefore);
        Assert.Equal(0, report.GroupGapCellsAfter);
        var closed = Assert.Single(report.ClosedGroupGapCells);
        Assert.Equal(gaps.Cells[0].Cell.Column, closed.Cell.Column);
        Assert.Equal("gg-north-post", closed.NearestBaseId);
        Assert.InRange(closed.DistanceMetres, 1_000, 15_000);
        Assert.Equal(["gg-north-post"], report.After.Bases.Select(b => b.Base.Id));
    }

    [Fact]
    public async Task PlanDeployment_GroupGapsAtAnotherDateOrReach_IsRefusedNamingTheField()
    {
        var otherDate = Request([Sex.Female], []);
        otherDate.At = new CalendarDate { Year = 2026, Month = 3, Day = 2 };
        var otherReach = Request([Sex.Female], []);
        otherReach.Reach = new ReachDistances { OperatingBaseMetres = 80_000 };
        var sameReach = Request([Sex.Female], []);
        sameReach.Reach = new ReachDistances { OperatingBaseMetres = 70_000 };

        foreach (var (groupGaps, field) in new[] { (otherDate, "group_gaps.at"), (otherReach, "group_gaps.reach") })
        {
            var plan = new PlanDeploymentRequest
            {
                Coverage = new CoverageRequest { At = At },
                Teams = { new PlannedTeam { BaseId = "gg-men", ClaCount = 1, FemaleCount = 1 } },
                GroupGaps = groupGaps,
            };
            var detail = await FailsWith(StatusCode.InvalidArgument,
                () => Api.As(Role.Supervisor).Coverage.PlanDeploymentAsync(plan).ResponseAsync);
            Assert.StartsWith(field + ":", detail, StringComparison.Ordinal);
        }

        // The same distances given in both places are one reach, and it applies: at 70 km the mixed
        // team (66 km away) covers the men's cell, so there is no gap before the plan.
        var agreed = new PlanDeploymentRequest
        {
            Coverage = new CoverageRequest { At = At, Reach = new ReachDistances { OperatingBaseMetres = 70_000 } },
            Teams = { new PlannedTeam { BaseId = "gg-men", ClaCount = 1, FemaleCount = 0 } },
            GroupGaps = sameReach,
        };
        var report = await Api.As(Role.Supervisor).Coverage.PlanDeploymentAsync(agreed).ResponseAsync;
        Assert.Equal(0, report.GroupGapCellsBefore);
    }

    [Fact]
    public async Task PlanDeployment_AnotherManForTheMensTeam_ClosesNoGroupGap()
    {
        var request = new PlanDeploymentRequest
        {
            Coverage = new CoverageRequest { At = At },
            Teams = { new PlannedTeam { BaseId = "gg-men", ClaCount = 1, FemaleCount = 0 } },
            GroupGaps = Request([Sex.Female], []),
        };

        var report = await Api.As(Role.Supervisor).Coverage.PlanDeploymentAsync(request).ResponseAsync;

        Assert.Equal(1, report.GroupGapCellsBefore);
        Assert.Equal(1, report.GroupGapCellsAfter);
        Assert.Empty(report.ClosedGroupGapCells);
    }

    [Fact]
    public async Task BadRequests_NameTheField()
    {
        var zero = Request([Sex.Female], [], threshold: 0);
        var series = Request([Sex.Female], []);
        series.HeatMap.Step = SeriesStep.Week;
        var hot = Request([Sex.Female], []);
        hot.HeatMap.Method = HeatMapMethod.HotSpots;
        var noMap = Request([Sex.Female], []);
        noMap.HeatMap = null;
        var badCell = Request([Sex.Female], []);
        badCell.HeatMap.CellSizeMetres = 10;
        var badReach = Request([Sex.Female], []);
        badReach.Reach = new ReachDistances { SurgeTeamMetres = -1 };
        // The report's cells have no packed form: asking for one is refused, not ignored.
        var packed = Request([Sex.Female], []);
        packed.HeatMap.CellLayout = CellLayout.Packed;
        var unknownLayout = Request([Sex.Female], []);
        unknownLayout.HeatMap.CellLayout = (CellLayout)7;

        foreach (var (request, field) in new[]
        {
            (zero, "threshold"), (series, "heat_map.step"), (hot, "heat_map.method"), (noMap, "heat_map"), (badCell, "heat_map.cell_size_metres"),
            (badReach, "reach.surge_team_metres"), (packed, "heat_map.cell_layout"), (unknownLayout, "heat_map.cell_layout"),
        })
        {
            var detail = await FailsWith(StatusCode.InvalidArgument, () => GapsAsync(request));
            Assert.StartsWith(field + ":", detail, StringComparison.Ordinal);
        }

        var plan = new PlanDeploymentRequest
        {
            Coverage = new CoverageRequest { At = At },
            Teams = { new PlannedTeam { BaseId = "gg-men", ClaCount = 1, FemaleCount = 1 } },
            GroupGaps = zero,
        };
        var planDetail = await FailsWith(StatusCode.InvalidArgument,
            () => Api.As(Role.Supervisor).Coverage.PlanDeploymentAsync(plan).ResponseAsync);
        Assert.StartsWith("group_gaps.threshold:", planDetail, StringComparison.Ordinal);
        plan.GroupGaps = packed;
        var packedPlanDetail = await FailsWith(StatusCode.InvalidArgument,
            () => Api.As(Role.Supervisor).Coverage.PlanDeploymentAsync(plan).ResponseAsync);
        Assert.StartsWith("group_gaps.heat_map.cell_layout:", packedPlanDetail, StringComparison.Ordinal);
    }

    private static readonly double[] Clusters = [35.0, 35.6];

    [Fact]
    public async Task Planner_GetsGapsJudgedOnTheCoarsenedSurface()
    {
        var exact = await GapsAsync(Request([Sex.Female], [], threshold: 1));
        var report = await GapsAsync(Request([Sex.Female], [], threshold: 1), Role.Planner);

        // A supervisor's surface shows both clusters of six where they are. Each cluster was
        // reported at one spot, so the planner gets each as one coarse point, kilometres away, with
        // a perturbed count: no cell rests on fewer than the minimum, and the total is the one the
        // keys of the twelve give.
        Assert.NotEmpty(exact.Cells);
        Assert.False(exact.Grid.Coarsened);
        Assert.True(report.Grid.Coarsened);
        Assert.True(report.Grid.MinCount > 1);
        var ids = Clusters.SelectMany(longitude => Enumerable.Range(0, 6).Select(i => IdOf($"gg-{longitude}-{i}"))).ToList();
        Assert.Equal(await Api.ShownCountAsync(ids), report.Grid.Frames[0].Observations);
        Assert.InRange(report.Cells.Count, 0, 2);
        Assert.All(report.Cells, c => Assert.True(c.Cell.Count >= report.Grid.MinCount));
    }

    [Fact]
    public async Task Roles_WithoutCoverage_AreRefused()
    {
        await FailsWith(StatusCode.PermissionDenied, () => GapsAsync(Request([Sex.Female], []), Role.Importer));
        await FailsWith(StatusCode.PermissionDenied, () => GapsAsync(Request([Sex.Female], []), Role.Cla));
    }
}
