using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Grpc.Tests.Hosting;
using Geo.LocalCluster;
using Geo.Storage;
using Geo.Testing;
using Geo.Testing.Echo;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;
using Xunit.Abstractions;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Replication;

/// <summary>
/// The service on a primary and a hot standby (two local clusters, streaming replication from a
/// slot, one multi-host connection string): feed pages from a lagging standby stay exact, reads
/// return to the primary past the maximum lag, and with synchronous replication a kill -9 of the
/// primary in the middle of ingest loses no acknowledged write.
/// </summary>
public sealed class StandbyTests(ITestOutputHelper output)
{
    private const string Slot = "geoawareness_standby";

    [Fact]
    public async Task Feed_FromALaggingStandby_DeliversEveryRecordOnceAndTheCaughtUpReadFromThePrimary()
    {
        await using var pair = await Pair.StartAsync("feed", synchronous: false);
        await using var service = await GrpcTestServer.StartAsync(pair.ConnectionString, [.. ApiFixture.Settings,
            "--GeoAwareness:Standby:Reads=true", "--GeoAwareness:Standby:MaxLagSeconds=3600", "--GeoAwareness:Standby:CheckSeconds=0.1"]);
        using var supervisor = new GeoAwarenessClient(service.GrpcEndpoint, await pair.TokenAsync(Role.Supervisor));
        var importer = await pair.TokenAsync(Role.Importer);
        var before = await SubmitReleasedAsync(supervisor, "before", 30);
        await pair.WaitForReplayAsync();
        await Task.Delay(500); // the watch's next look sees the standby caught up

        await pair.OnStandbyAsync("SELECT pg_wal_replay_pause()");
        var during = await SubmitReleasedAsync(supervisor, "during", 20);
        // A full export from the start: the standby serves it, as of what it has replayed.
        var (fromStandby, cursor) = await PullAsync(service.GrpcEndpoint, importer, string.Empty, all: true);
        // The importer has everything the standby settled: the rest comes from the primary.
        var (fromPrimary, head) = await PullAsync(service.GrpcEndpoint, importer, cursor, all: false);

        Assert.Equal(before.Order(StringComparer.Ordinal), fromStandby.Order(StringComparer.Ordinal));
        Assert.Equal(during.Order(StringComparer.Ordinal), fromPrimary.Order(StringComparer.Ordinal));

        // Paging in small steps from the start while the standby lags: the standby serves what it
        // has and says there is no more; the importer's next poll, from where it stopped, is served
        // by the primary. After the standby resumes and more is written, every record arrives
        // exactly once, in feed order.
        var paged = await PullAsync(service.GrpcEndpoint, importer, string.Empty, all: false, limit: 7);
        var polled = await PullAsync(service.GrpcEndpoint, importer, paged.Cursor, all: false, limit: 6);
        await pair.OnStandbyAsync("SELECT pg_wal_replay_resume()");
        var after = await SubmitReleasedAsync(supervisor, "after", 15);
        await pair.WaitForReplayAsync();
        var rest = await PullAsync(service.GrpcEndpoint, importer, polled.Cursor, all: false, limit: 4);
        var (sinceHead, _) = await PullAsync(service.GrpcEndpoint, importer, head, all: false, limit: 5);

        Assert.Equal(before.Order(StringComparer.Ordinal), paged.Ids.Order(StringComparer.Ordinal));
        Assert.Equal(during.Order(StringComparer.Ordinal), polled.Ids.Order(StringComparer.Ordinal));
        Assert.Equal(after.Order(StringComparer.Ordinal), rest.Ids.Order(StringComparer.Ordinal));
        Assert.Equal(after.Order(StringComparer.Ordinal), sinceHead.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Routing reads to the standby must change nothing of who gets what: every role, and tokens
    /// scoped to a sector, get byte for byte the feed document and the indicator report that a
    /// service reading the primary gives them, or the same refusal.
    /// </summary>
    [Fact]
    public async Task Reads_OnTheStandby_GiveEveryRoleExactlyWhatThePrimaryGivesIt()
    {
        await using var pair = await Pair.StartAsync("roles", synchronous: false);
        var log = new LogLines();
        await using var onStandby = await GrpcTestServer.StartAsync(pair.ConnectionString,
            [.. ApiFixture.Settings, "--GeoAwareness:Standby:Reads=true", "--GeoAwareness:Standby:MaxLagSeconds=3600", "--GeoAwareness:Standby:CheckSeconds=0.1",
             "--Logging:LogLevel:Geo.Grpc.Replication=Information"],
            services => services.AddSingleton<ILoggerProvider>(log));
        await using var onPrimary = await GrpcTestServer.StartAsync(pair.ConnectionString, ApiFixture.Settings);
        using (var supervisor = new GeoAwarenessClient(onPrimary.GrpcEndpoint, await pair.TokenAsync(Role.Supervisor)))
        {
            await SubmitReleasedAsync(supervisor, "shared", 12);
        }

        await pair.WaitForReplayAsync();
        await WaitUntilAsync(() => Task.FromResult(log.Contains("feed pages and indicators are read from the standby")), state: () => log.Text);
        var callers = new List<(string Name, string Token)>();
        await using (var database = GeoDataSource.Create(pair.Primary.ConnectionString))
        {
            foreach (var role in Enum.GetValues<Role>())
            {
                callers.Add((role.ToString(), await TestTokens.IssueAsync(database, role, $"roles-{role}".ToLowerInvariant(),
                    section: role == Role.ReferralSection ? Geo.Core.Domain.ReferralSection.WomenProtection : null)));
            }

            callers.Add(("importer of sector Nord", await TestTokens.IssueAsync(database, Role.Importer, "roles-importer-nord", sectors: ["Nord"])));
            callers.Add(("cpas of sector Nord", await TestTokens.IssueAsync(database, Role.CpasFocalPoint, "roles-cpas-nord", sectors: ["Nord"])));
        }

        foreach (var (name, token) in callers)
        {
            var (standbyAnswer, primaryAnswer) = (await AnswerAsync(onStandby.GrpcEndpoint, token), await AnswerAsync(onPrimary.GrpcEndpoint, token));
            Assert.True(standbyAnswer == primaryAnswer, $"{name}: standby {standbyAnswer[..Math.Min(400, standbyAnswer.Length)]} primary {primaryAnswer[..Math.Min(400, primaryAnswer.Length)]}");
        }

        Assert.True(log.Contains("feed pages and indicators are read from the standby"));
    }

    /// <summary>What a caller gets from a full feed export and a quarter's indicators: the bytes, or the status of the refusal.</summary>
    private static async Task<string> AnswerAsync(Uri endpoint, string token)
    {
        using var client = new GeoAwarenessClient(endpoint, token);
        string feed, indicators;
        try
        {
            feed = Convert.ToBase64String((await FeedPages.PullAsync(client, new PullObservationsRequest { All = true })).Document);
        }
        catch (RpcException e)
        {
            feed = e.StatusCode.ToString();
        }

        try
        {
            var report = await client.Indicators.ComputeAsync(new IndicatorRequest { Period = "2026-Q1" }).ResponseAsync;
            report.ComputedAt = null;
            indicators = report.ToString();
        }
        catch (RpcException e)
        {
            indicators = e.StatusCode.ToString();
        }

        return feed + "\n" + indicators;
    }

    [Fact]
    public async Task Indicators_FromALaggingStandby_CountWhatItHasReplayed()
    {
        await using var pair = await Pair.StartAsync("indicators", synchronous: false);
        await using var service = await GrpcTestServer.StartAsync(pair.ConnectionString, [.. ApiFixture.Settings, "--GeoAwareness:Auth:Enabled=false",
            "--GeoAwareness:Standby:Reads=true", "--GeoAwareness:Standby:MaxLagSeconds=3600", "--GeoAwareness:Standby:CheckSeconds=0.1"]);
        using var exact = new GeoAwarenessClient(service.GrpcEndpoint);
        async Task<double> ThreatsAsync() =>
            (await exact.Indicators.ComputeAsync(new IndicatorRequest { Period = "2026-Q1" }).ResponseAsync).Units[0].Values.Single(v => v.Code == "THREAT-OBS").Value;
        await SubmitReleasedAsync(exact, "counted", 3);
        await pair.WaitForReplayAsync();
        await Task.Delay(500);
        var replayed = await ThreatsAsync();

        await pair.OnStandbyAsync("SELECT pg_wal_replay_pause()");
        await SubmitReleasedAsync(exact, "lagging", 2);
        var lagging = await ThreatsAsync();
        await pair.OnStandbyAsync("SELECT pg_wal_replay_resume()");
        await pair.WaitForReplayAsync();
        var caughtUp = await ThreatsAsync();

        Assert.Equal((3, 3, 5), (replayed, lagging, caughtUp));
    }

    [Fact]
    public async Task Reads_StandbyBehindTheMaximumLag_ReturnToThePrimaryAndTheServiceLogsIt()
    {
        await using var pair = await Pair.StartAsync("lag", synchronous: false);
        var log = new LogLines();
        var lagBytes = new ConcurrentQueue<long>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "geoawareness.standby.lag_bytes")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((_, value, _, _) => lagBytes.Enqueue(value));
        meters.Start();
        await using var service = await GrpcTestServer.StartAsync(pair.ConnectionString,
            [.. ApiFixture.Settings, "--GeoAwareness:Standby:Reads=true", "--GeoAwareness:Standby:MaxLagSeconds=1", "--GeoAwareness:Standby:CheckSeconds=0.1",
             "--Logging:LogLevel:Geo.Grpc.Replication=Information"],
            services => services.AddSingleton<ILoggerProvider>(log));
        using var supervisor = new GeoAwarenessClient(service.GrpcEndpoint, await pair.TokenAsync(Role.Supervisor));
        var importer = await pair.TokenAsync(Role.Importer);
        var first = await SubmitReleasedAsync(supervisor, "first", 5);
        await pair.WaitForReplayAsync();
        await WaitUntilAsync(() => Task.FromResult(log.Contains("feed pages and indicators are read from the standby")), state: () => log.Text);

        await pair.OnStandbyAsync("SELECT pg_wal_replay_pause()");
        var second = await SubmitReleasedAsync(supervisor, "second", 5);
        await WaitUntilAsync(() => Task.FromResult(log.Contains("feed pages and indicators are read from the primary: the standby cannot serve them: it is")));
        meters.RecordObservableInstruments();
        var (whole, _) = await PullAsync(service.GrpcEndpoint, importer, string.Empty, all: true);

        Assert.Equal(first.Concat(second).Order(StringComparer.Ordinal), whole.Order(StringComparer.Ordinal));
        Assert.Contains(lagBytes, b => b > 0);
        Assert.Matches(@"it is \d+\.\d s behind, more than 1 s \(GeoAwareness:Standby:MaxLagSeconds\)", log.Text);

        await pair.OnStandbyAsync("SELECT pg_wal_replay_resume()");
        await WaitUntilAsync(() => Task.FromResult(log.Count("feed pages and indicators are read from the standby") == 2));
    }

    /// <summary>
    /// Clients record every acknowledged batch; the standby's WAL receiver is stopped for a second
    /// (a slow network), the primary is killed, the standby promoted, and the service finds it by
    /// itself. Synchronous: nothing acknowledged is lost. Asynchronous: what was acknowledged while
    /// the standby could not receive is lost, which the README states with this test's figures.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Failover_PrimaryKilledDuringIngest_SynchronousLosesNoAcknowledgedWriteAsynchronousLosesTheLag(bool synchronous)
    {
        await using var pair = await Pair.StartAsync(synchronous ? "failover-sync" : "failover-async", synchronous);
        await using var service = await GrpcTestServer.StartAsync(pair.ConnectionString, ApiFixture.Settings);
        var token = await pair.TokenAsync(Role.Supervisor);
        var acknowledged = new ConcurrentDictionary<string, string[]>();
        var attempted = new ConcurrentBag<string[]>();
        var killedAt = 0L;
        var firstAfterFailover = 0L;
        using var stop = new CancellationTokenSource();

        async Task ClientAsync(int client)
        {
            using var channel = new GeoAwarenessClient(service.GrpcEndpoint, token);
            for (var batch = 0; !stop.IsCancellationRequested; batch++)
            {
                var clientIds = Enumerable.Range(0, 5).Select(i => $"c{client}-b{batch}-{i}").ToArray();
                attempted.Add(clientIds);
                var began = Stopwatch.GetTimestamp();
                try
                {
                    var request = new SubmitObservationsRequest();
                    request.Observations.AddRange(clientIds.Select(id => ApiFixture.NewObservation(id)));
                    var response = await channel.Observations.SubmitAsync(request, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync;
                    acknowledged[clientIds[0]] = [.. response.Ids];
                    if (Interlocked.Read(ref killedAt) is var killed and not 0 && began > killed)
                    {
                        Interlocked.CompareExchange(ref firstAfterFailover, Stopwatch.GetTimestamp(), 0);
                    }
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
                {
                    await Task.Delay(50);
                }
            }
        }

        var clients = Enumerable.Range(0, 4).Select(ClientAsync).ToList();
        string Clients() => $"{acknowledged.Count} acknowledged; " + string.Join("; ", clients.Where(c => c.IsFaulted).Select(c => c.Exception!.InnerException!.Message));
        await WaitUntilAsync(() => Task.FromResult(acknowledged.Count >= 40), state: Clients);
        var receiver = await pair.WalReceiverAsync();
        await SignalAsync("STOP", receiver);
        await Task.Delay(1000);
        var lagBytes = await pair.ReplicationLagBytesAsync();
        var ackedAtKill = acknowledged.Count;
        await KillableCluster.KillPostmasterAsync(pair.Primary);
        Interlocked.Exchange(ref killedAt, Stopwatch.GetTimestamp());
        await SignalAsync("CONT", receiver);
        await pair.Standby.PromoteAsync(CancellationToken.None);
        await WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref firstAfterFailover) != 0 && acknowledged.Count >= ackedAtKill + 40), TimeSpan.FromMinutes(2), Clients);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        await using var promoted = GeoDataSource.Create(pair.Standby.ConnectionString);
        var stored = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = promoted.CreateCommand("SELECT id FROM observations"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add(reader.GetString(0));
            }
        }

