using System.Diagnostics;
using System.Globalization;
using Geo.Api;
using Geo.Core.Access;
using Geo.Testing;
using Npgsql;

namespace Geo.Bench.Seeding;

/// <summary>
/// Our service as its own process (bench/Geo.Bench.GrpcServer) on a new database of the throwaway
/// test cluster, listening on a free port; stopped and its database dropped on dispose.
/// </summary>
public sealed class BenchService : IAsyncDisposable
{
    private readonly PostgisCluster _cluster;
    private readonly Process _server;

    private BenchService(PostgisCluster cluster, string database, Process server, int port)
    {
        _cluster = cluster;
        _server = server;
        Database = database;
        Port = port;
        ConnectionString = cluster.Cluster.ConnectionStringFor(database);
        DataSource = new NpgsqlDataSourceBuilder(ConnectionString).UseNetTopologySuite().Build();
    }

    public string Database { get; }

    public int Port { get; }

    public string ConnectionString { get; }

    /// <summary>The same database, for the PostGIS-alone peers and for tokens.</summary>
    public NpgsqlDataSource DataSource { get; }

    public int ProcessId => _server.Id;

    /// <summary>Starts the service; <paramref name="settings"/> are passed on (--GeoAwareness:Section:Key=value).</summary>
    public static async Task<BenchService> StartAsync(string serverDll, string databasePrefix, IEnumerable<string> settings, CancellationToken cancellationToken)
    {
        var cluster = await PostgisCluster.GetAsync().ConfigureAwait(false);
        var database = await cluster.CreateMigratedDatabaseAsync(databasePrefix).ConfigureAwait(false);
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { serverDll, "--port", "0", "--connection-string", cluster.Cluster.ConnectionStringFor(database) },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        var server = Process.Start(start)!;
        try
        {
            string? ready;
            do
            {
                ready = await server.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
            }
            while (ready is not null && !ready.StartsWith("READY ", StringComparison.Ordinal));

            if (ready is null)
            {
                throw new InvalidOperationException("the service ended before it was ready");
            }

            // The service's log goes on to the same pipe: keep reading it, or the service would block on it.
            _ = server.StandardOutput.BaseStream.CopyToAsync(Stream.Null, cancellationToken);
            return new BenchService(cluster, database, server, int.Parse(ready.Split(' ')[1], CultureInfo.InvariantCulture));
        }
        catch
        {
            server.Kill(entireProcessTree: true);
            await cluster.DropDatabaseAsync(database).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A channel to the service with <paramref name="token"/> on every call (none with authentication off).</summary>
    public GeoAwarenessClient Client(string? token = null) => new(new Uri($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}"), token);

    /// <summary>A bearer token of the role (unscoped), issued straight into the database as `geoaware token issue` does.</summary>
    public Task<string> TokenAsync(Role role) => TestTokens.IssueAsync(DataSource, role, $"bench-{role.ToString().ToLowerInvariant()}");

    public async ValueTask DisposeAsync()
    {
        if (!_server.HasExited)
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync().ConfigureAwait(false);
        }

        _server.Dispose();
        await DataSource.DisposeAsync().ConfigureAwait(false);
        await _cluster.DropDatabaseAsync(Database).ConfigureAwait(false);
    }
}
