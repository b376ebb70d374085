using System.Text.Json;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary>geoaware gaps against the real service: each team's gaps and the communities out of reach, as a table and as JSON.</summary>
public sealed class GapsCommandTests(ApiFixture api) : IClassFixture<ApiFixture>, IAsyncLifetime
{
    private const string Sector = "cli-north";

    public async Task InitializeAsync()
    {
        await BaseAsync("ob-full", BaseKind.OperatingBase, 29.0, male: 1, female: 1);
        await BaseAsync("cob-one", BaseKind.CompanyOperatingBase, 29.5, male: 0, female: 1);
        await BaseAsync("tob-men", BaseKind.TemporaryOperatingBase, 30.0, male: 2, female: 0);
        await BaseAsync("sg-empty", BaseKind.SurgeTeam, 30.5, male: 0, female: 0);
        await CommunityAsync("c-near", 29.01, RiskLevel.High);
        await CommunityAsync("c-far-high", 32.0, RiskLevel.High);
        await CommunityAsync("c-far-critical", 31.5, RiskLevel.Critical);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Planner), ["gaps", .. args]);

    [Fact]
    public async Task Table_ShowsEachTeamWithItsGapsThenTheCommunitiesOutOfReach()
    {
        var result = await RunAsync("--at", "2026-03-01", "--sector", Sector);

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.Output;
        Assert.StartsWith("Coverage on 2026-03-01: 4 open bases; 1 without a CLA, 1 below two CLAs, 1 teams without a female CLA; 3 communities at risk, 2 out of reach", output, StringComparison.Ordinal);
        Assert.Matches(@"ob-full\s+Base ob-full\s+operating-base\s+cli-north\s+2\s+1\s+0\s+none", output);
        Assert.Matches(@"cob-one\s+Base cob-one\s+company-operating-base\s+cli-north\s+1\s+1\s+0\s+below-minimum", output);
        Assert.Matches(@"tob-men\s+Base tob-men\s+temporary-operating-base\s+cli-north\s+2\s+0\s+0\s+no-female-cla", output);
        Assert.Matches(@"sg-empty\s+Base sg-empty\s+surge-team\s+cli-north\s+0\s+0\s+0\s+no-cla", output);
        var communities = output[output.IndexOf("Communities at risk out of reach:", StringComparison.Ordinal)..];
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(communities, @"c-far-critical\s+Village c-far-critical\s+critical\s+150\s+tob-men\s+167\.0\s"), communities);
        Assert.True(communities.IndexOf("c-far-critical", StringComparison.Ordinal) < communities.IndexOf("c-far-high", StringComparison.Ordinal), "sorted by risk, highest first");
        Assert.DoesNotContain("c-near", communities, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_IsTheServicesReport()
    {
        var result = await RunAsync("--at", "2026-03-01", "--sector", Sector, "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var report = JsonDocument.Parse(result.Output);
        Assert.Equal(4, report.RootElement.GetProperty("bases").GetArrayLength());
        Assert.Equal(
            ["c-far-critical", "c-far-high"],
            report.RootElement.GetProperty("communitiesOutOfReach").EnumerateArray().Select(c => c.GetProperty("communityId").GetString()));
        Assert.Equal(1, report.RootElement.GetProperty("basesWithoutCla").GetInt32());
    }

    [Theory]
    [InlineData(2, "--at: '2026-02-30' is not a date", "--at", "2026-02-30")]
    [InlineData(2, "--min-risk: 'extreme' is not one of low, medium, high, critical", "--min-risk", "extreme")]
    [InlineData(2, "--format: 'csv' is not one of table, json", "--format", "csv")]
    public async Task BadValue_NamesTheOptionAndExits2(int exitCode, string expected, params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAnImportersToken_IsPermissionDeniedExit5()
    {
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Importer), "gaps");

        Assert.Equal(5, result.ExitCode);
        Assert.StartsWith("geoaware: permission denied", result.Error, StringComparison.Ordinal);
    }

    // ---- gaps --group: the gender/age gaps, as a supervisor (exact locations, no minimum count) reads them ----

    /// <summary>
    /// Beside the men's team at 30.0: three threats against girls, two reported by CLAs who
    /// told one incident (linked), a community meeting and a discredited threat, all in one spot.
    /// </summary>
    private async Task GroupSeedAsync(string prefix, double latitude)
    {
        Observation At(string id, Category category = Category.ThreatOfPhysicalViolence) => NewObservation($"{prefix}-{id}", 30.01, latitude);
        var meeting = At("meeting");
        meeting.Category = Category.CommunityEngagement;
        await api.SubmitAsync(At("t1"), At("t2"), At("t3"), meeting, At("false"));
        var supervisor = api.As(Role.Supervisor).Observations;
        await supervisor.ReviewAsync(new ReviewObservationRequest { Id = IdOf($"{prefix}-false"), Verification = VerificationStatus.Discredited }).ResponseAsync;
        await supervisor.LinkEventAsync(new LinkEventRequest { Ids = { IdOf($"{prefix}-t1"), IdOf($"{prefix}-t2") } }).ResponseAsync;
    }

    private Task<CliResult> GroupAsync(double latitude, params string[] args) => CliRunner.RunAsync(
        api.Service.GrpcEndpoint, api.TokenOf(Role.Supervisor),
        ["gaps", "--at", "2026-03-01", "--bbox", FormattableString.Invariant($"29.99,{latitude - 0.01},30.03,{latitude + 0.01}"), "--from", "2026-02-01", "--to", "2026-04-01",
         "--cell-metres", "5000", .. args]);

    [Theory]
    [InlineData("girls")]
    [InlineData("female:child")]
    public async Task Group_Girls_PrintsTheGapByTheMensTeamAndWhatWasCounted(string selector)
    {
        var latitude = selector == "girls" ? -1.2 : -1.3;
        await GroupSeedAsync($"cli-gg-{selector.Replace(':', '-')}", latitude);

        var result = await GroupAsync(latitude, "--group", selector);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("Gaps for girls: 1 of 1 threatened cells (at or above 1 observations) have no qualifying team within reach (a team with a female CLA)", result.Output, StringComparison.Ordinal);
        Assert.Contains(
            "Counted: reports; categories threat-of-physical-violence, armed-group-movement, displacement, early-warning-alert (default: threats); status reported, verified (default: discredited left out)",
            result.Output, StringComparison.Ordinal);
        // The three threats, not the meeting nor the discredited one; the nearest staffed team with a woman is ob-full, over 100 km west.
        Assert.Matches(@"\s3\s+3\s+ob-full\s+1\d\d\.\d", result.Output);
    }

    [Fact]
    public async Task Group_EventsAndEverythingAskedFor_CountAsAsked()
    {
        await GroupSeedAsync("cli-gg-all", -1.4);

        var events = await GroupAsync(-1.4, "--group", "women-and-girls", "--events");
        var everything = await GroupAsync(-1.4, "--group", "women-and-girls", "--category", "all", "--include-discredited", "--format", "json");

        Assert.True(events.ExitCode == 0, events.ToString());
        Assert.Contains("Counted: events;", events.Output, StringComparison.Ordinal);
        Assert.Matches(@"\s2\s+2\s+ob-full", events.Output);
        Assert.True(everything.ExitCode == 0, everything.ToString());
        using var report = JsonDocument.Parse(everything.Output);
        Assert.Equal("5", report.RootElement.GetProperty("cells")[0].GetProperty("cell").GetProperty("count").GetString());
        var applied = report.RootElement.GetProperty("grid").GetProperty("appliedFilter");
        Assert.Equal(8, applied.GetProperty("categories").GetArrayLength());
        Assert.Equal(3, applied.GetProperty("verification").GetArrayLength());
        Assert.False(applied.GetProperty("categoriesDefaulted").GetBoolean());
    }

    [Theory]
    [InlineData("--group: 'grandmothers' is not one of", "--group", "grandmothers")]
    [InlineData("--group: 'female:ancient' is not one of", "--group", "female:ancient")]
    [InlineData("--bbox: only with --group", "--bbox", "29,-2,30,-1")]
    [InlineData("--events: only with --group", "--events")]
    [InlineData("--include-discredited: give it or --status, not both", "--group", "girls", "--bbox", "29,-2,30,-1", "--status", "reported", "--include-discredited")]
    public async Task Group_BadOptions_NameTheOptionAndExit2(string expected, params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    private async Task BaseAsync(string id, BaseKind kind, double longitude, int male, int female)
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base
        {
            Id = id, Name = "Base " + id, Kind = kind, Sector = Sector, AdminArea = "Beni", Unit = "BANBATT-1",
            Location = new GeoPoint { Longitude = longitude, Latitude = -1.0 }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
        }).ResponseAsync;
        for (var i = 0; i < male + female; i++)
        {
            await api.As(Geo.Core.Access.Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
            {
                Id = $"{id}-cla{i}", ClaId = $"cla-{id}-{i}", Sex = i < female ? Sex.Female : Sex.Male, BaseId = id,
                From = new CalendarDate { Year = 2025, Month = 6, Day = 1 }, HomeLocality = "Lubero",
            }).ResponseAsync;
        }
    }

    private Task<Community> CommunityAsync(string id, double longitude, RiskLevel risk) =>
        api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community
        {
            Id = id, Name = "Village " + id, Sector = Sector, RiskLevel = risk,
            Location = new Shape { Wkt = FormattableString.Invariant($"POINT({longitude} -1)") },
            Population = { new AffectedCount { Sex = Sex.Female, AgeGroup = AgeGroup.Adult, Count = 100 }, new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Adult, Count = 50 } },
        }).ResponseAsync;
}
