using Geo.Grpc.Client;
using Geo.Grpc.Protocol;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Geo.Cli.Connection;

/// <summary>One channel to the service with the caller's token on every call.</summary>
internal sealed class ServiceConnection(Uri address, string? token) : IDisposable
{
    private readonly GrpcChannel _channel = new(address);

    public Uri Address => address;

    public GrpcChannel Channel => _channel;

    public CallOptions Options(CancellationToken cancellationToken)
    {
        if (token is null)
        {
            throw new CliException(ExitCodes.Unauthenticated, $"no token: pass --token or set ${ServiceOptions.TokenVariable}");
        }

        return new CallOptions { Headers = new Metadata { { "authorization", $"Bearer {token}" } }, CancellationToken = cancellationToken };
    }

    public Task<TResponse> UnaryAsync<TRequest, TResponse>(ServiceDescriptor service, string method, TRequest request, CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        _channel.UnaryAsync(Method<TRequest, TResponse>(service, method), request, Options(cancellationToken));

    public async IAsyncEnumerable<TResponse> ServerStreamAsync<TRequest, TResponse>(
        ServiceDescriptor service, string method, TRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        using var call = _channel.ServerStreamingCall(Method<TRequest, TResponse>(service, method), request, Options(cancellationToken));
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return call.ResponseStream.Current;
        }
    }

    public static GrpcMethod<TRequest, TResponse> Method<TRequest, TResponse>(ServiceDescriptor service, string name)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(service.FindMethodByName(name) ?? throw new InvalidOperationException($"{service.FullName} has no method {name}"));

    public void Dispose() => _channel.Dispose();
}
