using System.Buffers;
using System.Net;
using Geo.Grpc.Protocol;
using Google.Protobuf;

namespace Geo.Grpc.Client;

/// <summary>
/// The request body of a call. With one message known up front it is written at once; otherwise
/// the body stays open and each <see cref="WriteAsync"/> sends a message until <see cref="CompleteAsync"/>.
/// </summary>
internal sealed class GrpcRequestContent<TRequest> : HttpContent, IClientStreamWriter<TRequest>
    where TRequest : class, IMessage<TRequest>
{
    private readonly TRequest? _single;
    private readonly int _maxSendBytes;
    private readonly bool _compress;
    private readonly CancellationToken _callToken;
    private readonly Func<Exception, Task<Exception>> _translate;
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public GrpcRequestContent(TRequest? single, int maxSendBytes, bool compress, Func<Exception, Task<Exception>> translate, CancellationToken callToken)
    {
        _single = single;
        _maxSendBytes = maxSendBytes;
        _compress = compress;
        _callToken = callToken;
        _translate = translate;
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_single is not null || _completed.Task.IsCompleted)
        {
            throw new InvalidOperationException("The request stream is complete: no more messages can be written.");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _callToken);
        await _writeLock.WaitAsync(linked.Token).ConfigureAwait(false);
        try
        {
            var stream = await _stream.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            await WriteFrameAsync(stream, message, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Includes ObjectDisposedException: the transport disposes the request body when the
            // server ends the call, so a write racing that end must still report the call's status.
            throw await _translate(e).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task CompleteAsync()
    {
        _completed.TrySetResult();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Releases a body that is still open when the call ends or is cancelled. The body fails
    /// rather than ends: an ended body would go out as END_STREAM, and a server could take a
    /// cancelled client stream for a complete one (and commit it) before the reset arrives.
    /// </summary>
    public void Abandon()
    {
        _completed.TrySetCanceled();
        _stream.TrySetCanceled();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (_single is not null)
        {
            await WriteFrameAsync(stream, _single, cancellationToken).ConfigureAwait(false);
            return;
        }

        _stream.TrySetResult(stream);
        await _completed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Abandon();
            _writeLock.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task WriteFrameAsync(Stream stream, TRequest message, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(MessageFraming.HeaderSize + 256);
        MessageFraming.WriteMessage(buffer, message, _maxSendBytes, _compress);
        await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
