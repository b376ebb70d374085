using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Geo.Interop.Tests.Peers;

/// <summary>
/// A peer Echo server (tests/peers/*/echo_server.*) in a child process, listening on a port of its
/// choosing on 127.0.0.1. Lines it prints after READY ("CANCELLED method message") are kept, so a
/// test can see what the server observed. Killed when disposed; never outlives the test run.
/// </summary>
public sealed class PeerServer : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PeerServer(PeerKind kind, Process process)
    {
        Kind = kind;
        _process = process;
    }

    public PeerKind Kind { get; }

    public int Port { get; private set; }

    public string Target => $"127.0.0.1:{Port}";

    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <summary>What the server printed after READY.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public static async Task<PeerServer> StartAsync(PeerKind kind, bool gzip = false)
    {
        Peers.EnsureInstalled();
        var process = new Process { StartInfo = Peers.ServerStartInfo(kind, gzip), EnableRaisingEvents = true };
        var server = new PeerServer(kind, process);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                server._errors.Enqueue(e.Data);
            }
        };
        process.Exited += (_, _) => server._ready.TrySetException(
            new InvalidOperationException($"the {kind} Echo server exited before it was ready: {string.Join('\n', server._errors)}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            server.Port = await server._ready.Task.WaitAsync(s_startTimeout).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>Waits (bounded) until the server has printed a line matching <paramref name="predicate"/>.</summary>
    public async Task<bool> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_lines.Any(predicate))
            {
                return true;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        return _lines.Any(predicate);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.StartsWith("READY ", StringComparison.Ordinal))
        {
            _ready.TrySetResult(int.Parse(line.AsSpan(6), CultureInfo.InvariantCulture));
        }
        else
        {
            _lines.Enqueue(line);
        }
    }
}
