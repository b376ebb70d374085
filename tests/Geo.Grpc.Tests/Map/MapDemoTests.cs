using System.Globalization;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Cli.Demo;
using Geo.Grpc.Tests.Cli;
using Geo.Synthetic;
using Geo.Testing.Echo;
using Geo.Testing.Browser;
using Xunit;
using Xunit.Abstractions;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Map;

/// <summary>
/// What a newcomer sees: the demo mission, loaded by <c>geoaware demo</c>, on the map page with a
/// planner's token. Each load's time from navigation start to every layer drawn is reported (the
/// issue's figure: under 2 s on these machines), never asserted: the machines are shared.
/// </summary>
public sealed class MapDemoTests(ApiFixture api, ITestOutputHelper output) : IClassFixture<ApiFixture>
{
    private const int Loads = 3;

    [Fact]
    public async Task MapPage_TheDemoMissionWithItsGeneratedBaseMap_ForDailyWork()
    {
        var loaded = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Administrator), "demo");
        Assert.True(loaded.ExitCode == 0, loaded.ToString());
        // What serve --demo writes and configures.
        var path = await DemoBaseMapFile.WriteAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        var expected = DemoBaseMap.Of(DemoMission.Generate(DemoMission.DefaultSeed, DateOnly.FromDateTime(DateTime.UtcNow)));
        Assert.Contains(expected, f => f.Kind == "territory");
        Assert.Contains(expected, f => f.Kind == "town");
        await using var service = await GrpcTestServer.StartAsync(api.Database.ConnectionString, [.. Settings, $"--{DemoBaseMapFile.Setting}={path}"]);

        await using var browser = await HeadlessChromium.StartAsync(1400, 900);
        await using var page = await browser.OpenPageAsync();
        await page.NavigateAsync(new Uri(service.HttpEndpoint, "/map#token=" + api.TokenOf(Role.Analyst)));
        await page.WaitForAsync("window.geoMap && window.geoMap.loads > 0 && window.geoMap.baseMap.loaded && !window.geoMap.loading", TimeSpan.FromSeconds(60), "window.geoMap");
        Assert.Equal("geojson", (await page.EvaluateAsync("window.geoMap.baseMap.kind")).GetString());
        Assert.Equal(expected.Count, (await page.EvaluateAsync("window.geoMap.baseMap.features")).GetInt32());
        var pane = (await page.EvaluateAsync("document.querySelector('.leaflet-basemap-pane').textContent")).GetString()!;
        Assert.Contains(expected.First(f => f.Kind == "town").Name, pane, StringComparison.Ordinal);
        Assert.True((await page.EvaluateAsync("window.geoMap.counts.observations")).GetInt32() > 0, "the demo's observations are not on the analyst's map");

        // Months through the year, on one scale: the page the README shows.
        var loads = (await page.EvaluateAsync("window.geoMap.loads")).GetInt32();
        await page.EvaluateAsync("(() => { const e = document.getElementById('step'); e.value = 'SERIES_STEP_MONTH'; e.dispatchEvent(new Event('change', { bubbles: true })); })()");
        await page.WaitForAsync($"window.geoMap.loads > {loads} && !window.geoMap.loading", TimeSpan.FromSeconds(60), "the monthly series");
        Assert.True((await page.EvaluateAsync("window.geoMap.frame.count")).GetInt32() >= 12);
        for (var i = 0; i < 9; i++)
        {
            await page.EvaluateAsync("document.getElementById('frame-next').click()");
        }

        await MapTestPage.SaveScreenshotAsync(page, "map-daily-work.png", output);
    }

    [Fact]
    public async Task MapPage_TheDemoMission_DrawsItsBasesAndCommunitiesAndReportsTheLoadTime()
    {
        var loaded = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Administrator), "demo");
        Assert.True(loaded.ExitCode == 0, loaded.ToString());
        var coverage = await api.As(Role.Planner).Coverage.GetCoverageAsync(new CoverageRequest()).ResponseAsync;

        await using var browser = await HeadlessChromium.StartAsync();
        var times = new List<int>();
        for (var i = 0; i < Loads; i++)
        {
            // A fresh tab each time: nothing of the previous load's layers or session is reused.
            await using var page = await browser.OpenPageAsync();
            await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + api.TokenOf(Role.Planner)));
            await page.WaitForAsync("window.geoMap && window.geoMap.loads > 0", TimeSpan.FromSeconds(60), "window.geoMap");

            var state = await page.EvaluateAsync("window.geoMap");
            Assert.Equal(JsonValueKind.Null, state.GetProperty("error").ValueKind);
            var counts = state.GetProperty("counts");
            Assert.Equal(coverage.Bases.Count, counts.GetProperty("bases").GetInt32());
            Assert.Equal(coverage.CommunitiesAtRisk, counts.GetProperty("communities").GetInt32());
            Assert.True(counts.GetProperty("heat").GetInt32() > 0, "the demo's year of observations shows no heat-map cell");
            times.Add(state.GetProperty("loadMs").GetInt32());
        }

        times.Sort();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"map page, demo mission ({coverage.Bases.Count} bases, {coverage.CommunitiesAtRisk} communities at risk): navigation start to every layer drawn in {string.Join(", ", times)} ms (median {times[Loads / 2]} ms; target under 2000 ms, reported, not asserted)"));
    }
}
