using System.Net;
using System.Net.Sockets;
using Geo.LocalCluster;
using Geo.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace Geo.Storage.Tests.LocalCluster;

/// <summary>The private cluster as the run command uses it: created once, reused, restarted, and its faults explained.</summary>
public sealed class LocalPostgresClusterTests : IAsyncLifetime
{
    private readonly string _folder = PostgisCluster.NewScratchFolder("cluster");
    private readonly List<LocalPostgresCluster> _started = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var cluster in _started)
        {
            await cluster.StopImmediatelyAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task StartAsync_StoppedAndStartedAgain_KeepsTheData()
    {
        var first = await StartAsync(Options());
        await ExecuteAsync(first, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");
        await first.StopAsync(CancellationToken.None);

        var second = await StartAsync(Options());

        Assert.True(second.StartedHere);
        Assert.Equal("still here", await ScalarAsync<string>(second, "SELECT note FROM kept"));
    }

    [Fact]
    public async Task StartAsync_TwoAtOnceOnANewFolder_ShareOneCluster()
    {
        var options = Options();
        var both = await Task.WhenAll(StartAsync(options), StartAsync(options));

        Assert.Single(both, c => c.StartedHere);
        Assert.Equal(both[0].ConnectionString, both[1].ConnectionString);
        Assert.Equal(1, await ScalarAsync<int>(both[0], "SELECT 1"));
        Assert.Equal(1, await ScalarAsync<int>(both[1], "SELECT 1"));
    }

    [Fact]
    public async Task StopAsync_AnotherClientStillConnected_LeavesTheClusterRunning()
    {
        var cluster = await StartAsync(Options());
        await using var other = new NpgsqlConnection(cluster.ConnectionStringFor("postgres") + ";Pooling=false");
        await other.OpenAsync();

        await cluster.StopAsync(CancellationToken.None);

        await using var command = new NpgsqlCommand("SELECT 1", other);
        Assert.Equal(1, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task StartAsync_StalePidFileWhosePidNowBelongsToAnotherProgram_RemovesItAndStarts()
    {
        var cluster = await StartAsync(Options());
        await cluster.StopAsync(CancellationToken.None);
        // A killed server's PID can be reused by any program: here, this test process.
        var pidFile = Path.Combine(cluster.DataDirectory, "postmaster.pid");
        await File.WriteAllTextAsync(pidFile, $"{Environment.ProcessId}\n{cluster.DataDirectory}\n0\n{cluster.Port}\n");

        var restarted = await StartAsync(Options());

        Assert.True(restarted.StartedHere);
        Assert.Equal(1, await ScalarAsync<int>(restarted, "SELECT 1"));
    }

    [Fact]
    public async Task StartAsync_AfterTheServerWasKilled_StartsAgainWithCommittedData()
    {
        // Durable settings, as the run command uses: a commit survives the server being killed.
        var durable = Options();
        durable.Throwaway = false;
        var cluster = await StartAsync(durable);
        await ExecuteAsync(cluster, "CREATE TABLE survived (id int); INSERT INTO survived VALUES (7)");
        var pid = int.Parse(File.ReadLines(Path.Combine(cluster.DataDirectory, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
        System.Diagnostics.Process.GetProcessById(pid).Kill();
        NpgsqlConnection.ClearAllPools();
        await WaitUntilGoneAsync(pid);

        var restarted = await StartAsync(durable);

        Assert.Equal(7, await ScalarAsync<int>(restarted, "SELECT id FROM survived"));
    }

    [Fact]
    public async Task StartAsync_PortInUse_ExplainsWhichPortAndWhatToDo()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var options = Options();
        options.Port = port;
        options.ListenOnLoopback = true;

        var error = await Assert.ThrowsAsync<LocalClusterException>(() => StartAsync(options));

        Assert.Contains($"port {port} on 127.0.0.1 is in use", error.Message, StringComparison.Ordinal);
        Assert.Contains("LocalDatabase:Port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ClusterOfAnotherPostgresVersion_ExplainsUpgrade()
    {
        var data = Path.Combine(_folder, "data");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "PG_VERSION"), "14\n");

        var error = await Assert.ThrowsAsync<LocalClusterException>(() => StartAsync(Options()));

        Assert.Contains("made by PostgreSQL 14", error.Message, StringComparison.Ordinal);
        Assert.Contains("pg_upgrade", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_FolderWithSomethingElseInIt_RefusesToTouchIt()
    {
        var data = Path.Combine(_folder, "data");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "notes.txt"), "not a cluster");

        var error = await Assert.ThrowsAsync<LocalClusterException>(() => StartAsync(Options()));

        Assert.Contains("holds no PostgreSQL cluster", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(data, "notes.txt")));
    }

    [Fact]
    public async Task StartAsync_PostgresMissingAndInstallOff_GivesTheInstallCommand()
    {
        var options = Options();
        options.PostgresMajorVersion = 99;
        options.InstallIfMissing = false;

        var error = await Assert.ThrowsAsync<LocalClusterException>(() => StartAsync(options));

        Assert.Contains("apt-get install -y postgresql-99-postgis-3", error.Message, StringComparison.Ordinal);
    }

    private LocalClusterOptions Options() => new() { DataDirectory = _folder, Database = "geoawareness", Throwaway = true };

    private async Task<LocalPostgresCluster> StartAsync(LocalClusterOptions options)
    {
        var cluster = await LocalPostgresCluster.StartAsync(options, NullLogger.Instance, CancellationToken.None);
        lock (_started)
        {
            _started.Add(cluster);
        }

        return cluster;
    }

    private static async Task WaitUntilGoneAsync(int pid)
    {
        for (var i = 0; i < 100 && Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }
    }

    private static async Task ExecuteAsync(LocalPostgresCluster cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(LocalPostgresCluster cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
