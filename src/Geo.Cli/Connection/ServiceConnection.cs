using System.Runtime.CompilerServices;
using Geo.Api;
using Grpc.Core;

namespace Geo.Cli.Connection;

/// <summary>One channel to the service (the generated clients on it) with the caller's token on every call.</summary>
internal sealed class ServiceConnection(Uri address, string? token) : IDisposable
{
    private readonly GeoAwarenessClient _client = new(address, token);

    public Uri Address => address;

    /// <summary>The service's generated clients; pass <see cref="Options"/> to every call.</summary>
    public GeoAwarenessClient Api => _client;

    /// <summary>A call's options, after checking there is a token to send.</summary>
    public CallOptions Options(CancellationToken cancellationToken)
    {
        if (token is null)
        {
            throw new CliException(ExitCodes.Unauthenticated, $"no token: pass --token or set ${ServiceOptions.TokenVariable}");
        }

        return new CallOptions(cancellationToken: cancellationToken);
    }

    /// <summary>The messages of a server-streaming call, the call disposed (and so cancelled) when the caller stops reading.</summary>
    public async IAsyncEnumerable<TResponse> StreamAsync<TResponse>(
        Func<CallOptions, AsyncServerStreamingCall<TResponse>> start, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = start(Options(cancellationToken));
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return call.ResponseStream.Current;
        }
    }

    public void Dispose() => _client.Dispose();
}
