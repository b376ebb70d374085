using System.Diagnostics;
using System.Globalization;
using Geo.Api;
using Geo.Api.V1;
using Grpc.Core;

namespace Geo.Bench.Mission;

/// <summary>
/// roads-load and roads: a road network of about 200,000 segments over the coverage bench's mission
/// (a jittered grid of national roads, secondary roads and tracks, some seasonal), imported through
/// Roads.Import; then the isochrones layer of every staffed base and GetCoverage by travel time, timed.
/// </summary>
internal static class RoadBench
{
    public static async Task<int> LoadAsync(GeoAwarenessClient channel, Arguments options)
    {
        var side = options.Int("side-km", 600);
        var n = options.Int("grid", 317);
        // The region of the coverage bench's mission (coverage-load with the same seed and side).
        var region = Geo.Synthetic.MissionGenerator.Generate(new Geo.Synthetic.MissionOptions
        {
            Seed = options.Int("seed", 7), Communities = options.Int("communities", 5000), Towns = 20, WidthKilometres = side, HeightKilometres = side, Days = 14,
        }).Region;
        var (west, south) = (region.West, region.South);
        (double Lon, double Lat) Vertex(int i, int j)
        {
            // Deterministic jitter of a quarter spacing, the same for the row and the column that share the vertex.
            var jx = (((i * 7919) + (j * 104729)) % 1000 / 1000.0) - 0.5;
            var jy = (((i * 15485863) + (j * 32452843)) % 1000 / 1000.0) - 0.5;
            var (stepX, stepY) = ((region.East - west) / (n - 1), (region.North - south) / (n - 1));
            var lon = west + (i * stepX) + (i is 0 || i == n - 1 ? 0 : jx * stepX / 4);
            var lat = south + (j * stepY) + (j is 0 || j == n - 1 ? 0 : jy * stepY / 4);
            return (Math.Round(lon, 7), Math.Round(lat, 7));
        }

        static string Class(int k) => k % 20 == 0 ? "primary" : k % 5 == 0 ? "secondary" : "track";
        var watch = Stopwatch.StartNew();
        using var call = channel.Roads.Import();
        var message = new ImportRoadsRequest { Dataset = "bench-grid" };
        var features = 0;
        for (var k = 0; k < n; k++)
        {
            foreach (var horizontal in new[] { true, false })
            {
                var line = new RoadLineString();
                for (var m = 0; m < n; m++)
                {
                    var (lon, lat) = horizontal ? Vertex(m, k) : Vertex(k, m);
                    line.Coordinates.Add(lon);
                    line.Coordinates.Add(lat);
                }

                var roadClass = Class(k);
                message.Features.Add(new RoadFeature
                {
                    Id = $"{(horizontal ? "row" : "column")}-{k}", Highway = roadClass, Seasonal = roadClass == "track" && k % 10 == 3 ? "yes" : "no", Lines = { line },
                });
                features++;
                if (message.Features.Count == 50)
                {
                    await call.RequestStream.WriteAsync(message);
                    message = new ImportRoadsRequest();
                }
            }
        }

        await call.RequestStream.WriteAsync(message);
        await call.RequestStream.CompleteAsync();
        var report = await call.ResponseAsync;
        Console.WriteLine($"imported {features} roads, {report.Segments:N0} segments in {watch.Elapsed.TotalSeconds:F1} s");
        Program.Result("roads.segments", report.Segments);
        Program.Result("roads.import_seconds", watch.Elapsed.TotalSeconds);
        return 0;
    }

