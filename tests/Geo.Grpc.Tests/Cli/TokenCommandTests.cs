using System.Diagnostics;
using Geo.Core.Access;
using Geo.Grpc.Tests.Api;
using Xunit;

namespace Geo.Grpc.Tests.Cli;

/// <summary>geoaware token issue|revoke|list, through the service and with --local on its database; and geoawareness token, which shares the code.</summary>
public sealed class TokenCommandTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private string Admin => api.TokenOf(Role.Administrator);

    [Fact]
    public async Task Issue_WithAnAdministratorsToken_PrintsOnlyATokenThatWorks()
    {
        var issued = await RunAsync(Admin, "token", "issue", "--role", "analyst", "--subject", "jmac-analyst-3", "--days", "10", "--note", "trial");

        Assert.True(issued.ExitCode == 0, issued.ToString());
        var token = Assert.Single(issued.Output.Trim().Split('\n'));
        Assert.Contains("analyst for jmac-analyst-3", issued.Error, StringComparison.Ordinal);
        var me = await RunAsync(token, "whoami");
        Assert.True(me.ExitCode == 0, me.ToString());
        Assert.Contains("jmac-analyst-3", me.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_ThroughTheService_TheTokenIsRefusedAfterwardsAndListedAsRevoked()
    {
        var token = (await RunAsync(Admin, "token", "issue", "--role", "planner", "--subject", "planner-to-revoke")).Output.Trim();
        var id = Geo.Testing.TestTokens.IdOf(token);

        var revoked = await RunAsync(Admin, "token", "revoke", "--id", id);
        var refused = await RunAsync(token, "whoami");
        var list = await RunAsync(Admin, "token", "list");

        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.Equal($"revoked {id}", revoked.Output.Trim());
        Assert.Equal(4, refused.ExitCode);
        Assert.True(list.ExitCode == 0, list.ToString());
        var row = Assert.Single(list.Output.Split('\n'), line => line.Contains(id, StringComparison.Ordinal));
        Assert.Contains("planner-to-revoke", row, StringComparison.Ordinal);
        Assert.Contains("revoked", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ShowsRoleSubjectScopeStateAndExpiryOfEachToken()
    {
        var token = (await RunAsync(Admin, "token", "issue", "--role", "referral-section", "--subject", "hr-desk", "--section", "human-rights", "--days", "7")).Output.Trim();

        var list = await RunAsync(Admin, "token", "list");

        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("state", list.Output, StringComparison.Ordinal);
        var row = Assert.Single(list.Output.Split('\n'), line => line.Contains(Geo.Testing.TestTokens.IdOf(token), StringComparison.Ordinal));
        Assert.Matches(@"referral-section\s+hr-desk\s+human-rights\s+active\s+\d{4}-\d{2}-\d{2}", row);
        Assert.Contains(DateTimeOffset.UtcNow.AddDays(7).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), row, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("general", "--section", "human-rights", "--role: 'general' is not one of cla, supervisor")]
    [InlineData("referral-section", "--section", "finance", "--section: 'finance' is not one of human-rights")]
    [InlineData("analyst", "--days", "400", "--days: '400' is not a whole number from 1 to 365")]
    [InlineData("analyst", "--days", "ten", "--days: 'ten' is not a whole number from 1 to 365")]
    public async Task Issue_BadValue_NamesTheOptionAndExits2(string role, string option, string value, string expected)
    {
        string[] args = ["token", "issue", "--role", role, "--subject", "someone", option, value];

        var result = await RunAsync(Admin, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Issue_SectionForARoleThatHasNone_IsTheServicesRefusalAndExits1()
    {
        var result = await RunAsync(Admin, "token", "issue", "--role", "analyst", "--subject", "someone", "--section", "human-rights");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("geoaware: INVALID_ARGUMENT: referral_section: is only for ROLE_REFERRAL_SECTION", result.Error.Trim());
    }

    [Fact]
    public async Task Issue_WithAnAnalystsToken_IsPermissionDeniedAndExits5()
    {
        var result = await RunAsync(api.TokenOf(Role.Analyst), "token", "issue", "--role", "analyst", "--subject", "someone");

        Assert.Equal(5, result.ExitCode);
        Assert.StartsWith("geoaware: permission denied", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_IssueListRevoke_WorkOnTheDatabaseWithoutAnyToken()
    {
        var issued = await CliRunner.RunAsync(["token", "issue", "--local", "--connection", api.Database.ConnectionString, "--role", "administrator", "--subject", "first-admin"]);
        Assert.True(issued.ExitCode == 0, issued.ToString());
        var token = issued.Output.Trim();
        var id = Geo.Testing.TestTokens.IdOf(token);

        var me = await RunAsync(token, "whoami");
        var list = await CliRunner.RunAsync(["token", "list", "--local", $"--ConnectionStrings:GeoAwareness={api.Database.ConnectionString}"]);
        var revoked = await CliRunner.RunAsync(["token", "revoke", "--local", "--connection", api.Database.ConnectionString, "--id", id]);
        var unknown = await CliRunner.RunAsync(["token", "revoke", "--local", "--connection", api.Database.ConnectionString, "--id", "no-such-token"]);

        Assert.True(me.ExitCode == 0, me.ToString());
        Assert.Contains("first-admin", me.Output, StringComparison.Ordinal);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches($@"{id}\s+administrator\s+first-admin\s+mission\s+active", list.Output);
        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        var after = await CliRunner.RunAsync(["token", "list", "--local", "--connection", api.Database.ConnectionString]);
        Assert.Matches($@"{id}\s+administrator\s+first-admin\s+mission\s+revoked", after.Output);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("geoaware: --id: no token 'no-such-token'", unknown.Error.Trim());
    }

    [Fact]
    public async Task Local_UnknownSector_NamesTheSectorOptionAndExits1()
    {
        var result = await CliRunner.RunAsync(
            ["token", "issue", "--local", "--connection", api.Database.ConnectionString, "--role", "analyst", "--subject", "someone", "--sector", "atlantis"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("geoaware: --sector: no sector 'atlantis'", result.Error.Trim());
    }

    [Fact]
    public async Task Local_DatabaseUnreachable_SaysSoOnOneLineAndExits3()
    {
        var result = await CliRunner.RunAsync(["token", "list", "--local", "--connection", "Host=127.0.0.1;Port=9;Username=nobody;Database=none;Timeout=3"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith("geoaware: cannot reach the database", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_AStrayArgument_IsAUsageErrorExit2()
    {
        var result = await CliRunner.RunAsync(["token", "list", "--local", "--connection", api.Database.ConnectionString, "stray"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'stray'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceTokenCommand_StillIssuesAndListsWithTheSameCode()
    {
        var issued = await RunServiceAsync("token", "issue", "--role", "cpas-focal-point", "--subject", "cpas-1", $"--ConnectionStrings:GeoAwareness={api.Database.ConnectionString}");
        var list = await RunServiceAsync("token", "list", $"--ConnectionStrings:GeoAwareness={api.Database.ConnectionString}");
        var bad = await RunServiceAsync("token", "issue", "--role", "general", "--subject", "x", $"--ConnectionStrings:GeoAwareness={api.Database.ConnectionString}");

        Assert.True(issued.ExitCode == 0, issued.ToString());
        var id = Geo.Testing.TestTokens.IdOf(issued.Output.Trim());
        Assert.Contains($"{id}\tcpas-focal-point\tcpas-1\tactive", list.Output, StringComparison.Ordinal);
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("geoawareness token issue: --role: is required: one of cla, supervisor", bad.Error, StringComparison.Ordinal);
    }

    private Task<CliResult> RunAsync(string token, params string[] args) => CliRunner.RunAsync(api.Service.GrpcEndpoint, token, args);

    private static async Task<CliResult> RunServiceAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(Hosting.ServiceProcess.HostAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new CliResult(process.ExitCode, await output, await error);
    }
}
