using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Xunit;
using Grpc.Core;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary>
/// geoaware demo against the real service. Every test may be the first to load the demo: loading
/// is idempotent, so each runs it and then checks what it relies on.
/// </summary>
public sealed class DemoCommandTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const int DemoObservations = Geo.Synthetic.DemoMission.ObservationCount;

    private Task<CliResult> LoadAsAdministratorAsync() => CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Administrator), "demo");

    private async Task<long> ObservationCountAsync() =>
        (await api.As(Geo.Core.Access.Role.Supervisor).Observations.CountAsync(new ObservationFilter()).ResponseAsync).Observations;

    [Fact]
    public async Task Demo_Loaded_CoverageShowsEachDeliberateGap()
    {
        var load = await LoadAsAdministratorAsync();
        Assert.True(load.ExitCode == 0, load.ToString());

        var coverage = await api.As(Role.Planner).Coverage.GetCoverageAsync(new CoverageRequest()).ResponseAsync;

        Assert.Contains(coverage.Bases, b => b.Team.ClaCount == 1 && b.Gaps.Contains(TeamGap.BelowMinimum));
        Assert.Contains(coverage.Bases, b => b.Team.ClaCount >= 2 && b.Gaps.SequenceEqual([TeamGap.NoFemaleCla]));
        Assert.Contains(coverage.Bases, b => b.Base.Kind == BaseKind.TemporaryOperatingBase && b.Gaps.SequenceEqual([TeamGap.NoCla]));
        Assert.Contains(coverage.Bases, b => b.Base.Kind == BaseKind.OperatingBase && b.Gaps.Count == 0);
        Assert.NotEmpty(coverage.CommunitiesOutOfReach);
        Assert.Equal(DemoObservations, await ObservationCountAsync());
    }

    [Fact]
    public async Task Demo_RunTwice_SecondRunChangesNothingAndSaysSo()
    {
        var first = await LoadAsAdministratorAsync();
        Assert.True(first.ExitCode == 0, first.ToString());

        // The second run as a planner with a supervisor's token: the other way the permissions allow.
        var second = await CliRunner.RunAsync(
            api.Service.GrpcEndpoint, api.TokenOf(Role.Planner), "demo", "--supervisor-token", api.TokenOf(Role.Supervisor));

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.True(second.Output.Contains("is already loaded: nothing changed", StringComparison.Ordinal), second.ToString());
        Assert.Contains("is already loaded: nothing changed", second.Output, StringComparison.Ordinal);
        Assert.Contains($"{DemoObservations:N0} observations", second.Output, StringComparison.Ordinal);
        Assert.Equal(DemoObservations, await ObservationCountAsync());
    }

    [Fact]
    public async Task Demo_AsAdministrator_RevokesTheTokensItIssuedItself()
    {
        var load = await LoadAsAdministratorAsync();
        Assert.True(load.ExitCode == 0, load.ToString());

        using var call = api.As(Role.Administrator).Access.ListTokens(new ListTokensRequest());
        var loaders = new List<TokenInfo>();
        await foreach (var token in call.ResponseStream.ReadAllAsync())
        {
            if (token.Subject == "demo-loader")
            {
                loaders.Add(token);
            }
        }

        Assert.Contains(loaders, t => t.Role == Geo.Api.V1.Role.Planner);
        Assert.Contains(loaders, t => t.Role == Geo.Api.V1.Role.Supervisor);
        Assert.All(loaders, t => Assert.NotNull(t.RevokedAt));
    }

    [Fact]
    public async Task Demo_OtherSeedOverALoadedDemo_RefusesAndLoadsNothing()
    {
        var load = await LoadAsAdministratorAsync();
        Assert.True(load.ExitCode == 0, load.ToString());

        var other = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Administrator), "demo", "--seed", "2");

        Assert.Equal(1, other.ExitCode);
        Assert.Equal("geoaware: the service already holds a mission that is not the demo of seed 2: the demo loads only into an empty service (no bases, no observations)", other.Error.Trim());
        Assert.Equal(DemoObservations, await ObservationCountAsync());
    }

    [Fact]
    public async Task Demo_PlannersTokenWithoutASupervisorsToken_SaysWhatIsMissingAndExits2()
    {
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Planner), "demo");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("geoaware: a planner's token registers the mission, but its observations need a supervisor's: pass --supervisor-token", result.Error.Trim());
    }

    [Fact]
    public async Task Demo_AnalystsToken_IsRefusedWithExit5()
    {
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Analyst), "demo");

        Assert.Equal(5, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith("geoaware: loading the demo needs an administrator's token", result.Error, StringComparison.Ordinal);
    }
}
