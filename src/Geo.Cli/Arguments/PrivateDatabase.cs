using Geo.Grpc;
using Geo.Grpc.Hosting;
using Geo.LocalCluster;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Geo.Cli.Arguments;

/// <summary>
/// The database a local command (serve, db, token --local) works on: the one the settings name
/// (<c>ConnectionStrings:GeoAwareness</c>), or else the private PostgreSQL + PostGIS cluster under
/// <c>LocalDatabase:DataDirectory</c>, created on first use (installing PostGIS when missing) and
/// started for the command. The service itself only ever takes a connection string.
/// </summary>
internal sealed class PrivateDatabase : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers;

    private PrivateDatabase(IReadOnlyList<string> settings, LocalPostgresCluster? cluster, ILoggerFactory loggers, LocalPostgresCluster? standby = null)
    {
        Settings = settings;
        Cluster = cluster;
        Standby = standby;
        _loggers = loggers;
    }

    /// <summary>The private cluster's hot standby, when <c>LocalDatabase:StandbyDirectory</c> names one.</summary>
    public LocalPostgresCluster? Standby { get; }

    /// <summary>The command's settings, naming the private cluster's database when that is the one.</summary>
    public IReadOnlyList<string> Settings { get; }

    /// <summary>The private cluster, or null when the settings name a database.</summary>
    public LocalPostgresCluster? Cluster { get; }

    public bool IsPrivate => Cluster is not null;

    /// <param name="least">
    /// What of the cluster's log is shown, on stderr: all of it for serve, whose log it is; only
    /// warnings for a command whose output is its result.
    /// </param>
    public static async Task<PrivateDatabase> StartIfNeededAsync(IReadOnlyList<string> settings, LogLevel least, CancellationToken cancellationToken)
    {
        var configuration = ServiceConfiguration.Read(settings);
        var loggers = LoggerFactory.Create(logging => logging
            .AddConfiguration(configuration.GetSection("Logging"))
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddFilter((_, level) => level >= least));
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString(ServiceOptions.ConnectionStringName)))
        {
            return new PrivateDatabase(settings, null, loggers);
        }

        try
        {
            var options = configuration.GetSection(LocalClusterOptions.SectionName).Get<LocalClusterOptions>() ?? new LocalClusterOptions();
            if (!string.IsNullOrWhiteSpace(options.StandbyDirectory)
                && LocalPostgresCluster.HoldsCluster(options.StandbyDirectory) && !LocalPostgresCluster.IsStandby(options.StandbyDirectory))
            {
                // Promoted after a failover: started beside the old primary, there would be two
                // primaries, and writes would go to the stale one the connection string names first.
                throw new LocalClusterException(
                    $"the standby in {Path.GetFullPath(options.StandbyDirectory)} has been promoted (it has no standby.signal): serve from it " +
                    $"(swap {LocalClusterOptions.SectionName}:DataDirectory and StandbyDirectory) after moving the old primary in {Path.GetFullPath(options.DataDirectory)} away");
            }

            var cluster = await LocalPostgresCluster.StartAsync(options, loggers.CreateLogger<LocalPostgresCluster>(), cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(options.StandbyDirectory))
            {
                return new PrivateDatabase([.. settings, $"--ConnectionStrings:{ServiceOptions.ConnectionStringName}={cluster.ConnectionString}"], cluster, loggers);
            }

            var standbyOptions = new LocalClusterOptions
            {
                DataDirectory = options.StandbyDirectory,
                Database = options.Database,
                Port = options.StandbyPort == 0 ? options.Port + 1 : options.StandbyPort,
                InstallIfMissing = options.InstallIfMissing,
                SystemUser = options.SystemUser,
                PostgresMajorVersion = options.PostgresMajorVersion,
            };
            // A hot standby refuses to start with less room than its primary (max_connections and the like).
            foreach (var (name, value) in options.Settings)
            {
                standbyOptions.Settings[name] = value;
            }

            try
            {
                var standby = await cluster.StartStandbyAsync(standbyOptions, "geoawareness_standby", options.SynchronousStandby, cancellationToken).ConfigureAwait(false);
                return new PrivateDatabase(
                    [.. settings, $"--ConnectionStrings:{ServiceOptions.ConnectionStringName}={cluster.ConnectionStringWith(standby)}"], cluster, loggers, standby);
            }
            catch
            {
                await cluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
        catch
        {
            loggers.Dispose();
            throw;
        }
    }

    /// <summary>Stops the private cluster if this command started it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Standby is not null)
        {
            await Standby.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (Cluster is not null)
        {
            await Cluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _loggers.Dispose();
    }
}
