using Google.Protobuf;
using Grpc.Core;
using Geo.Testing.Echo;

namespace Geo.Bench.BareGrpc;

/// <summary>
/// geoawareness.testing.v1.Echo as its proto describes it, and nothing more: no metadata echo,
/// no call log (those are the test suite's, in tests/Geo.Testing/Echo/EchoService.cs).
/// </summary>
internal sealed class EchoService : Echo.EchoBase
{
    public override async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
    {
        await DelayAsync(request.DelayMs, context).ConfigureAwait(false);
        Fail(request.FailWithStatus, request.FailMessage);
        return new EchoReply { Message = request.Message, Payload = Payload(request.ResponseSize), Count = 1 };
    }

    public override async Task ServerStream(StreamRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < request.Count; i++)
        {
            if (i > 0)
            {
                await DelayAsync(request.DelayMs, context).ConfigureAwait(false);
            }

            var reply = new EchoReply { Message = request.Message, Payload = Payload(request.PayloadSize), Index = i, Count = request.Count };
            await responseStream.WriteAsync(reply, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        var text = new System.Text.StringBuilder();
        var count = 0;
        var size = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            Fail(request.FailWithStatus, request.FailMessage);
            text.Append(request.Message);
            size = Math.Max(size, request.ResponseSize);
            count++;
        }

        return new EchoReply { Message = text.ToString(), Payload = Payload(size), Count = count };
    }

    public override async Task Bidi(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        var index = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            await DelayAsync(request.DelayMs, context).ConfigureAwait(false);
            Fail(request.FailWithStatus, request.FailMessage);
            await responseStream.WriteAsync(new EchoReply { Message = request.Message, Payload = Payload(request.ResponseSize), Index = index++ }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    private static ByteString Payload(int size) => size <= 0 ? ByteString.Empty : ByteString.CopyFrom(new byte[size]);

    private static void Fail(int status, string message)
    {
        if (status != 0)
        {
            throw new RpcException(new Status(status > 0 ? (StatusCode)status : StatusCode.Unknown, message));
        }
    }

    private static Task DelayAsync(int delayMs, ServerCallContext context) =>
        delayMs > 0 ? Task.Delay(delayMs, context.CancellationToken) : Task.CompletedTask;
}
