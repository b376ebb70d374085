using System.Diagnostics;
using System.Globalization;
using Geo.Api.V1;
using Geo.Bench.Seeding;
using Grpc.Core;
using Npgsql;

// Geo.Bench.Civilian SERVER_DLL [--facilities N] [--presence N] [--runs R]
// Starts our service (bench/Geo.Bench.GrpcServer, authentication off) on a new database of the
// test cluster, loads N facilities (as an OSM export, ImportFacilities) and N presence records (as
// a 3W sheet, ImportPresence) spread over a mission of 2 x 2 degrees, then times, R runs each (p50):
//  1. listing the facilities / presence records in a 50 km radius (a 64-sided polygon), every page;
//  2. exporting all of them (GeoJSON for facilities, the 3W CSV for presence);
// each beside the same rows read from PostGIS alone (Npgsql, the same WHERE, or the export built by
// PostGIS itself: json_agg of ST_AsGeoJSON, COPY ... CSV), in the same run.
var serverDll = args.Length > 0 ? args[0] : throw new ArgumentException("usage: Geo.Bench.Civilian SERVER_DLL [--facilities N] [--presence N] [--runs R]");
int Option(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
var facilityCount = Option("--facilities", 50_000);
var presenceCount = Option("--presence", 5_000);
var runs = Option("--runs", 9);

await using var service = await BenchService.StartAsync(serverDll, "civilianbench", ["--GeoAwareness:Auth:Enabled=false"], CancellationToken.None);
using var client = service.Client();
var civilian = client.Civilian;
var random = new Random(19);
var mission = new DegreeBox(28.5, -2.0, 2, 2);

// Load.
var loading = Stopwatch.StartNew();
await CivilianSeed.ImportFacilitiesAsync(civilian, facilityCount, mission, random, CancellationToken.None);
var facilitySeconds = loading.Elapsed.TotalSeconds;
loading.Restart();
await CivilianSeed.ImportPresenceAsync(civilian, presenceCount, mission, random, CancellationToken.None);
var presenceSeconds = loading.Elapsed.TotalSeconds;
var dataSource = service.DataSource;
await using (var analyze = dataSource.CreateCommand("ANALYZE facilities; ANALYZE presence; ANALYZE organisations"))
{
    await analyze.ExecuteNonQueryAsync();
}

// A 50 km radius around the mission's centre, as a 64-sided polygon (degrees scaled by latitude).
var (centreLon, centreLat) = (29.5, -1.0);
var ring = Enumerable.Range(0, 65).Select(k =>
{
    var angle = 2 * Math.PI * (k % 64) / 64;
    return string.Create(CultureInfo.InvariantCulture,
        $"{centreLon + (50_000 * Math.Cos(angle) / (111_320 * Math.Cos(centreLat * Math.PI / 180))):F6} {centreLat + (50_000 * Math.Sin(angle) / 110_574):F6}");
});
var wkt = $"POLYGON(({string.Join(",", ring)}))";
var area = new Area { Shape = new Shape { Wkt = wkt } };

async Task<int> ListFacilitiesAsync()
{
    var request = new ListFacilitiesRequest { Area = area, PageSize = 1000 };
    var count = 0;
    while (true)
    {
        var page = await civilian.ListFacilitiesAsync(request);
        count += page.Facilities.Count;
        if (page.NextPageToken.Length == 0)
        {
            return count;
        }

        request.PageToken = page.NextPageToken;
    }
}

async Task<int> ListPresenceAsync()
{
    var request = new ListPresenceRequest { Area = area, PageSize = 1000 };
    var count = 0;
    while (true)
    {
        var page = await civilian.ListPresenceAsync(request);
        count += page.Presence.Count;
        if (page.NextPageToken.Length == 0)
        {
            return count;
        }

        request.PageToken = page.NextPageToken;
    }
}

async Task<long> ExportAsync(Func<AsyncServerStreamingCall<FileChunk>> call)
{
    using var stream = call();
    long bytes = 0;
    await foreach (var chunk in stream.ResponseStream.ReadAllAsync())
    {
        bytes += chunk.Data.Length;
    }

    return bytes;
}

async Task<long> PostgisRowsAsync(string sql)
{
    await using var command = dataSource.CreateCommand(sql);
    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = wkt });
    await using var reader = await command.ExecuteReaderAsync();
    long rows = 0;
    var values = new object[64];
    while (await reader.ReadAsync())
    {
        reader.GetValues(values);
        rows++;
    }

    return rows;
}

async Task<long> PostgisTextAsync(string sql)
{
    await using var command = dataSource.CreateCommand(sql);
    return ((string)(await command.ExecuteScalarAsync())!).Length;
}

