using System.Diagnostics;
using System.Globalization;
using Geo.Api.V1;
using Geo.Api;
using Geo.Grpc.Tests.Hosting;
using Geo.Grpc.Hosting;
using Grpc.Core;
using Geo.LocalCluster;
using Geo.Testing;
using Geo.Testing.Echo;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// PostgreSQL killed (kill -9) under the running service and started again: calls in flight
/// end with UNAVAILABLE instead of hanging, the service reconnects by itself, and clients that
/// retry with the same ids end with every observation stored exactly once.
/// </summary>
/// <remarks>
/// Each test has a durable cluster of its own (its folder, its postmaster), since it kills it.
/// Every await on the service is bounded: a call that does not end within <see cref="Bound"/>
/// is reported as a hang. Durations are never asserted.
/// </remarks>
public sealed class IngestFaultTests : IAsyncLifetime
{
    private const int Clients = 3;
    private const int PerClient = 3000;
    private const int PerMessage = 100;
    private const int CommitRows = 200;
    private const int MessagesBeforeKill = 15;
    private const int CommittedBeforeKill = MessagesBeforeKill * PerMessage / CommitRows * CommitRows;
    private const string DatabaseUnavailable = "the database is unavailable";
    private const string Subject = "fault-supervisor";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private KillableCluster? _fault;

    private KillableCluster Fault => _fault ?? throw new InvalidOperationException("not initialised");

    private LocalPostgresCluster Cluster => Fault.Cluster;

    private GeoAwarenessClient Channel => Fault.Channel;

    // The service migrates the new database as it starts. Tokens are trusted for ten minutes once
    // read, so that only a notification can explain a refusal.
    public async Task InitializeAsync() => _fault = await KillableCluster.StartAsync("fault", Subject,
        [$"--GeoAwareness:Limits:IngestCommitRows={CommitRows}", "--GeoAwareness:Limits:MaxBatchSize=500", "--GeoAwareness:Auth:TokenCacheSeconds=600"]);

    public async Task DisposeAsync()
    {
        if (_fault is not null)
        {
            await _fault.DisposeAsync();
        }
    }

