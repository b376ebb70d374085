using Geo.Core.Domain;
using Geo.Core.HeatMaps;
using Geo.Core.Spatial;
using Geo.Testing;
using NetTopologySuite.Geometries;
using Xunit;

namespace Geo.Core.Tests.HeatMaps;

public sealed class GridTests
{
    [Theory]
    [InlineData(GridShape.Square)]
    [InlineData(GridShape.Hexagon)]
    public void IndexOf_EveryCentre_IsItsOwnCell(GridShape shape)
    {
        var grid = CellGrid.Covering(shape, 1000, -20_000, -15_000, 20_000, 15_000);

        for (var row = 0; row < grid.Rows; row++)
        {
            for (var column = 0; column < grid.Columns; column++)
            {
                var (x, y) = grid.Centre(column, row);
                Assert.Equal(grid.IndexOf(column, row), grid.IndexOf(x, y));
            }
        }
    }

    [Theory]
    [InlineData(GridShape.Square, 4099)]
    [InlineData(GridShape.Square, 3)]
    [InlineData(GridShape.Hexagon, 1001)]
    public void IndexOf_ManyPoints_EachGetsTheCellItGetsAlone_OnEdgesAndOutsideToo(GridShape shape, int points)
    {
        var grid = CellGrid.Covering(shape, 1000, -20_000, -15_000, 20_000, 15_000);
        var random = new Random(points);
        var x = new double[points];
        var y = new double[points];
        for (var i = 0; i < points; i++)
        {
            // Most points on a cell's edge or the grid's own (whole kilometres), some outside it, one not a number.
            x[i] = i % 2 == 0 ? random.Next(-22, 23) * 1000.0 : -22_000 + (random.NextDouble() * 44_000);
            y[i] = i % 3 == 0 ? random.Next(-17, 18) * 1000.0 : -17_000 + (random.NextDouble() * 34_000);
        }

        x[^1] = double.NaN;
        var cells = new int[points];

        grid.IndexOf(x, y, cells);

        for (var i = 0; i < points; i++)
        {
            Assert.True(grid.IndexOf(x[i], y[i]) == cells[i], $"point {i} ({x[i]}, {y[i]}): alone {grid.IndexOf(x[i], y[i])}, together {cells[i]}");
        }

        Assert.Equal(-1, cells[^1]);
        if (points > 100)
        {
            Assert.Contains(-1, cells[..^1]);
            Assert.Contains(cells, cell => cell >= 0);
        }
    }

    [Fact]
    public void IndexOf_Hexagons_IsTheNearestCentre()
    {
        var grid = CellGrid.Covering(GridShape.Hexagon, 700, 0, 0, 20_000, 20_000);
        var random = new Random(5);
        for (var i = 0; i < 5000; i++)
        {
            var (x, y) = (random.NextDouble() * 20_000, random.NextDouble() * 20_000);
            var nearest = Enumerable.Range(0, grid.Count).MinBy(index =>
            {
                var (cx, cy) = grid.Centre(index);
                return ((cx - x) * (cx - x)) + ((cy - y) * (cy - y));
            });

            Assert.Equal(nearest, grid.IndexOf(x, y));
        }
    }

    [Theory]
    [InlineData(GridShape.Square)]
    [InlineData(GridShape.Hexagon)]
    public void Corners_AreCounterClockwiseAndEncloseTheCellArea(GridShape shape)
    {
        var grid = CellGrid.Covering(shape, 500, 0, 0, 5000, 5000);
        var factory = new GeometryFactory();

        var polygon = factory.CreatePolygon(grid.Corners(3, 2).Append(grid.Corners(3, 2).First()).Select(c => new Coordinate(c.X, c.Y)).ToArray());

        Assert.True(polygon.Shell.IsCCW);
        Assert.Equal(grid.CellArea, polygon.Area, 6);
        Assert.True(polygon.Contains(factory.CreatePoint(new Coordinate(grid.Centre(3, 2).X, grid.Centre(3, 2).Y))));
    }

    [Theory]
    [InlineData(GridShape.Square)]
    [InlineData(GridShape.Hexagon)]
    public void Neighbourhood_IsTheSameLatticeForEveryCell(GridShape shape)
    {
        var grid = CellGrid.Covering(shape, 1000, 0, 0, 30_000, 30_000);

        foreach (var (da, db, distance) in grid.Neighbourhood(3500, strict: false))
        {
            foreach (var (column, row) in new[] { (10, 10), (11, 10) })
            {
                var (a, b) = grid.Lattice(column, row);
                var (c, r) = (a + da, b + db + (shape == GridShape.Square ? 0 : (a + da) >> 1));
                var (x1, y1) = grid.Centre(column, row);
                var (x2, y2) = grid.Centre(c, r);
                Assert.Equal(distance, Math.Sqrt(((x2 - x1) * (x2 - x1)) + ((y2 - y1) * (y2 - y1))), 6);
            }
        }
    }

