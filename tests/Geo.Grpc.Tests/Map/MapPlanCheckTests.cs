using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Geo.Api.V1;
using Geo.Core.Access;
using Geo.Grpc.Tests.Operations;
using Geo.Testing.Browser;
using Xunit;
using Xunit.Abstractions;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Map;

/// <summary>
/// The map page's plan check in headless Chromium, against the real service:
/// a route drawn by clicking the map and an area uploaded as a file are recorded and checked, and
/// the page highlights exactly what gRPC's CheckOperation says the plan touches; a bad file shows
/// the service's message and no highlight; the panel shows only to the roles that record plans.
/// </summary>
public sealed class MapPlanCheckTests(OperationHttpTests.PlanFixture fixture, ITestOutputHelper output) : IClassFixture<OperationHttpTests.PlanFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private Geo.Grpc.Tests.Api.ApiFixture Api => fixture.Api;

    [Fact]
    public async Task ThePlanPanel_AsPlanner_DrawsARouteByClicks_ChecksIt_AndHighlightsWhatTheCheckTouches()
    {
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await OpenAsync(browser, Role.Planner);

        await page.EvaluateAsync("document.getElementById('plan-draw-route').click()");
        await ViewAsync(page, -1.03, 28.99, -0.97, 29.11);
        foreach (var (longitude, latitude) in new[] { (29.0, -1.0), (29.05, -1.0), (29.1, -1.0) })
        {
            var (x, y) = await PointOnMapAsync(page, longitude, latitude);
            await page.ClickAsync(x, y);
        }

        Assert.Equal(3, (await page.EvaluateAsync("window.geoMap.plan.vertices")).GetInt32());
        await FillAsync(page, "plan-name", "Patrol along the road");
        await FillAsync(page, "plan-unit", "BANBATT-2");
        await FillAsync(page, "plan-buffer", "1000");
        var result = await CheckAsync(page, 0);

        // What the page drew is what gRPC's check says of the plan the page recorded.
        var id = result.GetProperty("id").GetString()!;
        var recorded = await Api.As(Role.Planner).Operations.GetOperationAsync(new GetByIdRequest { Id = id });
        Assert.Equal((PlannedOperation.PlaceOneofCase.Route, 1000, "BANBATT-2"), (recorded.PlaceCase, recorded.BufferMetres, recorded.Unit));
        Assert.StartsWith("LINESTRING", recorded.Route.Wkt, StringComparison.Ordinal);
        var check = await Api.As(Role.Planner).Operations.CheckOperationAsync(new CheckOperationRequest { Id = id });
        Assert.Contains(check.Facilities, f => f.Id == "fac-h-clinic");
        Assert.Equal(DeconflictionState.Flagged, check.Deconfliction);
        Assert.Equal("flagged", result.GetProperty("deconfliction").GetString());
        Assert.Equal(check.FacilitiesWithheld, result.GetProperty("facilitiesWithheld").GetInt32());
        var counts = result.GetProperty("counts");
        Assert.Equal(check.Facilities.Count, counts.GetProperty("facilities").GetInt32());
        Assert.Equal(check.FlaggedSiteIds.Count, counts.GetProperty("flagged").GetInt32());
        Assert.Equal(check.Communities.Count, counts.GetProperty("communities").GetInt32());
        // And it is on the map: the footprint outlined, each site and community ringed, the flagged ones apart.
        Assert.Equal(1, await CountAsync(page, "path.plan-footprint"));
        Assert.Equal(check.Facilities.Count, await CountAsync(page, "path.plan-facility"));
        Assert.Equal(check.FlaggedSiteIds.Count, await CountAsync(page, "path.plan-flagged"));
        Assert.Equal(check.Communities.Count, await CountAsync(page, "path.plan-community"));
        var summary = (await page.EvaluateAsync("document.getElementById('plan-result').innerText")).GetString()!;
        Assert.Contains("Deconfliction: flagged", summary, StringComparison.Ordinal);
        Assert.Contains($"Facilities and sites touched: {check.Facilities.Count} (and {check.FacilitiesWithheld} withheld", summary, StringComparison.Ordinal);
        Assert.Contains($"Communities touched: {check.Communities.Count}", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Hidden", summary, StringComparison.Ordinal);
        await SaveScreenshotAsync(page, "map-plan-check.png");
    }

    [Fact]
    public async Task ThePlanPanel_AnUploadedArea_IsCheckedAsAnArea_AndABadFileShowsTheServicesMessageAndNoHighlight()
    {
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await OpenAsync(browser, Role.Planner);
        var directory = Directory.CreateTempSubdirectory("plan-upload-");
        try
        {
            var area = Path.Combine(directory.FullName, "area.geojson");
            await File.WriteAllTextAsync(area, """{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[29.0,-1.02],[29.1,-1.02],[29.1,-0.98],[29.0,-0.98],[29.0,-1.02]]]}}]}""");
            await UploadAsync(page, area);
            await FillAsync(page, "plan-name", "Cordon and search");
            await FillAsync(page, "plan-buffer", "0");
            var result = await CheckAsync(page, 0);

            var id = result.GetProperty("id").GetString()!;
            Assert.Equal(PlannedOperation.PlaceOneofCase.Area, (await Api.As(Role.Planner).Operations.GetOperationAsync(new GetByIdRequest { Id = id })).PlaceCase);
            var check = await Api.As(Role.Planner).Operations.CheckOperationAsync(new CheckOperationRequest { Id = id });
            Assert.NotEmpty(check.Facilities);
            Assert.Equal(check.Facilities.Count, await CountAsync(page, "path.plan-facility"));

            // A route of one point: the service's own message, and the highlight gone rather than an empty "nothing touched".
            var bad = Path.Combine(directory.FullName, "bad.geojson");
            await File.WriteAllTextAsync(bad, """{"type":"LineString","coordinates":[[29.0,-1.0],[29.0,-1.0]]}""");
            await UploadAsync(page, bad);
            await FillAsync(page, "plan-buffer", "500");
            await page.EvaluateAsync("document.getElementById('plan-check').click()");
            await page.WaitForAsync("window.geoMap.plan.checks > 1", Patience, "window.geoMap.plan");

            var error = (await page.EvaluateAsync("window.geoMap.plan.error")).GetString()!;
            Assert.Equal("HTTP 400 INVALID_ARGUMENT: geometry: the route needs at least two distinct points", error);
            Assert.False((await page.EvaluateAsync("document.getElementById('plan-error').hidden")).GetBoolean());
            Assert.Equal(error, (await page.EvaluateAsync("document.getElementById('plan-error').textContent")).GetString());
            Assert.Equal(0, await CountAsync(page, "path.plan-facility"));
            Assert.Equal(JsonValueKind.Null, (await page.EvaluateAsync("window.geoMap.plan.result")).ValueKind);
            // The rest of the page goes on: its layers are still drawn.
            Assert.Equal(JsonValueKind.Null, (await page.EvaluateAsync("window.geoMap.error")).ValueKind);
            Assert.True((await page.EvaluateAsync("window.geoMap.counts.bases")).GetInt32() > 0);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ThePlanPanel_IsShownExactlyToTheRolesThatRecordPlans()
    {
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await OpenAsync(browser, Role.Planner);

        // The page's list of roles is the service's: geoawareness.v1.Role numbers are the roles' own.
        var listed = (await page.EvaluateAsync("window.geoMap.planRoles")).EnumerateArray().Select(r => r.GetInt32()).Order();
        Assert.Equal(Enum.GetValues<Role>().Where(r => RolePermissions.Has(r, Permission.ManageOperations)).Select(r => (int)r).Order(), listed);
        Assert.True((await page.EvaluateAsync("window.geoMap.plan.shown")).GetBoolean());
        Assert.False((await page.EvaluateAsync("document.getElementById('plan-panel').hidden")).GetBoolean());

        foreach (var role in new[] { Role.Analyst, Role.Supervisor })
        {
            await using var other = await OpenAsync(browser, role);
            Assert.True((await other.EvaluateAsync("document.getElementById('plan-panel').hidden")).GetBoolean(), $"{role} sees the panel");
            Assert.False((await other.EvaluateAsync("window.geoMap.plan.shown")).GetBoolean());
        }
    }

    // ---- the page ----

    private async Task<BrowserPage> OpenAsync(HeadlessChromium browser, Role role)
    {
        var page = await browser.OpenPageAsync();
        await page.NavigateAsync(new Uri(Api.Service.HttpEndpoint, "/map#token=" + Api.TokenOf(role)));
        await page.WaitForAsync("window.geoMap && window.geoMap.loads > 0 && window.geoMap.callerChecks > 0", Patience, "window.geoMap");
        return page;
    }

    /// <summary>Shows the box on the map with room left for the panel, at once (no animation).</summary>
    private static async Task ViewAsync(BrowserPage page, double south, double west, double north, double east) => await page.EvaluateAsync(
        string.Create(CultureInfo.InvariantCulture, $"void window.geoMapLeaflet.fitBounds([[{south}, {west}], [{north}, {east}]], {{ paddingTopLeft: [380, 80], paddingBottomRight: [80, 80], animate: false }})"));

    /// <summary>Where a place is on the screen, checked to be the map itself there (no panel or legend over it).</summary>
    private static async Task<(double X, double Y)> PointOnMapAsync(BrowserPage page, double longitude, double latitude)
    {
        var place = string.Create(CultureInfo.InvariantCulture, $"[{latitude}, {longitude}]");
        var point = await page.EvaluateAsync(
            $"(() => {{ const p = window.geoMapLeaflet.latLngToContainerPoint({place}); const r = document.getElementById('map').getBoundingClientRect();" +
            " const x = r.left + p.x, y = r.top + p.y; const e = document.elementFromPoint(x, y); return { x, y, onMap: document.getElementById('map').contains(e) }; })()");
        Assert.True(point.GetProperty("onMap").GetBoolean(), $"({longitude}, {latitude}) is under something other than the map");
        return (point.GetProperty("x").GetDouble(), point.GetProperty("y").GetDouble());
    }

    private static async Task FillAsync(BrowserPage page, string input, string value) =>
        await page.EvaluateAsync($"(() => {{ const e = document.getElementById('{input}'); e.value = {JsonSerializer.Serialize(value)}; e.dispatchEvent(new Event('input', {{ bubbles: true }})); }})()");

    /// <summary>Presses Check and waits for the answer; returns the page's record of the check, which must have succeeded.</summary>
    private static async Task<JsonElement> CheckAsync(BrowserPage page, int before)
    {
        await page.EvaluateAsync("document.getElementById('plan-check').click()");
        await page.WaitForAsync($"window.geoMap.plan.checks > {before}", Patience, "window.geoMap.plan");
        var plan = await page.EvaluateAsync("window.geoMap.plan");
        Assert.True(plan.GetProperty("error").ValueKind == JsonValueKind.Null, "the check failed: " + plan.GetProperty("error"));
        return plan.GetProperty("result");
    }

    /// <summary>Gives the file input a file as a user choosing it would (DOM.setFileInputFiles), and waits for the page to read it.</summary>
    private static async Task UploadAsync(BrowserPage page, string path)
    {
        var document = await page.SendAsync("DOM.getDocument", null);
        var input = await page.SendAsync("DOM.querySelector", new JsonObject { ["nodeId"] = document.GetProperty("root").GetProperty("nodeId").GetInt32(), ["selector"] = "#plan-file" });
        await page.EvaluateAsync("window.geoMap.plan.shape = null");
        await page.SendAsync("DOM.setFileInputFiles", new JsonObject { ["files"] = new JsonArray(path), ["nodeId"] = input.GetProperty("nodeId").GetInt32() });
        await page.WaitForAsync("window.geoMap.plan.shape === 'file'", Patience, "window.geoMap.plan");
    }

    private static async Task<int> CountAsync(BrowserPage page, string selector) =>
        (await page.EvaluateAsync($"document.querySelectorAll('.leaflet-plan-pane {selector}').length")).GetInt32();

    private async Task SaveScreenshotAsync(BrowserPage page, string name)
    {
        var directory = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults")).FullName;
        var path = Path.Combine(directory, name);
        await File.WriteAllBytesAsync(path, await page.ScreenshotAsync());
        output.WriteLine($"screenshot: {path}");
    }
}
