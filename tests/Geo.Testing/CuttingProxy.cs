using System.Net;
using System.Net.Sockets;

namespace Geo.Testing;

/// <summary>
/// A TCP relay in front of a server that drops its first connection after passing on a given
/// number of the server's bytes, as a failing radio or mobile link does in the middle of a
/// download; every later connection passes whole. Clients are pointed at <see cref="Address"/>.
/// </summary>
public sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly long _cutAfterBytes;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    public CuttingProxy(Uri target, long cutAfterBytes)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
        _cutAfterBytes = cutAfterBytes;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy, with the target's scheme.</summary>
    public Uri Address => new($"{_target.Scheme}://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            var first = Interlocked.Increment(ref _connections) == 1;
            _ = RelayAsync(client, first ? _cutAfterBytes : long.MaxValue);
        }
    }

    private async Task RelayAsync(TcpClient client, long downstreamLimit)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_target.Host, _target.Port, _stop.Token).ConfigureAwait(false);
                var up = PumpAsync(client.GetStream(), server.GetStream(), long.MaxValue);
                var down = PumpAsync(server.GetStream(), client.GetStream(), downstreamLimit);
                await Task.WhenAny(up, down).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // A side went away: the relay ends with it.
            }

            // Reset rather than close, as a dropped link leaves the client nothing orderly.
            client.Client.LingerState = new LingerOption(true, 0);
            server.Client.LingerState = new LingerOption(true, 0);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, long limit)
    {
        var buffer = new byte[8192];
        long passed = 0;
        while (passed < limit)
        {
            var read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - passed)), _stop.Token).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token).ConfigureAwait(false);
            passed += read;
        }
    }
}
