using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Geo.Testing;
using Npgsql;
using Xunit;

namespace Geo.Grpc.Tests.Hosting;

/// <summary>
/// The run commands' promises: geoaware serve makes a private PostGIS on first run and keeps the
/// data across restarts; the production service takes a connection string and nothing else; clean
/// exits and one-line errors.
/// </summary>
public sealed class ServiceLifecycleTests
{
    [Fact]
    public async Task Serve_FirstRunThenRestart_CreatesClusterAnswersReadyAndKeepsData()
    {
        var folder = PostgisCluster.NewScratchFolder("service");
        var dataDirectory = Path.Combine(folder, "postgres");
        var settings = new[] { $"--LocalDatabase:DataDirectory={dataDirectory}", "--LocalDatabase:Port=5433" };

        var (grpcPort, httpPort) = ServiceProcess.TwoFreePorts();
        await using (var first = ServiceProcess.Start(["geoaware.dll", "serve"], grpcPort, httpPort, settings))
        {
            var ready = JsonDocument.Parse(await first.WaitUntilReadyAsync()).RootElement;
            Assert.Equal("ready", ready.GetProperty("status").GetString());
            Assert.StartsWith("3.", ready.GetProperty("postgis").GetString(), StringComparison.Ordinal);
            Assert.Equal(Geo.Storage.GeoDatabase.ExpectedSchemaVersion, ready.GetProperty("schemaVersion").GetInt32());
            await ExecuteAsync(dataDirectory, "INSERT INTO bases (id, name, kind, location) VALUES ('ob-1', 'Kept across restarts', 1, ST_SetSRID(ST_MakePoint(29.2, -1.6), 4326))");

            Assert.Equal(0, await first.TerminateAsync());
            Assert.Contains("Stopped the private PostgreSQL cluster", first.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dataDirectory, "data", "postmaster.pid")));
        }

        (grpcPort, httpPort) = ServiceProcess.TwoFreePorts();
        await using var second = ServiceProcess.Start(["geoaware.dll", "serve"], grpcPort, httpPort, settings);
        await second.WaitUntilReadyAsync();

        Assert.Equal("Kept across restarts", await ScalarAsync<string>(dataDirectory, "SELECT name FROM bases WHERE id = 'ob-1'"));
        Assert.Equal(0, await second.TerminateAsync());
    }

    [Fact]
    public async Task Serve_WithAStandbyDirectory_MakesASynchronousStandbyWritesReachItAndStopsBoth()
    {
        var folder = PostgisCluster.NewScratchFolder("sb");
        var primary = Path.Combine(folder, "postgres");
        var standby = Path.Combine(folder, "standby");
        var (grpcPort, httpPort) = ServiceProcess.TwoFreePorts();
        await using var service = ServiceProcess.Start(["geoaware.dll", "serve"], grpcPort, httpPort,
            $"--LocalDatabase:DataDirectory={primary}", "--LocalDatabase:Port=5433", $"--LocalDatabase:StandbyDirectory={standby}",
            "--LocalDatabase:StandbyPort=5434", "--LocalDatabase:SynchronousStandby=true");
        await service.WaitUntilReadyAsync();

        await ExecuteAsync(primary, "INSERT INTO bases (id, name, kind, location) VALUES ('ob-sync', 'On both', 1, ST_SetSRID(ST_MakePoint(29.2, -1.6), 4326))");
        var replication = await ScalarAsync<string>(primary, "SELECT application_name || ' ' || sync_state FROM pg_stat_replication");
        var onStandby = await ScalarAsync<string>(standby, "SELECT name FROM bases WHERE id = 'ob-sync'", port: 5434);
        var inRecovery = await ScalarAsync<bool>(standby, "SELECT pg_is_in_recovery()", port: 5434);

        Assert.Equal("geoawareness_standby sync", replication);
        Assert.Equal("On both", onStandby);
        Assert.True(inRecovery);
        Assert.Equal(0, await service.TerminateAsync());
        Assert.False(File.Exists(Path.Combine(primary, "data", "postmaster.pid")));
        Assert.False(File.Exists(Path.Combine(standby, "data", "postmaster.pid")));

        // After a failover the standby is a primary (no standby.signal): a restart that started the
        // old primary beside it would make two, so serve refuses and says what to do.
        File.Delete(Path.Combine(standby, "data", "standby.signal"));
        (grpcPort, httpPort) = ServiceProcess.TwoFreePorts();
        await using var restart = ServiceProcess.Start(["geoaware.dll", "serve"], grpcPort, httpPort,
            $"--LocalDatabase:DataDirectory={primary}", "--LocalDatabase:Port=5433", $"--LocalDatabase:StandbyDirectory={standby}", "--LocalDatabase:StandbyPort=5434");
        Assert.NotEqual(0, await restart.WaitForExitAsync());
        Assert.Contains($"the standby in {standby} has been promoted (it has no standby.signal)", restart.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(primary, "data", "postmaster.pid")));
    }

    /// <summary>The production service neither installs nor starts PostgreSQL: that is geoaware serve's job.</summary>
    [Fact]
    public async Task Run_WithoutAConnectionString_ExitsNamingTheSettingAndMakesNoCluster()
    {
        var folder = PostgisCluster.NewScratchFolder("no-database");
        var dataDirectory = Path.Combine(folder, "postgres");

        await using var service = ServiceProcess.Start($"--LocalDatabase:DataDirectory={dataDirectory}");
        var exit = await service.WaitForExitAsync();

        Assert.Equal(1, exit);
        Assert.Equal(
            "geoawareness: no database: set ConnectionStrings:GeoAwareness to a PostgreSQL + PostGIS database, or run `geoaware serve`, which starts a private one",
            service.Output.Trim());
        Assert.False(Directory.Exists(dataDirectory));
    }

    [Fact]
    public async Task Run_WithAuthenticationOff_SaysSoLoudly_AndWithItOn_DoesNot()
    {
        var cluster = await PostgisCluster.GetAsync();
        var name = await cluster.CreateMigratedDatabaseAsync("authoff");
        try
        {
            var connection = $"--ConnectionStrings:GeoAwareness={cluster.Cluster.ConnectionStringFor(name)}";
            await using var off = ServiceProcess.Start(connection, "--GeoAwareness:Auth:Enabled=false");
            await using var on = ServiceProcess.Start(connection);
            await off.WaitUntilReadyAsync();
            await on.WaitUntilReadyAsync();

            Assert.Contains("Authentication is OFF", await off.WaitForOutputAsync("Authentication is OFF"), StringComparison.Ordinal);
            // The warning would come before the ready line.
            Assert.DoesNotContain("Authentication is OFF", await on.WaitForOutputAsync("GeoAwareness is ready"), StringComparison.Ordinal);
            Assert.Equal(0, await off.TerminateAsync());
            Assert.Equal(0, await on.TerminateAsync());
        }
        finally
        {
            await cluster.DropDatabaseAsync(name);
        }
    }

    [Fact]
    public async Task Run_PortAlreadyInUse_ExitsNonZeroWithOneLineAndNoStackTrace()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var busyPort = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var database = new PostgisDatabase();
        await database.InitializeAsync();
        try
        {
            await using var service = ServiceProcess.Start(
                busyPort, ServiceProcess.FreePort(), $"--ConnectionStrings:GeoAwareness={database.ConnectionString}");

            Assert.Equal(1, await service.WaitForExitAsync());
            Assert.Contains($"geoawareness: cannot listen on 127.0.0.1 (gRPC port {busyPort}", service.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", service.Output, StringComparison.Ordinal);
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Run_MigrationOfExternalDatabaseFails_ExitsNonZeroNamingTheProblem()
    {
        var cluster = await PostgisCluster.GetAsync();
        // A database whose schema is newer than this build: the service must refuse, not guess.
        var name = await cluster.CreateMigratedDatabaseAsync("newer");
        try
        {
            await using (var dataSource = NpgsqlDataSource.Create(cluster.Cluster.ConnectionStringFor(name)))
            await using (var command = dataSource.CreateCommand("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, '0999_future.sql', 'x')"))
            {
                await command.ExecuteNonQueryAsync();
            }

            await using var service = ServiceProcess.Start($"--ConnectionStrings:GeoAwareness={cluster.Cluster.ConnectionStringFor(name)}");

            Assert.Equal(1, await service.WaitForExitAsync());
            Assert.Contains("schema version 999", service.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", service.Output, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.DropDatabaseAsync(name);
        }
    }

    private static string SocketConnectionString(string dataDirectory, int port = 5433) =>
        new NpgsqlConnectionStringBuilder { Host = Path.Combine(dataDirectory, "socket"), Port = port, Username = "postgres", Database = "geoawareness", Pooling = false }.ConnectionString;

    private static async Task ExecuteAsync(string dataDirectory, string sql)
    {
        await using var connection = new NpgsqlConnection(SocketConnectionString(dataDirectory));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string dataDirectory, string sql, int port = 5433)
    {
        await using var connection = new NpgsqlConnection(SocketConnectionString(dataDirectory, port));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
