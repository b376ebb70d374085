using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Geo.Core.Domain;
using Geo.Core.HeatMaps;
using Geo.Testing;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Xunit;

namespace Geo.Core.Tests.HeatMaps;

/// <summary>
/// Our counts, kernel density and Gi* against an independent implementation of the same
/// definitions (tests/oracles/heatmap_oracle.py: numpy, scipy, shapely and pyproj from Debian),
/// on small generated data sets: clustered observations in irregular areas across the equator
/// and the 30° E UTM zone boundary, squares and hexagons.
/// Tolerances: the same study cells and counts exactly; the binned density and Gi* z-scores and
/// p-values to 1e-9 (relative to the largest value); and the binned density against the exact
/// point-by-point density within 3% of the total (L1) when the bandwidth spans five cells.
/// </summary>
public sealed class OracleTests
{
    public static TheoryData<GridShape, double, double, bool> Cases() => new()
    {
        { GridShape.Square, 29.0, 0.0, false },
        { GridShape.Hexagon, 29.0, 0.0, false },
        { GridShape.Square, 30.0, -1.0, true },
        { GridShape.Hexagon, 30.0, -1.0, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CountsDensityAndHotSpots_AgreeWithTheOracle(GridShape shape, double longitude, double latitude, bool weighted)
    {
        var area = IrregularArea(longitude, latitude);
        var spec = new HeatMapSpec
        {
            Filter = new ObservationFilter { Area = area, ObservedFrom = Start, ObservedTo = Start.AddDays(30) },
            Shape = shape,
            CellSizeMetres = 1000,
            Method = HeatMapMethod.Count,
            Weighting = weighted ? new Weighting(true, false, null) : Weighting.None,
            BandwidthMetres = 5000,
            DistanceBandMetres = 3000,
        };
        var grid = AreaGrid.Build(area, shape, spec.CellSizeMetres);
        var points = Observations(area, seed: (int)(longitude * 10) + (int)shape);
        var bins = new HeatMapBins(grid, HeatMapPeriod.Frames(spec.From, spec.To, SeriesStep.None), spec);
        foreach (var (lon, lat, severity) in points)
        {
            bins.Add(lon, lat, Start.AddDays(1), severity, 1);
        }

        var counts = HeatMap.Compute(grid, spec, bins, 0).Frames[0];
        var density = HeatMap.Compute(grid, spec with { Method = HeatMapMethod.KernelDensity }, bins, 0).Frames[0];
        var hot = HeatMap.Compute(grid, spec with { Method = HeatMapMethod.HotSpots }, bins, 0).Frames[0];
        var oracle = HeatMapOracle.Run("heatmap", Request(grid, area, points, weighted, spec));

        var cells = oracle["cells"]!.AsArray().Select(c => grid.Grid.IndexOf((int)c![0]!, (int)c[1]!)).ToList();
        var ours = Enumerable.Range(0, grid.Grid.Count).Where(i => grid.InArea[i]).ToList();
        Assert.Equal(cells.Order(), ours.Order());
        var expectedCounts = Doubles(oracle, "counts");
        for (var k = 0; k < cells.Count; k++)
        {
            Assert.Equal(expectedCounts[k], counts.Values[cells[k]]);
        }

        var binned = Doubles(oracle, "kde_binned");
        var scale = binned.Max();
        for (var k = 0; k < cells.Count; k++)
        {
            Assert.Equal(binned[k], density.Values[cells[k]], 1e-9 * scale);
            Assert.Equal(Doubles(oracle, "kde_count")[k], density.Counts[cells[k]]);
        }

        var exact = Doubles(oracle, "kde_exact");
        var l1 = cells.Select((cell, k) => Math.Abs(density.Values[cell] - exact[k])).Sum();
        Assert.True(l1 <= 0.03 * exact.Sum(), $"binned vs exact density: L1 {l1:F3} of {exact.Sum():F3}");

        var z = Doubles(oracle, "gi_z");
        var p = Doubles(oracle, "gi_p");
        var bin = Doubles(oracle, "gi_bin");
        for (var k = 0; k < cells.Count; k++)
        {
            Assert.Equal(z[k], hot.Values[cells[k]], 1e-9 * Math.Max(1, z.Max(Math.Abs)));
            Assert.Equal(p[k], hot.HotSpots!.PValues[cells[k]], 1e-9);
            Assert.Equal((int)bin[k], hot.HotSpots.Classes[cells[k]]);
            Assert.Equal(Doubles(oracle, "gi_count")[k], hot.Counts[cells[k]]);
        }

        Assert.Contains(hot.HotSpots!.Classes, c => c == 3);
    }

    [Theory]
    [InlineData(GridShape.Square)]
    [InlineData(GridShape.Hexagon)]
    public void CellPolygons_TileTheAreaWithoutGapOrOverlap_PerTheOracle(GridShape shape)
    {
        var area = IrregularArea(30.0, 0.0);
        var grid = AreaGrid.Build(area, shape, 2000);
        var rings = new CellRings(grid);
        var ringArray = new JsonArray();
        for (var index = 0; index < grid.Grid.Count; index++)
        {
            if (grid.InArea[index])
            {
                ringArray.Add(new JsonArray(rings.RingOf(index % grid.Grid.Columns, index / grid.Grid.Columns).Select(v => (JsonNode)v).ToArray()));
            }
        }

        var tiling = HeatMapOracle.Run("tiling", new JsonObject
        {
            ["projection"] = Projection(grid),
            ["area"] = GeoJson(area),
            ["rings"] = ringArray,
        });

        var areaM2 = (double)tiling["area_m2"]!;
        Assert.True((bool)tiling["all_ccw"]!);
        Assert.Equal(0, (int)tiling["invalid"]!);
        Assert.True((double)tiling["overlap_m2"]! < 1e-6 * areaM2, $"overlap {tiling["overlap_m2"]} m²");
        Assert.True((double)tiling["uncovered_m2"]! < 1e-6 * areaM2, $"uncovered {tiling["uncovered_m2"]} m²");
    }

    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A concave hexagon of about 50 x 40 km around the point, with a hole.</summary>
    private static ShapeArea IrregularArea(double longitude, double latitude)
    {
        string P(double dx, double dy) => string.Create(CultureInfo.InvariantCulture, $"{longitude + dx} {latitude + dy}");
        var wkt = $"POLYGON(({P(-0.22, -0.18)}, {P(0.05, -0.2)}, {P(0.23, -0.1)}, {P(0.2, 0.17)}, {P(0.0, 0.02)}, {P(-0.21, 0.16)}, {P(-0.22, -0.18)}), " +
            $"({P(0.08, -0.08)}, {P(0.12, -0.08)}, {P(0.12, -0.04)}, {P(0.08, -0.04)}, {P(0.08, -0.08)}))";
        return new ShapeArea(new WKTReader().Read(wkt));
    }

    /// <summary>Observations inside the area: three clusters and a thin background, with severities.</summary>
    private static List<(double Lon, double Lat, int Severity)> Observations(ShapeArea area, int seed)
    {
        var random = new Random(seed);
        var envelope = area.Shape.EnvelopeInternal;
        var centres = new[] { (0.3, 0.3), (0.6, 0.4), (0.35, 0.65) };
        var points = new List<(double, double, int)>();
        while (points.Count < 2500)
        {
            var (u, v) = ClusteredPositions.Next(random, centres, 0.03);

            var lon = envelope.MinX + (u * envelope.Width);
            var lat = envelope.MinY + (v * envelope.Height);
            if (area.Contains(new Geo.Core.Spatial.GeoPoint(lon, lat)))
            {
                points.Add((lon, lat, random.Next(1, 6)));
            }
        }

        return points;
    }

    private static JsonObject Request(AreaGrid grid, ShapeArea area, List<(double Lon, double Lat, int Severity)> points, bool weighted, HeatMapSpec spec) => new()
    {
        ["projection"] = Projection(grid),
        ["grid"] = new JsonObject
        {
            ["shape"] = grid.Grid.Shape == GridShape.Square ? "square" : "hexagon",
            ["size"] = grid.Grid.Size,
            ["origin_x"] = grid.Grid.CornerX,
            ["origin_y"] = grid.Grid.CornerY,
            ["columns"] = grid.Grid.Columns,
            ["rows"] = grid.Grid.Rows,
        },
        ["area"] = GeoJson(area),
        ["points"] = new JsonArray(points.Select(p => (JsonNode)(weighted ? new JsonArray(p.Lon, p.Lat, p.Severity) : new JsonArray(p.Lon, p.Lat))).ToArray()),
        ["bandwidth"] = spec.Bandwidth,
        ["distance_band"] = spec.DistanceBand,
    };

    private static JsonObject Projection(AreaGrid grid) => new() { ["lat_0"] = grid.Frame.Centre.Latitude, ["lon_0"] = grid.Frame.Centre.Longitude };

    private static JsonObject GeoJson(ShapeArea area)
    {
        var polygon = (Polygon)area.Shape;
        var rings = new JsonArray();
        foreach (var ring in new[] { polygon.ExteriorRing }.Concat(polygon.InteriorRings))
        {
            rings.Add(new JsonArray(ring.Coordinates.Select(c => (JsonNode)new JsonArray(c.X, c.Y)).ToArray()));
        }

        return new JsonObject { ["type"] = "Polygon", ["coordinates"] = rings };
    }

    private static double[] Doubles(JsonNode oracle, string name) => oracle[name]!.AsArray().Select(v => (double)v!).ToArray();
}
