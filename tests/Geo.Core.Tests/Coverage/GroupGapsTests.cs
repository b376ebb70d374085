using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.HeatMaps;
using Geo.Core.Spatial;
using Xunit;

namespace Geo.Core.Tests.Coverage;

public sealed class GroupGapsTests
{
    private static readonly HeatMapSpec Spec = new()
    {
        Filter = new ObservationFilter
        {
            Area = new BoxArea(28.5, -1.0, 29.5, 0.0),
            ObservedFrom = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            ObservedTo = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero),
        },
        CellSizeMetres = 2000,
    };

    /// <summary>Threats clustered at two places: 6 near (28.7, −0.7), 5 near (29.3, −0.3), 1 elsewhere.</summary>
    private static HeatMap Map()
    {
        var area = AreaGrid.Build(Spec.Area, GridShape.Square, Spec.CellSizeMetres);
        var bins = new HeatMapBins(area, HeatMapPeriod.Frames(Spec.From, Spec.To, SeriesStep.None), Spec);
        for (var i = 0; i < 6; i++)
        {
            bins.Add(28.7, -0.7, Spec.From, 3, 1);
        }

        for (var i = 0; i < 5; i++)
        {
            bins.Add(29.3, -0.3, Spec.From, 3, 1);
        }

        bins.Add(29.0, -0.5, Spec.From, 3, 1);
        return HeatMap.Compute(area, Spec, bins, 0);
    }

    [Fact]
    public void Find_ACoveredClusterAndAnUncoveredOne_ReportsOnlyTheUncoveredWithItsCommunities()
    {
        var bases = new[] { new CoveringBase("base-west", new GeoPoint(28.72, -0.7), 15_000), new CoveringBase("base-far", new GeoPoint(28.6, -0.1), 5_000) };
        var communities = new[] { new GapCommunity("village-east", new GeoPoint(29.3, -0.3)), new GapCommunity("village-west", new GeoPoint(28.7, -0.7)) };

        var result = GroupGaps.Find(Map(), threshold: 3, requiresFemaleCla: true, bases, communities);

        Assert.Equal(2, result.ThreatenedCells);
        var gap = Assert.Single(result.Cells);
        Assert.Equal(["village-east"], gap.CommunityIds);
        Assert.Equal("base-west", gap.NearestBaseId);
        Assert.Equal(Geodesy.DistanceMetres(Centre(gap.Index), new GeoPoint(28.72, -0.7)), gap.DistanceMetres, 1e-6);
    }

    [Fact]
    public void Find_NoQualifyingBase_EveryThreatenedCellIsAGapWithoutANearestBase()
    {
        var result = GroupGaps.Find(Map(), threshold: 1, requiresFemaleCla: false, [], []);

        Assert.Equal(3, result.Cells.Count);
        Assert.All(result.Cells, c => Assert.Null(c.NearestBaseId));
    }

    [Fact]
    public void Find_ReachIsGeodesic_AtTheEdge()
    {
        var centre = Centre(Map().Frames[0].Values.Select((v, i) => (v, i)).MaxBy(x => x.v).i);
        var target = Geodesy.DestinationPoint(centre, 90, 10_000);

        var inside = GroupGaps.Find(Map(), 6, false, [new CoveringBase("b", target, 10_001)], []);
        var outside = GroupGaps.Find(Map(), 6, false, [new CoveringBase("b", target, 9_999)], []);

        Assert.Empty(inside.Cells);
        Assert.Single(outside.Cells);
    }

    [Theory]
    [InlineData(new[] { Sex.Female }, 1, 0, 1)]
    [InlineData(new[] { Sex.Female }, 2, 1, 0)]
    [InlineData(new Sex[0], 2, 0, 0)]
    public void Compare_ATeamForTheEastBase_ClosesTheGapsItsTeamQualifiesFor(Sex[] sexes, int claCount, int femaleCount, int gapsAfter)
    {
        // A staffed team with a woman in the west covers the west cluster; the east base is empty.
        var question = new CoverageQuestion(new DateOnly(2026, 1, 15), ReachDistances.Defaults, CoverageQuestion.DefaultMinRisk);
        var west = new BaseTeam(Station("west", new GeoPoint(28.72, -0.7)), new ClaTeam(2, 1, 0), 0, 0);
        var east = new BaseTeam(Station("east", new GeoPoint(29.32, -0.3)), new ClaTeam(0, 0, 0), 0, 0);
        var village = new CommunityAtRisk("village-east", "village-east", new GeoPoint(29.3, -0.3), RiskLevel.High, 800);
        var plan = CoverageAnalysis.Plan(question, [west, east], [village], [new PlannedTeam("east", claCount, femaleCount)]);
        var selector = new GroupSelector(sexes, []);

        var change = GroupGaps.Compare(Map(), threshold: 3, selector, plan.Before.Bases, plan.After.Bases, [village]);

        var gap = Assert.Single(change.Before.Cells);
        Assert.Equal(["village-east"], gap.CommunityIds);
        Assert.Equal("west", gap.NearestBaseId);
        Assert.Equal(gapsAfter, change.After.Cells.Count);
        if (gapsAfter == 0)
        {
            // Closed by the east team, which now covers it, not the west base that was nearest before.
            var closed = Assert.Single(change.Closed);
            Assert.Equal(gap.Index, closed.Index);
            Assert.Equal("east", closed.NearestBaseId);
            Assert.Equal(Geodesy.DistanceMetres(Centre(gap.Index), new GeoPoint(29.32, -0.3)), closed.DistanceMetres, 1e-6);
        }
        else
        {
            Assert.Empty(change.Closed);
        }
    }

    private static Base Station(string id, GeoPoint at) => new()
    {
        Id = id, Name = id, Kind = BaseKind.OperatingBase, Location = at, OpenedOn = new DateOnly(2024, 1, 1),
    };

    [Theory]
    [InlineData(new[] { Sex.Female }, true)]
    [InlineData(new Sex[0], false)]
    [InlineData(new[] { Sex.Female, Sex.Male }, false)]
    [InlineData(new[] { Sex.Male }, false)]
    public void RequiresFemaleCla_OnlyForWomenAndGirls(Sex[] sexes, bool expected)
    {
        Assert.Equal(expected, GroupGaps.RequiresFemaleCla(new GroupSelector(sexes, [AgeGroup.Child])));
    }

    private static GeoPoint Centre(int index)
    {
        var area = AreaGrid.Build(Spec.Area, GridShape.Square, Spec.CellSizeMetres);
        var (x, y) = area.Grid.Centre(index);
        return area.Frame.Inverse(x, y);
    }
}
