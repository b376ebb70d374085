using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Tests.Hosting;
using Geo.Testing;
using Geo.Testing.Echo;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Webhooks;

/// <summary>
/// Two service processes on one database, the one delivering a hook killed (SIGKILL) while a
/// delivery is in flight: the other takes the hook over once the lease lapses and delivers from
/// the hook's cursor. At least once (the event in flight comes again, with the same
/// Idempotency-Key), in order, nothing lost.
/// </summary>
public sealed class WebhookFailoverTests : IAsyncLifetime
{
    private static readonly string[] HookSettings =
    [
        "--GeoAwareness:Webhooks:TimeoutSeconds=30",
        "--GeoAwareness:Webhooks:LeaseSeconds=61",
        "--GeoAwareness:Webhooks:PollSeconds=0.1",
    ];

    private readonly PostgisDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task TheProcessDeliveringAHook_Killed_MidDelivery_AnotherTakesOver_NothingLost_InOrder()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var admin = await TestTokens.IssueAsync(_database.DataSource, Role.Administrator, "admin");
        var supervisor = await TestTokens.IssueAsync(_database.DataSource, Role.Supervisor, SubjectOf(Role.Supervisor));
        var analyst = await TestTokens.IssueAsync(_database.DataSource, Role.Analyst, "gateway");

        // The first process makes the hook, and so holds it (making one wakes that process's dispatcher).
        await using var first = ServiceProcess.Start([$"--ConnectionStrings:GeoAwareness={_database.ConnectionString}", .. HookSettings]);
        await first.WaitUntilReadyAsync();
        using var firstClient = new GeoAwarenessClient(new Uri($"http://127.0.0.1:{first.GrpcPort}"), admin);
        var hook = await firstClient.Webhooks.CreateWebhookAsync(new CreateWebhookRequest
        {
            Name = "failover", Url = receiver.Url("failover"), TokenId = TestTokens.IdOf(analyst), Watch = new WatchRequest(),
        });
        var owner = await EventuallyAsync(() => _database.ScalarAsync<string?>($"SELECT lease_owner FROM webhooks WHERE id = '{hook.Webhook.Id}'"), o => o is not null);
        Assert.DoesNotContain($"/{Environment.ProcessId}/", owner!, StringComparison.Ordinal);

        await using var second = await GrpcTestServer.StartAsync(_database.ConnectionString, [.. HookSettings, "--GeoAwareness:Webhooks:LeaseSeconds=3", "--GeoAwareness:Webhooks:TimeoutSeconds=1"]);
        using var submitter = new GeoAwarenessClient(second.GrpcEndpoint, supervisor);
        receiver.Script("failover", Answer.Ok, Answer.Ok, Answer.Hang);
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var observation = NewObservation($"f-{i}", 29.2 + (0.01 * i), -1.6);
            ids.Add((await submitter.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { observation } })).Ids.Single());
        }

        await EventuallyAsync(() => Task.FromResult(receiver.Open), open => open == 1);
        var inFlight = receiver.To("failover")[^1].IdempotencyKey;
        await first.KillAsync(); // SIGKILL: no lease let go, no cursor written.
        // The lease it held was taken with its own setting (61 s): let it lapse now rather than wait.
        await _database.ScalarAsync<int>($"UPDATE webhooks SET lease_until = now() WHERE id = '{hook.Webhook.Id}' RETURNING 1");

        var events = await receiver.AcknowledgedAsync("failover", e => e.Count >= 6);
        Assert.Equal(ids, events.Select(e => e.Observation.Id));
        var tries = receiver.To("failover");
        Assert.Equal(inFlight, tries.First(r => r.Answer == Answer.Ok && tries.IndexOf(r) > 2).IdempotencyKey);
        Assert.Equal(7, tries.Count);
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
