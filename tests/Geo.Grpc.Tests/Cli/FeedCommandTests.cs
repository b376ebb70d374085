using System.Text.Json;
using Geo.Grpc.Tests.Api;
using Geo.Testing.Gdal;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary>geoaware feed pull and layer, as a SAGE importer runs them: a saved cursor, atomic pages, every record once.</summary>
public sealed class FeedCommandTests(ApiFixture api) : IClassFixture<ApiFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("geoaware-feed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Importer), ["feed", .. args]);

    [Fact]
    public async Task Pull_TwiceWithNewObservationsInBetween_DeliversEachRecordOnce()
    {
        var cursor = Path.Combine(_folder, "sage.cursor");
        var pages = Path.Combine(_folder, "pages") + "/";
        await api.SubmitReleasedAsync(ApiFixture.NewObservation("once-1"), ApiFixture.NewObservation("once-2"), ApiFixture.NewObservation("once-3"));
        await PullUntilAsync(["once-1", "once-2", "once-3"], "--cursor-file", cursor, "--output", pages, "--limit", "2", "--follow");
        var savedBetween = await File.ReadAllTextAsync(cursor);

        await api.SubmitReleasedAsync(ApiFixture.NewObservation("once-4"), ApiFixture.NewObservation("once-5"));
        await PullUntilAsync(["once-1", "once-2", "once-3", "once-4", "once-5"], "--cursor-file", cursor, "--output", pages, "--limit", "2", "--follow");

        var delivered = Delivered(pages).Where(id => id.StartsWith("once-", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(["once-1", "once-2", "once-3", "once-4", "once-5"], delivered);
        Assert.NotEqual(savedBetween, await File.ReadAllTextAsync(cursor));
        Assert.Empty(Directory.GetFiles(pages, "*.part"));
        var info = await Ogrinfo.RunAsync("-so", "-al", Directory.GetFiles(pages, "*.geojson")[0]);
        Assert.Contains("Geometry: Point", info, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_ToOneFile_WritesThePageAndTheNextPullContinuesAfterIt()
    {
        await api.SubmitReleasedAsync(ApiFixture.NewObservation("page-1"), ApiFixture.NewObservation("page-2"), ApiFixture.NewObservation("page-3"));
        var cursor = Path.Combine(_folder, "one.cursor");
        var page = Path.Combine(_folder, "page.geojson");
        var seen = new List<string>();
        string[] expected = ["page-1", "page-2", "page-3"];
        for (var pull = 0; pull < 50 && !expected.All(seen.Contains); pull++)
        {
            var result = await RunAsync("pull", "--cursor-file", cursor, "--limit", "1", "--output", page);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Empty(result.Output);
            var ids = Ids(page);
            Assert.True(ids.Count <= 1, "one feature per page");
            seen.AddRange(ids);
        }

        // One transaction's records come in the order of their issued ids.
        var mine = seen.Where(id => id.StartsWith("page-", StringComparison.Ordinal)).ToList();
        Assert.Equal(expected, mine.Order(StringComparer.Ordinal));
        Assert.Equal(mine.Select(k => ApiFixture.IdOf(k)).Order(StringComparer.Ordinal), mine.Select(k => ApiFixture.IdOf(k)));
    }

    [Fact]
    public async Task Pull_ToStdout_WritesTheDocumentAndSavesTheCursor()
    {
        var cursor = Path.Combine(_folder, "stdout.cursor");

        var result = await RunAsync("pull", "--cursor-file", cursor, "--all");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Output);
        Assert.Equal("FeatureCollection", document.RootElement.GetProperty("type").GetString());
        Assert.Equal(document.RootElement.GetProperty("next_cursor").GetString() + "\n", await File.ReadAllTextAsync(cursor));
        Assert.Contains("caught up", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_ACursorTheServiceRefuses_Exits1AndLeavesTheCursorFileAsItWas()
    {
        var cursor = Path.Combine(_folder, "bad.cursor");
        await File.WriteAllTextAsync(cursor, "not-a-cursor\n");

        var result = await RunAsync("pull", "--cursor-file", cursor);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("geoaware: INVALID_ARGUMENT: cursor: ", result.Error, StringComparison.Ordinal);
        Assert.Equal("not-a-cursor\n", await File.ReadAllTextAsync(cursor));
    }

    [Theory]
    [InlineData("--follow: needs --output folder/, one file per page", "pull", "--follow")]
    [InlineData("--all and --limit: give one of them", "pull", "--all", "--limit", "10")]
    [InlineData("--limit: '0' is not a whole number from 1 to 1000000", "pull", "--limit", "0")]
    [InlineData("Argument 'heat-wave' not recognized. Must be one of:", "layer", "heat-wave")]
    public async Task BadValue_NamesTheOptionAndExits2(string expected, params string[] args)
    {
        var result = await RunAsync(args[0] == "pull" ? [.. args, "--cursor-file", Path.Combine(_folder, "unused.cursor")] : args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "unused.cursor")));
    }

    [Fact]
    public async Task Layer_Bases_IsAFeatureCollectionWithOneFeaturePerOpenBase()
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Geo.Api.V1.Base
        {
            Id = "feed-ob", Name = "Base feed-ob", Kind = Geo.Api.V1.BaseKind.OperatingBase, Sector = "feed-sector", AdminArea = "Beni", Unit = "BANBATT-1",
            Location = new Geo.Api.V1.GeoPoint { Longitude = 29.2, Latitude = -1.6 }, OpenedOn = new Geo.Api.V1.CalendarDate { Year = 2024, Month = 1, Day = 1 },
        }).ResponseAsync;
        var file = Path.Combine(_folder, "bases.geojson");

        var result = await RunAsync("layer", "bases", "--sector", "feed-sector", "--output", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["feed-ob"], Ids(file));
        Assert.Equal("1 features", result.Error.Trim());
    }

    [Fact]
    public async Task Pull_WithAnAnalystsToken_IsPermissionDeniedExit5()
    {
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Analyst), "feed", "pull", "--cursor-file", Path.Combine(_folder, "x.cursor"));

        Assert.Equal(5, result.ExitCode);
    }

    /// <summary>
    /// Pulls until every one of <paramref name="expected"/> was delivered: the feed holds a record
    /// back while an older transaction anywhere in the cluster may still commit, and delivers it on a later pull.
    /// </summary>
    private async Task PullUntilAsync(string[] expected, params string[] args)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var result = await RunAsync(["pull", .. args]);
            Assert.True(result.ExitCode == 0, result.ToString());
            var folder = args[Array.IndexOf(args, "--output") + 1];
            if (expected.All(Delivered(folder).Contains))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"not all of {string.Join(", ", expected)} were delivered");
    }

    private static List<string> Delivered(string folder) => Directory.GetFiles(folder, "*.geojson").SelectMany(Ids).ToList();

    /// <summary>The features' ids, as the keys this class submitted them under.</summary>
    private static List<string> Ids(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(file));
        return ApiFixture.ClientIdsOf(document.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!), Keys);
    }

    private static readonly string[] Keys = ["once-1", "once-2", "once-3", "once-4", "once-5", "page-1", "page-2", "page-3"];
}
