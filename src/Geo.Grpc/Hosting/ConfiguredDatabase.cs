using Geo.Storage;
using Geo.Storage.LocalCluster;
using Geo.Storage.Migrations;
using Microsoft.Extensions.Logging.Console;

namespace Geo.Grpc.Hosting;

/// <summary>
/// The database the service's own configuration names (appsettings.json, environment variables,
/// then <c>--Section:Key=value</c> settings): <c>ConnectionStrings:GeoAwareness</c>, else the private
/// cluster under <c>LocalDatabase:DataDirectory</c>. Opened by commands that run beside the service
/// rather than inside it: <c>geoawareness token</c>, <c>geoaware token --local</c>, <c>geoaware db</c>.
/// </summary>
public sealed class ConfiguredDatabase : IAsyncDisposable
{
    private ConfiguredDatabase(GeoDatabase database, ILoggerFactory loggers)
    {
        Database = database;
        Loggers = loggers;
    }

    public GeoDatabase Database { get; }

    public ILoggerFactory Loggers { get; }

    /// <summary>Opens the configured database (starting the private cluster when that is the one); does not migrate.</summary>
    public static async Task<ConfiguredDatabase> OpenAsync(IReadOnlyList<string> settings, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. settings])
            .Build();
        // A command prints its own result on stdout; only warnings and errors of what it starts are
        // worth showing, and they go to stderr so that a script can still read stdout.
        var loggers = LoggerFactory.Create(logging => logging
            .AddConfiguration(configuration.GetSection("Logging"))
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddFilter((_, level) => level >= LogLevel.Warning));
        try
        {
            var local = configuration.GetSection(LocalClusterOptions.SectionName).Get<LocalClusterOptions>() ?? new LocalClusterOptions();
            var database = await GeoDatabase.OpenAsync(configuration.GetConnectionString(ServiceOptions.ConnectionStringName), local, loggers, cancellationToken)
                .ConfigureAwait(false);
            return new ConfiguredDatabase(database, loggers);
        }
        catch
        {
            loggers.Dispose();
            throw;
        }
    }

    /// <summary>Applies the migrations the database lacks; returns how many.</summary>
    public Task<int> MigrateAsync(CancellationToken cancellationToken) =>
        Database.MigrateAsync(Loggers.CreateLogger<MigrationRunner>(), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync().ConfigureAwait(false);
        Loggers.Dispose();
    }
}