        var lost = acknowledged.Values.SelectMany(ids => ids).Where(id => !stored.Contains(id)).ToList();
        if (synchronous)
        {
            Assert.Empty(lost);
        }
        else if (lagBytes > 4 << 20)
        {
            // More WAL than the sockets between the two could have held: some acknowledged writes
            // never reached the standby, and the README's statement of what is lost stands.
            Assert.NotEmpty(lost);
        }

        // Nothing half-stored: every batch is there whole or not at all.
        foreach (var batch in attempted)
        {
            var present = batch.Count(clientId => stored.Contains(ApiFixture.IdOf(clientId, $"{(synchronous ? "failover-sync" : "failover-async")}-supervisor")));
            Assert.True(present is 0 or 5, $"batch {batch[0]}: {present} of 5 stored");
        }

        output.WriteLine($"{(synchronous ? "synchronous" : "asynchronous")}: acknowledged {acknowledged.Count} batches ({ackedAtKill} before the kill), " +
            $"lost {lost.Count} acknowledged observations; replication lag at the kill {lagBytes} bytes; first acknowledged write begun after the primary died " +
            $"{Stopwatch.GetElapsedTime(killedAt, firstAfterFailover).TotalSeconds:0.00} s after its death (promotion included)");
    }

    [Fact]
    public async Task Backup_OverTheMultiHostConnectionString_DumpsThePrimary()
    {
        await using var pair = await Pair.StartAsync("backup-pair", synchronous: false);
        await using (var service = await GrpcTestServer.StartAsync(pair.ConnectionString, ApiFixture.Settings))
        {
            using var supervisor = new GeoAwarenessClient(service.GrpcEndpoint, await pair.TokenAsync(Role.Supervisor));
            await SubmitReleasedAsync(supervisor, "backed-up", 3);
        }

        var backup = await Cli.CliRunner.RunAsync(["db", "backup", "--to", PostgisCluster.NewScratchFolder("pair-backups"), "--connection", pair.ConnectionString]);

        Assert.True(backup.ExitCode == 0, backup.ToString());
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(backup.Output.Trim(), "manifest.json")))!;
        Assert.Equal(3, manifest["tables"]!["public.observations"]!.GetValue<long>());
    }

    [Fact]
    public async Task Start_EveryHostDown_RetriesThenExitsWithOneLineNamingTheHosts()
    {
        var hosts = "127.0.0.1:9,127.0.0.1:10";
        await using var service = ServiceProcess.Start(
            $"--ConnectionStrings:GeoAwareness=Host={hosts};Username=nobody;Database=none;Timeout=1", "--GeoAwareness:DatabaseWaitSeconds=5");

        Assert.Equal(1, await service.WaitForExitAsync());
        Assert.Matches(@"The database is unreachable \(hosts 127\.0\.0\.1:9,127\.0\.0\.1:10\), attempt 1: Connection refused; trying again in 2 s", service.Output);
        Assert.Matches(@"geoawareness: the database is unreachable: no primary among 127\.0\.0\.1:9,127\.0\.0\.1:10 after [2-9] attempts in \d+ s \(GeoAwareness:DatabaseWaitSeconds=5\)", service.Output);
        Assert.DoesNotContain("   at ", service.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_EveryHostDownAfterStart_AreUnavailableAndServedAgainWhenThePrimaryReturns()
    {
        await using var pair = await Pair.StartAsync("all-down", synchronous: false);
        await using var service = await GrpcTestServer.StartAsync(pair.ConnectionString, ApiFixture.Settings);
        using var supervisor = new GeoAwarenessClient(service.GrpcEndpoint, await pair.TokenAsync(Role.Supervisor));
        await SubmitReleasedAsync(supervisor, "up", 1);

        await pair.Standby.StopImmediatelyAsync(CancellationToken.None);
        await pair.Primary.StopImmediatelyAsync(CancellationToken.None);
        var down = await ApiFixture.FailsWith(StatusCode.Unavailable, () => supervisor.Observations.CountAsync(new ObservationFilter()).ResponseAsync);
        using var http = new HttpClient();
        using var ready = await http.GetAsync(new Uri(service.HttpEndpoint, "/health/ready"));
        var primary = await LocalPostgresCluster.StartAsync(new LocalClusterOptions { DataDirectory = pair.Primary.Root, Throwaway = false }, NullLogger.Instance, CancellationToken.None);
        await WaitUntilAsync(async () =>
        {
            try
            {
                return (await supervisor.Observations.CountAsync(new ObservationFilter()).ResponseAsync).Observations == 1;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false;
            }
        });

        Assert.Equal("the database is unavailable; retry the call (writes are idempotent by id)", down);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        await primary.StopImmediatelyAsync(CancellationToken.None);
    }

    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    private static async Task<List<string>> SubmitReleasedAsync(GeoAwarenessClient supervisor, string prefix, int count)
    {
        var request = new SubmitObservationsRequest();
        request.Observations.AddRange(Enumerable.Range(0, count).Select(i => ApiFixture.NewObservation($"{prefix}-{i}")));
        var ids = (await supervisor.Observations.SubmitAsync(request).ResponseAsync).Ids.ToList();
        foreach (var id in ids)
        {
            await supervisor.Observations.ReleaseAsync(new ReleaseObservationRequest { Id = id }).ResponseAsync;
        }

        return ids;
    }

    private static async Task<(List<string> Ids, string Cursor)> PullAsync(Uri endpoint, string token, string cursor, bool all, int limit = 0)
    {
        using var importer = new GeoAwarenessClient(endpoint, token);
        return await FeedPages.PullUntilEndAsync(importer, cursor, all, limit);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? within = null, Func<string>? state = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((within ?? TimeSpan.FromSeconds(60)).TotalSeconds * Stopwatch.Frequency);
        while (!await condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"not reached in time; {state?.Invoke()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A primary cluster and its hot standby in scratch folders, stopped at the end.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private Pair(LocalPostgresCluster primary, LocalPostgresCluster standby, string subjectPrefix)
        {
            Primary = primary;
            Standby = standby;
            ConnectionString = primary.ConnectionStringWith(standby);
            SubjectPrefix = subjectPrefix;
        }

        public LocalPostgresCluster Primary { get; }

        public LocalPostgresCluster Standby { get; }

        public string ConnectionString { get; }

        private string SubjectPrefix { get; }

        public static async Task<Pair> StartAsync(string name, bool synchronous)
        {
            var primary = await LocalPostgresCluster.StartAsync(
                new LocalClusterOptions { DataDirectory = PostgisCluster.NewScratchFolder($"{name}-primary"), Throwaway = false }, NullLogger.Instance, CancellationToken.None);
            try
            {
                var standby = await primary.StartStandbyAsync(
                    new LocalClusterOptions { DataDirectory = PostgisCluster.NewScratchFolder($"{name}-standby"), Port = 5433, Throwaway = false }, Slot, synchronous, CancellationToken.None);
                return new Pair(primary, standby, name);
            }
            catch
            {
                await primary.StopImmediatelyAsync(CancellationToken.None);
                throw;
            }
        }

        /// <summary>A token of <paramref name="role"/> issued on the primary (the schema is there once a service has started on it).</summary>
        public async Task<string> TokenAsync(Role role)
        {
            await using var database = GeoDataSource.Create(Primary.ConnectionString);
            return await TestTokens.IssueAsync(database, role, $"{SubjectPrefix}-{role}".ToLowerInvariant());
        }

        /// <summary>The process id of the standby's WAL receiver.</summary>
        public async Task<int> WalReceiverAsync()
        {
            await using var connection = new NpgsqlConnection(Standby.ConnectionString + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_wal_receiver", connection);
            return (int)(await command.ExecuteScalarAsync())!;
        }

        /// <summary>WAL the primary has written that the standby has not replayed, as the primary sees it.</summary>
        public async Task<long> ReplicationLagBytesAsync()
        {
            await using var connection = new NpgsqlConnection(Primary.ConnectionString + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::bigint FROM pg_stat_replication", connection);
            return (long)(await command.ExecuteScalarAsync())!;
        }

        public async Task OnStandbyAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(Standby.ConnectionString + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        /// <summary>
        /// Waits until the standby has replayed everything the primary has written so far, and
        /// knows which transactions have ended: a standby learns of transactions that wrote
        /// nothing yet only from the primary's periodic list of running ones (checkpoints, and
        /// every 15 s), so until then its feed watermark stays behind theirs.
        /// </summary>
        public async Task WaitForReplayAsync()
        {
            await using var primary = new NpgsqlConnection(Primary.ConnectionString + ";Pooling=false");
            await primary.OpenAsync();
            await using (var checkpoint = new NpgsqlCommand("CHECKPOINT", primary))
            {
                await checkpoint.ExecuteNonQueryAsync();
            }

            await using var lsn = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", primary);
            var target = (string)(await lsn.ExecuteScalarAsync())!;
            await using var standby = new NpgsqlConnection(Standby.ConnectionString + ";Pooling=false");
            await standby.OpenAsync();
            await WaitUntilAsync(async () =>
            {
                await using var replayed = new NpgsqlCommand("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn) >= 0", standby) { Parameters = { new() { Value = target } } };
                return (bool)(await replayed.ExecuteScalarAsync())!;
            });
        }

        public async ValueTask DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            await Standby.StopImmediatelyAsync(CancellationToken.None);
            try
            {
                await Primary.StopImmediatelyAsync(CancellationToken.None);
            }
            catch (LocalClusterException)
            {
                // Killed by the test already.
            }
        }
    }
}
