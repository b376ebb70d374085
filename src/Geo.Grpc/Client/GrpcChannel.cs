using Google.Protobuf;

namespace Geo.Grpc.Client;

/// <summary>
/// A connection pool to one gRPC server: HTTP/2 with prior knowledge for http://, TLS with ALPN
/// h2 for https://, more connections when one is full of streams. Thread-safe; make one per server.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly HttpMessageInvoker _invoker;

    public GrpcChannel(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        Address = address;
        Options = options ?? new GrpcChannelOptions();
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
        };
        if (Options.ServerCertificateValidation is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = Options.ServerCertificateValidation;
        }

        Options.ConfigureHandler?.Invoke(handler);
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public Uri Address { get; }

    public GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker => _invoker;

    /// <summary>Calls a unary method and returns its response; failures throw <see cref="Protocol.RpcException"/>.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        using var call = UnaryCall(method, request, options);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>Starts a unary call, for when its headers and trailers matter too.</summary>
    public ClientCall<TRequest, TResponse> UnaryCall<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ClientCall<TRequest, TResponse>(this, method, options ?? CallOptions.Default, request);
    }

    /// <summary>Starts a server-streaming call: read <see cref="ClientCall{TRequest, TResponse}.ResponseStream"/>.</summary>
    public ClientCall<TRequest, TResponse> ServerStreamingCall<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ClientCall<TRequest, TResponse>(this, method, options ?? CallOptions.Default, request);
    }

    /// <summary>Starts a client-streaming call: write <see cref="ClientCall{TRequest, TResponse}.RequestStream"/>, complete it, await the response.</summary>
    public ClientCall<TRequest, TResponse> ClientStreamingCall<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(this, method, options ?? CallOptions.Default, null);

    /// <summary>Starts a bidi call: write and read at the same time.</summary>
    public ClientCall<TRequest, TResponse> DuplexStreamingCall<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, CallOptions? options = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(this, method, options ?? CallOptions.Default, null);

    public void Dispose() => _invoker.Dispose();
}
