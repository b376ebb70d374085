using System.Net.Http.Headers;
using Geo.Api;
using Geo.Grpc.Tests.Api;
using Geo.Grpc.Tests.Telemetry;
using Geo.Testing;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Hosting;

/// <summary>
/// Two processes of the production executable (geoawareness, src/Geo.Host) on one database, each
/// on its own ports, as a mission runs several behind one address. Tokens are trusted for ten
/// minutes once read, so that a revocation can only reach the other process through the
/// database's notification, never by the cache running out.
/// </summary>
public sealed class TwoProcesses : IAsyncLifetime
{
    public static readonly string[] Settings =
    [
        .. ApiFixture.Settings,
        "--GeoAwareness:Auth:TokenCacheSeconds=600",
        "--GeoAwareness:Watch:HeartbeatSeconds=0.2",
    ];

    private readonly List<IDisposable> _clients = [];
    private ServiceProcess? _a;
    private ServiceProcess? _b;

    public PostgisDatabase Database { get; } = new();

    /// <summary>The two processes: 0 is A, 1 is B.</summary>
    internal IReadOnlyList<ServiceProcess> Processes => [_a!, _b!];

    public string AdministratorToken { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        var connection = $"--ConnectionStrings:GeoAwareness={Database.ConnectionString}";
        _a = ServiceProcess.Start([connection, .. Settings]);
        _b = ServiceProcess.Start([connection, .. Settings]);
        await Task.WhenAll(_a.WaitUntilReadyAsync(), _b.WaitUntilReadyAsync());
        AdministratorToken = await TestTokens.IssueAsync(Database.DataSource, Role.Administrator, "two-process-admin");
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        // Stopped even when a test failed: the processes are killed, and the database dropped after them.
        try
        {
            if (_a is not null)
            {
                await _a.DisposeAsync();
            }

            if (_b is not null)
            {
                await _b.DisposeAsync();
            }
        }
        finally
        {
            await Database.DisposeAsync();
        }
    }

    /// <summary>A client of process <paramref name="process"/> (0 for A, 1 for B) with <paramref name="token"/>.</summary>
    public GeoAwarenessClient Client(int process, string token)
    {
        var client = new GeoAwarenessClient(new Uri($"http://127.0.0.1:{Processes[process].GrpcPort}"), token);
        _clients.Add(client);
        return client;
    }

    /// <summary>One client in front of both processes, with <paramref name="token"/>.</summary>
    public AlternatingClient Alternating(string token) => new(Client(0, token), Client(1, token));

    /// <summary>A new token of <paramref name="role"/>, issued straight into the database.</summary>
    public Task<string> TokenAsync(Role role, string subject) => TestTokens.IssueAsync(Database.DataSource, role, subject);

    /// <summary>
    /// How many calls of <paramref name="method"/> (as "/geoawareness.v1.Feeds/PullObservations")
    /// process <paramref name="process"/> ended with <paramref name="status"/>, read from its own
    /// GET /metrics: what that process itself served, whatever the client believes it sent where.
    /// </summary>
    public async Task<long> ServedAsync(int process, string method, string status = "OK")
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Processes[process].HttpPort}") };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdministratorToken);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var samples = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        return (long)(PrometheusText.Value(samples, "geoawareness_calls_total", ("grpc_method", method), ("grpc_status", status)) ?? 0);
    }

    /// <summary>
    /// Waits until each process has served <paramref name="expected"/> more calls of
    /// <paramref name="method"/> than <paramref name="before"/> (a call is counted as it ends on the
    /// server, which may be just after its client heard the answer), then says what each served.
    /// </summary>
    public async Task<long[]> ServedSinceAsync(long[] before, string method, long[] expected, string status = "OK")
    {
        var served = new long[2];
        for (var attempt = 0; attempt < 50; attempt++)
        {
            for (var process = 0; process < 2; process++)
            {
                served[process] = await ServedAsync(process, method, status) - before[process];
            }

            if (served.SequenceEqual(expected))
            {
                break;
            }

            await Task.Delay(100);
        }

        return served;
    }

    /// <summary>What each process has served of <paramref name="method"/> so far.</summary>
    public async Task<long[]> ServedAsync(string method, string status = "OK") =>
        [await ServedAsync(0, method, status), await ServedAsync(1, method, status)];

    /// <summary>
    /// Waits until no transaction holds the feed's watermark back (see ApiFixture.SettledAsync), so
    /// that every committed change of this database is deliverable.
    /// </summary>
    public async Task SettledAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!await Database.ScalarAsync<bool>("SELECT NOT EXISTS (SELECT FROM observations WHERE change_xid >= pg_snapshot_xmin(pg_current_snapshot()))"))
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}

/// <summary>
/// One client in front of two service processes, as a mission's clients see several instances
/// behind one address: call i goes to process i % 2. <see cref="Next"/> says which process the
/// call it hands out goes to, so that a test can give the other one what came back.
/// </summary>
public sealed class AlternatingClient(GeoAwarenessClient a, GeoAwarenessClient b)
{
    private readonly GeoAwarenessClient[] _processes = [a, b];
    private int _calls = -1;

    /// <summary>How many calls were handed out to each process.</summary>
    public int[] Sent { get; } = new int[2];

    /// <summary>The client of the next call, and which process (0 or 1) it goes to.</summary>
    public (GeoAwarenessClient Client, int Process) Next()
    {
        var process = Interlocked.Increment(ref _calls) % 2;
        Interlocked.Increment(ref Sent[process]);
        return (_processes[process], process);
    }
}
