using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Geo.Api;
using Geo.Api.V1;
using Geo.Testing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

// Geo.Bench.Watch SERVER_DLL [--watches N] [--rate PER_SECOND] [--seconds S] [--idle N]
// Starts our service (bench/Geo.Bench.GrpcServer, authentication off: every watch sees everything
// its filter matches) on a new database of the test cluster, then:
//  1. N watches with mixed filters (none, categories, minimum severity and a quarter of the area,
//     women and girls in half of it) while writers commit RATE observations a second, one per
//     Submit, for S seconds; beside them the peer design, a poller of Feeds.PullObservations every
//     second. Latency of each delivery = when the client received it - when its Submit returned.
//  2. The service's resident memory before and after IDLE more watches open and quiet.
var serverDll = args.Length > 0 ? args[0] : throw new ArgumentException("usage: Geo.Bench.Watch SERVER_DLL [--watches N] [--rate R] [--seconds S] [--idle N]");
int Option(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
var watches = Option("--watches", 100);
var rate = Option("--rate", 200);
var seconds = Option("--seconds", 30);
var idle = Option("--idle", 1000);

var cluster = await PostgisCluster.GetAsync();
var database = await cluster.CreateMigratedDatabaseAsync("watchbench");
using var server = Process.Start(new ProcessStartInfo("dotnet")
{
    ArgumentList = { serverDll, "--port", "0", "--connection-string", cluster.Cluster.ConnectionStringFor(database), "--GeoAwareness:Auth:Enabled=false", "--GeoAwareness:Watch:MaxBacklog=1000000" },
    RedirectStandardOutput = true,
    UseShellExecute = false,
})!;
try
{
    string? ready;
    do
    {
        ready = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2));
    }
    while (ready is not null && !ready.StartsWith("READY ", StringComparison.Ordinal));

    var port = int.Parse(ready!.Split(' ')[1], CultureInfo.InvariantCulture);
    // The service's log goes on to the same pipe: keep reading it, or the service would block on it.
    _ = server.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
    using var client = new GeoAwarenessClient(new Uri($"http://127.0.0.1:{port}"));
    var clock = Stopwatch.StartNew();

    // Phase 1: latency.
    var acked = new ConcurrentDictionary<string, double>();
    var deliveries = new ConcurrentBag<double>();
    var duplicates = 0;
    using var stop = new CancellationTokenSource();
    var started = new CountdownEvent(watches);
    var unfiltered = new ConcurrentDictionary<int, ConcurrentDictionary<string, double>>();
    var watchTasks = Enumerable.Range(0, watches).Select(w => Task.Run(async () =>
    {
        var seen = new ConcurrentDictionary<string, double>();
        if (w % 4 == 0)
        {
            unfiltered[w] = seen;
        }

        using var call = client.Observations.Watch(new WatchRequest { Filter = FilterOf(w) }, cancellationToken: stop.Token);
        var first = true;
        try
        {
            await foreach (var change in call.ResponseStream.ReadAllAsync(stop.Token))
            {
                if (first)
                {
                    first = false;
                    started.Signal();
                }

                if (change.Observation is { } observation)
                {
                    var now = clock.Elapsed.TotalMilliseconds;
                    if (!seen.TryAdd(observation.Id, now))
                    {
                        Interlocked.Increment(ref duplicates);
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException || (e is RpcException r && r.StatusCode == StatusCode.Cancelled))
        {
        }

        return seen;
    })).ToList();
    started.Wait(TimeSpan.FromMinutes(1));

    var polled = new ConcurrentDictionary<string, double>();
    var poller = Task.Run(async () =>
    {
        var cursor = string.Empty;
        var ids = new Regex("\"id\":\"(obs-[0-9a-f]+)\"");
        // Where the feed stands now: the poller, like the watches, starts from the present.
        while (!stop.IsCancellationRequested)
        {
            var more = true;
            while (more)
            {
                var text = new System.Text.StringBuilder();
                FeedPageEnd? end = null;
                using var pull = client.Feeds.PullObservations(new PullObservationsRequest { Cursor = cursor, Limit = 10_000 });
                await foreach (var chunk in pull.ResponseStream.ReadAllAsync())
                {
                    text.Append(chunk.Geojson.ToStringUtf8());
                    end = chunk.End ?? end;
                }

                var now = clock.Elapsed.TotalMilliseconds;
                foreach (Match m in ids.Matches(text.ToString()))
                {
                    polled.TryAdd(m.Groups[1].Value, now);
                }

                cursor = end!.NextCursor;
                more = end.More;
            }

            try
            {
                await Task.Delay(1000, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    });

    var writers = 8;
    var total = rate * seconds;
    var writerTasks = Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
    {
        var random = new Random(writer);
        var interval = TimeSpan.FromSeconds(writers / (double)rate);
        using var timer = new PeriodicTimer(interval);
        for (var i = writer; i < total; i += writers)
        {
            await timer.WaitForNextTickAsync();
            var observation = NewObservation(i, random);
            var response = await client.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { observation } });
            acked[response.Ids[0]] = clock.Elapsed.TotalMilliseconds;
        }
    })).ToList();
    var writeClock = Stopwatch.StartNew();
    await Task.WhenAll(writerTasks);
    var achieved = total / writeClock.Elapsed.TotalSeconds;
    await Task.Delay(3000);
    await stop.CancelAsync();
    var seenBy = await Task.WhenAll(watchTasks);
    await poller;

    foreach (var seen in seenBy)
    {
        foreach (var (id, at) in seen)
        {
            if (acked.TryGetValue(id, out var ack))
            {
                deliveries.Add(Math.Max(0, at - ack));
            }
        }
    }

    var pollLatencies = polled.Where(p => acked.ContainsKey(p.Key)).Select(p => Math.Max(0, p.Value - acked[p.Key])).ToList();
    var missing = unfiltered.Values.Sum(seen => acked.Keys.Count(id => !seen.ContainsKey(id)));

    // Phase 2: memory of idle watches.
    await Task.Delay(2000);
    var before = ResidentKiB(server.Id);
    using var idleStop = new CancellationTokenSource();
    var idleReady = new CountdownEvent(idle);
    var idleCalls = Enumerable.Range(0, idle).Select(i =>
    {
        var call = client.Observations.Watch(new WatchRequest { Filter = new ObservationFilter { Area = Box(40 + (i % 10), 10 + (i / 10 % 10), 0.5) } }, cancellationToken: idleStop.Token);
        _ = Task.Run(async () =>
        {
            try
            {
                if (await call.ResponseStream.MoveNext(idleStop.Token))
                {
                    idleReady.Signal();
                }

                while (await call.ResponseStream.MoveNext(idleStop.Token))
                {
                }
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException)
            {
            }
        });
        return call;
    }).ToList();
    idleReady.Wait(TimeSpan.FromMinutes(2));
    await Task.Delay(3000);
    var after = ResidentKiB(server.Id);
    await idleStop.CancelAsync();
    foreach (var call in idleCalls)
    {
        call.Dispose();
    }

    Console.WriteLine($"# Live watch benchmark, {DateTime.UtcNow:yyyy-MM-ddTHH:mmZ}, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg")[..14]}");
    Console.WriteLine();
    Console.WriteLine($"{watches} watches with mixed filters; writers committed {total} observations (one per Submit) at {achieved:0} a second; {deliveries.Count} deliveries; duplicates {duplicates}; missed by unfiltered watches {missing}.");
    Console.WriteLine();
    Console.WriteLine("| design | deliveries | p50 ms | p99 ms | max ms |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
    Row("Observations.Watch (ours: LISTEN/NOTIFY, one read for all watches)", [.. deliveries]);
    Row("peer: Feeds.PullObservations polled every second", pollLatencies);
    Console.WriteLine();
    Console.WriteLine($"{idle} idle watches: service resident memory {before / 1024.0:0.0} MiB before, {after / 1024.0:0.0} MiB after: {(after - before) / 1024.0:0.0} MiB ({(after - before) * 1024.0 / idle:0} bytes a watch).");
    return 0;
}
finally
{
    if (!server.HasExited)
    {
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
    }

    await cluster.DropDatabaseAsync(database);
}

static void Row(string name, List<double> latencies)
{
    latencies.Sort();
    double At(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
    Console.WriteLine($"| {name} | {latencies.Count} | {At(0.5):0.0} | {At(0.99):0.0} | {At(1):0.0} |");
}

static long ResidentKiB(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}

static Area Box(double longitude, double latitude, double half) =>
    new() { Bbox = new BoundingBox { West = longitude - half, East = longitude + half, South = latitude - half, North = latitude + half } };

static ObservationFilter FilterOf(int watch) => (watch % 4) switch
{
    0 => new ObservationFilter(),
    1 => new ObservationFilter { Categories = { (Category)(1 + (watch / 4 % 3)) } },
    2 => new ObservationFilter { MinSeverity = 3, Area = Box(29.25 + (watch / 4 % 2 * 0.5), -1.75 + (watch / 8 % 2 * 0.5), 0.25) },
    _ => new ObservationFilter { AffectedSexes = { Sex.Female }, Area = Box(29.5, -1.5 + (watch / 4 % 2 * 0.25 - 0.125), 0.5) },
};

static Observation NewObservation(int i, Random random) => new()
{
    ClientId = $"bench-{i:D6}",
    ReporterId = "cla-bench",
    ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
    Location = new GeoPoint { Longitude = 29.0 + random.NextDouble(), Latitude = -2.0 + random.NextDouble() },
    LocationPrecision = LocationPrecision.Village,
    Category = (Category)(1 + random.Next(3)),
    Severity = 1 + random.Next(5),
    Affected = { new AffectedCount { Sex = random.Next(2) == 0 ? Sex.Female : Sex.Male, AgeGroup = AgeGroup.Adult, Count = 1 + random.Next(5) } },
    Notes = "benchmark",
};
