using Geo.Storage.LocalCluster;
using Geo.Storage.Migrations;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Geo.Storage;

/// <summary>
/// The service's database: an external PostGIS named by a connection string, or else the
/// private cluster started for this process. Owns the connection pool and, for a private
/// cluster that it started, stops the cluster when disposed.
/// </summary>
public sealed class GeoDatabase : IAsyncDisposable
{
    private GeoDatabase(NpgsqlDataSource dataSource, LocalPostgresCluster? localCluster)
    {
        DataSource = dataSource;
        LocalCluster = localCluster;
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The private cluster, or null when an external database is used.</summary>
    public LocalPostgresCluster? LocalCluster { get; }

    /// <summary>The schema version this build migrates to.</summary>
    public static int ExpectedSchemaVersion { get; } = Migration.BuiltIn()[^1].Version;

    /// <summary>
    /// Connects to <paramref name="connectionString"/> when given; otherwise prepares and starts
    /// the private cluster described by <paramref name="local"/>.
    /// </summary>
    public static async Task<GeoDatabase> OpenAsync(
        string? connectionString, LocalClusterOptions local, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        LocalPostgresCluster? cluster = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            cluster = await LocalPostgresCluster.StartAsync(local, loggerFactory.CreateLogger<LocalPostgresCluster>(), cancellationToken)
                .ConfigureAwait(false);
            connectionString = cluster.ConnectionString;
        }

        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (!settings.TcpKeepAlive && settings.TcpKeepAliveTime == 0 && !IsUnixSocket(settings.Host))
        {
            // Over TCP, a database host that vanishes (crash, network cut) sends no reset: a call
            // waiting on a long merge (no command timeout) would wait for the kernel's default of
            // hours. Keepalive probes end it within about a minute, as UNAVAILABLE. The unix
            // socket of the private cluster needs none of this: a killed server closes it at once.
            settings.TcpKeepAliveTime = 30;
            settings.TcpKeepAliveInterval = 5;
            // Unix sockets refuse the keepalive options (EOPNOTSUPP): every connection would fail.
        }

        builder.UseLoggerFactory(loggerFactory);
        return new GeoDatabase(builder.Build(), cluster);
    }

    private static bool IsUnixSocket(string? host) =>
        string.IsNullOrEmpty(host) || host.Split(',').Any(h => h.TrimStart().StartsWith('/') || h.TrimStart().StartsWith('@'));

    /// <summary>Applies the built-in migrations that the database lacks.</summary>
    public Task<int> MigrateAsync(ILogger logger, CancellationToken cancellationToken) =>
        new MigrationRunner(Migration.BuiltIn(), logger).MigrateAsync(DataSource, cancellationToken);

    public Task<DatabaseReadiness> CheckReadinessAsync(CancellationToken cancellationToken) =>
        DatabaseReadiness.CheckAsync(DataSource, ExpectedSchemaVersion, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync().ConfigureAwait(false);
        if (LocalCluster is not null)
        {
            await LocalCluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
