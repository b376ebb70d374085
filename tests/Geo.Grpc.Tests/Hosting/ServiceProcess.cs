using System.Reflection;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Geo.Grpc.Tests.Hosting;

/// <summary>
/// The service as an operator runs it: the built executable (geoawareness, or geoaware serve) in a
/// child process, stopped with SIGTERM.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _standardOutput = new();

    private ServiceProcess(Process process, int grpcPort, int httpPort)
    {
        _process = process;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        process.OutputDataReceived += (_, e) => Append(e.Data, _standardOutput);
        process.ErrorDataReceived += (_, e) => Append(e.Data, null);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The process's CPU time so far, user and system (read from /proc/&lt;pid&gt;/stat on Linux).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Stdout and stderr together, in the order the lines came.</summary>
    public string Output => Read(_output);

    /// <summary>Stdout alone.</summary>
    public string StandardOutput => Read(_standardOutput);

    public static ServiceProcess Start(params string[] arguments)
    {
        var (grpc, http) = TwoFreePorts();
        return Start(grpc, http, arguments);
    }

    public static ServiceProcess Start(int grpcPort, int httpPort, params string[] arguments) => Start([HostAssembly], grpcPort, httpPort, arguments);

    /// <summary>The service's executable (src/Geo.Host) as built beside the tests.</summary>
    public static string HostAssembly { get; } =
        typeof(ServiceProcess).Assembly.GetCustomAttributes<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "GeoAwarenessHost").Value!;

    /// <summary>Starts <paramref name="command"/> (an assembly, beside the tests unless its path is absolute, and its first arguments) with the service's settings.</summary>
    public static ServiceProcess Start(string[] command, int grpcPort, int httpPort, params string[] arguments) =>
        Start(command, grpcPort, httpPort, new Dictionary<string, string>(), arguments);

    /// <summary>The service's executable with <paramref name="environment"/> added to the test's own (as a service manager sets variables).</summary>
    public static ServiceProcess StartWithEnvironment(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var (grpc, http) = TwoFreePorts();
        return Start([HostAssembly], grpc, http, environment, arguments);
    }

    private static ServiceProcess Start(string[] command, int grpcPort, int httpPort, IReadOnlyDictionary<string, string> environment, string[] arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, command[0]));
        foreach (var argument in command[1..])
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.ArgumentList.Add($"--GeoAwareness:GrpcPort={grpcPort}");
        startInfo.ArgumentList.Add($"--GeoAwareness:HttpPort={httpPort}");
        startInfo.ArgumentList.Add("--Logging:Console:FormatterName=simple");
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return new ServiceProcess(Process.Start(startInfo)!, grpcPort, httpPort);
    }

    /// <summary>Waits until stdout holds <paramref name="text"/>, or the process exits, or 120 s pass; returns stdout.</summary>
    public async Task<string> WaitForOutputAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline && !_process.HasExited && !StandardOutput.Contains(text, StringComparison.Ordinal))
        {
            await Task.Delay(100);
        }

        return StandardOutput.Contains(text, StringComparison.Ordinal)
            ? StandardOutput
            : throw new InvalidOperationException($"the process did not print '{text}'; its output:\n{Output}");
    }

    /// <summary>Polls the readiness endpoint until it answers 200, or the process exits, or 60 s pass.</summary>
    public async Task<string> WaitUntilReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}/health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return await response.Content.ReadAsStringAsync();
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"the service did not become ready; its output:\n{Output}");
    }

    /// <summary>Sends SIGTERM, as a service manager does, and returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync();
    }

    /// <summary>SIGKILL: the process ends at once, with nothing let go or written.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Two free ports, and two different ones: both are held while the second is chosen (the system
    /// hands a port just let go of out again, and a service given the same port twice cannot start).
    /// </summary>
    public static (int Grpc, int Http) TwoFreePorts()
    {
        using var first = new TcpListener(IPAddress.Loopback, 0);
        using var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        return (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
    }

    private void Append(string? line, StringBuilder? stream)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            stream?.AppendLine(line);
        }
    }

    private string Read(StringBuilder text)
    {
        lock (_output)
        {
            return text.ToString();
        }
    }
}
