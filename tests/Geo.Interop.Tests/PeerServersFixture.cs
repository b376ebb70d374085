using Geo.Interop.Tests.Peers;
using Xunit;

namespace Geo.Interop.Tests;

/// <summary>
/// The Python grpcio and grpc-js Echo servers as child processes, each twice: plain, and
/// compressing its responses with gzip. Killed when the test class is done.
/// </summary>
public sealed class PeerServersFixture : IAsyncLifetime
{
    private readonly Dictionary<(PeerKind, bool), PeerServer> _servers = [];

    public PeerServer Get(PeerKind kind, bool gzip = false) => _servers[(kind, gzip)];

    public async Task InitializeAsync()
    {
        Peers.Peers.EnsureInstalled();
        (PeerKind Kind, bool Gzip)[] keys = [(PeerKind.Python, false), (PeerKind.Python, true), (PeerKind.Node, false), (PeerKind.Node, true)];
        var starting = keys.Select(k => PeerServer.StartAsync(k.Kind, k.Gzip)).ToArray();
        try
        {
            await Task.WhenAll(starting).ConfigureAwait(false);
        }
        catch
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        for (var i = 0; i < keys.Length; i++)
        {
            _servers[keys[i]] = starting[i].Result;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        _servers.Clear();
    }
}
