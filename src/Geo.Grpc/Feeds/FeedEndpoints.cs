using Geo.Core.Access;
using Geo.Exporters.GeoJson;
using Geo.Grpc.Api;
using Geo.Grpc.Http;
using Grpc.Core;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Feeds;

/// <summary>
/// The SAGE feeds over plain HTTP GET, for importers that pull URLs:
/// <c>/feeds/observations?cursor=&amp;limit=&amp;all=</c> with ETag / If-None-Match, and
/// <c>/feeds/layers/{layer}?...</c> with the fields of the layer's request as parameters.
/// </summary>
internal static class FeedEndpoints
{
    private const string GeoJson = "application/geo+json";

    public static void MapFeedEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/feeds/observations", PullObservationsAsync).RequirePermission(Permission.ReadFeeds);
        endpoints.MapGet("/feeds/observations/{id}", PullObservationAsync).RequirePermission(Permission.ReadFeeds);
        foreach (var layer in LayerFeedService.All)
        {
            endpoints.MapGet("/feeds/layers/" + LayerFeedService.NameOf(layer), (HttpContext http, LayerFeedService layers) => PullLayerAsync(http, layer, layers))
                .RequireAnyPermission(LayerFeedService.PermissionsOf(layer));
        }
    }

    /// <summary>A layer: the query read as the layer's request message, then computed and written as over gRPC.</summary>
    private static async Task PullLayerAsync(HttpContext http, FeedLayer layer, LayerFeedService layers)
    {
        var cancellationToken = http.RequestAborted;
        var request = QueryMessage.Read(http.Request.Query, LayerFeedService.FieldOf(layer).MessageType);
        ComputedLayer computed;
        try
        {
            computed = await layers.ComputeAsync(layer, request, string.Empty, http.Caller(), cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.ResourceExhausted)
        {
            // The checks name proto fields; the caller gave parameters in their JSON names.
            throw new RpcException(new Status(e.StatusCode, QueryMessage.InParameterNames(e.Status.Detail)));
        }

        var response = http.Response;
        response.ContentType = GeoJson;
        // The layer depends on the token (scope, coarsening): shared caches must not keep it.
        response.Headers.CacheControl = "private, no-cache";
        await using var writer = GeoJsonWriter.ToStream(response.Body);
        await computed.WriteAsync(writer, cancellationToken).ConfigureAwait(false);
    }

    private static async Task PullObservationsAsync(HttpContext http, ObservationFeedService feed)
    {
        var cancellationToken = http.RequestAborted;
        // The parameters are PullObservationsRequest's fields, read as every layer's are; the ETag comes as a header.
        var request = (V1.PullObservationsRequest)QueryMessage.Read(http.Request.Query, V1.PullObservationsRequest.Descriptor);
        if (http.Request.Headers.IfNoneMatch.Count > 0)
        {
            request.IfNoneMatch = http.Request.Headers.IfNoneMatch.ToString();
        }

        var ask = FeedPullRequest.From(request) with { LimitGiven = http.Request.Query.ContainsKey("limit") };
        await using var pull = await feed.OpenAsync(ask, http.Caller(), cancellationToken).ConfigureAwait(false);
        var response = http.Response;
        response.Headers.ETag = $"\"{pull.ETag}\"";
        // The page depends on the token (scope, coarsening): shared caches must not keep it.
        response.Headers.CacheControl = "private, no-cache";
        if (pull.NotModified)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.ContentType = GeoJson;
        await using var writer = GeoJsonWriter.ToStream(response.Body);
        await feed.WriteAsync(pull, writer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One record, where each feature's url points.</summary>
    private static async Task PullObservationAsync(HttpContext http, string id, ObservationFeedService feed)
    {
        // The record is named by the path alone: a parameter here would be silently ignored.
        if (http.Request.Query.Count > 0)
        {
            throw ApiErrors.InvalidArgument(QueryMessage.NameOf(http.Request.Query.Keys.First()), "is not a parameter of GET /feeds/observations/{id}, which takes none");
        }

        // Nothing is written before the record is found, so a refusal is still a proper answer.
        var buffer = new MemoryStream();
        await using (var writer = GeoJsonWriter.ToStream(buffer))
        {
            await feed.WriteOneAsync(id, http.Caller(), writer, http.RequestAborted).ConfigureAwait(false);
        }

        http.Response.ContentType = GeoJson;
        http.Response.Headers.CacheControl = "private, no-cache";
        await http.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), http.RequestAborted).ConfigureAwait(false);
    }
}
