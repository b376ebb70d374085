using System.CommandLine;
using Microsoft.Extensions.Logging;
using Geo.Cli.Demo;
using Geo.Grpc.Hosting;
using Geo.Cli.Arguments;
using Geo.LocalCluster;
using Geo.Storage.Migrations;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware serve</c>: the service in this process, exactly as <c>geoawareness</c> runs it
/// (same settings, the private PostGIS unless a connection string is set), until Ctrl+C or SIGTERM.
/// Its log goes to stderr, so that stdout holds only where to look.
/// </summary>
internal static class ServeCommand
{
    /// <summary>How the banner's examples name this tool: scripts/run.sh sets it to its wrapper, scripts/geoaware.</summary>
    public const string ProgramVariable = "GEOAWARE_PROGRAM";

    public static Command Create(CliContext context)
    {
        var demo = new Option<bool>("--demo")
        {
            Description = "when the database is empty, load the demo mission and print a planner's token for it",
        };
        var command = new Command(
            "serve",
            "Run the service: gRPC and HTTP, on the private PostgreSQL + PostGIS under LocalDatabase:DataDirectory, or on " +
            "ConnectionStrings:GeoAwareness when set. Settings follow as --Section:Key=value, as for geoawareness. Prints the map page's " +
            "address when ready; stops on Ctrl+C or SIGTERM.\n\n" +
            "Examples:\n" +
            "  geoaware serve --demo --LocalDatabase:DataDirectory=$HOME/.geoaware/postgres\n" +
            "  geoaware serve --GeoAwareness:HttpPort=8081 --GeoAwareness:GrpcPort=50052\n" +
            "  geoaware serve --ConnectionStrings:GeoAwareness=\"Host=db.example;Username=geo;Password=...;Database=geo\"")
        {
            demo,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        context.OnLocal(command, async (parse, cancellationToken) =>
        {
            string[] settings = [.. LogSettings(), .. parse.UnmatchedTokens];
            if (parse.GetValue(demo) && string.IsNullOrEmpty(ServiceConfiguration.Read(settings)[DemoBaseMapFile.Setting]))
            {
                // The demo's own base map, unless the settings name one.
                var baseMap = await DemoBaseMapFile.WriteAsync(DateOnly.FromDateTime(DateTime.UtcNow), cancellationToken).ConfigureAwait(false);
                settings = [.. settings, $"--{DemoBaseMapFile.Setting}={baseMap}"];
            }

            // Disposed in reverse: the service stops before the private cluster under it.
            await using var database = await StartDatabaseAsync(settings, cancellationToken).ConfigureAwait(false);
            await using var service = await StartAsync(database, cancellationToken).ConfigureAwait(false);
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            var token = parse.GetValue(demo) ? await ServeDemo.LoadIfEmptyAsync(service, today, context.Error, cancellationToken).ConfigureAwait(false) : null;
            var program = Environment.GetEnvironmentVariable(ProgramVariable) is { Length: > 0 } named ? named : "geoaware";
            await context.Output.WriteLineAsync(DemoText.Banner(service.GrpcEndpoint, service.HttpEndpoint, token, today, program)).ConfigureAwait(false);
            await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            await service.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The log on stderr, and one line per entry when a person watches it; any setting given on
    /// the command line comes after these and wins.
    /// </summary>
    private static IEnumerable<string> LogSettings()
    {
        yield return "--Logging:Console:LogToStandardErrorThreshold=Trace";
        if (!Console.IsErrorRedirected)
        {
            yield return "--Logging:Console:FormatterName=simple";
            yield return "--Logging:Console:FormatterOptions:SingleLine=true";
        }
    }

    private static async Task<PrivateDatabase> StartDatabaseAsync(string[] settings, CancellationToken cancellationToken)
    {
        try
        {
            return await PrivateDatabase.StartIfNeededAsync(settings, LogLevel.Information, cancellationToken).ConfigureAwait(false);
        }
        catch (LocalClusterException e)
        {
            throw new CliException(ExitCodes.Unreachable, e.Message);
        }
    }

    private static async Task<GeoAwarenessService> StartAsync(PrivateDatabase database, CancellationToken cancellationToken)
    {
        try
        {
            return await GeoAwarenessService.StartAsync([.. database.Settings], null, database.IsPrivate, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StartupException or MigrationException)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
        }
    }
}
