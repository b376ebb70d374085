using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Geo.Grpc.Protocol;
using Google.Protobuf;

namespace Geo.Grpc.Client;

/// <summary>
/// A call in progress, whatever its shape: write <see cref="RequestStream"/> (client streaming,
/// bidi), read <see cref="ResponseStream"/> (server streaming, bidi) or await
/// <see cref="ResponseAsync"/> (unary, client streaming). Failures throw <see cref="RpcException"/>.
/// Dispose it to cancel a call still running.
/// </summary>
public sealed class ClientCall<TRequest, TResponse> : IDisposable
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private const string UserAgent = "geoawareness-grpc/1.0";
    private static readonly TimeSpan WriteFailureStatusWait = TimeSpan.FromSeconds(5);

    private readonly GrpcChannel _channel;
    private readonly GrpcMethod<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationTokenRegistration _resetOnCancel;
    private readonly GrpcRequestContent<TRequest> _content;
    private readonly Task<HttpResponseMessage> _send;
    private readonly ResponseReader _reader;
    private Task<HttpResponseMessage>? _response;
    private Task<TResponse>? _single;
    private PipeReader? _body;
    private string? _responseEncoding;
    private Status? _status;
    private Metadata? _trailers;
    private bool _disposed;

    internal ClientCall(GrpcChannel channel, GrpcMethod<TRequest, TResponse> method, CallOptions options, TRequest? single)
    {
        ArgumentNullException.ThrowIfNull(method);
        _channel = channel;
        _method = method;
        _options = options;
        // A timer of its own tells a deadline from a cancel: CancelAfter may fire a little before
        // the clock reaches the deadline, so comparing times afterwards is not reliable.
        _deadline = options.Deadline is null ? null : new CancellationTokenSource();
        _cancellation = _deadline is null
            ? CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, _deadline.Token);
        _reader = new ResponseReader(this);
        _content = new GrpcRequestContent<TRequest>(single, channel.Options.MaxSendMessageBytes, options.CompressRequest, TranslateWriteFailureAsync, _cancellation.Token);

        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(channel.Address, method.Path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = _content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        headers.TryAddWithoutValidation(GrpcProtocol.UserAgentHeader, UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, MessageCompression.AcceptEncoding);
        if (options.CompressRequest)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, MessageCompression.Gzip);
        }

        if (options.Deadline is { } deadline)
        {
            var timeout = deadline.ToUniversalTime() - DateTime.UtcNow;
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(timeout));
            if (timeout <= TimeSpan.Zero)
            {
                _deadline!.Cancel();
            }
            else if (timeout.TotalMilliseconds < int.MaxValue - 1)
            {
                _deadline!.CancelAfter(timeout);
            }
        }

        if (channel.Options.BearerToken is { } bearer && options.Headers?.Any(e => e.Key == "authorization") != true)
        {
            headers.TryAddWithoutValidation("authorization", "Bearer " + bearer);
        }

        if (options.Headers is not null)
        {
            foreach (var entry in options.Headers)
            {
                if (!MetadataCodec.IsReserved(entry.Key))
                {
                    headers.TryAddWithoutValidation(entry.Key, MetadataCodec.Encode(entry));
                }
            }
        }

        _send = channel.Invoker.SendAsync(request, _cancellation.Token);

        // Once the response has begun, cancelling the token alone only stops local reads: disposing
        // the response resets the HTTP/2 stream (RST_STREAM), which is what tells the server.
        _resetOnCancel = _cancellation.Token.Register(static state => ((ClientCall<TRequest, TResponse>)state!).ResetStream(), this);
    }

    /// <summary>Where requests go, for client streaming and bidi calls.</summary>
    public IClientStreamWriter<TRequest> RequestStream => _content;

    /// <summary>Responses as they arrive; MoveNext returns false after an OK status and throws on any other.</summary>
    public IAsyncStreamReader<TResponse> ResponseStream => _reader;

    /// <summary>The single response of a unary or client-streaming call, once the status is OK.</summary>
    public Task<TResponse> ResponseAsync => _single ??= ReadSingleAsync();

    /// <summary>The server's response metadata (from a trailers-only response, its headers).</summary>
    public Task<Metadata> ResponseHeadersAsync => ReadHeadersAsync();

    /// <summary>The status, once the call has finished.</summary>
    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call has not finished.");

    /// <summary>The trailing metadata, once the call has finished.</summary>
    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("The call has not finished.");

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_status is null)
        {
            // Still running: cancelling resets the HTTP/2 stream, which the server sees as a cancel.
            _cancellation.Cancel();
        }

        _resetOnCancel.Dispose();
        _content.Abandon();
        _body?.Complete();
        if (_send.IsCompletedSuccessfully)
        {
            _send.Result.Dispose();
        }

        _cancellation.Dispose();
        _deadline?.Dispose();
    }

    private void ResetStream()
    {
        if (_status is not null)
        {
            return;
        }

        _content.Abandon();
        if (_send.IsCompletedSuccessfully)
        {
            _send.Result.Dispose();
        }
    }

    private Task<HttpResponseMessage> Response => _response ??= ReceiveHeadersAsync();

    private async Task<HttpResponseMessage> ReceiveHeadersAsync()
    {
        HttpResponseMessage response;
        try
        {
            response = await _send.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Translate(e);
        }

        var grpcStatus = HeaderValue(response.Headers, GrpcProtocol.StatusHeader);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Finish(grpcStatus is null ? StatusCodec.FromHttpStatus((int)response.StatusCode) : ReadStatus(response.Headers), ReadMetadata(response.Headers));
            return response;
        }

        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            Finish(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType}"), new Metadata());
            return response;
        }

        if (grpcStatus is not null)
        {
            // Trailers-only: the status came in the only HEADERS frame.
            Finish(ReadStatus(response.Headers), ReadMetadata(response.Headers));
            return response;
        }

        _responseEncoding = HeaderValue(response.Headers, GrpcProtocol.EncodingHeader);
        if (_responseEncoding is not null && !MessageCompression.IsSupported(_responseEncoding))
        {
            Finish(new Status(StatusCode.Internal, $"Unsupported grpc-encoding '{_responseEncoding}' in the response."), new Metadata());
        }

        return response;
    }

    private async Task<Metadata> ReadHeadersAsync()
    {
        var response = await Response.ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK && _status is { } status)
        {
            throw new RpcException(status, _trailers);
        }

        return ReadMetadata(response.Headers);
    }

    private async Task<TResponse> ReadSingleAsync()
    {
        var message = await ReadNextAsync(CancellationToken.None).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.Internal, "The server ended the call with OK but no response message."), _trailers);
        if (await ReadNextAsync(CancellationToken.None).ConfigureAwait(false) is not null)
        {
            throw new RpcException(new Status(StatusCode.Internal, "The server sent more than one response message."), _trailers);
        }

        return message;
    }

    /// <summary>The next response, or null at the end of an OK call.</summary>
    private async Task<TResponse?> ReadNextAsync(CancellationToken cancellationToken)
    {
        var response = await Response.ConfigureAwait(false);
        if (_status is { } finished)
        {
            return finished.StatusCode == StatusCode.OK ? null : throw new RpcException(finished, _trailers);
        }

        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _cancellation)
            : default;
        TResponse? message;
        try
        {
            if (_body is null)
            {
                var stream = await response.Content.ReadAsStreamAsync(_cancellation.Token).ConfigureAwait(false);
                _body = PipeReader.Create(stream);
            }

            message = await MessageReader.ReadAsync(_body, _method.ResponseParser, _channel.Options.MaxReceiveMessageBytes, _responseEncoding, _cancellation.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var error = Translate(e);
            if (error is RpcException rpc)
            {
                Finish(rpc.Status, rpc.Trailers);
                _cancellation.Cancel();
            }

            throw error;
        }

        if (message is not null)
        {
            return message;
        }

        Finish(ReadStatus(response.TrailingHeaders), ReadMetadata(response.TrailingHeaders));
        var status = _status!.Value;
        return status.StatusCode == StatusCode.OK ? null : throw new RpcException(status, _trailers);
    }

    private void Finish(Status status, Metadata trailers)
    {
        if (_status is not null)
        {
            return;
        }

        _trailers = trailers;
        _status = status;
        _content.Abandon();
    }

    /// <summary>
    /// A write fails when the server has ended the call (e.g. UNAVAILABLE while the caller still
    /// streams): the status is then in the response headers, which have arrived or are about to.
    /// Waiting briefly for them reports that status instead of a made-up transport error, so a
    /// caller does not retry a call the server refused for good.
    /// </summary>
    private async Task<Exception> TranslateWriteFailureAsync(Exception exception)
    {
        if (_status is null && !_cancellation.IsCancellationRequested)
        {
            try
            {
                await Response.WaitAsync(WriteFailureStatusWait).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or TimeoutException)
            {
                // No status after all: Translate reports the transport's failure.
            }
        }

        return Translate(exception);
    }

    /// <summary>Turns what the transport threw into the status gRPC promises the caller.</summary>
    private Exception Translate(Exception exception)
    {
        if (exception is RpcException)
        {
            return exception;
        }

        if (_deadline is { IsCancellationRequested: true })
        {
            return new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
        }

        if (_status is { StatusCode: not StatusCode.OK } status)
        {
            return new RpcException(status, _trailers);
        }

        if (_cancellation.IsCancellationRequested || exception is OperationCanceledException)
        {
            return new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."));
        }

        if (exception is HttpProtocolException protocol)
        {
            return new RpcException(new Status(StatusCode.Internal, $"The HTTP/2 stream failed with error code {protocol.ErrorCode.ToString(CultureInfo.InvariantCulture)}: {protocol.Message}"));
        }

        return new RpcException(new Status(StatusCode.Unavailable, $"Error talking to {_channel.Address}: {exception.Message}"));
    }

    private static Status ReadStatus(HttpHeaders headers) =>
        StatusCodec.Parse(HeaderValue(headers, GrpcProtocol.StatusHeader), HeaderValue(headers, GrpcProtocol.MessageHeader));

    private static string? HeaderValue(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;

    private static Metadata ReadMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers.NonValidated)
        {
            if (MetadataCodec.IsReserved(header.Key))
            {
                continue;
            }

            foreach (var value in header.Value)
            {
                MetadataCodec.AddReceived(metadata, header.Key, value);
            }
        }

        return metadata;
    }

    private sealed class ResponseReader : IAsyncStreamReader<TResponse>
    {
        private readonly ClientCall<TRequest, TResponse> _call;
        private TResponse? _current;

        public ResponseReader(ClientCall<TRequest, TResponse> call) => _call = call;

        public TResponse Current => _current ?? throw new InvalidOperationException("MoveNext has not returned a message");

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            _current = await _call.ReadNextAsync(cancellationToken).ConfigureAwait(false);
            return _current is not null;
        }
    }
}