    public static async Task<int> TimeAsync(GeoAwarenessClient channel, Arguments options)
    {
        var minutes = options.Int("minutes", 120);
        var repeat = options.Int("repeat", 5);
        var coverageRepeat = options.Int("coverage-repeat", 20);
        TravelTimeReach Reach(int m) => new() { Mode = TravelMode.Vehicle, Minutes = m, Season = RoadSeason.Dry };

        // The first question loads the network and builds its grid; each later one asks a travel
        // time not asked before, so every staffed base's isochrone is computed again.
        var (first, features, bytes) = await LayerAsync(channel, Reach(minutes));
        Console.WriteLine($"isochrones layer, first question (network loaded, grid built): {first:F0} ms, {features} features, {bytes:N0} bytes");
        var fresh = new List<double>();
        for (var i = 1; i <= repeat; i++)
        {
            var (ms, _, _) = await LayerAsync(channel, Reach(minutes + i));
            fresh.Add(ms);
        }

        fresh.Sort();
        var freshP50 = fresh[(fresh.Count - 1) / 2];
        Console.WriteLine($"isochrones layer, a new travel time each call ({minutes + 1}..{minutes + repeat} min): p50 {freshP50:F0} ms, min {fresh[0]:F0} ms, max {fresh[^1]:F0} ms");

        // Coverage by a travel time not asked before: every staffed base's isochrone computed, no polygon drawn.
        var computed = new List<double>();
        for (var i = 1; i <= repeat; i++)
        {
            var watch = Stopwatch.StartNew();
            await channel.Coverage.GetCoverageAsync(new CoverageRequest { At = CoverageBench.At, ReachTime = Reach(minutes - i) }).ResponseAsync;
            computed.Add(watch.Elapsed.TotalMilliseconds);
        }

        computed.Sort();
        var computedP50 = computed[(computed.Count - 1) / 2];
        Console.WriteLine($"GetCoverage by a travel time not asked before ({minutes - repeat}..{minutes - 1} min; every isochrone computed): p50 {computedP50:F0} ms");

        // Coverage by travel time once the isochrones are there: the same question again.
        var request = new CoverageRequest { At = CoverageBench.At, ReachTime = Reach(minutes) };
        var report = await channel.Coverage.GetCoverageAsync(request).ResponseAsync;
        var times = new List<double>();
        for (var i = 0; i < coverageRepeat; i++)
        {
            var watch = Stopwatch.StartNew();
            await channel.Coverage.GetCoverageAsync(request).ResponseAsync;
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        var coverageP50 = times[(times.Count - 1) / 2];
        var byDistance = await channel.Coverage.GetCoverageAsync(new CoverageRequest { At = CoverageBench.At }).ResponseAsync;
        Console.WriteLine(
            $"GetCoverage by {minutes} min by vehicle: p50 {coverageP50:F1} ms over {coverageRepeat} calls; {report.CommunitiesOutOfReach.Count:N0} of {report.CommunitiesAtRisk:N0} " +
            $"communities at risk out of reach ({byDistance.CommunitiesOutOfReach.Count:N0} by straight-line distance); " +
            $"{report.Bases.Count(b => b.ReachBasis == ReachBasis.StraightLineNoRoads)} staffed bases with no road");
        Program.Result("roads.isochrones_first_ms", first);
        Program.Result("roads.isochrones_p50_ms", freshP50);
        Program.Result("roads.computed_coverage_p50_ms", computedP50);
        Program.Result("roads.isochrones_features", features);
        Program.Result("roads.coverage_p50_ms", coverageP50);
        Program.Result("roads.out_of_reach", report.CommunitiesOutOfReach.Count);
        Program.Result("roads.out_of_reach_by_distance", byDistance.CommunitiesOutOfReach.Count);
        return 0;
    }

    private static async Task<(double Milliseconds, long Features, long Bytes)> LayerAsync(GeoAwarenessClient channel, TravelTimeReach reach)
    {
        var watch = Stopwatch.StartNew();
        using var call = channel.Feeds.PullLayer(new PullLayerRequest { Isochrones = new CoverageRequest { At = CoverageBench.At, ReachTime = reach } });
        long bytes = 0, features = 0;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            bytes += chunk.Geojson.Length;
            if (chunk.End is { } end)
            {
                features = end.Features;
            }
        }

        return (watch.Elapsed.TotalMilliseconds, features, bytes);
    }
}
