using Google.Protobuf;
using Grpc.Core;

namespace Geo.Testing.Echo;

/// <summary>
/// The handler of geoawareness.testing.v1.Echo. Beyond the proto's contract: request metadata
/// whose key starts with <c>x-echo-</c> comes back as response headers, or as trailers when
/// the key contains <c>-trailer</c>; a negative fail_with_status throws an unexpected
/// exception (to test that nothing of it leaks); the handler records in
/// <see cref="EchoCallLog"/> when its token fires (a ClientStream call under its
/// <c>x-echo-call-id</c> header) and how many stream messages it has written.
/// </summary>
public sealed class EchoService : Echo.EchoBase
{
    private const string EchoPrefix = "x-echo-";
    private const string TrailerMarker = "-trailer";
    private const string CallIdHeader = "x-echo-call-id";
    private static readonly byte[] Zeros = new byte[64 * 1024];

    private readonly EchoCallLog _log;

    public EchoService(EchoCallLog log) => _log = log;

    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => Echo.Descriptor;

    public override async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        _log.RecordEntered(request.Message);
        try
        {
            await EchoMetadataAsync(context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException || context.CancellationToken.IsCancellationRequested)
        {
            // The deadline passed before the headers went out (a loaded machine): the handler stops here.
            _log.RecordCancelled(request.Message);
            throw;
        }

        await DelayAsync(request.DelayMs, request.Message, context).ConfigureAwait(false);
        Fail(request.FailWithStatus, request.FailMessage);
        return new EchoReply { Message = request.Message, Payload = Payload(request.ResponseSize), Count = 1 };
    }

    public override async Task ServerStream(StreamRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        await EchoMetadataAsync(context).ConfigureAwait(false);
        for (var i = 0; i < request.Count; i++)
        {
            if (i > 0)
            {
                await DelayAsync(request.DelayMs, request.Message, context).ConfigureAwait(false);
            }

            var reply = new EchoReply { Message = request.Message, Payload = Payload(request.PayloadSize), Index = i, Count = request.Count };
            try
            {
                await responseStream.WriteAsync(reply, context.CancellationToken).ConfigureAwait(false);
                _log.RecordWritten(request.Message);
            }
            catch (Exception e) when (e is OperationCanceledException || context.CancellationToken.IsCancellationRequested || e is IOException)
            {
                // The call ended under the handler: by its token, or (when the connection is reset
                // while a write waits) by the write failing first. Either way the handler stops here.
                _log.RecordCancelled(request.Message);
                throw;
            }
        }
    }

    public override async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        await EchoMetadataAsync(context).ConfigureAwait(false);
        var text = new System.Text.StringBuilder();
        var count = 0;
        var size = 0;
        try
        {
            while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
            {
                var request = requestStream.Current;
                Fail(request.FailWithStatus, request.FailMessage);
                text.Append(request.Message);
                size = Math.Max(size, request.ResponseSize);
                count++;
            }
        }
        catch (Exception e) when ((e is OperationCanceledException or IOException || context.CancellationToken.IsCancellationRequested)
            && context.RequestHeaders.GetValue(CallIdHeader) is { } callId)
        {
            // A call with no message yet is known by its x-echo-call-id header. A connection reset
            // while the read waits can fail the read before the call's token is seen cancelled.
            _log.RecordCancelled(callId);
            throw;
        }

        return new EchoReply { Message = text.ToString(), Payload = Payload(size), Count = count };
    }

    public override async Task Bidi(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        await EchoMetadataAsync(context).ConfigureAwait(false);
        var index = 0;
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = requestStream.Current;
            await DelayAsync(request.DelayMs, request.Message, context).ConfigureAwait(false);
            Fail(request.FailWithStatus, request.FailMessage);
            await responseStream.WriteAsync(new EchoReply { Message = request.Message, Payload = Payload(request.ResponseSize), Index = index++ }, context.CancellationToken).ConfigureAwait(false);
        }
    }

    private static ByteString Payload(int size) =>
        size <= 0 ? ByteString.Empty
        : size <= Zeros.Length ? UnsafeByteOperations.UnsafeWrap(Zeros.AsMemory(0, size))
        : ByteString.CopyFrom(new byte[size]);

    private static void Fail(int status, string message)
    {
        if (status < 0)
        {
            throw new InvalidOperationException($"Echo was asked to fail unexpectedly: {message}");
        }

        if (status > 0)
        {
            throw new RpcException(new Status((StatusCode)status, message));
        }
    }

    private static async Task EchoMetadataAsync(ServerCallContext context)
    {
        // Most calls (benchmarks) carry no x-echo- header: find out without building metadata.
        var any = false;
        foreach (var key in context.GetHttpContext().Request.Headers.Keys)
        {
            any |= key.StartsWith(EchoPrefix, StringComparison.OrdinalIgnoreCase);
        }

        if (!any)
        {
            return;
        }

        Metadata? headers = null;
        foreach (var entry in context.RequestHeaders)
        {
            if (!entry.Key.StartsWith(EchoPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (entry.Key.Contains(TrailerMarker, StringComparison.Ordinal))
            {
                context.ResponseTrailers.Add(entry);
            }
            else
            {
                (headers ??= new Metadata()).Add(entry);
            }
        }

        if (headers is not null)
        {
            await context.WriteResponseHeadersAsync(headers).ConfigureAwait(false);
        }
    }

    private async Task DelayAsync(int delayMs, string message, ServerCallContext context)
    {
        if (delayMs <= 0)
        {
            return;
        }

        try
        {
            await Task.Delay(delayMs, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _log.RecordCancelled(message);
            throw;
        }
    }
}
