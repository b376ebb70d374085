using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary>geoaware roads import|show and gaps --reach-time against the real service, with GeoJSON files written as OSM export tools write them.</summary>
public sealed class RoadsCommandTests(ApiFixture api) : IClassFixture<ApiFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("geoaware-roads-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Planner), args);

    private string File(string name, string json)
    {
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    // As ogr2ogr and osmium export OSM ways: tags as properties, the way's id in "@id" or the feature's id.
    private const string Osm = """
        {"type": "FeatureCollection", "features": [
          {"type": "Feature", "id": "way/101", "properties": {"highway": "trunk", "name": "RN2"},
           "geometry": {"type": "LineString", "coordinates": [[29.00, -1.50], [29.02, -1.50], [29.04, -1.50]]}},
          {"type": "Feature", "properties": {"@id": "way/102", "highway": "track", "seasonal": "yes", "oneway": null},
           "geometry": {"type": "MultiLineString", "coordinates": [[[29.02, -1.50], [29.02, -1.48]], [[29.02, -1.48], [29.03, -1.47]]]}},
          {"type": "Feature", "properties": {"osm_id": 103, "highway": "residential", "oneway": "-1"},
           "geometry": {"type": "LineString", "coordinates": [[29.04, -1.50], [29.04, -1.49]]}}
        ]}
        """;

    [Fact]
    public async Task Import_AnOsmExport_StoresItAndShowSummarisesTheNetwork()
    {
        var imported = await RunAsync("roads", "import", File("kivu-roads.geojson", Osm));
        var shown = await RunAsync("roads", "show");

        Assert.True(imported.ExitCode == 0, imported.ToString());
        Assert.Matches(@"^dataset kivu-roads: 3 features, 4 roads, 5 segments stored; network version \d+", imported.Output);
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Contains("datasets: kivu-roads", shown.Output, StringComparison.Ordinal);
        Assert.Matches(@"primary\s+4\.5", shown.Output);
        Assert.Matches(@"track\s+3\.8\s+3\.8", shown.Output);

        var again = await RunAsync("roads", "import", File("kivu-roads.geojson", Osm), "--dataset", "kivu-roads");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("replacing 4 roads of its earlier import", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_NotRoadLines_IsRefusedBeforeSendingNamingEachFeature()
    {
        var result = await RunAsync("roads", "import", File("mixed.geojson", """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "properties": {"highway": "track"}, "geometry": {"type": "LineString", "coordinates": [[29.5, -1.5], [29.6, -1.5]]}},
              {"type": "Feature", "properties": {"highway": "bus_stop"}, "geometry": {"type": "Point", "coordinates": [29.5, -1.5]}},
              {"type": "Feature", "properties": {"highway": "track"}, "geometry": {"type": "LineString", "coordinates": [[29.5, "south"]]}}
            ]}
            """));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("2 of 3 feature(s) are not road lines; nothing was sent", result.Error, StringComparison.Ordinal);
        Assert.Contains("features[1]: a Point is not a road: give LineString or MultiLineString", result.Error, StringComparison.Ordinal);
        Assert.Contains("features[2]: a position is not [longitude, latitude]", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("mixed", (await api.As(Role.Planner).Roads.GetNetworkAsync(new GetRoadNetworkRequest())).Datasets);
    }

    [Fact]
    public async Task Import_TagsTheServiceCannotRead_FailsNamingTheFeatureAndStoresNothing()
    {
        var result = await RunAsync("roads", "import", File("planned.geojson", """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "id": "way/9", "properties": {"highway": "proposed"}, "geometry": {"type": "LineString", "coordinates": [[29.7, -1.5], [29.8, -1.5]]}}
            ]}
            """));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("features[0].highway: 'proposed' is not a road class", result.Error, StringComparison.Ordinal);
        Assert.Contains("(feature id 'way/9')", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("planned", (await api.As(Role.Planner).Roads.GetNetworkAsync(new GetRoadNetworkRequest())).Datasets);
    }

    [Fact]
    public async Task Import_AsAnAnalyst_IsPermissionDeniedExit5()
    {
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Analyst), ["roads", "import", File("denied.geojson", Osm)]);

        Assert.Equal(5, result.ExitCode);
        Assert.StartsWith("geoaware: permission denied", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gaps_WithAReachTime_SaysWhatItJudgedByAndRefusesATimeItCannotRead()
    {
        var result = await RunAsync("gaps", "--sector", "cli-roads", "--reach-time", "1h30m", "--travel", "on-foot", "--season", "rainy");
        var unreadable = await RunAsync("gaps", "--reach-time", "2 days");
        var outOfRange = await RunAsync("gaps", "--reach-time", "25h");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("reach: 1 h 30 min on foot, rainy season (seasonal roads closed) by road", result.Output, StringComparison.Ordinal);
        Assert.Equal(2, unreadable.ExitCode);
        Assert.Contains("--reach-time: '2 days' is not a travel time", unreadable.Error, StringComparison.Ordinal);
        Assert.Equal(1, outOfRange.ExitCode);
        Assert.Contains("reach_time.minutes: 1500 is out of range: 1 to 1440 minutes", outOfRange.Error, StringComparison.Ordinal);
    }
}
