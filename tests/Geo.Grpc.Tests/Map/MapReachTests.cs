using System.Text.Json;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Testing.Browser;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Map;

/// <summary>
/// The map page's reach control in headless Chromium against the real service: roads imported, a
/// staffed base beside them; choosing a travel time draws each staffed base's isochrone under the
/// other layers and asks the coverage layers for the same travel time.
/// </summary>
public sealed class MapReachTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Reach_ChosenAsATravelTime_DrawsTheIsochronesAndJudgesCoverageByIt()
    {
        var planner = api.As(Role.Planner);
        using (var call = planner.Roads.Import())
        {
            var line = new RoadLineString();
            foreach (var i in Enumerable.Range(0, 11))
            {
                line.Coordinates.Add(25.0 + (i * 0.01));
                line.Coordinates.Add(-2.0);
            }

            await call.RequestStream.WriteAsync(new ImportRoadsRequest { Dataset = "map-reach", Features = { new RoadFeature { Id = "rn", Highway = "secondary", Lines = { line } } } });
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        }

        await planner.Registry.CreateBaseAsync(new Base
        {
            Id = "mr-base", Name = "Base on the road", Kind = BaseKind.CompanyOperatingBase, Sector = "map-reach", Location = new GeoPoint { Longitude = 25.0, Latitude = -2.0 },
            OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
        });
        foreach (var (id, sex) in new[] { ("mr-1", Sex.Female), ("mr-2", Sex.Male) })
        {
            await api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
            {
                Id = id, ClaId = "cla-" + id, Sex = sex, BaseId = "mr-base", From = new CalendarDate { Year = 2025, Month = 1, Day = 1 }, HomeLocality = "Lubero",
            });
        }

        await planner.Registry.CreateCommunityAsync(new Community
        {
            Id = "mr-village", Name = "Village on the road", Sector = "map-reach", RiskLevel = RiskLevel.High, Location = new Shape { Wkt = "POINT(25.05 -2.0)" },
        });

        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();
        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + api.TokenOf(Role.Planner)));
        await page.WaitForAsync("window.geoMap && window.geoMap.loads > 0 && !window.geoMap.loading", Patience, "window.geoMap");
        Assert.Equal(0, (await page.EvaluateAsync("window.geoMap.counts.isochrones")).GetInt32());

        var loads = (await page.EvaluateAsync("window.geoMap.loads")).GetInt32();
        await page.EvaluateAsync("(() => { const e = document.getElementById('reach'); e.value = 'TRAVEL_MODE_VEHICLE:60'; e.dispatchEvent(new Event('change', { bubbles: true })); })()");
        await page.WaitForAsync($"window.geoMap.loads > {loads} && !window.geoMap.loading", Patience, "the page's next load");

        Assert.Equal(JsonValueKind.Null, (await page.EvaluateAsync("window.geoMap.error")).ValueKind);
        Assert.Equal(1, (await page.EvaluateAsync("window.geoMap.counts.isochrones")).GetInt32());
        Assert.Equal(1, (await page.EvaluateAsync("window.geoMapLayers.isochrones.getLayers().length")).GetInt32());
        // The bases and communities were asked for the same travel time as the isochrones drawn.
        var asked = await page.EvaluateAsync(
            "performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('reachTime.minutes=60')).map(n => new URL(n).pathname)");
        var paths = asked.EnumerateArray().Select(p => p.GetString()).ToHashSet();
        Assert.Contains("/feeds/layers/isochrones", paths);
        Assert.Contains("/feeds/layers/bases", paths);
        Assert.Contains("/feeds/layers/communities-at-risk", paths);
        Assert.Contains("/feeds/layers/group-gaps", paths);
    }
}