async Task<long> PostgisCopyAsync(string sql)
{
    await using var connection = await dataSource.OpenConnectionAsync();
    using var reader = await connection.BeginTextExportAsync(sql);
    return (await reader.ReadToEndAsync()).Length;
}

var rows = new List<(string What, string Ours, string Peer, long OursCount, long PeerCount, double OursMs, double PeerMs)>();
async Task MeasureAsync(string what, string ours, Func<Task<long>> oursCall, string peer, Func<Task<long>> peerCall)
{
    var (oursCount, peerCount) = (await oursCall(), await peerCall());
    var oursTimes = new List<double>();
    var peerTimes = new List<double>();
    for (var run = 0; run < runs; run++)
    {
        var watch = Stopwatch.StartNew();
        await oursCall();
        oursTimes.Add(watch.Elapsed.TotalMilliseconds);
        watch.Restart();
        await peerCall();
        peerTimes.Add(watch.Elapsed.TotalMilliseconds);
    }

    rows.Add((what, ours, peer, oursCount, peerCount, Median(oursTimes), Median(peerTimes)));
}

const string FacilityRows = "SELECT id, name, type, ST_AsBinary(location), status, last_confirmed_on, confirmed_by, capacity, operator_id, notified_on, notified_to, acknowledged_on, reconfirm_by, tags::text, sharing, version FROM facilities";
const string PresenceRows = "SELECT p.id, p.organisation_id, p.sector, p.activity, ST_AsBinary(p.location), p.pcode, p.location_name, p.start_date, p.end_date, p.status, p.targeted, p.reached, p.targeted_total, p.reached_total, p.sharing, p.version, o.name, o.acronym FROM presence p JOIN organisations o ON o.id = p.organisation_id";
await MeasureAsync("facilities in a 50 km radius", "ListFacilities, pages of 1,000", async () => await ListFacilitiesAsync(),
    "the same rows, Npgsql", () => PostgisRowsAsync($"{FacilityRows} WHERE ST_Intersects(location, ST_GeomFromText($1, 4326)) ORDER BY id"));
await MeasureAsync($"all {facilityCount:N0} facilities as GeoJSON", "ExportFacilities (streamed)", () => ExportAsync(() => civilian.ExportFacilities(new ListFacilitiesRequest())),
    "PostGIS json_agg(ST_AsGeoJSON)", () => PostgisTextAsync("SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(ST_AsGeoJSON(f.*, 'location', 6)::json ORDER BY id))::text FROM facilities f"));
await MeasureAsync("presence in a 50 km radius", "ListPresence, pages of 1,000", async () => await ListPresenceAsync(),
    "the same rows, Npgsql", () => PostgisRowsAsync($"{PresenceRows} WHERE ST_Intersects(p.location, ST_GeomFromText($1, 4326)) ORDER BY p.id"));
await MeasureAsync($"all {presenceCount:N0} presence records as a 3W sheet", "ExportPresence (HXL CSV, streamed)", () => ExportAsync(() => civilian.ExportPresence(new ExportPresenceRequest())),
    "PostGIS COPY ... CSV", () => PostgisCopyAsync($"COPY ({PresenceRows.Replace("ST_AsBinary(p.location),", "ST_Y(p.location), ST_X(p.location),", StringComparison.Ordinal)} ORDER BY p.id) TO STDOUT WITH (FORMAT csv, HEADER)"));

Console.WriteLine($"# Civilian picture benchmark, {DateTime.UtcNow:yyyy-MM-ddTHH:mmZ}, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg")[..14]}");
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Loaded {facilityCount:N0} facilities (OSM GeoJSON, ImportFacilities in batches of {CivilianSeed.FacilityBatch:N0}) in {facilitySeconds:0.0} s ({facilityCount / facilitySeconds:N0}/s) and {presenceCount:N0} presence records (one 3W sheet, ImportPresence) in {presenceSeconds:0.0} s; p50 of {runs} runs each:"));
Console.WriteLine();
Console.WriteLine("| what | ours | rows / bytes | p50 ms | PostGIS alone | rows / bytes | p50 ms |");
Console.WriteLine("| --- | --- | ---: | ---: | --- | ---: | ---: |");
foreach (var (what, ours, peer, oursCount, peerCount, oursMs, peerMs) in rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {what} | {ours} | {oursCount:N0} | {oursMs:0.0} | {peer} | {peerCount:N0} | {peerMs:0.0} |"));
}

return 0;

static double Median(List<double> values)
{
    values.Sort();
    return values[values.Count / 2];
}
