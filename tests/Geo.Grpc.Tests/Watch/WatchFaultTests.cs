using System.Diagnostics;
using System.Globalization;
using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Tests.Hosting;
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
public sealed class WatchFaultTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private static readonly string[] Keys = ["f-a", "f-b", "f-c", "f-d"];
    private KillableCluster? _fault;

    private KillableCluster Fault => _fault ?? throw new InvalidOperationException("not initialised");

    private GeoAwarenessClient Channel => Fault.Channel;

    public async Task InitializeAsync() => _fault = await KillableCluster.StartAsync("watch-fault", "watch-fault-supervisor", ["--GeoAwareness:Watch:HeartbeatSeconds=0.2"]);

    public async Task DisposeAsync()
    {
        if (_fault is not null)
        {
            await _fault.DisposeAsync();
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

            await Fault.KillPostmasterAsync();
            await Fault.RestartAsync().WaitAsync(Bound);
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
}
