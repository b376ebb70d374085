using System.Globalization;
using Geo.Storage;
using Geo.LocalCluster;
using Geo.Storage.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Geo.Testing;

/// <summary>
/// One throwaway PostgreSQL + PostGIS cluster per test process: initdb into a temporary folder,
/// a migrated template database, and a fresh copy of that template for each test class.
/// Everything is removed when the process exits, whether the tests passed or not; folders
/// left by a killed run are swept by the next one.
/// </summary>
public sealed class PostgisCluster
{
    public const string TemplateDatabase = "geo_template";
    private const string FolderPrefix = "geoaware-tests-";
    private static readonly SemaphoreSlim StartGate = new(1, 1);
    private static PostgisCluster? s_shared;

    private PostgisCluster(LocalPostgresCluster cluster, string folder)
    {
        Cluster = cluster;
        Folder = folder;
    }

    public LocalPostgresCluster Cluster { get; }

    public string Folder { get; }

    /// <summary>The cluster of this test process, started on first use.</summary>
    public static async Task<PostgisCluster> GetAsync()
    {
        if (s_shared is not null)
        {
            return s_shared;
        }

        await StartGate.WaitAsync().ConfigureAwait(false);
        try
        {
            s_shared ??= await StartAsync().ConfigureAwait(false);
            return s_shared;
        }
        finally
        {
            StartGate.Release();
        }
    }

    /// <summary>Creates an empty database (no template) for tests of the migrations themselves.</summary>
    public async Task<string> CreateEmptyDatabaseAsync(string prefix)
    {
        var name = UniqueName(prefix);
        await Cluster.CreateDatabaseAsync(name, template: null, CancellationToken.None).ConfigureAwait(false);
        return name;
    }

    /// <summary>Creates a database cloned from the migrated template.</summary>
    public async Task<string> CreateMigratedDatabaseAsync(string prefix)
    {
        var name = UniqueName(prefix);
        await Cluster.CreateDatabaseAsync(name, TemplateDatabase, CancellationToken.None).ConfigureAwait(false);
        return name;
    }

    public async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Cluster.ConnectionStringFor("postgres") + ";Pooling=false");
        await connection.OpenAsync().ConfigureAwait(false);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>A new folder for tests that make clusters of their own; removed with the shared one.</summary>
    public static string NewScratchFolder(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"{FolderPrefix}{Environment.ProcessId}-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static async Task<PostgisCluster> StartAsync()
    {
        await SweepAbandonedFoldersAsync().ConfigureAwait(false);
        var folder = NewScratchFolder("shared");
        var options = new LocalClusterOptions
        {
            DataDirectory = folder,
            Database = "postgres",
            Throwaway = true,
        };
        var cluster = await LocalPostgresCluster.StartAsync(options, NullLogger.Instance, CancellationToken.None).ConfigureAwait(false);
        var shared = new PostgisCluster(cluster, folder);
        StartReaper(cluster);

        await cluster.CreateDatabaseAsync(TemplateDatabase, template: null, CancellationToken.None).ConfigureAwait(false);
        await using (var dataSource = NpgsqlDataSource.Create(cluster.ConnectionStringFor(TemplateDatabase) + ";Pooling=false"))
        {
            await new MigrationRunner(Migration.BuiltIn(), NullLogger.Instance).MigrateAsync(dataSource, CancellationToken.None).ConfigureAwait(false);
        }

        return shared;
    }

    /// <summary>
    /// The test runner may kill this process rather than let it exit, so cleanup cannot rely on
    /// ProcessExit: a detached shell waits for this process to end, then stops the cluster and
    /// deletes this process's folders, whether the tests passed, failed or were killed.
    /// </summary>
    private static void StartReaper(LocalPostgresCluster cluster)
    {
        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var pgCtl = $"/usr/lib/postgresql/{15}/bin/pg_ctl";
        var stop = Environment.IsPrivilegedProcess ? $"runuser -u postgres -- {pgCtl}" : pgCtl;
        var script =
            $"while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; " +
            $"{stop} stop -D '{cluster.DataDirectory}' -m immediate >/dev/null 2>&1; " +
            $"rm -rf {Path.GetTempPath()}{FolderPrefix}{pid}-*";
        using var reaper = new System.Diagnostics.Process();
        reaper.StartInfo.FileName = "setsid";
        reaper.StartInfo.ArgumentList.Add("sh");
        reaper.StartInfo.ArgumentList.Add("-c");
        reaper.StartInfo.ArgumentList.Add(script);
        reaper.StartInfo.UseShellExecute = false;
        reaper.StartInfo.RedirectStandardOutput = true;
        reaper.StartInfo.RedirectStandardError = true;
        reaper.StartInfo.RedirectStandardInput = true;
        reaper.Start();
    }

    /// <summary>Stops and deletes clusters left behind by test processes that no longer exist.</summary>
    private static async Task SweepAbandonedFoldersAsync()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            var owner = OwnerProcess(folder);
            if (owner is null || Directory.Exists($"/proc/{owner}"))
            {
                continue;
            }

            var data = Path.Combine(folder, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                await StopAbandonedAsync(data).ConfigureAwait(false);
            }

            TryDelete(folder);
        }
    }

    private static async Task StopAbandonedAsync(string data)
    {
        using var stop = new System.Diagnostics.Process();
        stop.StartInfo.FileName = "runuser";
        foreach (var argument in new[] { "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "stop", "-D", data, "-m", "immediate" })
        {
            stop.StartInfo.ArgumentList.Add(argument);
        }

        stop.StartInfo.RedirectStandardOutput = true;
        stop.StartInfo.RedirectStandardError = true;
        stop.Start();
        await stop.WaitForExitAsync().ConfigureAwait(false);
    }

    private static int? OwnerProcess(string folder)
    {
        var name = Path.GetFileName(folder)[FolderPrefix.Length..];
        var dash = name.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string UniqueName(string prefix) =>
        $"{prefix.ToLowerInvariant()}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)];
}
