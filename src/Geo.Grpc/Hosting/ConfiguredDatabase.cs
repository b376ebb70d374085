using Geo.Storage;
using Geo.Storage.Migrations;
using Microsoft.Extensions.Logging.Console;

namespace Geo.Grpc.Hosting;

/// <summary>
/// The database the service's own configuration names (<see cref="ServiceConfiguration"/>):
/// <c>ConnectionStrings:GeoAwareness</c>. Opened by commands that run beside the service rather
/// than inside it: <c>geoawareness token</c>, <c>geoaware token --local</c>, <c>geoaware db</c>
/// (which start the private cluster first when no database is named).
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

    /// <summary>Opens the configured database (no connection is made yet); does not migrate.</summary>
    /// <param name="privateDatabase">The database is a private cluster this process started: see <see cref="GeoDatabase.Open"/>.</param>
    public static ConfiguredDatabase Open(IReadOnlyList<string> settings, bool privateDatabase = false)
    {
        var configuration = ServiceConfiguration.Read(settings);
        // A command prints its own result on stdout; only warnings and errors of what it starts are
        // worth showing, and they go to stderr so that a script can still read stdout.
        var loggers = LoggerFactory.Create(logging => logging
            .AddConfiguration(configuration.GetSection("Logging"))
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddFilter((_, level) => level >= LogLevel.Warning));
        try
        {
            var connectionString = configuration.GetConnectionString(ServiceOptions.ConnectionStringName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new StartupException($"no database: set ConnectionStrings:{ServiceOptions.ConnectionStringName}");
            }

            return new ConfiguredDatabase(GeoDatabase.Open(connectionString, loggers, privateDatabase), loggers);
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
