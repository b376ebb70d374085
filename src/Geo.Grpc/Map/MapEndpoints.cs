using Geo.Core.Access;
using Geo.Grpc.Http;

namespace Geo.Grpc.Map;

/// <summary>
/// GET /map: the mission on a map, for people. The page and its script are open, as health is:
/// they hold no data. Every layer it draws comes from /feeds/layers with the token the user
/// gives it, so it shows exactly what that token's role may read.
/// </summary>
internal static class MapEndpoints
{
    // Only this service's own files and feeds: no remote tiles, fonts or scripts, even if the page
    // were changed to ask for them. Leaflet sets element styles from script, hence the inline styles.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void MapMapEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/map", (HttpContext http) => Serve(http, "index.html")).RequirePermission(Permission.Open);
        endpoints.MapGet("/map/{**path}", (HttpContext http, string? path) => Serve(http, string.IsNullOrEmpty(path) ? "index.html" : path)).RequirePermission(Permission.Open);
    }

    private static IResult Serve(HttpContext http, string path)
    {
        if (MapAssets.Find(path) is not { } asset)
        {
            return Results.NotFound();
        }

        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        // The token arrives in the address's fragment: no referrer carries any part of the address away.
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
