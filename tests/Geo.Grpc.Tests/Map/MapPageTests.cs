using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Testing.Browser;
using Xunit;
using Xunit.Abstractions;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Map;

/// <summary>
/// The map page at /map in headless Chromium, against the real service: a small mission seeded
/// through gRPC (four bases, one of each team status; communities at risk in and out of reach;
/// a year of observations in three clusters, each of one group and one part of the year), the
/// page opened with a token in its address, and every layer's drawn features counted against the
/// seed or the same layer pulled over HTTP with the filters the test chose.
/// </summary>
public sealed class MapPageTests(ApiFixture api, ITestOutputHelper output) : IClassFixture<ApiFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly DateTime Today = DateTime.UtcNow.Date;

    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task MapPage_AsPlanner_DrawsEveryLayerAsSeededAndFollowsTheControls()
    {
        await SeedAsync();
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();

        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + api.TokenOf(Role.Planner)));
        await LoadedAsync(page, 0);

        var state = await page.EvaluateAsync("window.geoMap");
        output.WriteLine($"map page: navigation start to every layer drawn in {state.GetProperty("loadMs").GetInt32()} ms");
        Assert.Equal(JsonValueKind.Null, state.GetProperty("error").ValueKind);
        var counts = state.GetProperty("counts");
        Assert.Equal(4, counts.GetProperty("bases").GetInt32());
        Assert.Equal(3, counts.GetProperty("communities").GetInt32());
        Assert.Equal("4", (await page.EvaluateAsync("document.body.dataset.bases")).GetString());
        // The token left the address bar for this tab's session, and nothing was asked of another origin.
        Assert.Equal(string.Empty, (await page.EvaluateAsync("location.hash")).GetString());
        Assert.Equal(api.TokenOf(Role.Planner), (await page.EvaluateAsync("sessionStorage.getItem('geoawareness.token')")).GetString());
        Assert.Equal(0, (await page.EvaluateAsync("performance.getEntriesByType('resource').filter(e => !e.name.startsWith(location.origin)).length")).GetInt32());
        await SaveScreenshotAsync(page, "map-page.png");

        // Every group, the whole default year: the three clusters. A planner's totals are perturbed
        // by the keys of the observations counted (the same for the same observations, every time).
        var all = await DrawnAsTheFeedsAsync(page);
        Assert.Equal(await api.ShownCountAsync([.. Ids("girls"), .. Ids("men"), .. Ids("women")]), all.Observations);
        Assert.True(all.Heat > 0, "the seeded clusters show no cell");
        Assert.True(all.GroupGaps > 0, "the clusters beyond every staffed base's reach are no gap");

        // Women and girls: the men's cluster goes.
        await ChooseAsync(page, "sex", "SEX_FEMALE");
        var women = await DrawnAsTheFeedsAsync(page);
        Assert.Equal(await api.ShownCountAsync([.. Ids("girls"), .. Ids("women")]), women.Observations);
        Assert.True(women.Heat < all.Heat, $"women and girls: {women.Heat} cells, everyone: {all.Heat}");

        // Girls: the women's cluster goes too.
        await ChooseAsync(page, "age", "AGE_GROUP_CHILD");
        var girls = await DrawnAsTheFeedsAsync(page);
        Assert.Equal(await api.ShownCountAsync(Ids("girls")), girls.Observations);
        Assert.True(girls.GroupGaps < women.GroupGaps, $"girls: {girls.GroupGaps} gap cells, women and girls: {women.GroupGaps}");

        // Everyone again, the last four months: the women's cluster is older, and goes.
        await ChooseAsync(page, "sex", string.Empty);
        await ChooseAsync(page, "age", string.Empty);
        await ChooseAsync(page, "from", Date(Today.AddMonths(-4)));
        var recent = await DrawnAsTheFeedsAsync(page);
        Assert.Equal(await api.ShownCountAsync([.. Ids("men"), .. Ids("girls", i => GirlsObservedAt(i) >= Today.AddMonths(-4))]), recent.Observations);
        Assert.True(recent.Heat < all.Heat, $"the last four months: {recent.Heat} cells, the year: {all.Heat}");

        // Hot spots instead of the heat map: the heat map's cells go.
        await ChooseAsync(page, "surface", "hot-spots");
        await DrawnAsTheFeedsAsync(page);

        // A click on a base shows its details, and nothing of a source.
        var point = await page.EvaluateAsync(
            "(() => { for (const p of document.querySelectorAll('.leaflet-bases-pane path.leaflet-interactive')) {" +
            " const r = p.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + r.height / 2;" +
            " if (document.elementFromPoint(x, y) === p) return { x, y }; } return null; })()");
        Assert.Equal(JsonValueKind.Object, point.ValueKind);
        await page.ClickAsync(point.GetProperty("x").GetDouble(), point.GetProperty("y").GetDouble());
        await page.WaitForAsync("document.querySelector('.leaflet-popup-content')", Patience);
        var popup = (await page.EvaluateAsync("document.querySelector('.leaflet-popup-content').innerText")).GetString()!;
        Assert.Contains("team_status", popup, StringComparison.Ordinal);
        Assert.Contains("cla_count", popup, StringComparison.Ordinal);
        Assert.Matches("Base mp-(ob|cob|tob|surge)", popup);
        Assert.DoesNotContain("source", popup, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("a bad token", 401, "UNAUTHENTICATED")]
    [InlineData("cpas", 403, "PERMISSION_DENIED")]
    public async Task MapPage_RefusedToken_ShowsTheRefusalInABannerAndNoLayer(string who, int status, string name)
    {
        await SeedAsync();
        var token = who == "cpas" ? api.TokenOf(Role.CpasFocalPoint) : "gat_not-a-token";
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();

        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + Uri.EscapeDataString(token)));
        await LoadedAsync(page, 0);

        var error = (await page.EvaluateAsync("window.geoMap.error")).GetString()!;
        Assert.Contains($"HTTP {status} {name}: ", error, StringComparison.Ordinal);
        Assert.False((await page.EvaluateAsync("document.getElementById('error').hidden")).GetBoolean());
        Assert.Equal(error, (await page.EvaluateAsync("document.getElementById('error').textContent")).GetString());
        Assert.Equal("error", (await page.EvaluateAsync("document.body.dataset.state")).GetString());
        Assert.Equal(0, (await page.EvaluateAsync("Object.values(window.geoMap.counts).reduce((a, b) => a + b, 0)")).GetInt32());
        Assert.Equal(0, (await page.EvaluateAsync("document.querySelectorAll('path.leaflet-interactive').length")).GetInt32());
        await SaveScreenshotAsync(page, $"map-page-refused-{status}.png");
    }

    [Theory]
    [InlineData("/map", "text/html")]
    [InlineData("/map/", "text/html")]
    [InlineData("/map/map.js", "text/javascript")]
    [InlineData("/map/leaflet/leaflet.js", "text/javascript")]
    [InlineData("/map/leaflet/leaflet.css", "text/css")]
    [InlineData("/map/leaflet/images/layers.png", "image/png")]
    public async Task MapFiles_WithoutAToken_AreServedFromTheServiceItself(string path, string type)
    {
        using var response = await _http.GetAsync(new Uri(api.Service.HttpEndpoint, path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType!.MediaType);
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapFiles_AnUnknownFile_IsNotFound()
    {
        using var response = await _http.GetAsync(new Uri(api.Service.HttpEndpoint, "/map/../appsettings.json"));
        using var unknown = await _http.GetAsync(new Uri(api.Service.HttpEndpoint, "/map/nothing.js"));

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    // ---- the page ----

    /// <summary>Waits until the page has finished more loads than <paramref name="before"/>.</summary>
    private static Task LoadedAsync(BrowserPage page, int before) =>
        page.WaitForAsync($"window.geoMap && window.geoMap.loads > {before}", Patience, "window.geoMap");

    /// <summary>Sets a control as a user would (a select, a date, a radio button) and waits for the layers it changes.</summary>
    private static async Task ChooseAsync(BrowserPage page, string control, string value)
    {
        var before = (await page.EvaluateAsync("window.geoMap.loads")).GetInt32();
        var target = control == "surface" ? $"document.querySelector('input[name=surface][value=\"{value}\"]')" : $"document.getElementById('{control}')";
        var set = control == "surface" ? "e.checked = true" : $"e.value = {JsonSerializer.Serialize(value)}";
        await page.EvaluateAsync($"(() => {{ const e = {target}; {set}; e.dispatchEvent(new Event('change', {{ bubbles: true }})); }})()");
        await LoadedAsync(page, before);
        Assert.Equal(JsonValueKind.Null, (await page.EvaluateAsync("window.geoMap.error")).ValueKind);
    }

    /// <summary>Asserts that the page drew every feature of the surface it shows and of the gaps, as the feeds give them; returns what they gave.</summary>
    private async Task<Expected> DrawnAsTheFeedsAsync(BrowserPage page)
    {
        var expected = await ExpectedAsync(page);
        var hotSpots = (await page.EvaluateAsync("document.querySelector('input[name=surface]:checked').value")).GetString() == "hot-spots";
        Assert.Equal(hotSpots ? 0 : expected.Heat, await CountAsync(page, "heat"));
        Assert.Equal(hotSpots ? expected.HotSpots : 0, await CountAsync(page, "hotSpots"));
        Assert.Equal(expected.GroupGaps, await CountAsync(page, "groupGaps"));
        return expected;
    }

    private static async Task<int> CountAsync(BrowserPage page, string layer) =>
        (await page.EvaluateAsync($"window.geoMap.counts.{layer}")).GetInt32();

    private Task SaveScreenshotAsync(BrowserPage page, string name) => MapTestPage.SaveScreenshotAsync(page, name, output);

    // ---- what the feeds say for the page's area and the controls' values ----

    private sealed record Expected(long Observations, int Heat, int HotSpots, int GroupGaps);

    /// <summary>
    /// The layers as the planner pulls them over HTTP for the heat map area the page chose and
    /// the filters the controls show, the query written here from the controls' values.
    /// </summary>
    private async Task<Expected> ExpectedAsync(BrowserPage page)
    {
        var controls = await page.EvaluateAsync(
            "({ area: window.geoMap.area, from: document.getElementById('from').value, to: document.getElementById('to').value," +
            " sex: document.getElementById('sex').value, age: document.getElementById('age').value, threshold: document.getElementById('threshold').value })");
        var area = controls.GetProperty("area");
        var to = DateTime.ParseExact(controls.GetProperty("to").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var heatMap = new List<(string, string)>
        {
            ("area.bbox.west", area.GetProperty("west").GetRawText()),
            ("area.bbox.south", area.GetProperty("south").GetRawText()),
            ("area.bbox.east", area.GetProperty("east").GetRawText()),
            ("area.bbox.north", area.GetProperty("north").GetRawText()),
            ("observedFrom", controls.GetProperty("from").GetString() + "T00:00:00Z"),
            ("observedTo", Date(to.AddDays(1)) + "T00:00:00Z"),
            ("cellSizeMetres", area.GetProperty("cellSizeMetres").GetRawText()),
        };
        // The page's default filter, which it sends explicitly: threats and alerts, discredited reports left out.
        heatMap.AddRange(MapTestPage.ThreatCategories.Select(c => ("categories", c)));
        heatMap.AddRange(MapTestPage.NotDiscredited.Select(v => ("verification", v)));
        foreach (var (name, control) in new[] { ("affectedSexes", "sex"), ("affectedAgeGroups", "age") })
        {
            if (controls.GetProperty(control).GetString() is { Length: > 0 } value)
            {
                heatMap.Add((name, value));
            }
        }

        var gaps = heatMap.Select(p => ("heatMap." + p.Item1, p.Item2)).ToList();
        gaps.Add(("threshold", controls.GetProperty("threshold").GetString()!));
        gaps.AddRange([("at.year", to.Year.ToString(CultureInfo.InvariantCulture)), ("at.month", to.Month.ToString(CultureInfo.InvariantCulture)), ("at.day", to.Day.ToString(CultureInfo.InvariantCulture))]);

        using var cells = await PullAsync("heat-map", heatMap);
        using var spots = await PullAsync("hot-spots", heatMap);
        using var gapCells = await PullAsync("group-gaps", gaps);
        return new Expected(
            cells.RootElement.GetProperty("frames")[0].GetProperty("observations").GetInt64(),
            cells.RootElement.GetProperty("features").GetArrayLength(),
            spots.RootElement.GetProperty("features").GetArrayLength(),
            gapCells.RootElement.GetProperty("features").GetArrayLength());
    }

    private Task<JsonDocument> PullAsync(string layer, IEnumerable<(string Name, string Value)> parameters) =>
        MapTestPage.PullLayerAsync(_http, api.Service.HttpEndpoint, api.TokenOf(Role.Planner), layer, parameters);

    private static string Date(DateTime day) => MapTestPage.Date(day);

    // ---- the mission ----

    /// <summary>When the i-th of the 40 girls' observations was made: every eight days from 15 days ago.</summary>
    private static DateTime GirlsObservedAt(int i) => Today.AddDays(-(15 + (i * 8))).AddHours(10);

    /// <summary>The issued ids of one cluster (mp-girls, mp-men, mp-women), or of those of its 40 that <paramref name="which"/> keeps.</summary>
    private static List<string> Ids(string cluster, Func<int, bool>? which = null) =>
        Enumerable.Range(0, 40).Where(i => which?.Invoke(i) ?? true).Select(i => IdOf($"mp-{cluster}-{i}")).ToList();

    /// <summary>
    /// Four bases, one of each team status (mp-ob: a woman and a man; mp-cob: one man; mp-tob:
    /// nobody; mp-surge: two men); communities at risk near mp-ob and mp-surge (in reach) and far
    /// to the north-east (out of reach), and one at low risk that no layer shows. Observations in
    /// three clusters of 40: girls near the far community over the whole year, men near mp-ob in
    /// the last three months, women between 200 and 320 days ago, away from every staffed base.
    /// The same ids every time, so that seeding again changes nothing.
    /// </summary>
    private async Task SeedAsync()
    {
        await BaseAsync("mp-ob", BaseKind.OperatingBase, 27.0, -2.0);
        await BaseAsync("mp-cob", BaseKind.CompanyOperatingBase, 27.6, -2.2);
        await BaseAsync("mp-tob", BaseKind.TemporaryOperatingBase, 27.3, -1.5);
        await BaseAsync("mp-surge", BaseKind.SurgeTeam, 26.6, -2.5);
        await DeployAsync("mp-ob-1", "mp-ob", Sex.Female);
        await DeployAsync("mp-ob-2", "mp-ob", Sex.Male);
        await DeployAsync("mp-cob-1", "mp-cob", Sex.Male);
        await DeployAsync("mp-surge-1", "mp-surge", Sex.Male);
        await DeployAsync("mp-surge-2", "mp-surge", Sex.Male);
        await CommunityAsync("mp-near", "POINT(27.1 -2.05)", RiskLevel.High, 900);
        await CommunityAsync("mp-far", "POINT(28.25 -1.25)", RiskLevel.Critical, 2500);
        await CommunityAsync("mp-poly", "POLYGON((26.6 -2.5, 26.7 -2.5, 26.7 -2.4, 26.6 -2.4, 26.6 -2.5))", RiskLevel.Medium, 300);
        await CommunityAsync("mp-low", "POINT(27.2 -1.9)", RiskLevel.Low, 100);
        await api.SubmitAsync([
            .. Enumerable.Range(0, 40).Select(i => Observed($"mp-girls-{i}", 28.2, -1.2, GirlsObservedAt(i), Sex.Female, AgeGroup.Child)),
            .. Enumerable.Range(0, 40).Select(i => Observed($"mp-men-{i}", 27.05, -2.0, Today.AddDays(-(5 + (i * 2))).AddHours(9), Sex.Male, AgeGroup.Adult)),
            .. Enumerable.Range(0, 40).Select(i => Observed($"mp-women-{i}", 27.6, -1.1, Today.AddDays(-(200 + (i * 3))).AddHours(8), Sex.Female, AgeGroup.Adult)),
        ]);
    }

    private static Observation Observed(string id, double longitude, double latitude, DateTime at, Sex sex, AgeGroup age)
    {
        var observation = NewObservation(id, longitude, latitude, at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        observation.Affected.Clear();
        observation.Affected.Add(new AffectedCount { Sex = sex, AgeGroup = age, Count = 3 });
        return observation;
    }

    private Task<Base> BaseAsync(string id, BaseKind kind, double longitude, double latitude) =>
        api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base
        {
            Id = id, Name = "Base " + id, Kind = kind, Sector = "map-page", AdminArea = "Beni", Unit = "BANBATT-2",
            Location = new GeoPoint { Longitude = longitude, Latitude = latitude }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
        }).ResponseAsync;

    private Task<ClaDeployment> DeployAsync(string id, string baseId, Sex sex) =>
        api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
        {
            Id = id, ClaId = "cla-" + id, Sex = sex, BaseId = baseId, From = new CalendarDate { Year = 2024, Month = 6, Day = 1 }, HomeLocality = "Lubero",
        }).ResponseAsync;

    private Task<Community> CommunityAsync(string id, string wkt, RiskLevel risk, int people) =>
        api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community
        {
            Id = id, Name = "Village " + id, Sector = "map-page", RiskLevel = risk, Location = new Shape { Wkt = wkt },
            Population = { new AffectedCount { Sex = Sex.Female, AgeGroup = AgeGroup.Adult, Count = people / 2 }, new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Adult, Count = people - (people / 2) } },
        }).ResponseAsync;
}
