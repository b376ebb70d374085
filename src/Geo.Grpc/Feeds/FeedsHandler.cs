using Geo.Exporters.GeoJson;
using Geo.Grpc.Access;
using Geo.Grpc.Protocol;
using Geo.Grpc.Server;
using Google.Protobuf;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Feeds;

/// <summary>geoawareness.v1.Feeds: the SAGE feeds over gRPC, the document in chunks of the HTTP body's bytes.</summary>
internal sealed class FeedsHandler(ObservationFeedService observations)
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => V1.FeedsReflection.Descriptor.Services[0];

    public async Task PullObservations(V1.PullObservationsRequest request, IServerStreamWriter<V1.FeedChunk> responses, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var ask = new FeedPullRequest(request.Cursor, request.Limit, request.All, request.IfNoneMatch);
        await using var pull = await observations.OpenAsync(ask, context.Caller(), cancellationToken).ConfigureAwait(false);
        if (pull.NotModified)
        {
            await responses.WriteAsync(new V1.FeedChunk { End = new V1.FeedPageEnd { NotModified = true, Etag = pull.ETag } }, cancellationToken).ConfigureAwait(false);
            return;
        }

        await using var writer = new GeoJsonWriter(
            (bytes, ct) => new ValueTask(responses.WriteAsync(new V1.FeedChunk { Geojson = ByteString.CopyFrom(bytes.Span) }, ct)));
        var end = await observations.WriteAsync(pull, writer, cancellationToken).ConfigureAwait(false);
        await responses.WriteAsync(
            new V1.FeedChunk { End = new V1.FeedPageEnd { NextCursor = end.NextCursor, Features = end.Features, More = end.More, Etag = pull.ETag } },
            cancellationToken).ConfigureAwait(false);
    }
}
