using Geo.Core.Access;
using Geo.Grpc.Tests.Api;
using Xunit;

namespace Geo.Grpc.Tests.Cli;

/// <summary>The tool's shared behaviour, through its simplest command: tokens, addresses, exit codes.</summary>
public sealed class WhoAmICommandTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task WhoAmI_WithAnAnalystsToken_PrintsTheSubjectAndRole()
    {
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Analyst), "whoami");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("test-analyst", result.Output, StringComparison.Ordinal);
        Assert.Contains("Analyst", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhoAmI_TokenFromTheEnvironment_IsUsed()
    {
        var result = await CliRunner.RunAsync(
            ["whoami"], new Dictionary<string, string> { ["GEOAWARE_SERVICE"] = api.Service.GrpcEndpoint.ToString(), ["GEOAWARE_TOKEN"] = api.TokenOf(Role.Planner) });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("test-planner", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhoAmI_WithoutAToken_SaysSoOnOneLineAndExits4()
    {
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, null, "whoami");

        Assert.Equal(4, result.ExitCode);
        Assert.Equal("geoaware: no token: pass --token or set $GEOAWARE_TOKEN", result.Error.Trim());
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task WhoAmI_WithABadToken_SaysTheServiceRefusedItAndExits4()
    {
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, "not-a-token", "whoami");

        Assert.Equal(4, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith("geoaware: the service refused the token", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhoAmI_ServiceUnreachable_SaysSoOnOneLineAndExits3()
    {
        var result = await CliRunner.RunAsync(new Uri("http://127.0.0.1:9"), api.TokenOf(Role.Analyst), "whoami");

        Assert.Equal(3, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith("geoaware: cannot reach the service", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-command")]
    [InlineData("whoami", "--no-such-option")]
    [InlineData("whoami", "--service", "not a url")]
    public async Task BadCommandLine_ExitsWithUsageCode2(params string[] args)
    {
        var result = await CliRunner.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("geoaware: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_OnTheRoot_ListsCommandsWithExamples()
    {
        var result = await CliRunner.RunAsync(["--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("whoami", result.Output, StringComparison.Ordinal);
        Assert.Contains("Examples:", result.Output, StringComparison.Ordinal);
    }
}
