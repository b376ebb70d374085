using Geo.Api.V1;
using Geo.Api;
using Geo.Grpc.Tests.Hosting;
using Geo.Testing;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Xunit;
using Role = Geo.Core.Access.Role;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Geo.Grpc.Tests.Hostile;

/// <summary>
/// The service as its own process on a database of its own: an attack that ends the process then
/// fails a test rather than the whole test run, and the service's CPU time can be read apart from
/// the test's.
/// </summary>
public sealed class ServiceUnderAttack : IAsyncDisposable
{
    private readonly PostgisDatabase _database;
    private readonly ServiceProcess _process;
    private readonly Dictionary<Role, GeoAwarenessClient> _channels;
    private readonly Dictionary<Role, string> _tokens;

    private ServiceUnderAttack(PostgisDatabase database, ServiceProcess process, Dictionary<Role, string> tokens)
    {
        _database = database;
        _process = process;
        _tokens = tokens;
        GrpcEndpoint = new Uri($"http://127.0.0.1:{process.GrpcPort}");
        HttpEndpoint = new Uri($"http://127.0.0.1:{process.HttpPort}");
        _channels = tokens.ToDictionary(t => t.Key, t => new GeoAwarenessClient(GrpcEndpoint, t.Value));
    }

    public Uri GrpcEndpoint { get; }

    public Uri HttpEndpoint { get; }

    public PostgisDatabase Database => _database;

    public bool HasExited => _process.HasExited;

    /// <summary>The service process's CPU time so far.</summary>
    public TimeSpan CpuTime => _process.CpuTime;

    public string Output => _process.Output;

    /// <summary>Starts the built service with <paramref name="settings"/> and waits until it is ready.</summary>
    public static async Task<ServiceUnderAttack> StartAsync(params string[] settings)
    {
        var database = new PostgisDatabase();
        await database.InitializeAsync();
        var tokens = new Dictionary<Role, string>();
        foreach (var role in Enum.GetValues<Role>())
        {
            tokens[role] = await TestTokens.IssueAsync(
                database.DataSource, role, $"attack-{role}".ToLowerInvariant(), section: role == Role.ReferralSection ? Geo.Core.Domain.ReferralSection.WomenProtection : null);
        }

        var process = ServiceProcess.Start(
        [
            $"--ConnectionStrings:GeoAwareness={database.ConnectionString}",
            "--Logging:LogLevel:Default=Warning",
            "--GeoAwareness:Auth:OpenHealth=true",
            .. settings,
        ]);
        await process.WaitUntilReadyAsync();
        return new ServiceUnderAttack(database, process, tokens);
    }

    public GeoAwarenessClient As(Role role) => _channels[role];

    public string TokenOf(Role role) => _tokens[role];

    /// <summary>The process is still running, health says SERVING, and an ordinary call is answered.</summary>
    public async Task AssertHealthyAsync()
    {
        Assert.False(_process.HasExited, "the service process has died:\n" + _process.Output);
        using var channel = GrpcChannel.ForAddress(GrpcEndpoint);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(ServingStatus.Serving, health.Status);
        var count = await As(Role.Supervisor).Observations.CountAsync(new ObservationFilter { Area = new Area { Bbox = new BoundingBox { West = 29, South = -2, East = 29.5, North = -1.5 } } }, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10))).ResponseAsync;
        Assert.False(count.Withheld);
    }

    /// <summary>
    /// Waits until the service has spent <paramref name="cpu"/> more CPU than at <paramref name="from"/>
    /// (proof that a call is at work), or fails after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitForCpuAsync(TimeSpan from, TimeSpan cpu, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (CpuTime - from < cpu)
        {
            Assert.True(DateTime.UtcNow < until, $"the service spent only {(CpuTime - from).TotalSeconds:0.00} s of CPU in {timeout.TotalSeconds:0} s; the call was not at work");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The CPU the service spends over <paramref name="window"/>, starting <paramref name="grace"/>
    /// from now: once a call is given up, it should be next to nothing.
    /// </summary>
    public async Task<TimeSpan> CpuSpentAsync(TimeSpan grace, TimeSpan window)
    {
        await Task.Delay(grace);
        var before = CpuTime;
        await Task.Delay(window);
        return CpuTime - before;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        await _process.DisposeAsync();
        await _database.DisposeAsync();
    }

    /// <summary>One service for a whole test class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private ServiceUnderAttack? _service;

        public ServiceUnderAttack Service => _service ?? throw new InvalidOperationException("not initialised");

        public async Task InitializeAsync() => _service = await StartAsync();

        public async Task DisposeAsync()
        {
            if (_service is not null)
            {
                await _service.DisposeAsync();
            }
        }
    }
}
