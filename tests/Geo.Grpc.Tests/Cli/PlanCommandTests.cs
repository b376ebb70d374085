using System.Text.Json;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary>
/// geoaware plan against the real service: a plan file applied and its changes printed, saved,
/// listed, shown, compared, exported and deleted. The mission: sector cli-plan (80..81 E, 20..21 N),
/// a base with a woman and a man, an empty post, a village out of reach.
/// </summary>
public sealed class PlanCommandTests(ApiFixture api) : IClassFixture<ApiFixture>, IAsyncLifetime, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("geoaware-plan-").FullName;

    public async Task InitializeAsync()
    {
        var planner = api.As(Role.Planner);
        await planner.Registry.PutSectorAsync(new Sector { Id = "cli-plan", Name = "cli-plan", Area = new Shape { Wkt = "POLYGON((80 20, 81 20, 81 21, 80 21, 80 20))" } }).ResponseAsync;
        foreach (var (id, longitude) in new[] { ("cp-ob", 80.1), ("cp-post", 80.3) })
        {
            await planner.Registry.CreateBaseAsync(new Base
            {
                Id = id, Name = id, Kind = BaseKind.OperatingBase, Sector = "cli-plan", Location = new GeoPoint { Longitude = longitude, Latitude = 20.5 },
                OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
            }).ResponseAsync;
        }

        foreach (var (i, sex) in new[] { (0, Sex.Female), (1, Sex.Male) })
        {
            await api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
            {
                Id = $"cp-ob-cla{i}", ClaId = $"cla-cp-{i}", Sex = sex, BaseId = "cp-ob", From = new CalendarDate { Year = 2025, Month = 6, Day = 1 },
            }).ResponseAsync;
        }

        await planner.Registry.CreateCommunityAsync(new Community
        {
            Id = "cp-village", Name = "Village far east", Sector = "cli-plan", RiskLevel = RiskLevel.High, Location = new Shape { Wkt = "POINT(80.8 20.5)" },
        }).ResponseAsync;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Planner), ["plan", .. args]);

    /// <summary>A plan file as the README shows one: a new temporary base by the village, and the base's woman moved there.</summary>
    private string PlanFile(string name, string moved = "cp-ob-cla0")
    {
        var path = Path.Combine(_folder, name + ".json");
        File.WriteAllText(path, $$"""
            {
              "coverage": { "at": { "year": 2026, "month": 3, "day": 1 }, "sector": "cli-plan" },
              "changes": [
                { "openBase": { "base": { "id": "cp-tob", "name": "TOB east", "kind": "BASE_KIND_TEMPORARY_OPERATING_BASE",
                                          "location": { "longitude": 80.75, "latitude": 20.5 } },
                                "clas": ["SEX_MALE"] } },
                { "moveClas": { "fromBaseId": "cp-ob", "toBaseId": "cp-tob", "deploymentIds": ["{{moved}}"] } },
                { "addClas": { "baseId": "cp-post", "clas": ["SEX_FEMALE", "SEX_MALE"] } }
              ]
            }
            """);
        return path;
    }

    [Fact]
    public async Task File_PrintsWhatThePlanChanges()
    {
        var result = await RunAsync(PlanFile("apply"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.Output;
        Assert.StartsWith("Plan on 2026-03-01: 3 changes", output, StringComparison.Ordinal);
        Assert.Contains("Bases opened: cp-tob", output, StringComparison.Ordinal);
        Assert.Contains("Bases closed: none", output, StringComparison.Ordinal);
        Assert.Contains("Team gaps closed: cp-post no-cla", output, StringComparison.Ordinal);
        Assert.Contains("Team gaps opened: cp-ob below-minimum, cp-ob no-female-cla", output, StringComparison.Ordinal);
        Assert.Matches(@"cp-village\s+Village far east\s+high\s+unknown\s+cp-tob\s+5\.2", output);
        Assert.Contains("Communities left out of reach: none", output, StringComparison.Ordinal);
        Assert.Contains("After the plan: 3 open bases; 0 without a CLA, 1 below two CLAs, 1 teams without a female CLA; 0 of 1 communities at risk out of reach", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_IsTheServicesReport()
    {
        var result = await RunAsync(PlanFile("json"), "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var report = JsonDocument.Parse(result.Output);
        Assert.Equal(["cp-tob"], report.RootElement.GetProperty("openedBaseIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, report.RootElement.GetProperty("openedTeamGaps").GetArrayLength());
    }

    [Fact]
    public async Task SaveListShowCompareExportDelete_EndToEnd()
    {
        var saved = await RunAsync(PlanFile("save"), "--save", "cli-tob");
        var twice = await RunAsync(PlanFile("save"), "--save", "cli-tob");
        var replaced = await RunAsync(PlanFile("save"), "--save", "cli-tob", "--replace");
        var list = await RunAsync("list");
        var show = await RunAsync("show", "cli-tob");
        var showJson = await RunAsync("show", "cli-tob", "--format", "json");
        var compare = await RunAsync("compare", "cli-tob");
        var geojson = Path.Combine(_folder, "bases.geojson");
        var export = await RunAsync("export", "cli-tob", "--layer", "bases", "--output", geojson);
        var communities = await RunAsync("export", "cli-tob", "--layer", "communities");
        var delete = await RunAsync("delete", "cli-tob");
        var gone = await RunAsync("show", "cli-tob");

        Assert.True(saved.ExitCode == 0, saved.ToString());
        Assert.Contains("saved as 'cli-tob'", saved.Error, StringComparison.Ordinal);
        Assert.Contains("Bases opened: cp-tob", saved.Output, StringComparison.Ordinal);
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("geoaware: ALREADY_EXISTS: name: a plan named 'cli-tob' is saved already; set replace to save over it", twice.Error, StringComparison.Ordinal);
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.Matches(@"cli-tob\s+2026-03-01\s+cli-plan\s+3\s+test-planner", list.Output);
        Assert.Contains("Plan 'cli-tob', saved by test-planner", show.Output, StringComparison.Ordinal);
        Assert.Contains("Team gaps opened: cp-ob below-minimum, cp-ob no-female-cla", show.Output, StringComparison.Ordinal);
        // The saved plan's plan is a plan file again.
        using (var document = JsonDocument.Parse(showJson.Output))
        {
            var again = Path.Combine(_folder, "again.json");
            await File.WriteAllTextAsync(again, document.RootElement.GetProperty("plan").GetRawText());
            var reapplied = await RunAsync(again);
            Assert.True(reapplied.ExitCode == 0, reapplied.ToString());
            Assert.Contains("Bases opened: cp-tob", reapplied.Output, StringComparison.Ordinal);
        }

        Assert.Matches(@"bases opened\s+cp-tob\s+none", compare.Output);
        Assert.Matches(@"communities out of reach\s+0 of 1\s+1 of 1", compare.Output);
        Assert.True(export.ExitCode == 0, export.ToString());
        using (var layer = JsonDocument.Parse(await File.ReadAllBytesAsync(geojson)))
        {
            Assert.Equal(["cp-ob", "cp-post", "cp-tob"], layer.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
        }

        using (var layer = JsonDocument.Parse(communities.Output))
        {
            Assert.Equal("cp-village", Assert.Single(layer.RootElement.GetProperty("features").EnumerateArray()).GetProperty("id").GetString());
        }

        Assert.Equal("deleted 'cli-tob'", delete.Output.Trim());
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("geoaware: NOT_FOUND: name: no saved plan 'cli-tob'", gone.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComparingTwoSavedPlans_PutsThemSideBySide()
    {
        var one = await RunAsync(PlanFile("one"), "--save", "cli-one");
        var other = Path.Combine(_folder, "other.json");
        await File.WriteAllTextAsync(other, """{ "coverage": { "at": { "year": 2026, "month": 3, "day": 1 }, "sector": "cli-plan" }, "changes": [ { "closeBase": { "baseId": "cp-post" } } ] }""");
        var two = await RunAsync(other, "--save", "cli-two");

        var compare = await RunAsync("compare", "cli-one", "cli-two");

        Assert.True(one.ExitCode == 0 && two.ExitCode == 0, one + two.ToString());
        Assert.True(compare.ExitCode == 0, compare.ToString());
        Assert.Matches(@"\s+cli-one\s+cli-two", compare.Output);
        Assert.Matches(@"bases closed\s+none\s+cp-post", compare.Output);
    }

    [Fact]
    public async Task BadFile_NamesTheProblemAndExits2()
    {
        var notJson = Path.Combine(_folder, "not.json");
        await File.WriteAllTextAsync(notJson, "changes: [");
        var misspelt = Path.Combine(_folder, "misspelt.json");
        await File.WriteAllTextAsync(misspelt, """{ "changes": [ { "openBse": {} } ] }""");

        var missing = await RunAsync(Path.Combine(_folder, "none.json"));
        var garbled = await RunAsync(notJson);
        var unknownField = await RunAsync(misspelt);
        var noFile = await RunAsync();

        Assert.Equal((2, 2, 2, 2), (missing.ExitCode, garbled.ExitCode, unknownField.ExitCode, noFile.ExitCode));
        Assert.Contains("file: '", missing.Error, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);
        Assert.StartsWith("geoaware: file: 'not.json' is not a plan (PlanDeploymentRequest as proto3 JSON)", garbled.Error, StringComparison.Ordinal);
        Assert.StartsWith("geoaware: file: 'misspelt.json' is not a plan", unknownField.Error, StringComparison.Ordinal);
        Assert.Contains("openBse", unknownField.Error, StringComparison.Ordinal);
        Assert.StartsWith("geoaware: file: is required", noFile.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APlanTheServiceRefuses_PrintsTheFieldAndExits1_AndAnImporterIsDenied()
    {
        var refused = await RunAsync(PlanFile("refused", moved: "cp-nobody"));
        var importer = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Importer), "plan", PlanFile("importer"));

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("geoaware: INVALID_ARGUMENT: changes[1].move_clas.deployment_ids[0]: deployment 'cp-nobody' is not at base 'cp-ob' on 2026-03-01", refused.Error.Trim());
        Assert.Equal(5, importer.ExitCode);
        Assert.StartsWith("geoaware: permission denied", importer.Error, StringComparison.Ordinal);
    }
}
