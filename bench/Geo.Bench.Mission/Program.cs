using System.Diagnostics;
using System.Globalization;
using Geo.Api.V1;
using Geo.Synthetic;
using Geo.Api;
using Geo.Bench.Seeding;
using Grpc.Core;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Geo.Bench.Mission;

/// <summary>
/// geo-bench-mission load|csv|query|body|coverage-load|coverage|indicators: end-to-end figures of the service with a synthetic mission.
/// Lines starting "RESULT name=value" are for scripts (bench/ingest.sh).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("""
                usage:
                  load  --grpc http://127.0.0.1:PORT --observations N --seed S [--batch 1000] [--pregenerate] [--service-pid PID] [--token gat_...]
                  csv   --observations N --seed S --out FILE
                  geojson --observations N --seed S --out FILE
                        the same observations as the GeoJSON file `geoaware ingest` reads (bench/cli-ingest.sh)
                  query --grpc http://127.0.0.1:PORT --seed S [--repeat 50] [--warmup 30] [--target 10000] [--page-size 5000] [--stream false] [--service-pid PID] [--token gat_...]
                  heatmap --grpc http://127.0.0.1:PORT --seed S [--repeat 10] [--warmup 10] [--min-count 0] [--cell 1000] [--shape square|hexagon] [--methods count,kde,hotspots,monthly]
                          [--bandwidth 5000] [--packed] [--service-pid PID] [--token gat_...]
                        heat maps over the whole mission region and year, timed end to end (all cells received);
                        also prints the request's area and period and the grid the service laid out (for peers);
                        --packed asks for CELL_LAYOUT_PACKED (the cells as columns of numbers, no geometry)
                  kde-kernel --points FILE --area W,S,E,N [--cell 1000] [--bandwidth 5000] [--repeat 7]
                        kernel density alone (binning with projection, then the surface) on points in memory (a CSV
                        of longitude,latitude), on the grid the service lays out for the box: what the oracle's timings measure
                  duckdb --points FILE --area W,S,E,N --from ISO --to ISO [--cell 1000] [--repeat 10]
                        the in-memory peer of the read model: the points (longitude,latitude,observed_at), projected
                        as the service projects them (not timed), in a DuckDB table; times the 1 km counts and 12
                        monthly frames of counts as GROUP BY on the bins
                  model-load --connection "Host=...;Database=..." [--readers 2] [--pages-per-reader 4096] [--repeat 3]
                        the read model's load alone, repeated: reading the rows and ordering them
                  coverage-load --grpc http://127.0.0.1:PORT [--communities 5000] [--bases 200] [--side-km 600] [--seed 7] [--token gat_...]
                  coverage      --grpc http://127.0.0.1:PORT [--repeat 30] [--out FILE] [--token gat_...]
                        registers a mission for coverage (bases with teams of 0 to 4 CLAs), then times GetCoverage on it
                  indicators --grpc http://127.0.0.1:PORT [--period 2026-Q1] [--repeat 7] [--out PREFIX] [--token gat_...]
                        times Indicators/Compute at mission, sector and base level (median of --repeat after one warm-up);
                        writes each unit's observation figures to PREFIX-LEVEL.tsv for the peer
                  body  --method get --id ID --out FILE
                  body  --method count [--polygon WKT | --seed S --side-km 20] --out FILE
                        writes a framed gRPC request body (5-byte prefix + message) for h2load -d; the polygon
                        defaults to a square of side-km around the mission's operating base, printed on stdout
                """);
            return args.Length == 0 ? 2 : 0;
        }

        var options = new Arguments(args.Skip(1));
        var mission = MissionGenerator.Generate(new MissionOptions { Seed = options.Int("seed", 1) });
        try
        {
            return args[0] switch
            {
                "load" => await LoadAsync(mission, options),
                "csv" => await CsvAsync(mission, options),
                "geojson" => GeoJson(mission, options),
                "query" => await QueryAsync(mission, options),
                "body" => await BodyAsync(mission, options),
                "heatmap" => await HeatMapAsync(mission, options),
                "kde-kernel" => KernelBench.Run(options),
                "duckdb" => DuckDbBench.Run(options),
                "model-load" => await ModelLoadBench.RunAsync(options),
                "coverage-load" => await WithChannelAsync(options, CoverageBench.LoadAsync),
                "coverage" => await WithChannelAsync(options, CoverageBench.TimeAsync),
                "roads-load" => await WithChannelAsync(options, RoadBench.LoadAsync),
                "roads" => await WithChannelAsync(options, RoadBench.TimeAsync),
                "indicators" => await WithChannelAsync(options, IndicatorBench.TimeAsync),
                _ => throw new ArgumentException($"unknown command '{args[0]}'"),
            };
        }
        catch (RpcException e)
        {
            await Console.Error.WriteLineAsync($"geo-bench-mission: {e.StatusCode}: {e.Status.Detail}");
            return 1;
        }
    }

    private static async Task<int> CsvAsync(Geo.Synthetic.Mission mission, Arguments options)
    {
        var count = options.Int("observations", 1_000_000);
        var path = options.Text("out");
        var watch = Stopwatch.StartNew();
        await using (var file = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false), 1 << 20))
        {
            foreach (var observation in mission.Observations(count))
            {
                CsvRows.Write(file, observation);
            }
        }

        Console.WriteLine($"wrote {count:N0} rows to {path} in {watch.Elapsed.TotalSeconds:F1} s; columns: {CsvRows.Columns}");
        return 0;
    }

    private static int GeoJson(Geo.Synthetic.Mission mission, Arguments options)
    {
        var count = options.Int("observations", 1_000_000);
        var path = options.Text("out");
        var watch = Stopwatch.StartNew();
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            GeoJsonRows.Write(file, mission.Observations(count));
        }

        Console.WriteLine($"wrote {count:N0} features ({new FileInfo(path).Length / 1048576.0:N0} MiB) to {path} in {watch.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    private static async Task<int> LoadAsync(Geo.Synthetic.Mission mission, Arguments options)
    {
        var count = options.Int("observations", 1_000_000);
        var batch = options.Int("batch", 1000);
        var pid = options.OptionalInt("service-pid");
        using var channel = Connect(options);

        var watch = Stopwatch.StartNew();
        await MissionSeed.RegisterAsync(
            channel, [.. mission.Communities.Select(Geo.Grpc.Api.ApiMapping.ToProto)], [.. mission.Bases.Select(Geo.Grpc.Api.ApiMapping.ToProto)],
            [.. mission.Deployments.Select(Geo.Grpc.Api.ApiMapping.ToProto)], CancellationToken.None);
        Console.WriteLine($"registered {mission.Communities.Count} communities, {mission.Bases.Count} bases, {mission.Deployments.Count} deployments in {watch.Elapsed.TotalSeconds:F1} s");

        List<IngestRequest>? pregenerated = null;
        if (options.Text("pregenerate", "false") == "true")
        {
            // Generate and convert before the clock starts: the figure is then the service's alone
            // (on two cores the generator would otherwise compete with it for CPU).
            watch.Restart();
            pregenerated = MissionSeed.IngestBatches(mission, count, batch).ToList();
            Console.WriteLine($"generated {count:N0} observations in {watch.Elapsed.TotalSeconds:F1} s ({count / watch.Elapsed.TotalSeconds:N0}/s), off the clock");
        }

        await using var sampler = pid is { } p ? new Memory.Sampler(p) : null;
        var cpuBefore = pid is { } cp ? Memory.CpuSeconds(cp) : 0;
        watch.Restart();
        var response = await MissionSeed.IngestAsync(channel, pregenerated ?? MissionSeed.IngestBatches(mission, count, batch), count, CancellationToken.None);
        var seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"ingested {count:N0} observations in {seconds:F2} s: {count / seconds:N0} observations/s ({response.Stored:N0} stored, {response.AlreadyStored:N0} already stored)");
        Result("load.observations", count);
        Result("load.seconds", seconds);
        Result("load.observations_per_second", count / seconds);
        Result("load.stored", response.Stored);
        if (pid is { } servicePid)
        {
            Result("load.service_vmhwm_mib", Memory.StatusKib(servicePid, "VmHWM") / 1024.0);
            Result("load.service_rss_sampled_max_mib", sampler!.MaxKib / 1024.0);
            var cpu = Memory.CpuSeconds(servicePid) - cpuBefore;
            Console.WriteLine($"service CPU during ingest: {cpu:F1} s ({100 * cpu / seconds:F0}% of one core over {seconds:F1} s)");
            Result("load.service_cpu_seconds", cpu);
        }

        return 0;
    }

    private static async Task<int> QueryAsync(Geo.Synthetic.Mission mission, Arguments options)
    {
        var repeat = options.Int("repeat", 50);
        var pageSize = options.Int("page-size", 5000);
        var pid = options.OptionalInt("service-pid");
        using var channel = Connect(options);
        var total = (await channel.Observations.CountAsync(new ObservationFilter()).ResponseAsync).Observations;
        var target = options.Int("target", (int)Math.Min(10_000, Math.Max(1, total / 10)));
        Console.WriteLine($"{total:N0} observations stored");

        // A polygon around the operating base (the busiest town) holding about `target` observations.
        var center = mission.Bases[0].Location;
        double low = 0.2, high = 200, radius = 10;
        long found = 0;
        for (var i = 0; i < 30; i++)
        {
            radius = (low + high) / 2;
            found = (await channel.Observations.CountAsync(new ObservationFilter { Area = PolygonArea(center, radius) }).ResponseAsync).Observations;
            if (Math.Abs(found - target) <= target * 0.05)
            {
                break;
            }

            (low, high) = found < target ? (radius, high) : (low, radius);
        }

        var polygon = new ObservationFilter { Area = PolygonArea(center, radius) };
        var polygonCpu = pid is { } pc ? Memory.CpuSeconds(pc) : 0;
        // Short calls: the service compiles their code at full optimisation only after some 30 of them.
        var warmup = options.Int("warmup", 30);
        var polygonTimes = await TimeAsync(warmup, repeat, async () =>
        {
            var rows = await StreamAsync(channel, polygon, pageSize);
            if (rows != found)
            {
                throw new InvalidOperationException($"polygon query returned {rows}, Count said {found}");
            }
        });
        Report("query.polygon", $"polygon query, 24-gon of radius {radius:F1} km, {found:N0} rows streamed", polygonTimes);
        Result("query.polygon.rows", found);
        if (pid is { } ppc)
        {
            var perQuery = (Memory.CpuSeconds(ppc) - polygonCpu) * 1000 / (repeat + warmup);
            Console.WriteLine($"service CPU per polygon query: {perQuery:F0} ms");
            Result("query.polygon.service_cpu_ms", perQuery);
        }

        // Summarize a 100 km x 100 km box around the operating base over the mission's last year.
        var box = Box(mission, center, 100);
        var summaryFilter = new ObservationFilter
        {
            Area = new Area { Bbox = box },
            ObservedFrom = Timestamp.FromDateTimeOffset(mission.ObservedTo.AddDays(-365)),
            ObservedTo = Timestamp.FromDateTimeOffset(mission.ObservedTo),
        };
        var summarized = (await channel.Observations.SummarizeAsync(summaryFilter).ResponseAsync).Observations;
        var summaryTimes = await TimeAsync(warmup, repeat, () => channel.Observations.SummarizeAsync(summaryFilter).ResponseAsync);
        Report("query.summary", $"summary of a 100 x 100 km box over one year ({summarized:N0} observations)", summaryTimes);
        Result("query.summary.observations", summarized);
        var countTimes = await TimeAsync(warmup, repeat, () => channel.Observations.CountAsync(summaryFilter).ResponseAsync);
        Report("query.count", $"count of the same box and year", countTimes);
        if (options.Text("stream", "true") == "false")
        {
            return 0;
        }

        // The whole table through Query.
        if (pid is { } p && !Memory.ResetPeak(p))
        {
            Console.WriteLine("could not reset the service's VmHWM; the peak below includes earlier work");
        }

        await using var sampler = pid is { } sp ? new Memory.Sampler(sp) : null;
        var streamCpu = pid is { } scp ? Memory.CpuSeconds(scp) : 0;
        var watch = Stopwatch.StartNew();
        var streamed = await StreamAsync(channel, new ObservationFilter(), 5000);
        var seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"streamed the whole table: {streamed:N0} rows in {seconds:F2} s, {streamed / seconds:N0} rows/s");
        Result("query.stream.rows", streamed);
        Result("query.stream.rows_per_second", streamed / seconds);
        if (pid is { } servicePid)
        {
            Result("query.stream.service_vmhwm_mib", Memory.StatusKib(servicePid, "VmHWM") / 1024.0);
            Result("query.stream.service_rss_sampled_max_mib", sampler!.MaxKib / 1024.0);
            var cpu = Memory.CpuSeconds(servicePid) - streamCpu;
            Console.WriteLine($"service CPU while streaming: {cpu:F1} s ({cpu * 1e6 / streamed:F1} us per row)");
            Result("query.stream.service_cpu_seconds", cpu);
        }

        return 0;
    }

    private static async Task<int> WithChannelAsync(Arguments options, Func<GeoAwarenessClient, Arguments, Task<int>> command)
    {
        using var channel = Connect(options);
        return await command(channel, options);
    }

    /// <summary>A channel to --grpc, with --token (if given) as the bearer token of every call.</summary>
    private static GeoAwarenessClient Connect(Arguments options)
    {
        var token = options.Text("token", string.Empty);
        return new GeoAwarenessClient(new Uri(options.Text("grpc")), token.Length > 0 ? token : null);
    }

    /// <summary>A request body for h2load: the gRPC frame prefix (uncompressed, big-endian length) and the message.</summary>
    private static async Task<int> BodyAsync(Geo.Synthetic.Mission mission, Arguments options)
    {
        var method = options.Text("method");
        IMessage message = method switch
        {
            "get" => new GetObservationRequest { Id = options.Text("id") },
            "count" => new ObservationFilter
            {
                Area = options.Text("polygon", string.Empty) is { Length: > 0 } wkt
                    ? new Area { Shape = new Shape { Wkt = wkt } }
                    : SquareArea(mission.Bases[0].Location, options.Int("side-km", 20)),
            },
            _ => throw new ArgumentException($"unknown --method '{method}' (get or count)"),
        };

        var payload = message.ToByteArray();
        var framed = new byte[5 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1, 4), (uint)payload.Length);
        payload.CopyTo(framed, 5);
        await File.WriteAllBytesAsync(options.Text("out"), framed);
        Console.WriteLine(message is ObservationFilter filter ? filter.Area.Shape.Wkt : ((GetObservationRequest)message).Id);
        return 0;
    }

    private static Area SquareArea(Core.Spatial.GeoPoint center, double sideKm)
    {
        var kmPerDegree = Math.PI * Core.Spatial.Geodesy.EarthRadiusMetres / 180_000.0;
        var halfLat = sideKm / 2 / kmPerDegree;
        var halfLon = halfLat / Math.Cos(center.Latitude * Math.PI / 180);
        var (w, e, s, n) = (center.Longitude - halfLon, center.Longitude + halfLon, center.Latitude - halfLat, center.Latitude + halfLat);
        var wkt = string.Create(CultureInfo.InvariantCulture, $"POLYGON(({w:F6} {s:F6}, {e:F6} {s:F6}, {e:F6} {n:F6}, {w:F6} {n:F6}, {w:F6} {s:F6}))");
        return new Area { Shape = new Shape { Wkt = wkt } };
    }

    private static async Task<long> StreamAsync(GeoAwarenessClient channel, ObservationFilter filter, int pageSize)
    {
        using var call = channel.Observations.Query(new QueryObservationsRequest { Filter = filter, PageSize = pageSize });
        long rows = 0;
        await foreach (var page in call.ResponseStream.ReadAllAsync())
        {
            rows += page.Observations.Count;
        }

        return rows;
    }

    private static readonly ServiceDescriptor HeatMaps = HeatmapsReflection.Descriptor.Services[0];

    private static async Task<int> HeatMapAsync(Geo.Synthetic.Mission mission, Arguments options)
    {
        var repeat = options.Int("repeat", 10);
        var cell = options.Int("cell", 1000);
        var pid = options.OptionalInt("service-pid");
        var packed = options.Text("packed", "false") == "true";
        using var channel = Connect(options);
        var region = mission.Region;
        var request = new HeatMapRequest
        {
            CellLayout = packed ? CellLayout.Packed : CellLayout.Unspecified,
            Filter = new ObservationFilter
            {
                Area = new Area { Bbox = new BoundingBox { West = region.West, South = region.South, East = region.East, North = region.North } },
                ObservedFrom = Timestamp.FromDateTimeOffset(mission.ObservedTo.AddDays(-400)),
                ObservedTo = Timestamp.FromDateTimeOffset(mission.ObservedTo.AddDays(1)),
            },
            CellSizeMetres = cell,
            MinCount = options.Int("min-count", 0),
            Shape = options.Text("shape", "square") switch
            {
                "square" => GridShape.Square,
                "hexagon" => GridShape.Hexagon,
                var other => throw new ArgumentException($"unknown shape '{other}' (square or hexagon)"),
            },
        };
        // Every observation of the area and year, as the peers count them: a heat map left to its
        // defaults counts only threats that were not discredited (issue 22).
        request.Filter.Categories.Add(System.Enum.GetValues<Category>().Where(c => c != Category.Unspecified));
        request.Filter.Verification.Add(System.Enum.GetValues<VerificationStatus>().Where(v => v != VerificationStatus.Unspecified));
        ResultText("heatmap.area", Invariant($"{region.West:R},{region.South:R},{region.East:R},{region.North:R}"));
        ResultText("heatmap.observed_from", request.Filter.ObservedFrom.ToDateTimeOffset().ToString("O", CultureInfo.InvariantCulture));
        ResultText("heatmap.observed_to", request.Filter.ObservedTo.ToDateTimeOffset().ToString("O", CultureInfo.InvariantCulture));
        if (pid is { } p && !Memory.ResetPeak(p))
        {
            Console.WriteLine("could not reset the service's VmHWM; the peak below includes earlier work");
        }

        foreach (var method in options.Text("methods", "count,kde,hotspots").Split(','))
        {
            var asked = request.Clone();
            asked.Method = method switch
            {
                "count" or "monthly" => HeatMapMethod.Count,
                "kde" => HeatMapMethod.KernelDensity,
                "hotspots" => HeatMapMethod.HotSpots,
                _ => throw new ArgumentException($"unknown method '{method}'"),
            };
            if (asked.Method == HeatMapMethod.KernelDensity)
            {
                asked.BandwidthMetres = options.Int("bandwidth", 5000);
            }

            if (method == "monthly")
            {
                // Calendar months of the year asked: the frames of a time slider.
                asked.Step = SeriesStep.Month;
                asked.Filter.ObservedFrom = Timestamp.FromDateTimeOffset(new DateTimeOffset(mission.ObservedTo.Year - 1, mission.ObservedTo.Month, 1, 0, 0, 0, TimeSpan.Zero));
                asked.Filter.ObservedTo = Timestamp.FromDateTimeOffset(new DateTimeOffset(mission.ObservedTo.Year, mission.ObservedTo.Month, 1, 0, 0, 0, TimeSpan.Zero));
            }

            (long Cells, long Observations, double Total, HeatMapGrid? Grid) last = default;
            var times = await TimeAsync(options.Int("warmup", 10), repeat, async () => last = await HeatMapCallAsync(channel, asked));
            if (asked.Method == HeatMapMethod.Count && last.Grid is { } grid)
            {
                // The grid is the same for every method: the area and cell size alone decide it.
                ResultText("heatmap.projection", grid.Projection);
                ResultText("heatmap.grid", Invariant(
                    $"shape={(grid.Shape == GridShape.Hexagon ? "hexagon" : "square")} size={grid.CellSizeMetres:R} origin_x={grid.OriginX:R} origin_y={grid.OriginY:R} column_step={grid.ColumnStepMetres:R} row_step={grid.RowStepMetres:R} columns={grid.Columns} rows={grid.Rows} cells_in_area={grid.CellsInArea}"));
            }

            var layout = packed ? ", packed" : string.Empty;
            Report($"heatmap.{method}", $"heat map '{method}', {cell} m cells{layout}: {last.Cells:N0} cells received, {last.Observations:N0} observations, sum of values {last.Total:F1}", times);
            Result($"heatmap.{method}.cells", last.Cells);
            Result($"heatmap.{method}.observations", last.Observations);
            Result($"heatmap.{method}.sum", last.Total);
            Result($"heatmap.{method}.watermark", last.Grid?.Watermark ?? 0);
            Result($"heatmap.{method}.frames", last.Grid?.Frames.Count ?? 0);
        }

        if (pid is { } servicePid)
        {
            Result("heatmap.service_vmhwm_mib", Memory.StatusKib(servicePid, "VmHWM") / 1024.0);
        }

        return 0;
    }

    private static async Task<(long Cells, long Observations, double Total, HeatMapGrid? Grid)> HeatMapCallAsync(GeoAwarenessClient channel, HeatMapRequest request)
    {
        using var call = channel.HeatMaps.Compute(request);
        long cells = 0;
        long observations = 0;
        var total = 0.0;
        HeatMapGrid? received = null;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            if (chunk.Grid is { } grid)
            {
                observations = grid.Frames.Sum(f => f.Observations);
                received = grid;
                continue;
            }

            // One of the two layouts is filled: the per-cell messages or the packed columns.
            cells += chunk.Cells.Cells.Count + chunk.Cells.Values.Count;
            foreach (var c in chunk.Cells.Cells)
            {
                total += c.Value;
            }

            foreach (var value in chunk.Cells.Values)
            {
                total += value;
            }
        }

        return (cells, observations, total, received);
    }

    /// <summary>
    /// Times <paramref name="repeat"/> calls after <paramref name="warmup"/> untimed ones: a running
    /// service answers warm (its code compiled at full optimisation, its pools filled); start-up is
    /// measured on its own (bench/startup.sh).
    /// </summary>
    private static async Task<List<double>> TimeAsync(int warmup, int repeat, Func<Task> work)
    {
        for (var i = 0; i < warmup; i++)
        {
            await work();
        }

        var times = new List<double>(repeat);
        for (var i = 0; i < repeat; i++)
        {
            var watch = Stopwatch.StartNew();
            await work();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times;
    }

    private static void Report(string key, string what, List<double> sorted)
    {
        var p50 = sorted[(int)Math.Floor(0.5 * (sorted.Count - 1))];
        var p99 = sorted[(int)Math.Ceiling(0.99 * (sorted.Count - 1))];
        Console.WriteLine($"{what}: p50 {p50:F1} ms, p99 {p99:F1} ms over {sorted.Count} runs");
        Result(key + ".p50_ms", p50);
        Result(key + ".p99_ms", p99);
    }

    private static Area PolygonArea(Core.Spatial.GeoPoint center, double radiusKm)
    {
        const int sides = 24;
        var kmPerDegree = Math.PI * Core.Spatial.Geodesy.EarthRadiusMetres / 180_000.0;
        var cos = Math.Cos(center.Latitude * Math.PI / 180);
        var points = new List<string>(sides + 1);
        for (var i = 0; i <= sides; i++)
        {
            var angle = 2 * Math.PI * (i % sides) / sides;
            var lon = center.Longitude + (radiusKm * Math.Cos(angle) / (kmPerDegree * cos));
            var lat = center.Latitude + (radiusKm * Math.Sin(angle) / kmPerDegree);
            points.Add(string.Create(CultureInfo.InvariantCulture, $"{lon:F6} {lat:F6}"));
        }

        return new Area { Shape = new Shape { Wkt = $"POLYGON(({string.Join(", ", points)}))" } };
    }

    private static BoundingBox Box(Geo.Synthetic.Mission mission, Core.Spatial.GeoPoint center, double sideKm)
    {
        var kmPerDegree = Math.PI * Core.Spatial.Geodesy.EarthRadiusMetres / 180_000.0;
        var halfLat = sideKm / 2 / kmPerDegree;
        var halfLon = halfLat / Math.Cos(center.Latitude * Math.PI / 180);
        var r = mission.Region;
        var west = Math.Clamp(center.Longitude - halfLon, r.West, r.East - (2 * halfLon));
        var south = Math.Clamp(center.Latitude - halfLat, r.South, r.North - (2 * halfLat));
        return new BoundingBox { West = west, South = south, East = west + (2 * halfLon), North = south + (2 * halfLat) };
    }

    /// <summary>A "RESULT name=value" line for the scripts.</summary>
    internal static void Result(string name, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {name}={value:0.###}"));

    private static void ResultText(string name, string value) => Console.WriteLine($"RESULT {name}={value}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