    [Fact]
    public async Task Fault_PostgresKilledDuringIngest_InFlightCallsAreUnavailableAndRetriesStoreEveryObservationOnce()
    {
        // Each client streams half its range, waits while the database is killed, then sends the rest.
        var reached = Enumerable.Range(0, Clients).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = Enumerable.Range(0, Clients).Select(client => Task.Run(() => CaptureAsync(IngestAsync(client, async message =>
        {
            if (message == MessagesBeforeKill)
            {
                reached[client].SetResult();
                await resume.Task;
            }
        })))).ToArray();
        await Within(Task.WhenAll(reached.Select(r => r.Task)), "the clients' first messages");
        // Commits every 200 rows: of the 1,500 rows each client sent, 1,400 are committed and 100 wait in its open COPY.
        await Within(WaitForStoredAsync(Clients * CommittedBeforeKill), "the commits before the kill");
        var acknowledged = await Within(SubmitAsync(NewObservation("acked-before-kill")), "Submit before the kill");
        Assert.Equal(1, acknowledged.Stored);

        await KillPostmasterAsync();
        resume.SetResult();

        for (var client = 0; client < Clients; client++)
        {
            var outcome = await Within(inFlight[client], $"client {client}'s ingest in flight when the database was killed");
            Assert.True(outcome.Status == StatusCode.Unavailable, $"client {client}: expected UNAVAILABLE, got {outcome.Status}: {outcome.Detail}");
            // The service's own answer, not a transport failure that the client library made into UNAVAILABLE.
            Assert.Contains(DatabaseUnavailable, outcome.Detail, StringComparison.Ordinal);
        }

        await RestartClusterAsync();
        var retried = await Task.WhenAll(Enumerable.Range(0, Clients).Select(RetryUntilStoredAsync));

        foreach (var response in retried)
        {
            Assert.Equal(PerClient, response.Received);
            Assert.Equal(CommittedBeforeKill, response.AlreadyStored);
            Assert.Equal(PerClient - CommittedBeforeKill, response.Stored);
        }

        var expected = Enumerable.Range(0, Clients).SelectMany(client => Enumerable.Range(0, PerClient).Select(i => Id(client, i))).Append("acked-before-kill").Select(Issued).ToHashSet();
        var ids = await StoredIdsAsync();
        Assert.Equal(expected.Count, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.True(expected.SetEquals(ids), $"stored ids differ from the ones sent: {ids.Except(expected).Count()} unexpected, {expected.Except(ids).Count()} missing");
    }

    [Fact]
    public async Task Fault_PostgresKilledWhileClientsStreamFlatOut_EveryCallEndsOkOrUnavailableAndRetriesStoreEveryObservationOnce()
    {
        // No pause: the kill lands wherever the service happens to be (COPY, merge, commit).
        var started = Enumerable.Range(0, Clients).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var calls = Enumerable.Range(0, Clients).Select(client => Task.Run(() => CaptureAsync(IngestAsync(client, message =>
        {
            if (message == 3)
            {
                started[client].TrySetResult();
            }

            return Task.CompletedTask;
        })))).ToArray();
        await Within(Task.WhenAll(started.Select(s => s.Task)), "the clients' first messages");

        await KillPostmasterAsync();

        for (var client = 0; client < Clients; client++)
        {
            var outcome = await Within(calls[client], $"client {client}'s ingest");
            Assert.True(outcome.Status is StatusCode.OK or StatusCode.Unavailable, $"client {client}: expected OK or UNAVAILABLE, got {outcome.Status}: {outcome.Detail}");
            if (outcome.Status == StatusCode.Unavailable)
            {
                Assert.Contains(DatabaseUnavailable, outcome.Detail, StringComparison.Ordinal);
            }
        }

        await RestartClusterAsync();
        var retried = await Task.WhenAll(Enumerable.Range(0, Clients).Select(RetryUntilStoredAsync));

        Assert.All(retried, response => Assert.Equal(PerClient, response.Stored + response.AlreadyStored));
        var ids = await StoredIdsAsync();
        Assert.Equal(Clients * PerClient, ids.Count);
        Assert.True(Enumerable.Range(0, Clients).SelectMany(client => Enumerable.Range(0, PerClient).Select(i => Issued(Id(client, i)))).ToHashSet().SetEquals(ids));
    }

    [Fact]
    public async Task Fault_UnaryCallsWhileDatabaseIsDown_AreUnavailable_AndSucceedAfterRestartWithoutRestartingTheService()
    {
        // Fill the pool with several connections that the kill will leave dead.
        await Within(Task.WhenAll(Enumerable.Range(0, 4).Select(i => SubmitAsync(NewObservation($"before-{i}")))), "Submits before the kill");

        await KillPostmasterAsync();

        var down = await Within(CaptureAsync(SubmitAsync(NewObservation("while-down"))), "Submit while the database is down");
        Assert.True(down.Status == StatusCode.Unavailable, $"expected UNAVAILABLE, got {down.Status}: {down.Detail}");
        Assert.Contains(DatabaseUnavailable, down.Detail, StringComparison.Ordinal);
        var get = await Within(CaptureAsync(Channel.Observations.GetAsync(new GetObservationRequest { Id = Issued("before-0") }).ResponseAsync), "Get while the database is down");
        Assert.True(get.Status == StatusCode.Unavailable, $"expected UNAVAILABLE, got {get.Status}: {get.Detail}");
        Assert.Contains(DatabaseUnavailable, get.Detail, StringComparison.Ordinal);

        await RestartClusterAsync();

        // Every call after the restart succeeds, more calls than the pool held before the kill.
        for (var i = 0; i < 8; i++)
        {
            var response = await Within(SubmitAsync(NewObservation($"after-{i}")), $"Submit {i} after the restart");
            Assert.Equal(1, response.Stored);
        }

        var stored = await Within(Channel.Observations.GetAsync(new GetObservationRequest { Id = Issued("before-0") }).ResponseAsync, "Get after the restart");
        Assert.Equal(Issued("before-0"), stored.Id);
        var ids = await StoredIdsAsync();
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"before-{i}").Concat(Enumerable.Range(0, 8).Select(i => $"after-{i}")).Select(Issued).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Fault_PostgresKilledAndRestarted_ATokenRevokedAfterwardsIsRefusedAtOnce()
    {
        await using var dataSource = Geo.Storage.GeoDataSource.Create(Cluster.ConnectionString);
        var token = await TestTokens.IssueAsync(dataSource, Geo.Core.Access.Role.Supervisor, "revoked-after-restart");
        using var channel = new GeoAwarenessClient(Fault.GrpcEndpoint, token);
        await Within(channel.Observations.CountAsync(new ObservationFilter()).ResponseAsync, "Count before the kill");

        await KillPostmasterAsync();
        await RestartClusterAsync();
        await Within(SubmitAsync(NewObservation("after-restart-revocation")), "Submit after the restart");
        // Cached again after the restart: from here only a listener that reconnected can drop it.
        await Within(channel.Observations.CountAsync(new ObservationFilter()).ResponseAsync, "Count after the restart");
        await using (var revoke = Npgsql.NpgsqlDataSource.Create(Cluster.ConnectionString))
        {
            await using var command = revoke.CreateCommand($"UPDATE access_tokens SET revoked_at = now() WHERE id = '{TestTokens.IdOf(token)}'");
            await command.ExecuteNonQueryAsync();
        }

        var refused = false;
        for (var attempt = 0; attempt < 100 && !refused; attempt++)
        {
            refused = (await CaptureAsync(channel.Observations.CountAsync(new ObservationFilter()).ResponseAsync)).Status == StatusCode.Unauthenticated;
            await Task.Delay(refused ? 0 : 100);
        }

        Assert.True(refused, "a token revoked after the database came back was still accepted 10 s later (cached for 10 min)");
    }

    private static string Issued(string clientId) => IdOf(clientId, Subject);

    private static string Id(int client, int index) => string.Create(CultureInfo.InvariantCulture, $"fault-{client}-{index:D5}");

    /// <summary>Streams a client's whole range; <paramref name="beforeMessage"/> may hold a message back.</summary>
    private async Task<IngestResponse> IngestAsync(int client, Func<int, Task>? beforeMessage = null)
    {
        using var call = Channel.Observations.Ingest();
        try
        {
            for (var message = 0; message < PerClient / PerMessage; message++)
            {
                if (beforeMessage is not null)
                {
                    await beforeMessage(message);
                }

                var request = new IngestRequest();
                for (var i = 0; i < PerMessage; i++)
                {
                    request.Observations.Add(NewObservation(Id(client, message * PerMessage + i)));
                }

                await Within(call.RequestStream.WriteAsync(request, CancellationToken.None), $"client {client}'s message {message}");
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or HttpRequestException or IOException)
        {
            // The call ended early (the server answered with its status): ResponseAsync has it.
            // A write racing the server's end of the stream fails as the transport saw it
            // (RST_STREAM), not as a status: the status is still the response's.
        }

        return await Within(call.ResponseAsync, $"client {client}'s ingest response");
    }

    /// <summary>Retries the whole range with the same ids while the service says UNAVAILABLE.</summary>
    private async Task<IngestResponse> RetryUntilStoredAsync(int client)
    {
        const int Attempts = 20;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await IngestAsync(client);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt < Attempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
        }
    }

    private Task<SubmitObservationsResponse> SubmitAsync(params Observation[] observations)
    {
        var request = new SubmitObservationsRequest();
        request.Observations.AddRange(observations);
        return Channel.Observations.SubmitAsync(request).ResponseAsync;
    }

    private Task KillPostmasterAsync() => Fault.KillPostmasterAsync();

    private Task RestartClusterAsync() => Within(Fault.RestartAsync(), "restarting the cluster");

    private async Task WaitForStoredAsync(long count)
    {
        while (true)
        {
            await using var connection = new NpgsqlConnection(Cluster.ConnectionString + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM observations", connection);
            var stored = (long)(await command.ExecuteScalarAsync())!;
            Assert.True(stored <= count, $"{stored} observations stored, more than the {count} committed ones");
            if (stored == count)
            {
                return;
            }

            await Task.Delay(50);
        }
    }

    private async Task<List<string>> StoredIdsAsync()
    {
        await using var connection = new NpgsqlConnection(Cluster.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM observations", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static async Task<(StatusCode Status, string Detail)> CaptureAsync<T>(Task<T> call)
    {
        try
        {
            await call;
            return (StatusCode.OK, string.Empty);
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail);
        }
    }

    private static async Task<T> Within<T>(Task<T> task, string what)
    {
        await Within((Task)task, what);
        return await task;
    }

    private static async Task Within(Task task, string what)
    {
        try
        {
            await task.WaitAsync(Bound);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            Assert.Fail($"{what} hung: no end within {Bound.TotalSeconds} s");
        }
    }
}
