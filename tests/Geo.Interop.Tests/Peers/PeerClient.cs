using System.Diagnostics;
using System.Text.Json;

namespace Geo.Interop.Tests.Peers;

/// <summary>
/// Runs a peer scenario client (tests/peers/*/echo_client.*) in a child process, bounded in time,
/// and parses the JSON line it prints per scenario.
/// </summary>
public static class PeerClient
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    /// <summary>Every scenario both clients know, in the order they run them.</summary>
    public static IReadOnlyList<string> AllScenarios { get; } =
    [
        "unary", "server_stream", "client_stream", "bidi", "deadline", "deadline_stream", "cancel", "metadata",
        "metadata_stream", "metadata_error", "gzip", "gzip_client_stream", "oversized", "unknown_method",
        "unknown_service", "failure",
    ];

    /// <summary>
    /// Runs the scenarios (all by default). <paramref name="tag"/> is appended to the messages of
    /// the deadline and cancel calls (slow, slow-stream, cancel-me), to find them in a server's log.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, ScenarioResult>> RunAsync(
        PeerKind kind, string target, IEnumerable<string>? scenarios = null, string? tag = null)
    {
        Peers.EnsureInstalled();
        using var process = new Process { StartInfo = Peers.ClientStartInfo(kind, target, scenarios, tag) };
        process.Start();
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var cts = new CancellationTokenSource(s_timeout))
        {
            try
            {
                await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                throw new TimeoutException(
                    $"the {kind} client did not finish within {s_timeout.TotalSeconds} s against {target}; output so far:\n{await stdout.ConfigureAwait(false)}\n{await stderr.ConfigureAwait(false)}");
            }
        }

        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the {kind} client exited with {process.ExitCode}:\n{errors}\n{output}");
        }

        var results = new Dictionary<string, ScenarioResult>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var document = JsonDocument.Parse(line);
            var result = new ScenarioResult(kind, document.RootElement.Clone());
            results[result.Scenario] = result;
        }

        return results;
    }
}
