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
