using Geo.Grpc.Tests.Civilian;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary><c>geoaware facilities</c>: a liaison loads an OSM export; a planner lists and exports what it may.</summary>
public sealed class FacilitiesCommandTests(CivilianPictureTests.CivilianFixture fixture) : IClassFixture<CivilianPictureTests.CivilianFixture>
{
    private Task<CliResult> RunAsync(Role role, params string[] args) =>
        CliRunner.RunAsync(fixture.Api.Service.GrpcEndpoint, fixture.Api.TokenOf(role), ["facilities", .. args]);

    [Fact]
    public async Task Facilities_ImportListExport_FromTheTerminal()
    {
        var folder = Directory.CreateTempSubdirectory("facilities-cli").FullName;
        var input = Path.Combine(folder, "osm.geojson");
        await File.WriteAllTextAsync(input,
            "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":\"node/7001\",\"properties\":{\"amenity\":\"marketplace\",\"name\":\"Marché de Kasindi\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[29.71,0.04]}}]}");

        var imported = await RunAsync(Role.HumanitarianLiaison, "import", input, "--default-sharing", "mission");
        Assert.True(imported.ExitCode == 0, imported.ToString());
        Assert.StartsWith("stored: 1 features, 1 created", imported.Output, StringComparison.Ordinal);

        var listed = await RunAsync(Role.Planner, "list", "--type", "market", "--bbox", "29.7,0.0,29.72,0.05");
        Assert.Contains("fac-osm-node-7001\tMarché de Kasindi\tmarket\tunknown\tunconfirmed\t-\t-\tmission", listed.Output, StringComparison.Ordinal);

        var output = Path.Combine(folder, "out.geojson");
        var exported = await RunAsync(Role.Planner, "export", "--type", "market", "--bbox", "29.7,0.0,29.72,0.05", "--output", output);
        Assert.True(exported.ExitCode == 0, exported.ToString());
        Assert.Contains("\"fac-osm-node-7001\"", await File.ReadAllTextAsync(output), StringComparison.Ordinal);

        var refused = await RunAsync(Role.Planner, "import", input);
        Assert.Equal(5, refused.ExitCode);
    }
}
