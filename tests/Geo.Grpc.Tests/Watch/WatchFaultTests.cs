using System.Diagnostics;
using System.Globalization;
using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Hosting;
using Geo.LocalCluster;
using Geo.Testing;
using Geo.Testing.Echo;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;

namespace Geo.Grpc.Tests.Watch;

/// <summary>
/// PostgreSQL killed (kill -9) and started again while a watch is open: the watch goes on, or
/// ends with a cursor to resume from, and across the restart every committed change comes exactly
/// once. A cluster of its own, since it is killed.
/// </summary>
public sealed class WatchFaultTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private static readonly string[] Keys = ["f-a", "f-b", "f-c", "f-d"];
    private readonly LocalClusterOptions _clusterOptions = new() { DataDirectory = PostgisCluster.NewScratchFolder("watch-fault"), Throwaway = false };
    private LocalPostgresCluster? _cluster;
    private GeoAwarenessService? _service;
    private GeoAwarenessClient? _channel;

    private GeoAwarenessClient Channel => _channel ?? throw new InvalidOperationException("not initialised");

    public async Task InitializeAsync()
    {
        _cluster = await LocalPostgresCluster.StartAsync(_clusterOptions, NullLogger.Instance, CancellationToken.None);
        _service = await GrpcTestServer.StartAsync(_cluster.ConnectionString, ["--GeoAwareness:Watch:HeartbeatSeconds=0.2"]);
        await using var dataSource = Geo.Storage.GeoDataSource.Create(_cluster.ConnectionString);
        var token = await TestTokens.IssueAsync(dataSource, Geo.Core.Access.Role.Supervisor, "watch-fault-supervisor");
        _channel = new GeoAwarenessClient(_service.GrpcEndpoint, token);
    }

    public void Dispose() => _channel?.Dispose();

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.StopImmediatelyAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Fault_PostgresKilledAndRestartedUnderAnOpenWatch_EveryCommittedChangeComesExactlyOnce()
    {
        var received = new List<string>();
        var watch = new WatchStream(Channel.Observations, new WatchRequest());
        try
        {
            await watch.QuietForAsync(1);
            await SubmitUntilStoredAsync("f-a", "f-b");
            received.AddRange(await watch.NextIdsAsync(2));

            await KillPostmasterAsync();
            _cluster = await LocalPostgresCluster.StartAsync(_clusterOptions, NullLogger.Instance, CancellationToken.None).WaitAsync(Bound);
            await SubmitUntilStoredAsync("f-c", "f-d");

            // Either the watch goes on, or it ended with a cursor and is resumed from it.
            while (received.Count < 4)
            {
                if (watch.Ended is { } ended)
                {
                    var cursor = ended.Trailers.GetValue("geoawareness-resume-cursor") ?? watch.Cursor;
                    await watch.DisposeAsync();
                    watch = new WatchStream(Channel.Observations, new WatchRequest { Cursor = cursor });
                }

                received.AddRange(await watch.NextIdsAsync(1));
            }

            Assert.Empty(await watch.QuietForAsync(5));
        }
        finally
        {
            await watch.DisposeAsync();
        }

        Assert.Equal(Keys.Select(k => IdOf(k, "watch-fault-supervisor")), received);
    }

    /// <summary>Submits each observation in a call of its own, retrying while the service finds the database away.</summary>
    private async Task SubmitUntilStoredAsync(params string[] keys)
    {
        foreach (var key in keys)
        {
            using var timeout = new CancellationTokenSource(Bound);
            while (true)
            {
                try
                {
                    await Channel.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { NewObservation(key, 29.3, -1.6) } }, cancellationToken: timeout.Token);
                    break;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
                {
                    await Task.Delay(200, timeout.Token);
                }
            }
        }
    }

    private async Task KillPostmasterAsync()
    {
        var pid = int.Parse(File.ReadLines(Path.Combine(_cluster!.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        using (var postmaster = Process.GetProcessById(pid))
        {
            postmaster.Kill();
        }

        for (var i = 0; i < 300 && File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].TrimStart().StartsWith('Z'); i++)
        {
            await Task.Delay(100);
        }
    }
}
