using Geo.Grpc.Tests.Operations;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary><c>geoaware ops check</c>: a planner checks a route drawn in a GeoJSON file from a terminal, as the service checks it.</summary>
public sealed class OpsCommandTests(OperationTests.OperationFixture fixture) : IClassFixture<OperationTests.OperationFixture>
{
    [Fact]
    public async Task OpsCheck_RecordsThePlanFromAFile_AndPrintsWhatItTouches_TheSameAsTheService()
    {
        var folder = Directory.CreateTempSubdirectory("ops-cli").FullName;
        var file = Path.Combine(folder, "patrol-beni.geojson");
        await File.WriteAllTextAsync(file,
            "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[29.00,-1.00],[29.20,-1.05],[29.35,-1.00],[29.55,-1.08]]}}]}");

        var result = await CliRunner.RunAsync(fixture.Api.Service.GrpcEndpoint, fixture.Api.TokenOf(Role.Planner),
            ["ops", "check", file, "--from", "2026-12-20T06:00:00Z", "--to", "2026-12-20T18:00:00Z", "--buffer", "2000", "--unit", "BANBATT-2"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var check = await fixture.Api.As(Role.Planner).Operations.CheckOperationAsync(new Geo.Api.V1.CheckOperationRequest { Id = "op-patrol-beni" });
        Assert.StartsWith("operation op-patrol-beni (route, buffer 2000 m, 2026-12-20T06:00Z..2026-12-20T18:00Z), version 1", result.Output, StringComparison.Ordinal);
        Assert.Contains($"facilities {check.Facilities.Count} (", result.Output, StringComparison.Ordinal);
        Assert.Contains($"; {check.FacilitiesWithheld} withheld)", result.Output, StringComparison.Ordinal);
        Assert.Contains($"communities {check.Communities.Count} (", result.Output, StringComparison.Ordinal);
        Assert.Contains("threats (30 days): threat-of-physical-violence 2, armed-group-movement 1", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Route NGO", result.Output, StringComparison.Ordinal);

        var again = await CliRunner.RunAsync(fixture.Api.Service.GrpcEndpoint, fixture.Api.TokenOf(Role.Planner),
            ["ops", "check", file, "--from", "2026-12-21T06:00:00Z", "--to", "2026-12-21T18:00:00Z", "--buffer", "2000"]);
        Assert.Contains("), version 2", again.Output, StringComparison.Ordinal);
        var refused = await CliRunner.RunAsync(fixture.Api.Service.GrpcEndpoint, fixture.Api.TokenOf(Role.Planner),
            ["ops", "check", file, "--from", "2026-12-21T06:00:00Z", "--to", "2026-12-20T18:00:00Z", "--buffer", "2000", "--id", "op-cli-bad"]);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("ends_at: ", refused.Error, StringComparison.Ordinal);
    }
}
