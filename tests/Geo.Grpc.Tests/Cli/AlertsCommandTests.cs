using Geo.Api.V1;
using Geo.Grpc.Tests.Alerts;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary><c>geoaware alerts</c>: list, then acknowledge, respond and close one, as a supervisor would from a terminal.</summary>
public sealed class AlertsCommandTests(AlertTests.AlertFixture fixture) : IClassFixture<AlertTests.AlertFixture>
{
    private Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(fixture.Api.Service.GrpcEndpoint, fixture.Api.TokenOf(Role.Supervisor), ["alerts", .. args]);

    [Fact]
    public async Task Alerts_ListAckRespondClose_EachSaysTheNewState_AndARepeatedStepIsRefusedSayingWhy()
    {
        var warning = AlertTests.Observation("cli-alert", 37.01, Category.EarlyWarningAlert, 5);
        await fixture.Api.SubmitAsync(warning);
        var id = "alert-" + IdOf("cli-alert");

        var listed = await RunAsync("list", "--bbox", "37.0,-1.51,37.02,-1.49");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var row = Assert.Single(listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1));
        Assert.StartsWith($"{id}\tearly-warning\t5\topen\t", row, StringComparison.Ordinal);

        Assert.StartsWith($"{id}\tacknowledged\t", (await RunAsync("ack", id)).Output, StringComparison.Ordinal);
        Assert.StartsWith($"{id}\tresponded\t", (await RunAsync("respond", id, "Patrol sent")).Output, StringComparison.Ordinal);
        Assert.StartsWith($"{id}\tclosed\t", (await RunAsync("close", id, "--note", "community informed")).Output, StringComparison.Ordinal);

        var again = await RunAsync("close", id);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("already closed", again.Error, StringComparison.Ordinal);
        Assert.Single((await RunAsync("list", "--bbox", "37.0,-1.51,37.02,-1.49")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(id, (await RunAsync("list", "--bbox", "37.0,-1.51,37.02,-1.49", "--state", "closed")).Output, StringComparison.Ordinal);
    }
}
