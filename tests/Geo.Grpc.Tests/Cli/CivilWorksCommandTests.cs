using Geo.Grpc.Tests.Civilian;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary><c>geoaware qips</c> and <c>geoaware assistance</c>: a UN-CIMIC officer proposes, requests and moves each step from a terminal.</summary>
public sealed class CivilWorksCommandTests(CivilianPictureTests.CivilianFixture fixture) : IClassFixture<CivilianPictureTests.CivilianFixture>
{
    private Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(fixture.Api.Service.GrpcEndpoint, fixture.Api.TokenOf(Role.UnCimicOfficer), args);

    [Fact]
    public async Task Qips_ProposeStepListSummary_AndAssistance_RequestStepList()
    {
        var proposed = await RunAsync("qips", "propose", "qip-cli", "Market shelter", "--sector", "shelter", "--budget", "9000", "--planned", "2026-12-15", "--at", "0.04,29.71");
        Assert.True(proposed.ExitCode == 0, proposed.ToString());
        Assert.StartsWith("qip-cli\tproposed\tversion 1", proposed.Output, StringComparison.Ordinal);
        var outOfOrder = await RunAsync("qips", "step", "qip-cli", "completed", "--completed-on", "2026-12-10");
        Assert.NotEqual(0, outOfOrder.ExitCode);
        Assert.Contains("it cannot become completed (next: approved, or cancelled)", outOfOrder.Error, StringComparison.Ordinal);
        Assert.StartsWith("qip-cli\tapproved\tversion 2", (await RunAsync("qips", "step", "qip-cli", "approved", "--approved-by", "HOMC designee")).Output, StringComparison.Ordinal);
        Assert.Contains("qip-cli\tMarket shelter\tshelter\tapproved\t9000.00\t2026-12-15\t-\t-", (await RunAsync("qips", "list", "--state", "approved")).Output, StringComparison.Ordinal);
        Assert.Contains("qips\tapproved\tshelter\t", (await RunAsync("qips", "summary")).Output, StringComparison.Ordinal);

        var requested = await RunAsync("assistance", "request", "car-cli", "Bridge repair", "--from", "2026-12-08", "--to", "2026-12-20", "--at", "0.04,29.71");
        Assert.True(requested.ExitCode == 0, requested.ToString());
        await RunAsync("assistance", "step", "car-cli", "reviewed");
        var noLastResort = await RunAsync("assistance", "step", "car-cli", "approved", "--decided-by", "HOMC");
        Assert.NotEqual(0, noLastResort.ExitCode);
        Assert.Contains("last_resort: the request states no last resort", noLastResort.Error, StringComparison.Ordinal);
        var approved = await RunAsync("assistance", "step", "car-cli", "approved", "--decided-by", "HOMC", "--last-resort", "the only crane within 300 km is the mission's");
        Assert.StartsWith("car-cli\tapproved\t", approved.Output, StringComparison.Ordinal);
        Assert.Contains("car-cli\tBridge repair\tapproved\t2026-12-08..2026-12-20\tHOMC\tstated", (await RunAsync("assistance", "list")).Output, StringComparison.Ordinal);
        Assert.Equal(2, (await RunAsync("assistance", "step", "car-cli", "flying")).ExitCode);
    }
}
