using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Geo.Testing;

/// <summary>
/// The independent heat-map oracle (tests/oracles/heatmap_oracle.py) and its self-check, run as
/// the tests run them: Debian's /usr/bin/python3 (numpy, scipy, shapely and pyproj belong to it),
/// the request as JSON on stdin, the answer as JSON on stdout.
/// </summary>
public static class HeatMapOracle
{
    /// <summary>Debian's interpreter: the python3 first on PATH may not see the Debian packages.</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>Long enough for the small requests of the tests on two busy cores.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    public static string ScriptDirectory => Path.Combine(RepositoryRoot(), "tests", "oracles");

    /// <summary>The oracle's answer to <paramref name="request"/> in <paramref name="mode"/> (heatmap, tiling, bench); fails the test when it fails.</summary>
    public static JsonNode Run(string mode, JsonObject request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (exitCode, output, error) = RunScript("heatmap_oracle.py", [mode], request.ToJsonString());
        Assert.True(exitCode == 0, $"the oracle failed ({exitCode}): {error}");
        return JsonNode.Parse(output) ?? throw new JsonException("empty oracle output");
    }

    /// <summary>Runs a script of tests/oracles with <paramref name="input"/> on stdin; its exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Output, string Error) RunScript(string script, IReadOnlyList<string> arguments, string input = "", TimeSpan? limit = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(Python, [Path.Combine(ScriptDirectory, script), .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start");
        // Both streams read while the script runs, so that neither pipe fills and blocks it.
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var wait = limit ?? Limit;
        if (!process.WaitForExit(wait))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{script} did not finish in {wait.TotalMinutes} minutes");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GeoAwareness.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("GeoAwareness.sln not found above " + AppContext.BaseDirectory);
    }
}
