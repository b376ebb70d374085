using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Geo.Grpc.Tests.Api;
using Geo.Grpc.Tests.Hosting;
using Geo.Grpc.Tests.Watch;
using Geo.Testing.Echo;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary>
/// <c>geoaware watch</c> as an operator runs it: JSON lines as changes commit, and a link broken
/// by the service going away resumed from the last cursor once it is back (nothing lost, nothing
/// written twice), with the cursor kept in a file.
/// </summary>
[Collection(AloneOnTheCluster.Name)]
public sealed class WatchCommandTests(WatchTests.WatchFixture fixture) : IClassFixture<WatchTests.WatchFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Watch_WritesJsonLines_AndResumesAfterTheServiceCameBack_WithoutLossOrRepeat()
    {
        var port = ServiceProcess.FreePort();
        string[] serviceSettings = [.. Settings, .. WatchTests.WatchFixture.WatchSettings, $"--GeoAwareness:GrpcPort={port.ToString(CultureInfo.InvariantCulture)}"];
        var cursorFile = Path.Combine(Path.GetTempPath(), $"watch-{Guid.NewGuid():N}.cursor");
        var service = await GrpcTestServer.StartAsync(fixture.Api.Database.ConnectionString, serviceSettings);
        using var tool = Start(new Uri($"http://127.0.0.1:{port}"), fixture.Api.TokenOf(Role.Supervisor),
            "watch", "--bbox", "33.09,-1.51,33.11,-1.49", "--cursor-file", cursorFile, "--retries", "100");
        try
        {
            // The cursor file appears once the first heartbeat has arrived: the watch is in place.
            await WaitForAsync(() => File.Exists(cursorFile), "the first cursor");
            await fixture.Api.SubmitAsync(NewObservation("cli-w1", 33.1, -1.5));
            var first = await tool.NextLineAsync();
            Assert.Equal(IdOf("cli-w1"), first.GetProperty("observation").GetProperty("id").GetString());

            await service.DisposeAsync();
            await fixture.Api.SubmitAsync(NewObservation("cli-w2", 33.1, -1.5));
            service = await GrpcTestServer.StartAsync(fixture.Api.Database.ConnectionString, serviceSettings);

            var second = await tool.NextLineAsync();
            Assert.Equal(IdOf("cli-w2"), second.GetProperty("observation").GetProperty("id").GetString());
            await fixture.Api.SubmitAsync(NewObservation("cli-w3", 33.1, -1.5));
            var third = await tool.NextLineAsync();
            Assert.Equal(IdOf("cli-w3"), third.GetProperty("observation").GetProperty("id").GetString());
            await WaitForAsync(() => File.ReadAllText(cursorFile).Trim() == third.GetProperty("cursor").GetString(), "the last cursor saved");
            Assert.Contains("resuming from the last cursor", tool.Errors, StringComparison.Ordinal);
        }
        finally
        {
            tool.Stop();
            await service.DisposeAsync();
            File.Delete(cursorFile);
        }

        Assert.Empty(tool.RemainingLines());
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Bound);
        while (!condition())
        {
            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{what}: not within {Bound.TotalSeconds} s");
            }
        }
    }

    private static ToolProcess Start(Uri service, string token, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "geoaware.dll"));
        foreach (var arg in args.Concat(["--service", service.ToString(), "--token", token]))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("GEOAWARE_SERVICE");
        start.Environment.Remove("GEOAWARE_TOKEN");
        return new ToolProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start geoaware"));
    }

    /// <summary>The tool running: its stdout lines as JSON, its stderr kept.</summary>
    private sealed class ToolProcess : IDisposable
    {
        private readonly Process _process;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly System.Text.StringBuilder _errors = new();

        public ToolProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { Length: > 0 } line)
                {
                    _lines.Writer.TryWrite(line);
                }
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                lock (_errors)
                {
                    _errors.AppendLine(e.Data);
                }
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Errors
        {
            get
            {
                lock (_errors)
                {
                    return _errors.ToString();
                }
            }
        }

        public async Task<JsonElement> NextLineAsync()
        {
            using var timeout = new CancellationTokenSource(Bound);
            try
            {
                return JsonDocument.Parse(await _lines.Reader.ReadAsync(timeout.Token)).RootElement;
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"no line from geoaware watch within {Bound.TotalSeconds} s; stderr:\n{Errors}");
            }
        }

        public List<string> RemainingLines()
        {
            var left = new List<string>();
            while (_lines.Reader.TryRead(out var line))
            {
                left.Add(line);
            }

            return left;
        }

        public void Stop()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }

        public void Dispose()
        {
            Stop();
            _process.Dispose();
        }
    }
}
