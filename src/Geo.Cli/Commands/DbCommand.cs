using System.CommandLine;
using Microsoft.Extensions.Logging;
using Geo.Cli.Arguments;
using Geo.Cli.Output;
using Geo.Grpc.Hosting;
using Geo.LocalCluster;
using Geo.Storage;
using Geo.Storage.Migrations;
using Npgsql;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware db status|migrate</c>: the service's database, opened with the service's own
/// configuration (an external PostGIS, or the private cluster), without a running service.
/// </summary>
internal static class DbCommand
{
    /// <summary>The tables whose row counts say what the mission holds, in the order people ask about them.</summary>
    private static readonly string[] MainTables =
    [
        "observations", "observation_reviews", "communities", "bases", "cla_deployments", "sectors",
        "confidential.sources", "confidential.referrals", "access_tokens", "audit_log",
    ];

    public static Command Create(CliContext context)
    {
        var command = new Command("db",
            "The service's database, with the service's configuration: versions, migrations, row counts, backups and restores.\n\n" +
            "Examples:\n" +
            "  geoaware db status\n" +
            "  geoaware db status --connection \"Host=db.mission.un.org;Database=geoawareness;Username=geo\"\n" +
            "  geoaware db migrate --data-directory /srv/geoaware/postgres\n" +
            "  geoaware db backup --to /mnt/backups");
        command.Subcommands.Add(Status(context));
        command.Subcommands.Add(Migrate(context));
        command.Subcommands.Add(DbBackupCommands.Backup(context));
        command.Subcommands.Add(DbBackupCommands.Restore(context));
        return command;
    }

    private static Command Status(CliContext context)
    {
        var command = new Command("status",
            "Print the PostgreSQL and PostGIS versions, the schema version, applied and pending migrations, and the main tables' row counts. Changes nothing.\n\n" +
            "Examples:\n" +
            "  geoaware db status\n" +
            "  geoaware db status --LocalDatabase:DataDirectory=/srv/geoaware/postgres");
        DatabaseOptions.AddTo(command);
        context.OnLocal(command, (parse, cancellationToken) => DatabaseOptions.GuardAsync(async () =>
        {
            await using var place = await PrivateDatabase.StartIfNeededAsync(DatabaseOptions.Settings(parse), LogLevel.Warning, cancellationToken).ConfigureAwait(false);
            await using var database = ConfiguredDatabase.Open(place.Settings, place.IsPrivate);
            var readiness = await database.Database.CheckReadinessAsync(cancellationToken).ConfigureAwait(false);
            if (readiness.PostgresVersion is null)
            {
                throw new CliException(ExitCodes.Unreachable, (readiness.Problem ?? "the database is unreachable").Split('\n')[0]);
            }

            await using var connection = await database.Database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var applied = await AppliedAsync(connection, cancellationToken).ConfigureAwait(false);
            var output = context.Output;
            await output.WriteLineAsync($"database:    {Describe(database.Database, place.Cluster)}").ConfigureAwait(false);
            await output.WriteLineAsync($"PostgreSQL:  {readiness.PostgresVersion}").ConfigureAwait(false);
            await output.WriteLineAsync($"PostGIS:     {readiness.PostgisVersion ?? "not installed"}").ConfigureAwait(false);
            await output.WriteLineAsync($"schema:      version {readiness.SchemaVersion} (this build migrates to {GeoDatabase.ExpectedSchemaVersion})").ConfigureAwait(false);
            var pending = Migration.BuiltIn().Where(m => !applied.ContainsKey(m.Version)).ToList();
            await output.WriteLineAsync($"migrations:  {applied.Count} applied, {pending.Count} pending{(pending.Count > 0 ? ": run geoaware db migrate (or start the service)" : string.Empty)}")
                .ConfigureAwait(false);
            var migrations = Tables.Create("version", "migration", "state", "applied at");
            foreach (var (version, (name, at)) in applied)
            {
                Tables.AddRow(migrations, $"{version}", name, "applied", $"{at:yyyy-MM-dd HH:mm:ss}Z");
            }

            foreach (var migration in pending)
            {
                Tables.AddRow(migrations, $"{migration.Version}", migration.Name, "pending", string.Empty);
            }

            Tables.Write(context, migrations);
            var rows = Tables.Create("table", "rows");
            foreach (var table in MainTables)
            {
                if (await CountAsync(connection, table, cancellationToken).ConfigureAwait(false) is { } count)
                {
                    Tables.AddRow(rows, table, $"{count}");
                }
            }

            Tables.Write(context, rows);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Migrate(CliContext context)
    {
        var command = new Command("migrate",
            "Apply the migrations the database lacks (each whole or not at all) and say which; the service does the same when it starts.\n\n" +
            "Examples:\n" +
            "  geoaware db migrate\n" +
            "  geoaware db migrate --connection \"Host=db.mission.un.org;Database=geoawareness;Username=geo\"");
        DatabaseOptions.AddTo(command);
        context.OnLocal(command, (parse, cancellationToken) => DatabaseOptions.GuardAsync(async () =>
        {
            await using var place = await PrivateDatabase.StartIfNeededAsync(DatabaseOptions.Settings(parse), LogLevel.Warning, cancellationToken).ConfigureAwait(false);
            await using var database = ConfiguredDatabase.Open(place.Settings, place.IsPrivate);
            IReadOnlyCollection<int> before;
            await using (var connection = await database.Database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            {
                before = (await AppliedAsync(connection, cancellationToken).ConfigureAwait(false)).Keys;
            }

            await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            var applied = Migration.BuiltIn().Where(m => !before.Contains(m.Version)).ToList();
            foreach (var migration in applied)
            {
                await context.Output.WriteLineAsync($"applied {migration.Name}").ConfigureAwait(false);
            }

            await context.Output.WriteLineAsync(applied.Count == 0
                ? $"nothing to apply: the schema is at version {GeoDatabase.ExpectedSchemaVersion}"
                : $"the schema is at version {GeoDatabase.ExpectedSchemaVersion}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Where the database is, without the password: an external server, or the private cluster's folder.</summary>
    private static string Describe(GeoDatabase database, LocalPostgresCluster? cluster)
    {
        if (cluster is not null)
        {
            return $"private cluster in {cluster.Root} ({(cluster.StartedHere ? "started for this command, stopped again" : "already running")})";
        }

        var settings = new NpgsqlConnectionStringBuilder(database.DataSource.ConnectionString);
        return $"external, database {settings.Database} on {settings.Host}:{settings.Port} as {settings.Username}";
    }

    private static async Task<SortedDictionary<int, (string Name, DateTime At)>> AppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new SortedDictionary<int, (string, DateTime)>();
        if (await MigrationRunner.ReadVersionAsync(connection, cancellationToken).ConfigureAwait(false) == 0)
        {
            return applied;
        }

        await using var command = new NpgsqlCommand("SELECT version, name, applied_at FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            applied[reader.GetInt32(0)] = (reader.GetString(1), reader.GetDateTime(2));
        }

        return applied;
    }

    /// <summary>The table's exact row count, or null when the schema does not have it yet.</summary>
    private static async Task<long?> CountAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection) { Parameters = { new() { Value = table } } };
        if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
        {
            return null;
        }

        // The name is one of MainTables, never the user's text.
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