    [Fact]
    public void MetricFrame_RoundTrips_AndMeasuresTrueDistances()
    {
        var frame = new MetricFrame(new GeoPoint(29, -0.5));
        var a = new GeoPoint(27.3, -2.2);
        var b = new GeoPoint(30.7, 1.2);

        var (ax, ay) = frame.Forward(a.Longitude, a.Latitude);
        var (bx, by) = frame.Forward(b.Longitude, b.Latitude);
        var back = frame.Inverse(ax, ay);

        // ProjNET's inverse iterates for latitude: within a centimetre.
        Assert.Equal(a.Longitude, back.Longitude, 1e-7);
        Assert.Equal(a.Latitude, back.Latitude, 1e-7);
        var planar = Math.Sqrt(((bx - ax) * (bx - ax)) + ((by - ay) * (by - ay)));
        Assert.InRange(planar / Geodesy.DistanceMetres(a, b), 0.998, 1.002);
    }

    [Theory]
    [InlineData(GridShape.Square, 29.0, -0.5)]
    [InlineData(GridShape.Hexagon, 29.0, -0.5)]
    [InlineData(GridShape.Square, 30.0, 0.0)]
    [InlineData(GridShape.Hexagon, 30.0, 0.0)]
    public void AreaGrid_CellsInTheArea_CoverItWithoutOverlap(GridShape shape, double longitude, double latitude)
    {
        // A triangle-ish polygon across the equator and the 30° E UTM zone boundary (in some cases).
        var wkt = FormattableString.Invariant(
            $"POLYGON(({longitude - 0.3} {latitude - 0.25}, {longitude + 0.35} {latitude - 0.2}, {longitude + 0.1} {latitude + 0.3}, {longitude - 0.2} {latitude + 0.1}, {longitude - 0.3} {latitude - 0.25}))");
        var area = new ShapeArea(new NetTopologySuite.IO.WKTReader().Read(wkt));
        var grid = AreaGrid.Build(area, shape, 5000);
        var factory = new GeometryFactory();
        var planarArea = grid.Frame.ToPlane(NetTopologySuite.Densify.Densifier.Densify(area.Shape, 0.001));

        var cells = new List<Polygon>();
        for (var index = 0; index < grid.Grid.Count; index++)
        {
            if (grid.InArea[index])
            {
                var (column, row) = (index % grid.Grid.Columns, index / grid.Grid.Columns);
                cells.Add(factory.CreatePolygon(grid.Grid.Corners(column, row).Append(grid.Grid.Corners(column, row).First()).Select(c => new Coordinate(c.X, c.Y)).ToArray()));
            }
        }

        var union = NetTopologySuite.Operation.Union.CascadedPolygonUnion.Union(cells.ToArray());
        Assert.Equal(cells.Sum(c => c.Area), union.Area, 1e-6 * union.Area);
        Assert.True(planarArea.Difference(union).Area < 1e-6 * planarArea.Area, "every part of the area lies in a cell");
        Assert.All(cells, c => Assert.True(c.Intersection(planarArea).Area > 0, "every cell overlaps the area"));
    }

    [Fact]
    public void AreaGrid_TinyPolygonInsideOneCell_IsThatCell()
    {
        var area = new ShapeArea(new NetTopologySuite.IO.WKTReader().Read("POLYGON((29.0001 0.0001, 29.0002 0.0001, 29.0002 0.0002, 29.0001 0.0001))"));

        var grid = AreaGrid.Build(area, GridShape.Square, 1000);

        Assert.Equal(1, grid.CellsInArea);
    }

    [Fact]
    public void TooLarge_CombOf6000TeethAt200MetreCells_IsRefusedForItsBoundaryWithoutDensifyingIt()
    {
        // 24,004 vertices, within every shape limit; densified for 200 m cells, 26 million points
        // (over a gigabyte of coordinates), built twice before the cells were even counted.
        var area = new ShapeArea(ShapeReader.ReadWkt(HostileText.CombWkt(6_000)).Geometry!);
        var spec = new HeatMapSpec
        {
            Filter = new ObservationFilter { Area = area, ObservedFrom = DateTimeOffset.UnixEpoch, ObservedTo = DateTimeOffset.UnixEpoch.AddDays(1) },
            CellSizeMetres = 200,
        };
        var allocated = GC.GetAllocatedBytesForCurrentThread();

        var refusal = HeatMapRules.TooLarge(spec, new HeatMapLimits());

        Assert.Equal("area: its boundary, followed at cells of 200 m, takes 26,474,274 points, above the maximum of 250,000; give a simpler area or larger cells", refusal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 200_000_000, "the check itself densified the boundary");
    }
}
