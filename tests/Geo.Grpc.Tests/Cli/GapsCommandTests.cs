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
