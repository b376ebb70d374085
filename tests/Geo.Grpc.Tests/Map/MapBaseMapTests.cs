using System.Globalization;
using System.Net;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Grpc.Hosting;
using Geo.Grpc.Tests.Api;
using Geo.Testing.Browser;
using Geo.Testing.Echo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Map;

/// <summary>
/// The map page's optional base map, from a file created here and configured by path
/// (GeoAwareness:BaseMap:Path) on a service started for the test: a GeoJSON file of a boundary and
/// a place, an MBTiles file of png tiles, and vector tiles of a boundary, a river and a place in
/// an MBTiles file and in a PMTiles archive, each drawn in its pane under the mission's layers; a
/// missing file and unreadable ones leave the service running and the page loaded with a banner;
/// and nothing but the configured file can be had through it.
/// </summary>
public sealed class MapBaseMapTests(ApiFixture api, ITestOutputHelper output) : IClassFixture<ApiFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>A 1 × 1 png, opaque grey: Leaflet stretches it over the tile.</summary>
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGPo6OgAAAMEAYFL09IQAAAAAElFTkSuQmCC");

    private readonly HttpClient _http = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("basemap-").FullName;

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task BaseMap_FromAGeoJsonFile_IsDrawnUnderTheMissionsLayers()
    {
        var path = Path.Combine(_folder, "admin.geojson");
        await File.WriteAllTextAsync(path, """
            {"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"name":"Territoire de Test","admin_level":2},"geometry":{"type":"Polygon","coordinates":[[[26.5,-2.6],[27.9,-2.6],[27.9,-1.2],[26.5,-1.2],[26.5,-2.6]]]}},
              {"type":"Feature","properties":{"name":"Placeville","place":"town"},"geometry":{"type":"Point","coordinates":[27.2,-1.9]}}
            ]}
            """);
        await using var service = await StartAsync(path);
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await OpenAsync(browser, service);

        Assert.Equal("geojson", (await page.EvaluateAsync("window.geoMap.baseMap.kind")).GetString());
        Assert.Equal(2, (await page.EvaluateAsync("window.geoMap.baseMap.features")).GetInt32());
        Assert.True((await page.EvaluateAsync("document.getElementById('basemap-banner').hidden")).GetBoolean());
        Assert.Equal(2, (await page.EvaluateAsync("document.querySelectorAll('.leaflet-basemap-pane path').length")).GetInt32());
        Assert.Contains("Placeville", (await page.EvaluateAsync("document.querySelector('.leaflet-basemap-pane').textContent")).GetString(), StringComparison.Ordinal);
        await AssertUnderTheMissionAsync(page);
        await SaveScreenshotAsync(page, "map-basemap-geojson.png");
    }

    [Fact]
    public async Task BaseMap_FromAnMbTilesFile_DrawsItsRasterTilesUnderTheMissionsLayers()
    {
        var path = Path.Combine(_folder, "tiles.mbtiles");
        var tiles = WriteMbTiles(path, "png", 0, 12);
        await using var service = await StartAsync(path);

        // One tile over HTTP, as stored (rows from the north in the address, from the south in the file).
        var (z, x, y) = tiles[^1];
        using (var tile = await _http.GetAsync(new Uri(service.HttpEndpoint, $"/map/basemap/{z}/{x}/{y}")))
        {
            Assert.Equal(HttpStatusCode.OK, tile.StatusCode);
            Assert.Equal("image/png", tile.Content.Headers.ContentType!.MediaType);
            Assert.Equal(Png, await tile.Content.ReadAsByteArrayAsync());
        }

        using (var none = await _http.GetAsync(new Uri(service.HttpEndpoint, "/map/basemap/12/0/0")))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }

        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await OpenAsync(browser, service);
        Assert.Equal("raster-tiles", (await page.EvaluateAsync("window.geoMap.baseMap.kind")).GetString());
        // Tiles of the first view go when the page fits the mission: wait for those of the view it ends at.
        await page.WaitForAsync("window.geoMap.baseMap.tiles > 0 && document.querySelectorAll('.leaflet-basemap-pane img.leaflet-tile-loaded').length > 0", Patience, "the base map's tiles");
        Assert.True((await page.EvaluateAsync("document.getElementById('basemap-banner').hidden")).GetBoolean());
        await AssertUnderTheMissionAsync(page);
    }

    [Fact]
    public async Task BaseMap_FromAVectorMbTilesFile_DrawsItsLayersUnderTheMissionsLayers()
    {
        var path = Path.Combine(_folder, "district.mbtiles");
        var tiles = BaseMapFiles.Tiles(BaseMapFiles.District(), 0, 12);
        BaseMapFiles.WriteMbTiles(path, "pbf", tiles, BaseMapFiles.LayersJson);
        await using var service = await StartAsync(path);

        using (var described = await _http.GetAsync(new Uri(service.HttpEndpoint, "/map/basemap")))
        {
            var info = JsonDocument.Parse(await described.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("vector-tiles", info.GetProperty("kind").GetString());
            Assert.Equal("/map/basemap/{z}/{x}/{y}", info.GetProperty("url").GetString());
            Assert.Equal(["boundaries", "water", "places"], info.GetProperty("layers").EnumerateArray().Select(l => l.GetString()!));
            Assert.Equal(12, info.GetProperty("max_zoom").GetInt32());
        }

        // A tile as stored, gzipped, for the browser to undo; where the file has nothing, an empty tile.
        var ((z, x, y), stored) = tiles.Last();
        using (var tile = await _http.GetAsync(new Uri(service.HttpEndpoint, $"/map/basemap/{z}/{x}/{y}")))
        {
            Assert.Equal(HttpStatusCode.OK, tile.StatusCode);
            Assert.Equal("application/vnd.mapbox-vector-tile", tile.Content.Headers.ContentType!.MediaType);
            Assert.Equal("gzip", tile.Content.Headers.ContentEncoding.Single());
            Assert.Equal(stored, await tile.Content.ReadAsByteArrayAsync());
        }

        using (var empty = await _http.GetAsync(new Uri(service.HttpEndpoint, "/map/basemap/12/0/0")))
        {
            Assert.Equal(HttpStatusCode.NoContent, empty.StatusCode);
        }

        using (var beyond = await _http.GetAsync(new Uri(service.HttpEndpoint, "/map/basemap/13/0/0")))
        {
            Assert.Equal(HttpStatusCode.NotFound, beyond.StatusCode);
        }

        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await OpenAsync(browser, service);
        await AssertVectorBaseMapDrawnAsync(page);
        await SaveScreenshotAsync(page, "map-basemap-vector-mbtiles.png");
    }

    [Fact]
    public async Task BaseMap_FromAPmTilesArchive_IsReadByByteRangesAndDrawnUnderTheMissionsLayers()
    {
        var path = Path.Combine(_folder, "district.pmtiles");
        BaseMapFiles.WritePmTiles(path, BaseMapFiles.Tiles(BaseMapFiles.District(), 0, 12), BaseMapFiles.LayersJson);
        await using var service = await StartAsync(path);

        using (var described = await _http.GetAsync(new Uri(service.HttpEndpoint, "/map/basemap")))
        {
            var info = JsonDocument.Parse(await described.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("vector-tiles", info.GetProperty("kind").GetString());
            Assert.Equal("/map/basemap.pmtiles", info.GetProperty("url").GetString());
            Assert.Equal(["boundaries", "water", "places"], info.GetProperty("layers").EnumerateArray().Select(l => l.GetString()!));
            Assert.Equal(0, info.GetProperty("min_zoom").GetInt32());
            Assert.Equal(12, info.GetProperty("max_zoom").GetInt32());
        }

        // The page's reader asks for the header and root directory first, by range.
        var file = await File.ReadAllBytesAsync(path);
        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(service.HttpEndpoint, "/map/basemap.pmtiles")))
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 126);
            using var header = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, header.StatusCode);
            Assert.Equal(file[..127], await header.Content.ReadAsByteArrayAsync());
            Assert.NotNull(header.Headers.ETag);
            Assert.Equal(file.Length, header.Content.Headers.ContentRange!.Length);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(service.HttpEndpoint, "/map/basemap.pmtiles")))
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(file.Length + 10, file.Length + 20);
            using var outside = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outside.StatusCode);
        }

        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await OpenAsync(browser, service);
        await AssertVectorBaseMapDrawnAsync(page);
        await SaveScreenshotAsync(page, "map-basemap-pmtiles.png");
    }

    [Theory]
    [InlineData("not-an-archive.pmtiles", "the file is not a PMTiles archive")]
    [InlineData("old.pmtiles", "version 2")]
    [InlineData("raster.pmtiles", "holds png tiles")]
    [InlineData("brotli.pmtiles", "compressed with brotli")]
    [InlineData("nameless.pmtiles", "names no vector layer")]
    [InlineData("truncated.pmtiles", "metadata lies outside the file")]
    [InlineData("nameless.mbtiles", "names no vector layer")]
    public async Task BaseMap_VectorTilesThePageCannotDraw_TheServiceStartsAndThePageSaysSoInABanner(string name, string problem)
    {
        var path = Path.Combine(_folder, name);
        var tiles = BaseMapFiles.Tiles(BaseMapFiles.District(), 0, 2);
        switch (name)
        {
            case "not-an-archive.pmtiles":
                await File.WriteAllTextAsync(path, "PMTile but not quite, and far too short");
                break;
            case "old.pmtiles":
                BaseMapFiles.WritePmTiles(path, tiles, BaseMapFiles.LayersJson, version: 2);
                break;
            case "raster.pmtiles":
                BaseMapFiles.WritePmTiles(path, tiles, "{}", tileType: 2, tileCompression: 1);
                break;
            case "brotli.pmtiles":
                BaseMapFiles.WritePmTiles(path, tiles, BaseMapFiles.LayersJson, tileCompression: 3);
                break;
            case "truncated.pmtiles":
                BaseMapFiles.WritePmTiles(path, tiles, BaseMapFiles.LayersJson);
                await using (var file = File.OpenWrite(path))
                {
                    // Cut inside the root directory: the metadata the header points to is gone.
                    file.SetLength(130);
                }

                break;
            case "nameless.pmtiles":
                BaseMapFiles.WritePmTiles(path, tiles, """{"name":"district"}""");
                break;
            default:
                BaseMapFiles.WriteMbTiles(path, "pbf", tiles, json: null);
                break;
        }

        await using var service = await StartAsync(path);
        using (var described = await _http.GetAsync(new Uri(service.HttpEndpoint, "/map/basemap")))
        {
            var info = JsonDocument.Parse(await described.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("unavailable", info.GetProperty("kind").GetString());
            Assert.Contains(problem, info.GetProperty("problem").GetString(), StringComparison.Ordinal);
        }

        using (var archive = await _http.GetAsync(new Uri(service.HttpEndpoint, "/map/basemap.pmtiles")))
        {
            Assert.Equal(HttpStatusCode.NotFound, archive.StatusCode);
        }

        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await OpenAsync(browser, service);
        Assert.Contains(problem, (await page.EvaluateAsync("document.getElementById('basemap-banner').textContent")).GetString(), StringComparison.Ordinal);
        Assert.True((await page.EvaluateAsync("window.geoMap.counts.bases")).GetInt32() > 0);
    }

    [Theory]
    [InlineData("missing.geojson", null, "the file does not exist")]
    [InlineData("broken.geojson", "{\"type\":\"FeatureCollection\",\"features\":[", "the file is not JSON")]
    [InlineData("list.geojson", "[1, 2, 3]", "not a GeoJSON FeatureCollection")]
    [InlineData("text.mbtiles", "not a database at all", "not a readable MBTiles")]
    [InlineData("elevation.mbtiles", "tiff", "format 'tiff' is not png, jpg, webp or pbf")]
    [InlineData("notes.txt", "mission notes", "not a .geojson, .json, .mbtiles or .pmtiles file")]
    public async Task BaseMap_MissingOrUnreadable_TheServiceStartsAndThePageSaysSoInABanner(string name, string? content, string problem)
    {
        var path = Path.Combine(_folder, name);
        if (content == "tiff")
        {
            WriteMbTiles(path, "tiff", 0, 2);
        }
        else if (content is not null)
        {
            await File.WriteAllTextAsync(path, content);
        }

        var log = new LogLines();
        await using var service = await StartAsync(path, log);
        // One line for the operator, with the path the page never shows.
        Assert.Equal(1, log.Count("base map"));
        Assert.Contains($"the map's base map {path} is unavailable: ", log.Text, StringComparison.Ordinal);
        using (var described = await _http.GetAsync(new Uri(service.HttpEndpoint, "/map/basemap")))
        {
            var info = JsonDocument.Parse(await described.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("unavailable", info.GetProperty("kind").GetString());
            Assert.Contains(problem, info.GetProperty("problem").GetString(), StringComparison.Ordinal);
            // The page is open to anyone: the problem never names the server's folders.
            Assert.DoesNotContain(_folder, info.GetRawText(), StringComparison.Ordinal);
        }

        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await OpenAsync(browser, service);
        var banner = (await page.EvaluateAsync("document.getElementById('basemap-banner').textContent")).GetString()!;
        output.WriteLine("the banner: " + banner);
        Assert.False((await page.EvaluateAsync("document.getElementById('basemap-banner').hidden")).GetBoolean());
        Assert.StartsWith("Base map unavailable: ", banner, StringComparison.Ordinal);
        Assert.Contains(problem, banner, StringComparison.Ordinal);
        // The mission's layers are there all the same, and the page's own banner is not raised.
        Assert.Equal(JsonValueKind.Null, (await page.EvaluateAsync("window.geoMap.error")).ValueKind);
        Assert.True((await page.EvaluateAsync("window.geoMap.counts.bases")).GetInt32() > 0);
        if (name == "missing.geojson")
        {
            await SaveScreenshotAsync(page, "map-basemap-missing.png");
        }
    }

    [Fact]
    public async Task BaseMap_NothingButTheConfiguredFile_CanBeHadThroughIt()
    {
        var path = Path.Combine(_folder, "admin.geojson");
        await File.WriteAllTextAsync(path, """{"type":"FeatureCollection","features":[]}""");
        // A mission file beside the base map, and one outside its folder.
        const string Secret = "SECRET-SOURCE-NAME";
        await File.WriteAllTextAsync(Path.Combine(_folder, "sources.geojson"), $$"""{"type":"FeatureCollection","features":[],"name":"{{Secret}}"}""");
        var outside = Path.Combine(Path.GetDirectoryName(_folder)!, $"basemap-outside-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(outside, Secret);
        try
        {
            await using var service = await StartAsync(path);
            string[] attempts =
            [
                "/map/basemap/sources.geojson", "/map/sources.geojson", "/map/basemap.geojson?path=sources.geojson",
                "/map/basemap/..%2Fsources.geojson", "/map/basemap/%2e%2e/sources.geojson", "/map/..%2Fbasemap-outside.json",
                "/map/basemap/0/0/..%2F..%2Fsources.geojson", "/map/basemap/" + Uri.EscapeDataString(Path.Combine(_folder, "sources.geojson")),
                "/map/basemap/" + Uri.EscapeDataString(outside), "/map/basemap.geojson/../sources.geojson", "/map/basemap/0/0/0",
                "/map/basemap.pmtiles", "/map/basemap.pmtiles?path=sources.geojson", "/map/basemap.pmtiles/../sources.geojson", "/map/sources.pmtiles",
            ];
            foreach (var attempt in attempts)
            {
                using var response = await _http.GetAsync(new Uri(service.HttpEndpoint + attempt.TrimStart('/')));
                var body = await response.Content.ReadAsStringAsync();
                output.WriteLine($"{attempt}: {(int)response.StatusCode}");
                Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
            }

            // The configured file, and only it, as it is.
            using var served = await _http.GetAsync(new Uri(service.HttpEndpoint, "/map/basemap.geojson?path=sources.geojson"));
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(await File.ReadAllTextAsync(path), await served.Content.ReadAsStringAsync());
            Assert.Contains("default-src 'none'", served.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task BaseMap_NoneConfigured_NoBannerAndNothingServed()
    {
        using var described = await _http.GetAsync(new Uri(api.Service.HttpEndpoint, "/map/basemap"));
        Assert.Equal("none", JsonDocument.Parse(await described.Content.ReadAsStringAsync()).RootElement.GetProperty("kind").GetString());
        using var geoJson = await _http.GetAsync(new Uri(api.Service.HttpEndpoint, "/map/basemap.geojson"));
        Assert.Equal(HttpStatusCode.NotFound, geoJson.StatusCode);
        using var tile = await _http.GetAsync(new Uri(api.Service.HttpEndpoint, "/map/basemap/0/0/0"));
        Assert.Equal(HttpStatusCode.NotFound, tile.StatusCode);

        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await OpenAsync(browser, api.Service);
        Assert.True((await page.EvaluateAsync("document.getElementById('basemap-banner').hidden")).GetBoolean());
        Assert.Equal(0, (await page.EvaluateAsync("document.querySelectorAll('.leaflet-basemap-pane *').length")).GetInt32());
    }

    // ---- helpers ----

    /// <summary>The service on the fixture's database, with this base map.</summary>
    private async Task<GeoAwarenessService> StartAsync(string path, LogLines? log = null)
    {
        await SeedAsync();
        return await GrpcTestServer.StartAsync(
            api.Database.ConnectionString, [.. ApiFixture.Settings, $"--GeoAwareness:BaseMap:Path={path}"],
            services => services.AddSingleton<ILoggerProvider>(log ?? new LogLines()));
    }

    private async Task<BrowserPage> OpenAsync(HeadlessChromium browser, GeoAwarenessService service)
    {
        await SeedAsync();
        var page = await browser.OpenPageAsync();
        await page.NavigateAsync(new Uri(service.HttpEndpoint, "/map#token=" + api.TokenOf(Role.Planner)));
        await page.WaitForAsync("window.geoMap && window.geoMap.loads > 0 && window.geoMap.baseMap.loaded", Patience, "window.geoMap");
        return page;
    }

    /// <summary>The base map's pane lies under every pane of the mission's layers, which are drawn.</summary>
    private static async Task AssertUnderTheMissionAsync(BrowserPage page)
    {
        Assert.True((await page.EvaluateAsync("window.geoMap.counts.bases")).GetInt32() > 0);
        var under = await page.EvaluateAsync(
            "(() => { const z = (n) => Number(getComputedStyle(document.querySelector('.leaflet-' + n + '-pane')).zIndex);" +
            " return ['surface', 'gaps', 'presence', 'communities', 'civilian', 'bases', 'observations', 'overlay', 'marker']" +
            ".every((n) => z(n) > z('basemap')); })()");
        Assert.True(under.GetBoolean(), "a pane of the mission's layers lies under the base map");
    }

    /// <summary>
    /// The vector base map's tiles are drawn (painted canvases in the base map's pane), its place is
    /// found where it lies with its name, no banner is raised, and it lies under the mission's layers.
    /// </summary>
    private static async Task AssertVectorBaseMapDrawnAsync(BrowserPage page)
    {
        Assert.Equal("vector-tiles", (await page.EvaluateAsync("window.geoMap.baseMap.kind")).GetString());
        await page.WaitForAsync(
            // Settled and faded in, so that the screenshot shows what a user sees.
            "window.geoMap.baseMap.settled && window.geoMap.baseMap.tiles > 0" +
            " && [...document.querySelectorAll('.leaflet-basemap-pane canvas')].every((c) => Number(c.style.opacity || 1) === 1) && [...document.querySelectorAll('.leaflet-basemap-pane canvas')].some((c) => {" +
            " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; } return false; })",
            Patience, "the base map's painted vector tiles");
        var names = await page.EvaluateAsync(
            "[...window.geoMap.baseMap.layer.queryTileFeaturesDebug(27.2, -1.9, 32).values()].flat().map((p) => p.layerName + ':' + p.feature.props.name)");
        var found = names.EnumerateArray().Select(n => n.GetString()).ToList();
        Assert.Contains("places:Placeville", found);
        Assert.Contains("boundaries:Territoire de Test", found);
        Assert.True((await page.EvaluateAsync("document.getElementById('basemap-banner').hidden")).GetBoolean());
        Assert.Equal(JsonValueKind.Null, (await page.EvaluateAsync("window.geoMap.baseMap.error")).ValueKind);
        await AssertUnderTheMissionAsync(page);
    }

    /// <summary>An MBTiles file of <paramref name="format"/> tiles over the seeded area for zooms <paramref name="minZoom"/> to <paramref name="maxZoom"/>; the tiles' XYZ addresses.</summary>
    private static List<(int Z, int X, int Y)> WriteMbTiles(string path, string format, int minZoom, int maxZoom)
    {
        var tiles = BaseMapFiles.Over(new NetTopologySuite.Geometries.Envelope(26.4, 28.0, -2.7, -1.1), minZoom, maxZoom, (_, _, _) => Png);
        BaseMapFiles.WriteMbTiles(path, format, tiles);
        return [.. tiles.Keys];
    }

    private Task SaveScreenshotAsync(BrowserPage page, string name) => MapTestPage.SaveScreenshotAsync(page, name, output);

    /// <summary>A base and a community at risk, so that the page has the mission's layers to draw over the base map.</summary>
    private async Task SeedAsync()
    {
        var registry = api.As(Role.Planner).Registry;
        if ((await registry.ListBasesAsync(new ListRequest { PageSize = 10 })).Bases.Count > 0)
        {
            return;
        }

        await registry.CreateBaseAsync(new Base
        {
            Id = "bm-ob", Name = "Base bm-ob", Kind = BaseKind.OperatingBase, Sector = "basemap", AdminArea = "Beni", Unit = "BANBATT-2",
            Location = new GeoPoint { Longitude = 27.0, Latitude = -2.0 }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
        });
        await registry.CreateCommunityAsync(new Community
        {
            Id = "bm-village", Name = "Village bm", Sector = "basemap", RiskLevel = RiskLevel.High,
            Location = new Shape { Wkt = string.Create(CultureInfo.InvariantCulture, $"POINT({27.4} {-1.8})") },
        });
    }
}
