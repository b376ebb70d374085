using System.Diagnostics;
using System.Globalization;
using Geo.Api;
using Geo.Grpc.Hosting;
using Geo.LocalCluster;
using Geo.Testing;
using Geo.Testing.Echo;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Geo.Grpc.Tests.Hosting;

/// <summary>
/// The service on a PostgreSQL cluster of its own (its folder, its postmaster), which a test may
/// kill -9, as a crash or an OOM kill would, and start again while the service keeps running.
/// </summary>
internal sealed class KillableCluster : IAsyncDisposable
{
    private readonly LocalClusterOptions _options;
    private readonly GeoAwarenessService _service;

    private KillableCluster(LocalClusterOptions options, LocalPostgresCluster cluster, GeoAwarenessService service, GeoAwarenessClient channel)
    {
        _options = options;
        Cluster = cluster;
        _service = service;
        Channel = channel;
    }

    public LocalPostgresCluster Cluster { get; private set; }

    public Uri GrpcEndpoint => _service.GrpcEndpoint;

    /// <summary>A supervisor's clients on the service.</summary>
    public GeoAwarenessClient Channel { get; }

    /// <summary>Starts a new cluster in a scratch folder named after <paramref name="name"/>, and the service on it (which migrates it) with <paramref name="settings"/>.</summary>
    public static async Task<KillableCluster> StartAsync(string name, string subject, IReadOnlyList<string> settings, Action<LocalClusterOptions>? configure = null)
    {
        var options = new LocalClusterOptions { DataDirectory = PostgisCluster.NewScratchFolder(name), Throwaway = false };
        configure?.Invoke(options);
        var cluster = await LocalPostgresCluster.StartAsync(options, NullLogger.Instance, CancellationToken.None);
        var service = await GrpcTestServer.StartAsync(cluster.ConnectionString, [.. settings]);
        await using var dataSource = Geo.Storage.GeoDataSource.Create(cluster.ConnectionString);
        var token = await TestTokens.IssueAsync(dataSource, Geo.Core.Access.Role.Supervisor, subject);
        return new KillableCluster(options, cluster, service, new GeoAwarenessClient(service.GrpcEndpoint, token));
    }

    /// <summary>kill -9 of the postmaster; waits until it is gone.</summary>
    public Task KillPostmasterAsync() => KillPostmasterAsync(Cluster);

    /// <summary>kill -9 of <paramref name="cluster"/>'s postmaster, as a crash or an OOM kill would; waits until it is gone.</summary>
    public static async Task KillPostmasterAsync(LocalPostgresCluster cluster)
    {
        var pid = int.Parse(File.ReadLines(Path.Combine(cluster.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        using (var postmaster = Process.GetProcessById(pid))
        {
            postmaster.Kill();
        }

        for (var i = 0; i < 300 && IsRunning(pid); i++)
        {
            await Task.Delay(100);
        }

        Assert.False(IsRunning(pid), $"postmaster {pid} still runs after kill -9");
    }

    /// <summary>Starts the cluster again on the same folder (the service keeps running).</summary>
    public async Task RestartAsync() => Cluster = await LocalPostgresCluster.StartAsync(_options, NullLogger.Instance, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _service.DisposeAsync();
        await Cluster.StopImmediatelyAsync(CancellationToken.None);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return !stat[(stat.LastIndexOf(')') + 1)..].TrimStart().StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
