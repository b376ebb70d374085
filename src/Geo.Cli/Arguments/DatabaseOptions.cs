using System.CommandLine;
using Geo.LocalCluster;
using Geo.Storage.Migrations;
using Npgsql;

namespace Geo.Cli.Arguments;

/// <summary>
/// Where the commands that work on the database itself (db, token --local) find it: the service's
/// own configuration (appsettings.json, environment, <c>--Section:Key=value</c> settings as for the
/// service), or the two settings people change most, as options of their own.
/// </summary>
internal static class DatabaseOptions
{
    public static readonly Option<string> Connection = new("--connection")
    {
        Description = "an external PostGIS's connection string (the setting ConnectionStrings:GeoAwareness)",
        HelpName = "connection-string",
    };

    public static readonly Option<string> DataDirectory = new("--data-directory")
    {
        Description = "the private cluster's folder (the setting LocalDatabase:DataDirectory; default .geoaware/postgres)",
        HelpName = "folder",
    };

    /// <summary>Adds the options, and lets the command take the service's <c>--Section:Key=value</c> settings.</summary>
    public static void AddTo(Command command)
    {
        command.Options.Add(Connection);
        command.Options.Add(DataDirectory);
        command.TreatUnmatchedTokensAsErrors = false;
    }

    /// <summary>The service's settings from the command line; anything else left over is a usage error.</summary>
    public static IReadOnlyList<string> Settings(ParseResult parse)
    {
        var settings = new List<string>();
        foreach (var token in parse.UnmatchedTokens)
        {
            if (!token.StartsWith("--", StringComparison.Ordinal) || !token.Contains(':', StringComparison.Ordinal) || !token.Contains('=', StringComparison.Ordinal))
            {
                throw new CliException(ExitCodes.Usage, $"unrecognized argument '{token}' (settings are written --Section:Key=value)");
            }

            settings.Add(token);
        }

        if (parse.GetValue(Connection) is { } connection)
        {
            settings.Add($"--ConnectionStrings:GeoAwareness={connection}");
        }

        if (parse.GetValue(DataDirectory) is { } folder)
        {
            settings.Add($"--{LocalClusterOptions.SectionName}:DataDirectory={folder}");
        }

        return settings;
    }

    /// <summary>Runs work on the database; a database that cannot be reached or started is one line and exit 3.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (PostgresException e) when (!e.SqlState.StartsWith("08", StringComparison.Ordinal) && !e.SqlState.StartsWith("28", StringComparison.Ordinal) && e.SqlState != PostgresErrorCodes.InvalidCatalogName)
        {
            throw new CliException(ExitCodes.Failed, $"the database refused: {FirstLine(e.Message)}");
        }
        catch (Exception e) when (e is NpgsqlException or LocalClusterException or TimeoutException)
        {
            // Connection failures (08), refused logins (28) and a missing database (3D000) all mean: not reachable as configured.
            throw new CliException(ExitCodes.Unreachable, $"cannot reach the database: {FirstLine(e.Message)}");
        }
        catch (Exception e) when (e is MigrationException or ArgumentException)
        {
            throw new CliException(ExitCodes.Failed, FirstLine(e.Message));
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
