using Geo.Grpc.Protocol;
using Geo.Grpc.Server;
using Google.Protobuf;
using Alpha = Grpc.Reflection.V1Alpha;
using V1 = Grpc.Reflection.V1;

namespace Geo.Grpc.Services;

/// <summary>
/// grpc.reflection.v1alpha.ServerReflection. Its messages are v1's under another package name,
/// field for field, so each request is read as v1, answered by <see cref="ReflectionServiceV1"/>,
/// and the answer read back as v1alpha: one implementation serves both.
/// </summary>
internal sealed class ReflectionServiceV1Alpha
{
    private readonly ReflectionServiceV1 _v1;

    public ReflectionServiceV1Alpha(ReflectionServiceV1 v1) => _v1 = v1;

    public async Task ServerReflectionInfo(
        IAsyncStreamReader<Alpha.ServerReflectionRequest> requests, IServerStreamWriter<Alpha.ServerReflectionResponse> responses, ServerCallContext context)
    {
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = V1.ServerReflectionRequest.Parser.ParseFrom(requests.Current.ToByteString());
            var answer = _v1.Answer(request);
            await responses.WriteAsync(Alpha.ServerReflectionResponse.Parser.ParseFrom(answer.ToByteString()), context.CancellationToken).ConfigureAwait(false);
        }
    }
}
