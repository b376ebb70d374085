using System.Globalization;
using Geo.Grpc.Protocol;
using Google.Protobuf;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Primitives;

namespace Geo.Grpc.Server;

/// <summary>
/// One call in progress: its context, request reader and response writer in one object, so a
/// call costs one allocation of ours. Knows the wire rules of the response (headers once,
/// then messages, then trailers; or everything in one trailers-only HEADERS frame).
/// </summary>
internal sealed class ServerCall<TRequest, TResponse> : ServerCallContext, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, IDisposable
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private static readonly StringValues GrpcContentType = new(GrpcProtocol.ContentType);
    private static readonly StringValues AcceptEncoding = new(MessageCompression.AcceptEncoding);
    private static readonly StringValues GzipEncoding = new(MessageCompression.Gzip);

    private const int MaxMessageChars = 1000;

    private readonly HttpContext _http;
    private readonly ServerMethod<TRequest, TResponse> _method;
    private static readonly Status ClientDeadlineStatus = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    private CancellationTokenSource? _deadlineSource;
    private Status _deadlineStatus = ClientDeadlineStatus;
    private CancellationToken _cancellationToken;
    private DateTime _deadline = DateTime.MaxValue;
    private string? _requestEncoding;
    private bool _clientAcceptsGzip;
    private bool _compressResponse;
    private bool _responseStarted;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private TRequest? _current;

    public ServerCall(HttpContext http, ServerMethod<TRequest, TResponse> method)
    {
        _http = http;
        _method = method;
        _cancellationToken = http.RequestAborted;
        Status = Status.Ok;
    }

    public override string Method => _method.Path;

    public override string Peer
    {
        get
        {
            var connection = _http.Connection;
            var address = connection.RemoteIpAddress;
            if (address is null)
            {
                return "unknown";
            }

            return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? string.Create(CultureInfo.InvariantCulture, $"ipv6:[{address}]:{connection.RemotePort}")
                : string.Create(CultureInfo.InvariantCulture, $"ipv4:{address}:{connection.RemotePort}");
        }
    }

    public override DateTime Deadline => _deadline;

    public override CancellationToken CancellationToken => _cancellationToken;

    public override Metadata RequestHeaders => _requestHeaders ??= ReadRequestHeaders();

    public override Metadata ResponseTrailers => _responseTrailers ??= new Metadata();

    public override Status Status { get; set; }

    public override bool CompressResponse
    {
        get => _compressResponse;
        set => _compressResponse = value && _clientAcceptsGzip;
    }

    public override HttpContext HttpContext => _http;

    public TRequest Current => _current ?? throw new InvalidOperationException("MoveNext has not returned a message");

    /// <summary>The status of a call whose deadline passed: the client's, or the server's time limit.</summary>
    public Status DeadlineStatus => _deadlineStatus;

    /// <summary>True once the deadline has passed, whatever the handler did about it.</summary>
    public bool DeadlineExceeded =>
        _deadlineSource is { IsCancellationRequested: true } && (!_http.RequestAborted.IsCancellationRequested || DateTime.UtcNow >= _deadline);

    /// <summary>Reads the call's headers: encoding, deadline. Throws <see cref="RpcException"/> for what the call cannot proceed with.</summary>
    public void Start(GrpcServerOptions options, bool streamingRequest)
    {
        var response = _http.Response;
        response.ContentType = GrpcContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = AcceptEncoding;

        var headers = _http.Request.Headers;
        if (headers.TryGetValue(GrpcProtocol.EncodingHeader, out var encoding) && encoding.Count > 0)
        {
            var name = encoding.ToString();
            if (string.Equals(name, MessageCompression.Gzip, StringComparison.OrdinalIgnoreCase))
            {
                _requestEncoding = MessageCompression.Gzip;
            }
            else if (!string.Equals(name, MessageCompression.Identity, StringComparison.OrdinalIgnoreCase))
            {
                throw new RpcException(StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{name}'. Supported encodings: {MessageCompression.AcceptEncoding}");
            }
        }

        if (headers.TryGetValue(GrpcProtocol.AcceptEncodingHeader, out var accept))
        {
            _clientAcceptsGzip = GrpcProtocol.ListContains(accept.ToString(), MessageCompression.Gzip);
            _compressResponse = options.CompressResponses && _clientAcceptsGzip;
        }

        TimeSpan? clientTimeout = null;
        if (headers.TryGetValue(GrpcProtocol.TimeoutHeader, out var timeoutText))
        {
            if (GrpcTimeout.TryParse(timeoutText.ToString(), out var timeout))
            {
                clientTimeout = timeout;
            }
            else
            {
                ServerLog.InvalidTimeout(_method.Logger, timeoutText.ToString(), _method.Path);
            }
        }

        // The server's budget is one more deadline, the earlier of the two winning: handlers and
        // everything they pass the token to stop at it as they stop at the client's.
        if (options.MaxCallDuration is { } budget && (clientTimeout is null || clientTimeout > budget))
        {
            _deadlineStatus = new Status(StatusCode.DeadlineExceeded,
                string.Create(CultureInfo.InvariantCulture, $"the call ran past the server's time limit of {budget.TotalSeconds:0.###} s"));
            StartDeadline(budget);
        }
        else if (clientTimeout is { } timeout)
        {
            StartDeadline(timeout);
        }

        // gRPC bodies are bounded per message, not per request, and a stream may go quiet for
        // as long as the application likes; Kestrel's whole-body limits do not fit.
        var bodySize = _http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (bodySize is { IsReadOnly: false })
        {
            bodySize.MaxRequestBodySize = null;
        }

        if (streamingRequest)
        {
            var rate = _http.Features.Get<IHttpMinRequestBodyDataRateFeature>();
            if (rate is not null)
            {
                rate.MinDataRate = null;
            }
        }
    }

    public async Task<TRequest> ReadSingleRequestAsync()
    {
        var reader = _http.Request.BodyReader;
        var request = await MessageReader.ReadAsync(reader, _method.RequestParser, _method.Options.MaxReceiveMessageBytes, _requestEncoding, _cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Internal, "Request message not received.");
        var extra = await MessageReader.ReadAsync(reader, _method.RequestParser, _method.Options.MaxReceiveMessageBytes, _requestEncoding, _cancellationToken).ConfigureAwait(false);
        if (extra is not null)
        {
            throw new RpcException(StatusCode.Internal, "Additional data after the request message.");
        }

        return _method.Options.RequestValidator?.Invoke(request) is { } refused ? throw new RpcException(refused) : request;
    }

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        var token = cancellationToken.CanBeCanceled ? cancellationToken : _cancellationToken;
        _current = await MessageReader.ReadAsync(_http.Request.BodyReader, _method.RequestParser, _method.Options.MaxReceiveMessageBytes, _requestEncoding, token).ConfigureAwait(false);
        return _current is not null;
    }

    /// <summary>Writes a message and waits for the transport, so a slow reader slows the handler instead of filling memory.</summary>
    public async Task WriteAsync(TResponse message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        WriteMessage(message);
        var token = cancellationToken.CanBeCanceled ? cancellationToken : _cancellationToken;
        var result = await _http.Response.BodyWriter.FlushAsync(token).ConfigureAwait(false);
        if (result.IsCanceled || _http.RequestAborted.IsCancellationRequested)
        {
            throw new OperationCanceledException("The call was cancelled while writing.", token);
        }
    }

    /// <summary>Buffers one message without flushing: a unary response goes out with its trailers in one write.</summary>
    public void WriteMessage(TResponse message)
    {
        StartResponse();
        MessageFraming.WriteMessage(_http.Response.BodyWriter, message, _method.Options.MaxSendMessageBytes, _compressResponse);
    }

    public override async Task WriteResponseHeadersAsync(Metadata headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (_responseStarted)
        {
            throw new InvalidOperationException("Response headers have already been sent.");
        }

        AddMetadata(_http.Response.Headers, headers);
        StartResponse();
        await _http.Response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the call: trailers after a response, or a trailers-only response when nothing was sent.</summary>
    public void Finish(Status status, Metadata? extraTrailers)
    {
        var target = _responseStarted
            ? _http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers ?? throw new InvalidOperationException("HTTP/2 trailers are not available")
            : _http.Response.Headers;
        target[GrpcProtocol.StatusHeader] = StatusCodec.FormatCode(status.StatusCode);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            // Clients bound the size of what they decode in headers (8 KiB in grpc-java, 64 KiB in
            // .NET, a connection error beyond it): a message that quoted a huge input would cost
            // the caller its whole connection. 1,000 characters encode to at most 9 KiB.
            var cut = char.IsHighSurrogate(status.Detail[Math.Min(status.Detail.Length, MaxMessageChars) - 1]) ? MaxMessageChars - 1 : MaxMessageChars;
            var detail = status.Detail.Length <= MaxMessageChars ? status.Detail : status.Detail[..cut] + "...";
            target[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(detail);
        }

        if (_responseTrailers is not null)
        {
            AddMetadata(target, _responseTrailers);
        }

        if (extraTrailers is not null)
        {
            AddMetadata(target, extraTrailers);
        }
    }

    public void Dispose() => _deadlineSource?.Dispose();

    private void StartDeadline(TimeSpan timeout)
    {
        _deadline = timeout >= DateTime.MaxValue - DateTime.UtcNow ? DateTime.MaxValue : DateTime.UtcNow + timeout;
        // CancelAfter cannot wait longer than ~24.8 days; a deadline further out never fires in practice.
        if (timeout.TotalMilliseconds >= int.MaxValue - 1)
        {
            return;
        }

        _deadlineSource = CancellationTokenSource.CreateLinkedTokenSource(_http.RequestAborted);
        _deadlineSource.CancelAfter(timeout);
        _cancellationToken = _deadlineSource.Token;
    }

    private void StartResponse()
    {
        if (_responseStarted)
        {
            return;
        }

        _responseStarted = true;
        if (_compressResponse)
        {
            _http.Response.Headers[GrpcProtocol.EncodingHeader] = GzipEncoding;
        }
    }

    private Metadata ReadRequestHeaders()
    {
        var metadata = new Metadata();
        foreach (var header in _http.Request.Headers)
        {
            if (MetadataCodec.IsReserved(header.Key))
            {
                continue;
            }

            foreach (var value in header.Value)
            {
                if (value is not null)
                {
                    MetadataCodec.AddReceived(metadata, header.Key, value);
                }
            }
        }

        return metadata;
    }

    private static void AddMetadata(IHeaderDictionary target, Metadata metadata)
    {
        foreach (var entry in metadata)
        {
            if (MetadataCodec.IsReserved(entry.Key))
            {
                continue;
            }

            target.Append(entry.Key, MetadataCodec.Encode(entry));
        }
    }
}
