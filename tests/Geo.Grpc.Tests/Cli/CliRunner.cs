using System.Diagnostics;

namespace Geo.Grpc.Tests.Cli;

/// <summary>What one run of the tool gave: its exit code and everything it printed.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the real <c>geoaware</c> executable as its own process, as a user or a script would: the
/// exit code, stdout and stderr are what the tests check. No ambient token or address leaks in
/// from the test machine's environment.
/// </summary>
public static class CliRunner
{
    private static readonly string Tool = Path.Combine(AppContext.BaseDirectory, "geoaware.dll");

    public static async Task<CliResult> RunAsync(
        IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, string? input = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Tool);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("GEOAWARE_SERVICE");
        start.Environment.Remove("GEOAWARE_TOKEN");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start geoaware");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"geoaware {string.Join(' ', start.ArgumentList.Skip(1))} did not finish in time\n{await output}\n{await error}");
        }

        return new CliResult(process.ExitCode, await output, await error);
    }

    /// <summary>Runs the tool against <paramref name="service"/> with <paramref name="token"/>.</summary>
    public static Task<CliResult> RunAsync(Uri service, string? token, params string[] args) =>
        RunAsync([.. args, "--service", service.ToString(), .. token is null ? Array.Empty<string>() : ["--token", token]]);
}
