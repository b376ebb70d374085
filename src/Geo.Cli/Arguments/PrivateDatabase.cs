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

    private PrivateDatabase(IReadOnlyList<string> settings, LocalPostgresCluster? cluster, ILoggerFactory loggers)
    {
        Settings = settings;
        Cluster = cluster;
        _loggers = loggers;
    }

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
            var cluster = await LocalPostgresCluster.StartAsync(options, loggers.CreateLogger<LocalPostgresCluster>(), cancellationToken).ConfigureAwait(false);
            return new PrivateDatabase([.. settings, $"--ConnectionStrings:{ServiceOptions.ConnectionStringName}={cluster.ConnectionString}"], cluster, loggers);
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
        if (Cluster is not null)
        {
            await Cluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _loggers.Dispose();
    }
}
