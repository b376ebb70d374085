using System.Globalization;
using System.Text.Json.Nodes;
using Geo.Api.V1;
using Geo.Testing;
using Google.Protobuf.WellKnownTypes;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Nts = NetTopologySuite.Geometries;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// What HeatMaps.Compute returns over gRPC, from observations submitted through the API and read
/// back from PostGIS, against the independent oracle (tests/oracles/heatmap_oracle.py) given the
/// same observations as submitted (dates, severity, affected people), the same area, period and
/// group selector, and the grid and PROJ string the response names. The oracle derives the weights
/// (severity x people of the selected groups x half-life decay) and drops observations outside the
/// period or affecting no one selected by itself, so the whole path is checked: the request read,
/// the database filter and columns, the binning and the surface.
/// Tolerances are those of the Core oracle tests: the same study cells and counts exactly; weighted
/// sums, binned density and Gi* z-scores to 1e-9 relative to the largest value, p-values to 1e-9.
/// </summary>
public sealed class HeatMapOracleTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly DateTimeOffset From = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan HalfLife = TimeSpan.FromDays(5);
    private static readonly Sex[] Sexes = [Sex.Female, Sex.Male, Sex.Unknown];
    private static readonly AgeGroup[] Ages = [AgeGroup.Child, AgeGroup.Youth, AgeGroup.Adult, AgeGroup.Older];

    /// <summary>One submitted observation, as the oracle is told about it.</summary>
    private sealed record Submitted(double Longitude, double Latitude, DateTimeOffset ObservedAt, int Severity, List<(Sex Sex, AgeGroup Age, int Count)> Affected);

    [Theory]
    [InlineData(GridShape.Square, 28.0)]
    [InlineData(GridShape.Hexagon, 28.6)]
    public async Task CountsWeightsDensityAndHotSpots_OverGrpc_AgreeWithTheOracle(GridShape shape, double longitude)
    {
        var geoJson = IrregularArea(longitude, -0.02);
        var submitted = Observations(geoJson, seed: (int)(longitude * 10) + (int)shape);
        await SubmitAsync(submitted, $"hmo-{shape}");

        var counts = await ComputeAsync(geoJson, shape, HeatMapMethod.Count, weighted: false);
        var density = await ComputeAsync(geoJson, shape, HeatMapMethod.KernelDensity, weighted: false);
        var hot = await ComputeAsync(geoJson, shape, HeatMapMethod.HotSpots, weighted: false);
        var weights = await ComputeAsync(geoJson, shape, HeatMapMethod.WeightedSum, weighted: true);
        var weightedDensity = await ComputeAsync(geoJson, shape, HeatMapMethod.KernelDensity, weighted: true);
        var weightedHot = await ComputeAsync(geoJson, shape, HeatMapMethod.HotSpots, weighted: true);
        foreach (var other in new[] { density, hot, weights, weightedDensity, weightedHot })
        {
            SameGrid(counts.Grid, other.Grid);
        }

        var plain = HeatMapOracle.Run("heatmap", OracleRequest(counts.Grid, geoJson, submitted, weighted: false));
        var weighted = HeatMapOracle.Run("heatmap", OracleRequest(counts.Grid, geoJson, submitted, weighted: true));
        Assert.False((bool)plain["params"]!["weighted"]!);
        Assert.True((bool)weighted["params"]!["weighted"]!);

        // The same study cells, and the same observations kept by the period and the group selector.
        var cells = plain["cells"]!.AsArray().Select(c => ((int)c![0]!, (int)c[1]!)).ToList();
        Assert.True(cells.Count > 100, $"{cells.Count} study cells");
        Assert.Equal((int)plain["params"]!["study_cells"]!, counts.Grid.CellsInArea);
        Assert.Equal((double)plain["params"]!["bandwidth"]!, density.Grid.BandwidthMetres);
        Assert.Equal((double)plain["params"]!["distance_band"]!, hot.Grid.DistanceBandMetres);
        foreach (var answer in new[] { counts, density, hot, weights, weightedDensity, weightedHot })
        {
            Assert.Equal(cells.Order(), answer.Frame(0).Select(c => (c.Column, c.Row)).Order());
            Assert.Equal((long)plain["params"]!["points_in_grid"]!, answer.Grid.Frames.Single().Observations);

            // Computed on the read model (issue 21): the oracle holds it to the same answers as PostGIS.
            Assert.NotEqual(0UL, answer.Grid.Watermark);
        }

        // Not a trivial case: some observations were left out by the period or the selector, and
        // the decayed weights are not whole numbers.
        Assert.InRange((long)plain["params"]!["points_in_grid"]!, 150, submitted.Count - 50);
        Assert.Contains(Doubles(weighted, "weights"), w => w != Math.Round(w));

        var count = ByCell(counts);
        var expectedCounts = Doubles(plain, "counts");
        for (var k = 0; k < cells.Count; k++)
        {
            Assert.Equal(expectedCounts[k], count[cells[k]].Value);
            Assert.Equal(expectedCounts[k], count[cells[k]].Count);
        }

        var sum = ByCell(weights);
        var expectedWeights = Doubles(weighted, "weights");
        for (var k = 0; k < cells.Count; k++)
        {
            Assert.Equal(expectedWeights[k], sum[cells[k]].Value, 1e-9 * expectedWeights.Max());
            Assert.Equal(expectedCounts[k], sum[cells[k]].Count);
        }

        CompareDensity(cells, ByCell(density), plain);
        CompareDensity(cells, ByCell(weightedDensity), weighted);
        CompareHotSpots(cells, ByCell(hot), plain);
        CompareHotSpots(cells, ByCell(weightedHot), weighted);
        // Classes that say something: the clusters are significantly hot, by count and by weight.
        Assert.Contains(hot.Frame(0), c => c.HotSpot > 0);
        Assert.Contains(weightedHot.Frame(0), c => c.HotSpot > 0);
    }

    private static void CompareDensity(List<(int, int)> cells, Dictionary<(int, int), HeatMapCell> ours, JsonNode oracle)
    {
        var binned = Doubles(oracle, "kde_binned");
        var contributing = Doubles(oracle, "kde_count");
        for (var k = 0; k < cells.Count; k++)
        {
            Assert.Equal(binned[k], ours[cells[k]].Value, 1e-9 * binned.Max());
            Assert.Equal(contributing[k], ours[cells[k]].Count);
        }
    }

    private static void CompareHotSpots(List<(int, int)> cells, Dictionary<(int, int), HeatMapCell> ours, JsonNode oracle)
    {
        var z = Doubles(oracle, "gi_z");
        var p = Doubles(oracle, "gi_p");
        var bin = Doubles(oracle, "gi_bin");
        var contributing = Doubles(oracle, "gi_count");
        var scale = Math.Max(1, z.Max(Math.Abs));
        for (var k = 0; k < cells.Count; k++)
        {
            var cell = ours[cells[k]];
            Assert.Equal(z[k], cell.Value, 1e-9 * scale);
            Assert.Equal(p[k], cell.PValue, 1e-9);
            Assert.Equal((int)bin[k], cell.HotSpot);
            Assert.Equal(contributing[k], cell.Count);
        }
    }

    private static Dictionary<(int, int), HeatMapCell> ByCell(HeatMapTests.Answer answer) =>
        answer.Frame(0).ToDictionary(c => (c.Column, c.Row));

    private static void SameGrid(HeatMapGrid expected, HeatMapGrid actual)
    {
        Assert.Equal(expected.Projection, actual.Projection);
        Assert.Equal((expected.OriginX, expected.OriginY, expected.Columns, expected.Rows), (actual.OriginX, actual.OriginY, actual.Columns, actual.Rows));
    }

    private Task<HeatMapTests.Answer> ComputeAsync(string geoJson, GridShape shape, HeatMapMethod method, bool weighted)
    {
        var request = new HeatMapRequest
        {
            Filter = new ObservationFilter
            {
                Area = new Area { Shape = new Shape { Geojson = geoJson } },
                ObservedFrom = Timestamp.FromDateTimeOffset(From),
                ObservedTo = Timestamp.FromDateTimeOffset(To),
            },
            Shape = shape,
            CellSizeMetres = 1000,
            Method = method,
            BandwidthMetres = 4000,
            // Every study cell, empty or not, so that the oracle's cells can be compared one for one.
            IncludeEmpty = true,
        };
        // Girls and young women: observations affecting neither are left out, and only they are counted as people.
        request.Filter.AffectedSexes.Add(Sex.Female);
        request.Filter.AffectedAgeGroups.Add(AgeGroup.Child);
        request.Filter.AffectedAgeGroups.Add(AgeGroup.Youth);
        if (weighted)
        {
            request.Weighting = new Weighting { BySeverity = true, ByPeople = true, HalfLife = Duration.FromTimeSpan(HalfLife) };
        }

        return HeatMapTests.ComputeAsync(api.Channel, request);
    }

    /// <summary>The oracle's request: the grid and projection as the response gives them; the area, period, selector, weighting and observations as submitted.</summary>
    private static JsonObject OracleRequest(HeatMapGrid grid, string geoJson, List<Submitted> submitted, bool weighted)
    {
        // The response gives the centre of cell (0, 0); the oracle wants the grid's lower-left corner.
        var hexagon = grid.Shape == GridShape.Hexagon;
        var request = new JsonObject
        {
            ["projection"] = new JsonObject { ["proj"] = grid.Projection },
            ["grid"] = new JsonObject
            {
                ["shape"] = hexagon ? "hexagon" : "square",
                ["size"] = grid.CellSizeMetres,
                ["origin_x"] = grid.OriginX - (hexagon ? grid.CellSizeMetres : grid.CellSizeMetres / 2),
                ["origin_y"] = grid.OriginY - (grid.RowStepMetres / 2),
                ["columns"] = grid.Columns,
                ["rows"] = grid.Rows,
            },
            ["area"] = JsonNode.Parse(geoJson),
            ["observations"] = new JsonArray(submitted.Select(o => (JsonNode)new JsonObject
            {
                ["lon"] = o.Longitude,
                ["lat"] = o.Latitude,
                ["observed_at"] = o.ObservedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["severity"] = o.Severity,
                ["affected"] = new JsonArray(o.Affected.Select(a => (JsonNode)new JsonArray(a.Sex.ToString().ToLowerInvariant(), a.Age.ToString().ToLowerInvariant(), a.Count)).ToArray()),
            }).ToArray()),
            ["period"] = new JsonObject { ["from"] = "2026-03-01T00:00:00Z", ["to"] = "2026-04-01T00:00:00Z" },
            ["groups"] = new JsonObject { ["sexes"] = new JsonArray("female"), ["ages"] = new JsonArray("child", "youth") },
            ["bandwidth"] = 4000,
            // The oracle's own default (3 cells), as the service's is not given.
            ["distance_band"] = null,
        };
        if (weighted)
        {
            request["weighting"] = new JsonObject { ["by_severity"] = true, ["by_people"] = true, ["half_life_seconds"] = HalfLife.TotalSeconds };
        }

        return request;
    }

    private async Task SubmitAsync(List<Submitted> submitted, string prefix)
    {
        var observations = submitted.Select((o, i) =>
        {
            var observation = NewObservation($"{prefix}-{i:D4}", o.Longitude, o.Latitude);
            observation.ObservedAt = Timestamp.FromDateTimeOffset(o.ObservedAt);
            observation.Severity = o.Severity;
            observation.Affected.Clear();
            observation.Affected.Add(o.Affected.Select(a => new AffectedCount { Sex = a.Sex, AgeGroup = a.Age, Count = a.Count }));
            return observation;
        }).ToList();
        foreach (var batch in observations.Chunk(500))
        {
            var response = await api.SubmitAsync(batch);
            Assert.Equal(batch.Length, response.Stored);
        }
    }

    /// <summary>A concave polygon of about 22 x 18 km around the point, with a hole, as GeoJSON.</summary>
    private static string IrregularArea(double longitude, double latitude)
    {
        string P(double dx, double dy) => string.Create(CultureInfo.InvariantCulture, $"[{longitude + dx},{latitude + dy}]");
        return "{\"type\":\"Polygon\",\"coordinates\":[" +
            $"[{P(-0.1, -0.08)},{P(0.02, -0.09)},{P(0.1, -0.05)},{P(0.09, 0.08)},{P(0.0, 0.01)},{P(-0.09, 0.07)},{P(-0.1, -0.08)}]," +
            $"[{P(0.04, -0.04)},{P(0.06, -0.04)},{P(0.06, -0.02)},{P(0.04, -0.02)},{P(0.04, -0.04)}]]}}";
    }

    /// <summary>
    /// Observations inside the area: three clusters and a thin background; severities 1 to 5; one
    /// to three groups of people affected; observed through March, a few in February and April
    /// (outside the period).
    /// </summary>
    private static List<Submitted> Observations(string geoJson, int seed)
    {
        var area = Geo.Core.Spatial.ShapeReader.ReadGeoJson(geoJson).Geometry!;
        var envelope = area.EnvelopeInternal;
        var random = new Random(seed);
        var centres = new[] { (0.25, 0.3), (0.7, 0.35), (0.3, 0.7) };
        var observations = new List<Submitted>();
        while (observations.Count < 900)
        {
            var (u, v) = ClusteredPositions.Next(random, centres, 0.04);

            var lon = Math.Round(envelope.MinX + (u * envelope.Width), 6);
            var lat = Math.Round(envelope.MinY + (v * envelope.Height), 6);
            if (!area.Contains(new Nts.Point(lon, lat)))
            {
                continue;
            }

            var observedAt = From.AddDays(-3).AddSeconds(random.Next(0, 37 * 86400));
            var affected = new List<(Sex, AgeGroup, int)>();
            foreach (var group in Sexes.SelectMany(s => Ages.Select(a => (s, a))).OrderBy(_ => random.Next()).Take(random.Next(1, 4)))
            {
                affected.Add((group.s, group.a, random.Next(1, 9)));
            }

            observations.Add(new Submitted(lon, lat, observedAt, random.Next(1, 6), affected));
        }

        return observations;
    }

    private static double[] Doubles(JsonNode oracle, string name) => oracle[name]!.AsArray().Select(v => (double)v!).ToArray();
}
