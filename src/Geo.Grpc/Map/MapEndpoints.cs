using Geo.Core.Access;
using Geo.Grpc.Http;

namespace Geo.Grpc.Map;

/// <summary>
/// GET /map: the mission on a map, for people. The page and its script are open, as health is:
/// they hold no data. Every layer it draws comes from /feeds/layers with the token the user
/// gives it, so it shows exactly what that token's role may read. The base map is open too: it is
/// public geography the mission provides for orientation (boundaries, places), read only from the
/// one configured file, and the page needs it before a token is given.
/// </summary>
internal static class MapEndpoints
{
    // Only this service's own files and feeds: no remote tiles, fonts or scripts, even if the page
    // were changed to ask for them. Leaflet sets element styles from script, hence the inline styles.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void MapMapEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Read (and logged) now, at start, rather than on the first page that asks.
        var baseMap = endpoints.ServiceProvider.GetRequiredService<BaseMap>();
        endpoints.MapGet("/map", (HttpContext http) => Serve(http, "index.html")).RequirePermission(Permission.Open);
        endpoints.MapGet("/map/basemap", (HttpContext http) => Describe(http, baseMap)).RequirePermission(Permission.Open);
        endpoints.MapGet("/map/basemap.geojson", (HttpContext http) => ServeGeoJson(http, baseMap)).RequirePermission(Permission.Open);
        endpoints.MapGet("/map/basemap.pmtiles", (HttpContext http) => ServePmTiles(http, baseMap)).RequirePermission(Permission.Open);
        endpoints.MapGet("/map/basemap/{z:int}/{x:int}/{y:int}", (HttpContext http, int z, int x, int y) => ServeTileAsync(http, baseMap, z, x, y))
            .RequirePermission(Permission.Open);
        endpoints.MapGet("/map/{**path}", (HttpContext http, string? path) => Serve(http, string.IsNullOrEmpty(path) ? "index.html" : path)).RequirePermission(Permission.Open);
    }

    private static IResult Serve(HttpContext http, string path)
    {
        if (MapAssets.Find(path) is not { } asset)
        {
            return Results.NotFound();
        }

        return Answer(http, asset.Content, asset.ContentType, asset.ETag);
    }

    /// <summary>What the page needs to draw the base map: its kind, or why it is unavailable.</summary>
    private static IResult Describe(HttpContext http, BaseMap baseMap)
    {
        SecureHeaders(http);
        return Results.Json(new
        {
            kind = baseMap.Kind switch
            {
                BaseMapKind.GeoJson => "geojson",
                BaseMapKind.RasterTiles => "raster-tiles",
                BaseMapKind.VectorTiles or BaseMapKind.PmTiles => "vector-tiles",
                BaseMapKind.Unavailable => "unavailable",
                _ => "none",
            },
            problem = baseMap.Problem,
            url = baseMap.Kind switch
            {
                BaseMapKind.GeoJson => "/map/basemap.geojson",
                BaseMapKind.RasterTiles or BaseMapKind.VectorTiles => "/map/basemap/{z}/{x}/{y}",
                BaseMapKind.PmTiles => "/map/basemap.pmtiles",
                _ => null,
            },
            format = baseMap.TileFormat,
            min_zoom = baseMap.TileFormat is null ? (int?)null : baseMap.MinZoom,
            max_zoom = baseMap.TileFormat is null ? (int?)null : baseMap.MaxZoom,
            layers = baseMap.VectorLayers.Count > 0 ? baseMap.VectorLayers : null,
        });
    }

    private static IResult ServeGeoJson(HttpContext http, BaseMap baseMap) => baseMap.Kind == BaseMapKind.GeoJson
        ? Answer(http, baseMap.GeoJson.ToArray(), "application/geo+json", baseMap.GeoJsonETag!)
        : Results.NotFound();

    private static async Task<IResult> ServeTileAsync(HttpContext http, BaseMap baseMap, int z, int x, int y)
    {
        var tile = await baseMap.ReadTileAsync(z, x, y, http.RequestAborted).ConfigureAwait(false);
        if (baseMap.Kind == BaseMapKind.VectorTiles && tile is null && z >= baseMap.MinZoom && z <= baseMap.MaxZoom)
        {
            // Where the mission's file has nothing the vector tile is empty, not missing.
            SecureHeaders(http);
            return Results.NoContent();
        }

        if (tile is null)
        {
            return Results.NotFound();
        }

        SecureHeaders(http);
        http.Response.Headers.CacheControl = "max-age=300";
        // Vector tiles are usually stored gzipped (tippecanoe, GDAL): the browser undoes it.
        if (baseMap.Kind == BaseMapKind.VectorTiles && tile is [0x1f, 0x8b, ..])
        {
            http.Response.Headers.ContentEncoding = "gzip";
        }

        return Results.Bytes(tile, BaseMap.ContentTypeOf(baseMap.TileFormat!));
    }

    /// <summary>The configured PMTiles archive, whole, by the byte ranges the page's reader asks for.</summary>
    private static IResult ServePmTiles(HttpContext http, BaseMap baseMap)
    {
        if (baseMap.Kind != BaseMapKind.PmTiles)
        {
            return Results.NotFound();
        }

        SecureHeaders(http);
        http.Response.Headers.CacheControl = "no-cache";
        return Results.File(
            baseMap.PmTilesPath!, "application/vnd.pmtiles", lastModified: null,
            entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue(baseMap.PmTilesETag!), enableRangeProcessing: true);
    }

    private static IResult Answer(HttpContext http, byte[] content, string contentType, string etag)
    {
        SecureHeaders(http);
        var headers = http.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.ETag = etag;
        if (http.Request.Headers.IfNoneMatch == etag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(content, contentType);
    }

    private static void SecureHeaders(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        // The token arrives in the address's fragment: no referrer carries any part of the address away.
        headers["Referrer-Policy"] = "no-referrer";
    }
}
