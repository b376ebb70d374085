using Geo.Exporters.GeoJson;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Grpc.Core;
using Google.Protobuf;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Feeds;

/// <summary>geoawareness.v1.Feeds: the SAGE feeds over gRPC, the document in chunks of the HTTP body's bytes.</summary>
internal sealed class FeedsHandler(ObservationFeedService observations, LayerFeedService layers)
    : V1.Feeds.FeedsBase
{
    public override async Task PullObservations(V1.PullObservationsRequest request, IServerStreamWriter<V1.FeedChunk> responses, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var ask = FeedPullRequest.From(request);
        await using var pull = await observations.OpenAsync(ask, context.Caller(), cancellationToken).ConfigureAwait(false);
        if (pull.NotModified)
        {
            await responses.WriteAsync(new V1.FeedChunk { End = new V1.FeedPageEnd { NotModified = true, Etag = pull.ETag } }, cancellationToken).ConfigureAwait(false);
            return;
        }

        await using var writer = ChunkWriter(responses);
        var end = await observations.WriteAsync(pull, writer, cancellationToken).ConfigureAwait(false);
        await responses.WriteAsync(
            new V1.FeedChunk { End = new V1.FeedPageEnd { NextCursor = end.NextCursor, Features = end.Features, More = end.More, Etag = pull.ETag } },
            cancellationToken).ConfigureAwait(false);
    }

    public override async Task PullLayer(V1.PullLayerRequest request, IServerStreamWriter<V1.FeedChunk> responses, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (request.LayerCase == V1.PullLayerRequest.LayerOneofCase.None)
        {
            throw ApiErrors.InvalidArgument("layer", $"is required: one of {string.Join(", ", LayerFeedService.All.Select(l => LayerFeedService.FieldOf(l).Name))}");
        }

        var layer = (FeedLayer)request.LayerCase;
        var field = LayerFeedService.FieldOf(layer);
        var caller = context.Caller();
        // The method is open to every caller in the permission table; the layer asked for decides.
        if (!LayerFeedService.PermissionsOf(layer).Any(caller.Can))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"the {caller.Role} role may not pull the {field.Name} layer of {context.Method}"));
        }

        var computed = await layers.ComputeAsync(layer, (IMessage)field.Accessor.GetValue(request), field.Name, caller, cancellationToken).ConfigureAwait(false);
        await using var writer = ChunkWriter(responses);
        var features = await computed.WriteAsync(writer, cancellationToken).ConfigureAwait(false);
        await responses.WriteAsync(new V1.FeedChunk { End = new V1.FeedPageEnd { Features = features } }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A writer whose every flushed chunk is one message of the stream.</summary>
    private static GeoJsonWriter ChunkWriter(IServerStreamWriter<V1.FeedChunk> responses) =>
        new((bytes, ct) => new ValueTask(responses.WriteAsync(new V1.FeedChunk { Geojson = ByteString.CopyFrom(bytes.Span) }, ct)));
}
