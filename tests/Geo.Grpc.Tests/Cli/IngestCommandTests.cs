using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Core.Access;
using Role = Geo.Core.Access.Role;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;

namespace Geo.Grpc.Tests.Cli;

/// <summary>
/// geoaware ingest against the real service: each kind from GeoJSON and CSV read back through the
/// API, bad files reported row by row with nothing stored, replays, and a killed run resumed.
/// </summary>
public sealed class IngestCommandTests(ApiFixture api) : IClassFixture<ApiFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("geoaware-ingest-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // ---- observations ----

    [Fact]
    public async Task Ingest_ObservationsFromGeoJson_AreStoredAsTheFileSays()
    {
        var path = Write("observations.geojson", Collection(
            Feature(29.201, -1.651, """
                "id":"ig-o1","reporter_id":"cla-01","observed_at":"2026-02-01T08:30:00Z","reported_at":"2026-02-01T09:00:00Z",
                "location_precision":"exact","category":"armed_group_movement","severity":4,
                "affected_female_child":3,"affected_male_adult":2,"vulnerable_idps":true,"vulnerable_minorities":true,
                "notes":"Convoy seen on the road to Kibati",
                "area":{"type":"Polygon","coordinates":[[[29.19,-1.66],[29.21,-1.66],[29.21,-1.64],[29.19,-1.64],[29.19,-1.66]]]}
                """),
            Feature(29.202, -1.652, """
                "reporter_id":"cla-02","observed_at":"2026-02-02T10:00:00Z","location_precision":"village",
                "category":"early_warning_alert","severity":2,"title":"ignored: computed by the feed","affected_total":0
                """, featureId: "ig-o2")));

        var result = await Ingest(Role.Supervisor, path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("reading " + path + " as observations in GeoJSON", result.Error, StringComparison.Ordinal);
        Assert.Contains("2 rows read, 2 stored, 0 already stored, 0 rejected", result.Output, StringComparison.Ordinal);
        var first = await Get("ig-o1");
        Assert.Equal("cla-01", first.ReporterId);
        Assert.Equal(Time("2026-02-01T08:30:00Z"), first.ObservedAt);
        Assert.Equal(Time("2026-02-01T09:00:00Z"), first.ReportedAt);
        Assert.Equal((29.201, -1.651), (first.Location.Longitude, first.Location.Latitude));
        Assert.Equal(LocationPrecision.Exact, first.LocationPrecision);
        Assert.Equal(Category.ArmedGroupMovement, first.Category);
        Assert.Equal(4, first.Severity);
        Assert.Equal(
            [(Sex.Female, AgeGroup.Child, 3), (Sex.Male, AgeGroup.Adult, 2)],
            first.Affected.Select(a => (a.Sex, a.AgeGroup, a.Count)).OrderBy(a => a.Sex).ToArray());
        Assert.Equal([Vulnerability.InternallyDisplaced, Vulnerability.Minorities], first.Vulnerabilities.Order().ToArray());
        Assert.Equal("Convoy seen on the road to Kibati", first.Notes);
        Assert.StartsWith("MULTIPOLYGON", first.Area.Wkt, StringComparison.Ordinal);
        var second = await Get("ig-o2");
        Assert.Equal(Category.EarlyWarningAlert, second.Category);
        Assert.Empty(second.Affected);
        Assert.False(File.Exists(path + ".geoaware-ingest"));
    }

    [Fact]
    public async Task Ingest_ObservationsFromCsv_LongitudeLatitudeOrWktAndQuotedText()
    {
        var path = Write("observations.csv", """
            id,reporter_id,observed_at,location_precision,category,severity,affected_unknown_older,vulnerable_journalists_activists,longitude,latitude,wkt,notes
            ig-c1,cla-03,2026-02-03T07:00:00Z,approximate,displacement,3,5,true,29.21,-1.61,,"Families left, ""many"" on foot
            towards the camp"
            ig-c2,cla-03,2026-02-03T08:00:00+02:00,admin_area,other,1,,false,,,POINT(29.22 -1.62),
            """);

        var result = await Ingest(Role.Supervisor, path);

        Assert.True(result.ExitCode == 0, result.ToString());
        var first = await Get("ig-c1");
        Assert.Equal("Families left, \"many\" on foot\ntowards the camp", first.Notes);
        Assert.Equal((29.21, -1.61), (first.Location.Longitude, first.Location.Latitude));
        Assert.Equal((Sex.Unknown, AgeGroup.Older, 5), first.Affected.Select(a => (a.Sex, a.AgeGroup, a.Count)).Single());
        Assert.Equal([Vulnerability.JournalistsAndActivists], first.Vulnerabilities.ToArray());
        var second = await Get("ig-c2");
        Assert.Equal((29.22, -1.62), (second.Location.Longitude, second.Location.Latitude));
        Assert.Equal(Time("2026-02-03T06:00:00Z"), second.ObservedAt);
        Assert.Equal(LocationPrecision.AdminArea, second.LocationPrecision);
    }

    [Fact]
    public async Task Ingest_TheSameFileTwice_ChangesNothingAndSaysTheRowsWereAlreadyStored()
    {
        var path = Write("replay.geojson", Collection(Enumerable.Range(0, 25).Select(i => Observation($"ig-r{i}", 29.3, -1.7)).ToArray()));
        var first = await Ingest(Role.Supervisor, path);
        var before = await CountAll();

        var again = await Ingest(Role.Supervisor, path);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("25 rows read, 0 stored, 25 already stored (e.g. ig-r", again.Output, StringComparison.Ordinal);
        Assert.Equal(before, await CountAll());
    }

    // ---- bad files: every bad row, nothing stored ----

    [Fact]
    public async Task Ingest_GeoJsonWithBadRows_ReportsEachAtItsLineAndStoresNothing()
    {
        var latin1 = Encoding.Latin1.GetBytes("caf\u00e9");
        var text = Collection(
            Observation("ig-b1", 29.3, -1.7),
            Observation("ig-b2", 29.3, 95),
            Observation("ig-b3", 29.3, -1.7, "\"colour\":\"red\""),
            Observation("ig-b4", 29.3, -1.7, "\"notes\":\"MARK\""),
            Observation("ig-b5", 29.3, -1.7).Replace("\"threat_of_physical_violence\"", "\"riot\"", StringComparison.Ordinal),
            Observation("ig-b6", 29.3, -1.7, "\"testimony\":\"what she told the CLA\""),
            Observation("ig-b7", 29.3, -1.7));
        var path = Write("bad.geojson", Replace(Encoding.UTF8.GetBytes(text), "MARK"u8.ToArray(), latin1));
        var before = await CountAll();

        var result = await Ingest(Role.Supervisor, path);

        Assert.Equal(6, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith($"{path}:3: location.latitude: 95 is out of range", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"{path}:4: colour: is not a property of observations", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"{path}:5: notes: is not valid UTF-8 (bytes E9)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"{path}:6: category: 'riot' is not one of threat_of_physical_violence", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"{path}:7: individual_case: CLAs must not take individual case testimonies", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith($"{path}:2:", StringComparison.Ordinal) || l.StartsWith($"{path}:8:", StringComparison.Ordinal));
        Assert.Contains($"{path}: 5 of 7 rows rejected; nothing was sent", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, await CountAll());
    }

    [Fact]
    public async Task Ingest_TruncatedGeoJson_ReportsTheLineAndStoresNothing()
    {
        var whole = Collection(Observation("ig-t1", 29.3, -1.7), Observation("ig-t2", 29.3, -1.7));
        var path = Write("truncated.geojson", whole[..(whole.IndexOf("ig-t2", StringComparison.Ordinal) + 20)]);
        var before = await CountAll();

        var result = await Ingest(Role.Supervisor, path);

        Assert.Equal(6, result.ExitCode);
        Assert.True(result.Error.Contains($"{path}:3: JSON:", StringComparison.Ordinal), result.ToString());
        Assert.Equal(before, await CountAll());
    }

    [Fact]
    public async Task Ingest_CsvWithWrongColumns_ReportsTheHeaderAndStoresNothing()
    {
        var path = Write("columns.csv", "id,reporter,observed_at,category,severity,longitude,latitude\nig-w1,cla-1,2026-02-01T00:00:00Z,other,1,29.3,-1.7\n");

        var result = await Ingest(Role.Supervisor, path, "--kind", "observations");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains($"{path}:1: reporter: is not a property of observations", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{path}:1: location_precision: is a required column", result.Error, StringComparison.Ordinal);
        await FailsWith(StatusCode.NotFound, () => Get("ig-w1"));
    }

    [Fact]
    public async Task Ingest_CsvWithBadRows_ReportsEachAtItsLineAndStoresNothing()
    {
        var text = Encoding.UTF8.GetBytes("""
            id,reporter_id,observed_at,location_precision,category,severity,longitude,latitude,notes
            ig-x1,cla-1,2026-02-01T00:00:00Z,exact,other,1,29.3,-1.7,fine
            ig-x2,cla-1,2026-02-01T00:00:00Z,exact,other,1,east,-1.7,bad longitude
            ig-x3,cla-1,2026-02-01T00:00:00Z,exact,other,1,29.3,-1.7
            ig-x4,cla-1,2026-02-01T00:00:00Z,exact,other,1,29.3,-1.7,MARK
            ig-x5,cla-1,yesterday,exact,other,9,29.3,-1.7,two faults
            """);
        var path = Write("rows.csv", Replace(text, "MARK"u8.ToArray(), Encoding.Latin1.GetBytes("Goma \u00e0 l'est")));

        var result = await Ingest(Role.Supervisor, path);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains($"{path}:3: longitude: 'east' is not a finite number", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{path}:4: row: has 8 fields; the header has 9", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{path}:5: notes: is not valid UTF-8", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{path}:6: observed_at: 'yesterday' is not an ISO 8601 time", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{path}: 4 of 5 rows rejected; nothing was sent", result.Error, StringComparison.Ordinal);
        await FailsWith(StatusCode.NotFound, () => Get("ig-x1"));
    }

    [Fact]
    public async Task Ingest_AnIdGivenAgainWithOtherContent_IsRefusedByTheServiceAtItsLine()
    {
        var text = Encoding.UTF8.GetBytes("""
            id,reporter_id,observed_at,location_precision,category,severity,longitude,latitude,notes
            ig-d1,cla-1,2026-02-01T00:00:00Z,exact,other,1,29.3,-1.7,first
            ig-d2,cla-1,2026-02-01T00:00:00Z,exact,other,1,29.3,-1.7,second
            ig-d1,cla-1,2026-02-01T00:00:00Z,exact,other,1,29.3,-1.7,first
            ig-d2,cla-1,2026-02-01T00:00:00Z,exact,other,2,29.3,-1.7,second again with another severity
            """);
        var path = Write("repeated.csv", text);

        var result = await Ingest(Role.Supervisor, path);

        // The file check keeps no list of ids (its memory does not grow with the file): the service
        // refuses the changed repeat, the tool names its line, and its call stores nothing.
        Assert.Equal(6, result.ExitCode);
        Assert.DoesNotContain($"{path}:4:", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{path}:5: client_id: 'ig-d2' appears earlier in this batch", result.Error, StringComparison.Ordinal);
        Assert.Contains("0 stored", result.Output, StringComparison.Ordinal);
        await FailsWith(StatusCode.NotFound, () => Get("ig-d1"));
    }

    [Fact]
    public async Task Ingest_AnIdGivenAgainWithTheSameContent_IsStoredOnce()
    {
        var path = Write("repeated-same.geojson", Collection(Observation("ig-s1", 29.3, -1.7), Observation("ig-s2", 29.3, -1.7), Observation("ig-s1", 29.3, -1.7)));

        var result = await Ingest(Role.Supervisor, path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("3 rows read, 2 stored, 1 already stored (e.g. ig-s1", result.Output, StringComparison.Ordinal);
        Assert.Equal(29.3, (await Get("ig-s1")).Location.Longitude);
        Assert.Equal(29.3, (await Get("ig-s2")).Location.Longitude);
    }

    [Fact]
    public async Task Ingest_ObservationOfACommunityTheServiceDoesNotKnow_IsRefusedAtItsLine()
    {
        var path = Write("unknown-community.geojson", Collection(
            Observation("ig-u1", 29.3, -1.7),
            Observation("ig-u2", 29.3, -1.7, "\"community_id\":\"no-such-community\"")));

        var result = await Ingest(Role.Supervisor, path);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains($"{path}:3: community_id: no community 'no-such-community'", result.Error, StringComparison.Ordinal);
        await FailsWith(StatusCode.NotFound, () => Get("ig-u2"));
    }

    // ---- resuming ----

    [Fact]
    public async Task Ingest_KilledMidRunThenRunAgain_ResumesAndStoresEveryRowExactlyOnce()
    {
        const int rows = 20_000;
        var path = Write("big.geojson", Collection(Enumerable.Range(0, rows).Select(i => Observation($"ig-k{i:D5}", 30.5 + (i % 100 * 0.001), -2.5)).ToArray()));
        var statePath = path + ".geoaware-ingest";
        var box = new ObservationFilter { Area = new Area { Bbox = new BoundingBox { West = 30.49, South = -2.51, East = 30.61, North = -2.49 } } };

        using (var killed = Start(Role.Supervisor, "ingest", path, "--rows-per-call", "1000"))
        {
            while (Acknowledged(statePath) < 3000)
            {
                Assert.False(killed.HasExited, "the run ended before it could be killed");
                await Task.Delay(10);
            }

            killed.Kill(entireProcessTree: true);
            await killed.WaitForExitAsync();
        }

        var before = await Count(box);
        var resumed = await Ingest(Role.Supervisor, path);

        Assert.InRange(before, 3000, rows - 1);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("resuming:", resumed.Error, StringComparison.Ordinal);
        Assert.Equal(rows, await Count(box));
        Assert.Equal(rows, (await api.QueryAllAsync(box, pageSize: 5000)).Select(o => o.Id).Distinct().Count());
        Assert.False(File.Exists(statePath));
    }

    // ---- registry ----

    [Fact]
    public async Task Ingest_CommunitiesFromGeoJsonAndCsv_PointsAndPolygonsAreStored()
    {
        var geojson = Write("communities.geojson", Collection(
            Feature(29.31, -1.61, """
                "id":"ig-cm1","name":"Kibati","admin_area":"Nyiragongo","sector":"North","risk_level":"high",
                "has_protection_plan":true,"population_female_child":310,"population_male_adult":205,"within_reach":false
                """),
            """{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[29.3,-1.6],[29.32,-1.6],[29.32,-1.58],[29.3,-1.58],[29.3,-1.6]]]},"properties":{"id":"ig-cm2","name":"Munigi","risk_level":"critical"}}"""));
        var csv = Write("communities.csv", """
            id,name,sector,risk_level,has_can_focal_point,wkt
            ig-cm3,Kanyaruchinya,North,medium,true,"POLYGON((29.33 -1.6, 29.35 -1.6, 29.35 -1.58, 29.33 -1.6))"
            """);

        var fromGeoJson = await Ingest(Role.Planner, geojson);
        var fromCsv = await Ingest(Role.Planner, csv);

        Assert.True(fromGeoJson.ExitCode == 0, fromGeoJson.ToString());
        Assert.True(fromCsv.ExitCode == 0, fromCsv.ToString());
        Assert.Contains("as communities", fromGeoJson.Error, StringComparison.Ordinal);
        var kibati = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = "ig-cm1" }).ResponseAsync;
        Assert.Equal(("Kibati", "Nyiragongo", "North", RiskLevel.High, true), (kibati.Name, kibati.AdminArea, kibati.Sector, kibati.RiskLevel, kibati.HasProtectionPlan));
        Assert.Equal((29.31, -1.61), (kibati.Location.Point.Longitude, kibati.Location.Point.Latitude));
        Assert.Equal(
            [(Sex.Female, AgeGroup.Child, 310), (Sex.Male, AgeGroup.Adult, 205)],
            kibati.Population.Select(p => (p.Sex, p.AgeGroup, p.Count)).OrderBy(p => p.Sex).ToArray());
        Assert.StartsWith("POLYGON", (await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = "ig-cm2" }).ResponseAsync).Location.Wkt, StringComparison.Ordinal);
        var kanyaruchinya = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = "ig-cm3" }).ResponseAsync;
        Assert.Equal((RiskLevel.Medium, true), (kanyaruchinya.RiskLevel, kanyaruchinya.HasCanFocalPoint));
        Assert.StartsWith("POLYGON", kanyaruchinya.Location.Wkt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_BasesAndDeploymentsFromGeoJsonAndCsv_AreStoredAndARerunIsHarmless()
    {
        var bases = Write("bases.geojson", Collection(Feature(29.25, -1.62, """
            "id":"ig-b-cob","name":"COB Kibati","kind":"company_operating_base","unit":"INDBATT-2","sector":"North","admin_area":"Nyiragongo",
            "opened_on":"2024-01-01","team_status":"no_cla","cla_count":0
            """)));
        var moreBases = Write("bases.csv", "id,name,kind,longitude,latitude,opened_on,closed_on\nig-b-tob,TOB Rugari,temporary_operating_base,29.4,-1.4,2025-06-01,2025-12-31\n");
        var deployments = Write("deployments.geojson", Collection(
            """{"type":"Feature","geometry":null,"properties":{"id":"ig-d1","cla_id":"cla-a1","sex":"female","base_id":"ig-b-cob","from":"2025-01-01","home_locality":"Goma"}}"""));
        var moreDeployments = Write("deployments.csv", "id,cla_id,sex,base_id,from,to,temporary_duty\nig-d2,cla-a2,male,ig-b-tob,2025-06-01,2025-12-31,true\n");

        var results = new[]
        {
            await Ingest(Role.Planner, bases), await Ingest(Role.Planner, moreBases),
            await Ingest(Role.Planner, deployments), await Ingest(Role.Planner, moreDeployments),
        };
        var rerun = await Ingest(Role.Planner, deployments);

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        var cob = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetBaseAsync(new GetByIdRequest { Id = "ig-b-cob" }).ResponseAsync;
        Assert.Equal(("COB Kibati", BaseKind.CompanyOperatingBase, "INDBATT-2", 2024), (cob.Name, cob.Kind, cob.Unit, cob.OpenedOn.Year));
        Assert.Equal((29.25, -1.62), (cob.Location.Longitude, cob.Location.Latitude));
        var tob = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetBaseAsync(new GetByIdRequest { Id = "ig-b-tob" }).ResponseAsync;
        Assert.Equal((BaseKind.TemporaryOperatingBase, 12, 31), (tob.Kind, tob.ClosedOn.Month, tob.ClosedOn.Day));
        var first = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetDeploymentAsync(new GetByIdRequest { Id = "ig-d1" }).ResponseAsync;
        Assert.Equal(("cla-a1", Sex.Female, "ig-b-cob", "Goma"), (first.ClaId, first.Sex, first.BaseId, first.HomeLocality));
        var second = await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetDeploymentAsync(new GetByIdRequest { Id = "ig-d2" }).ResponseAsync;
        Assert.Equal((Sex.Male, true, 2025), (second.Sex, second.TemporaryDuty, second.To.Year));
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Contains("1 rows read, 0 stored, 1 already stored", rerun.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_DeploymentAtABaseTheServiceDoesNotKnow_IsRefusedAtItsLineAndTheOthersStored()
    {
        await Ingest(Role.Planner, Write("base.csv", "id,name,kind,longitude,latitude\nig-b-known,OB Goma,operating_base,29.22,-1.68\n"));
        var path = Write("deployments-refused.csv", """
            id,cla_id,sex,base_id,from
            ig-dr1,cla-r1,female,ig-b-known,2025-01-01
            ig-dr2,cla-r2,male,no-such-base,2025-01-01
            ig-dr3,cla-r3,male,ig-b-known,2025-01-01
            """);

        var result = await Ingest(Role.Planner, path);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains($"{path}:3: base_id: no base 'no-such-base'", result.Error, StringComparison.Ordinal);
        Assert.Contains("3 rows read, 2 stored, 0 already stored, 1 rejected", result.Output, StringComparison.Ordinal);
        Assert.Equal("ig-b-known", (await api.As(Geo.Core.Access.Role.Supervisor).Registry.GetDeploymentAsync(new GetByIdRequest { Id = "ig-dr3" }).ResponseAsync).BaseId);
    }

    // ---- tokens and reachability ----

    [Fact]
    public async Task Ingest_WithABadToken_SaysSoOnOneLineAndExits4()
    {
        var path = Write("token.geojson", Collection(Observation("ig-a1", 29.3, -1.7)));

        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, "not-a-token", "ingest", path);

        Assert.Equal(4, result.ExitCode);
        Assert.StartsWith("geoaware: the service refused the token", Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.DoesNotContain("rows read", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_ServiceUnreachable_SaysSoOnOneLineAndExits3()
    {
        var path = Write("unreachable.csv", "id,name,kind,longitude,latitude\nig-z1,OB,operating_base,29.22,-1.68\n");

        var result = await CliRunner.RunAsync(new Uri("http://127.0.0.1:9"), api.TokenOf(Role.Planner), "ingest", path);

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("geoaware: cannot reach the service", Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_PlannersTokenForObservations_IsPermissionDeniedWithExit5()
    {
        var path = Write("denied.geojson", Collection(Observation("ig-p1", 29.3, -1.7)));

        var result = await Ingest(Role.Planner, path);

        Assert.Equal(5, result.ExitCode);
        Assert.StartsWith("geoaware: permission denied", result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1], StringComparison.Ordinal);
    }

    // ---- helpers ----

    private Task<CliResult> Ingest(Role role, string path, params string[] more) =>
        CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(role), ["ingest", path, .. more]);

    private Process Start(Role role, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "geoaware.dll"), .. args, "--service", api.Service.GrpcEndpoint.ToString(), "--token", api.TokenOf(role)])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static long Acknowledged(string statePath)
    {
        try
        {
            using var state = JsonDocument.Parse(File.ReadAllText(statePath));
            return state.RootElement.GetProperty("rows_acknowledged").GetInt64();
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return 0;
        }
    }

    private string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Replace(byte[] text, byte[] mark, byte[] with)
    {
        var at = text.AsSpan().IndexOf(mark);
        return [.. text[..at], .. with, .. text[(at + mark.Length)..]];
    }

    /// <summary>A FeatureCollection with one feature per line: the first feature is on line 2.</summary>
    private static string Collection(params string[] features) =>
        "{\"type\":\"FeatureCollection\",\"features\":[\n" + string.Join(",\n", features) + "\n]}\n";

    private static string Feature(double longitude, double latitude, string properties, string? featureId = null) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{{\"type\":\"Feature\",{(featureId is null ? string.Empty : $"\"id\":\"{featureId}\",")}\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{longitude},{latitude}]}},\"properties\":{{{properties.ReplaceLineEndings(string.Empty)}}}}}");

    private static string Observation(string id, double longitude, double latitude, string? more = null) => Feature(longitude, latitude,
        $"\"id\":\"{id}\",\"reporter_id\":\"cla-7f3a\",\"observed_at\":\"2026-02-10T12:00:00Z\",\"location_precision\":\"village\"," +
        $"\"category\":\"threat_of_physical_violence\",\"severity\":3,\"affected_female_adult\":1{(more is null ? string.Empty : "," + more)}");

    private Task<Observation> Get(string id) => api.As(Geo.Core.Access.Role.Supervisor).Observations.GetAsync(new GetObservationRequest { Id = IdOf(id) }).ResponseAsync;

    private async Task<long> Count(ObservationFilter filter) =>
        (await api.As(Geo.Core.Access.Role.Supervisor).Observations.CountAsync(filter).ResponseAsync).Observations;

    private Task<long> CountAll() => Count(new ObservationFilter());
}
