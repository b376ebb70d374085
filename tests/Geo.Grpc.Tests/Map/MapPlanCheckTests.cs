using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Geo.Api.V1;
using Geo.Core.Access;
using Geo.Grpc.Tests.Operations;
using Geo.Testing.Browser;
using Xunit;
using Xunit.Abstractions;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Map;

/// <summary>
/// The map page's plan check and CIV-OES button in headless Chromium, against the real service:
/// a route drawn by clicking the map and an area uploaded as a file are recorded and checked, and
/// the page highlights exactly what gRPC's CheckOperation says the plan touches; a bad file shows
/// the service's message and no highlight; the panel shows only to the roles that record plans;
/// the CIV-OES button asks for the view's box and the period with the bearer header (seen and
/// answered through the DevTools Fetch domain), shows a refusal as text, and opens a document as a
/// blob in a new tab.
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

    [Fact]
    public async Task TheCivOesButton_AsksForTheViewAndPeriodWithTheBearerHeader_ShowsARefusalAsText_AndOpensTheDocumentAsABlob()
    {
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await OpenAsync(browser, Role.Planner);
        var paused = page.Events("Fetch.requestPaused");
        await page.SendAsync("Fetch.enable", new JsonObject { ["patterns"] = new JsonArray(new JsonObject { ["urlPattern"] = "*/civoes.html?*", ["requestStage"] = "Request" }) });
        await ViewAsync(page, -1.05, 28.95, -0.95, 29.15);

        // First the service's own answer: the estimate of the view, opened in a new tab from a blob.
        var first = await ClickCivOesAsync(page, paused);
        AssertAsksForTheView(first, await BoundsAsync(page), await PeriodAsync(page));
        await page.SendAsync("Fetch.continueRequest", new JsonObject { ["requestId"] = first.GetProperty("requestId").GetString() });
        await page.WaitForAsync("window.geoMap.civoes.error !== null || window.geoMap.civoes.opened > 0", Patience, "window.geoMap.civoes");
        output.WriteLine("GET /civoes.html from the service itself: " + (await page.EvaluateAsync("JSON.stringify(window.geoMap.civoes)")).GetString());
        Assert.Equal(JsonValueKind.Null, (await page.EvaluateAsync("window.geoMap.civoes.error")).ValueKind);
        var estimate = await WaitForTargetsAsync(browser, targets => targets.Any(t => t.Url.StartsWith("blob:", StringComparison.Ordinal) && t.Title.StartsWith("CIV-OES ", StringComparison.Ordinal)));
        Assert.All(estimate, t => Assert.DoesNotContain(Api.TokenOf(Role.Planner), t.Url, StringComparison.Ordinal));

        // A bare 404 (a service of an older version) is an error message, not a crash, and the tab opened for it goes.
        var pagesBefore = (await browser.TargetsAsync()).Count(t => t.Type == "page");
        var missing = await ClickCivOesAsync(page, paused);
        await FulfilAsync(page, missing, 404, null, string.Empty);
        await page.WaitForAsync("window.geoMap.civoes.requests === 2 && window.geoMap.civoes.error !== null", Patience, "window.geoMap.civoes");
        Assert.Equal("CIV-OES: HTTP 404 Not Found", (await page.EvaluateAsync("window.geoMap.civoes.error")).GetString());
        Assert.Equal("CIV-OES: HTTP 404 Not Found", (await page.EvaluateAsync("document.getElementById('civoes-status').textContent")).GetString());
        await WaitForTargetsAsync(browser, targets => targets.Count(t => t.Type == "page") == pagesBefore);

        // A refusal in text, as the document's endpoint gives it.
        var refused = await ClickCivOesAsync(page, paused);
        await FulfilAsync(page, refused, 403, "text/plain; charset=utf-8", "PERMISSION_DENIED: the planner role may not read the CIV-OES\n");
        await page.WaitForAsync("window.geoMap.civoes.requests === 3 && window.geoMap.civoes.error !== null", Patience, "window.geoMap.civoes");
        Assert.Equal("CIV-OES: HTTP 403: PERMISSION_DENIED: the planner role may not read the CIV-OES", (await page.EvaluateAsync("window.geoMap.civoes.error")).GetString());

        // The document: opened in a new tab from a blob, so the token is in no address.
        var served = await ClickCivOesAsync(page, paused);
        await FulfilAsync(page, served, 200, "text/html; charset=utf-8", "<!doctype html><html><head><title>CIV-OES test document</title></head><body><h1>CIV-OES</h1></body></html>");
        await page.WaitForAsync("window.geoMap.civoes.opened > 0 && window.geoMap.civoes.requests === 4", Patience, "window.geoMap.civoes");
        var tabs = await WaitForTargetsAsync(browser, targets => targets.Any(t => t.Url.StartsWith("blob:" + Api.Service.HttpEndpoint.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            && t.Title == "CIV-OES test document"));
        Assert.All(tabs, t => Assert.DoesNotContain(Api.TokenOf(Role.Planner), t.Url, StringComparison.Ordinal));
        Assert.Equal(JsonValueKind.Null, (await page.EvaluateAsync("window.geoMap.civoes.error")).ValueKind);
        Assert.Equal(JsonValueKind.Null, (await page.EvaluateAsync("window.geoMap.error")).ValueKind);
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
        // Until this file is the plan's shape: the change clears the drawing at once, which says
        // 'file' again for the file before it while this one is still being read.
        await page.WaitForAsync($"window.geoMap.plan.shape === 'file' && window.geoMap.plan.source === '{Path.GetFileName(path)}'", Patience, "window.geoMap.plan");
    }

    private static async Task<int> CountAsync(BrowserPage page, string selector) =>
        (await page.EvaluateAsync($"document.querySelectorAll('.leaflet-plan-pane {selector}').length")).GetInt32();

    // ---- CIV-OES ----

    /// <summary>Clicks the button as a user does (a tab may open only on a user's click) and returns the request it makes, held by the Fetch domain.</summary>
    private static async Task<JsonElement> ClickCivOesAsync(BrowserPage page, ChannelReader<JsonElement> paused)
    {
        var box = await page.EvaluateAsync("(() => { const r = document.getElementById('civoes').getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()");
        await page.ClickAsync(box.GetProperty("x").GetDouble(), box.GetProperty("y").GetDouble());
        using var patience = new CancellationTokenSource(Patience);
        return await paused.ReadAsync(patience.Token);
    }

    private static async Task<double[]> BoundsAsync(BrowserPage page)
    {
        var bounds = await page.EvaluateAsync("(() => { const b = window.geoMapLeaflet.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()");
        return [.. bounds.EnumerateArray().Select(v => v.GetDouble())];
    }

    private static async Task<(string From, string To)> PeriodAsync(BrowserPage page)
    {
        var period = await page.EvaluateAsync("[document.getElementById('from').value, document.getElementById('to').value]");
        return (period[0].GetString()!, period[1].GetString()!);
    }

    /// <summary>GET /civoes.html?bbox=W,S,E,N&amp;from=&amp;to= of the map's visible bounds (held, to about a metre) and period, with the token as a bearer header.</summary>
    private void AssertAsksForTheView(JsonElement paused, double[] bounds, (string From, string To) period)
    {
        var request = paused.GetProperty("request");
        var url = new Uri(request.GetProperty("url").GetString()!);
        Assert.Equal("GET", request.GetProperty("method").GetString());
        Assert.Equal("/civoes.html", url.AbsolutePath);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(url.Query);
        Assert.Equal(["bbox", "from", "to"], query.Keys.Order(StringComparer.Ordinal));
        var bbox = query["bbox"].ToString().Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(4, bbox.Length);
        for (var i = 0; i < 4; i++)
        {
            Assert.InRange(bbox[i], bounds[i] - 2e-5, bounds[i] + 2e-5);
        }

        Assert.True(bbox[0] <= bounds[0] && bbox[1] <= bounds[1] && bbox[2] >= bounds[2] && bbox[3] >= bounds[3], "the box does not hold the view");
        Assert.Equal((period.From, period.To), (query["from"].ToString(), query["to"].ToString()));
        var headers = request.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString(), StringComparer.OrdinalIgnoreCase);
        Assert.Equal("Bearer " + Api.TokenOf(Role.Planner), headers["Authorization"]);
        Assert.DoesNotContain(Api.TokenOf(Role.Planner), url.ToString(), StringComparison.Ordinal);
    }

    private static async Task FulfilAsync(BrowserPage page, JsonElement paused, int status, string? contentType, string body)
    {
        var headers = new JsonArray();
        if (contentType is not null)
        {
            headers.Add(new JsonObject { ["name"] = "Content-Type", ["value"] = contentType });
        }

        await page.SendAsync("Fetch.fulfillRequest", new JsonObject
        {
            ["requestId"] = paused.GetProperty("requestId").GetString(),
            ["responseCode"] = status,
            ["responseHeaders"] = headers,
            ["body"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(body)),
        });
    }

    private static async Task<IReadOnlyList<(string Type, string Url, string Title)>> WaitForTargetsAsync(
        HeadlessChromium browser, Func<IReadOnlyList<(string Type, string Url, string Title)>, bool> condition)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var targets = await browser.TargetsAsync();
            if (condition(targets))
            {
                return targets;
            }

            Assert.True(waited.Elapsed < Patience, "the browser's tabs never became as expected: " + string.Join("; ", targets.Select(t => $"{t.Type} {t.Url} '{t.Title}'")));
            await Task.Delay(100);
        }
    }

    private async Task SaveScreenshotAsync(BrowserPage page, string name)
    {
        var directory = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults")).FullName;
        var path = Path.Combine(directory, name);
        await File.WriteAllBytesAsync(path, await page.ScreenshotAsync());
        output.WriteLine($"screenshot: {path}");
    }
}
