using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Grpc.Tests.Hosting;
using Grpc.Core;
using Npgsql;
using Xunit;

namespace Geo.Grpc.Tests.ReadModel;

/// <summary>
/// PostgreSQL killed (kill -9) and started again while the read model follows a stream of writes:
/// it resumes from its watermark, and afterwards holds exactly what the database holds, nothing
/// lost, nothing counted twice.
/// </summary>
/// <remarks>A durable cluster of its own, since it is killed. Every wait is bounded; durations are never asserted.</remarks>
public sealed class ReadModelFaultTests : IAsyncLifetime
{
    private const int Batches = 40;
    private const int PerBatch = 50;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private KillableCluster? _fault;

    private KillableCluster Fault => _fault ?? throw new InvalidOperationException("not initialised");

    public async Task InitializeAsync() => _fault = await KillableCluster.StartAsync("readmodel", "rm-fault-supervisor", ["--GeoAwareness:Limits:MaxBatchSize=500"]);

    public async Task DisposeAsync()
    {
        if (_fault is not null)
        {
            await _fault.DisposeAsync();
        }
    }

    [Fact]
    public async Task Fault_PostgresKilledWhileTheModelFollowsWrites_ItResumes_AndHoldsExactlyTheDatabase()
    {
        using var bound = new CancellationTokenSource(Bound);
        var request = new HeatMapRequest
        {
            Filter = new ObservationFilter
            {
                Area = new Area { Bbox = new BoundingBox { West = 29, South = -2, East = 30, North = -1 } },
                ObservedFrom = ApiFixture.Time("2026-03-01T00:00:00Z"),
                ObservedTo = ApiFixture.Time("2026-04-01T00:00:00Z"),
            },
            CellSizeMetres = 2000,
        };
        var beforeAny = await ComputeUntilAsync(request, bound.Token);

        // A writer submits batch after batch, each retried with the same ids until stored; the
        // service's heat maps are read all the while, so the model is catching up when the kill comes.
        var written = 0;
        var writing = Task.Run(
            async () =>
            {
                for (var b = 0; b < Batches; b++)
                {
                    var batch = Enumerable.Range(0, PerBatch).Select(i =>
                        ApiFixture.NewObservation($"rmf-{b:D3}-{i:D3}", 29.1 + (0.8 * i / PerBatch), -1.9 + (0.8 * b / Batches), "2026-03-15T10:00:00Z")).ToArray();
                    while (true)
                    {
                        try
                        {
                            var request = new SubmitObservationsRequest();
                            request.Observations.AddRange(batch);
                            await Fault.Channel.Observations.SubmitAsync(request, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: bound.Token);
                            break;
                        }
                        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Aborted)
                        {
                            await Task.Delay(100, bound.Token);
                        }
                    }

                    Interlocked.Increment(ref written);
                }
            },
            bound.Token);
        var reading = Task.Run(
            async () =>
            {
                while (!writing.IsCompleted)
                {
                    try
                    {
                        await HeatMapTests.ComputeAsync(Fault.Channel, request);
                    }
                    catch (RpcException)
                    {
                        await Task.Delay(50, bound.Token);
                    }
                }
            },
            bound.Token);

        while (Volatile.Read(ref written) < Batches / 4)
        {
            await Task.Delay(20, bound.Token);
        }

        await Fault.KillPostmasterAsync();
        await Task.Delay(500, bound.Token);
        await Fault.RestartAsync();
        await writing.WaitAsync(bound.Token);
        await reading.WaitAsync(bound.Token);

        var stored = await StoredAsync(bound.Token);
        var after = await ComputeUntilAsync(request, bound.Token);

        Assert.Equal(0, beforeAny.Grid.Frames.Single().Observations);
        Assert.Equal(Batches * PerBatch, stored);
        Assert.Equal(stored, after.Grid.Frames.Single().Observations);
        Assert.Equal(stored, after.Cells.Sum(c => c.Cell.Count));
        Assert.NotEqual(0UL, after.Grid.Watermark);
    }

    /// <summary>The heat map once the model answers it (the service may still be reconnecting).</summary>
    private async Task<HeatMapTests.Answer> ComputeUntilAsync(HeatMapRequest request, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var answer = await HeatMapTests.ComputeAsync(Fault.Channel, request);
                if (answer.Grid.Watermark != 0)
                {
                    return answer;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private async Task<long> StoredAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(Fault.Cluster.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM observations", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
