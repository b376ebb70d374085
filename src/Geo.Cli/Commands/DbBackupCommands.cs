using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Geo.Cli.Arguments;
using Geo.Grpc;
using Geo.Grpc.Hosting;
using Geo.LocalCluster;
using Geo.LocalCluster.Backups;
using Geo.Storage;

namespace Geo.Cli.Commands;

/// <summary><c>geoaware db backup|restore</c>: copies of the service's database that have been seen to restore.</summary>
internal static class DbBackupCommands
{
    public static Command Backup(CliContext context)
    {
        var to = new Option<string>("--to") { Description = "an existing folder (best on another disk or machine); the backup is a new folder inside it", HelpName = "folder", Required = true };
        var kind = CliOptions.OneOf("--kind",
            "dump is pg_dump of the service's database (restores into any PostGIS); base is pg_basebackup of the whole cluster (for point-in-time recovery with the WAL archive)",
            "dump", "base");
        var command = new Command("backup",
            "Back the service's database up into a new folder with a manifest (what it holds, every table's rows for a dump) and the SHA-256 of every file. " +
            "A backup that fails leaves nothing that looks complete. Prints the new folder.\n\n" +
            "Examples:\n" +
            "  geoaware db backup --to /mnt/backups\n" +
            "  geoaware db backup --to /mnt/backups --kind base --data-directory /srv/geoaware/postgres\n" +
            "  geoaware db backup --to /mnt/backups --connection \"Host=db.mission.un.org;Database=geoawareness;Username=geo\"")
        {
            to, kind,
        };
        DatabaseOptions.AddTo(command);
        context.OnLocal(command, (parse, cancellationToken) => Guard(async () =>
        {
            var backupKind = parse.GetValue(kind) == "base" ? BackupKind.Base : BackupKind.Dump;
            var folder = parse.GetValue(to)!;
            await using var place = await PrivateDatabase.StartIfNeededAsync(DatabaseOptions.Settings(parse), LogLevel.Warning, cancellationToken).ConfigureAwait(false);
            var backup = await DatabaseBackup.CreateAsync(ConnectionString(place.Settings), folder, backupKind, cancellationToken).ConfigureAwait(false);
            var manifest = BackupManifest.Read(backup);
            await context.Output.WriteLineAsync(backup).ConfigureAwait(false);
            var bytes = manifest.Files.Sum(f => f.Bytes);
            await context.Error.WriteLineAsync(
                $"{(backupKind == BackupKind.Dump ? "dump of database" : "base backup of the cluster holding")} {manifest.Database}: schema version {manifest.SchemaVersion}, " +
                $"{Megabytes(bytes)} in {manifest.Files.Count} file(s)" +
                (backupKind == BackupKind.Dump ? $", {manifest.Tables.Values.Sum():N0} rows in {manifest.Tables.Count} tables" : string.Empty) +
                $"; checksums in {Path.Combine(backup, BackupManifest.FileName)}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Restore(CliContext context)
    {
        var from = new Option<string>("--from") { Description = "the backup's folder (as db backup printed it)", HelpName = "folder", Required = true };
        var walArchive = new Option<string>("--wal-archive") { Description = "base backups: the folder of archived WAL (LocalDatabase:WalArchive) to replay after the backup", HelpName = "folder" };
        var until = CliOptions.Time("--until", "base backups: replay the archived WAL up to this moment, then take writes");
        var command = new Command("restore",
            "Restore a backup, after checking every file against its manifest. A dump restores into an empty database (the private cluster's, or --connection's) in one transaction, " +
            "and every table's row count is checked against the manifest. A base backup restores into a new private cluster (--data-directory), and with --wal-archive " +
            "replays the archived WAL to the end or to --until. Then serve from it (geoaware serve --data-directory FOLDER, or the service with its connection string).\n\n" +
            "Examples:\n" +
            "  geoaware db restore --from /mnt/backups/geoawareness-20261207T130501123Z-dump --data-directory /srv/geoaware/restored\n" +
            "  geoaware db restore --from /mnt/backups/geoawareness-20261207T130501123Z-dump --connection \"Host=db2.mission.un.org;Database=geoawareness;Username=geo\"\n" +
            "  geoaware db restore --from /mnt/backups/geoawareness-20261207T020000000Z-base --data-directory /srv/geoaware/pitr --wal-archive /mnt/wal --until 2026-12-07T13:05:00Z")
        {
            from, walArchive, until,
        };
        DatabaseOptions.AddTo(command);
        context.OnLocal(command, (parse, cancellationToken) => Guard(async () =>
        {
            var folder = parse.GetValue(from)!;
            var manifest = BackupManifest.Read(Path.GetFullPath(folder));
            var settings = DatabaseOptions.Settings(parse);
            var moment = parse.GetValue(until);

            if (manifest.Kind == BackupKind.Dump)
            {
                if (moment is not null || parse.GetValue(walArchive) is not null)
                {
                    throw new CliException(ExitCodes.Usage, "--until and --wal-archive apply to base backups; this is a dump, which restores as it was taken");
                }

                await using var place = await PrivateDatabase.StartIfNeededAsync(settings, LogLevel.Warning, cancellationToken).ConfigureAwait(false);
                var outcome = await DatabaseRestore.RestoreDumpAsync(folder, ConnectionString(place.Settings), GeoDatabase.ExpectedSchemaVersion, cancellationToken).ConfigureAwait(false);
                foreach (var note in outcome.Notes)
                {
                    await context.Error.WriteLineAsync($"note: {note}").ConfigureAwait(false);
                }

                await context.Output.WriteLineAsync(
                    $"restored {Path.GetFullPath(folder)} into database {manifest.Database}: schema version {manifest.SchemaVersion}, " +
                    $"{manifest.Tables.Values.Sum():N0} rows in {manifest.Tables.Count} tables, each table's count checked").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var configuration = ServiceConfiguration.Read(settings);
            if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString(ServiceOptions.ConnectionStringName)))
            {
                throw new CliException(ExitCodes.Usage, "a base backup is a whole cluster's files: restore it into a new private cluster with --data-directory, not into --connection's database");
            }

            var options = configuration.GetSection(LocalClusterOptions.SectionName).Get<LocalClusterOptions>() ?? new LocalClusterOptions();
            using var loggers = LoggerFactory.Create(logging => logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
            var (cluster, restored) = await DatabaseRestore.RestoreBaseAsync(
                folder, options, parse.GetValue(walArchive), moment, GeoDatabase.ExpectedSchemaVersion, loggers.CreateLogger("restore"), cancellationToken).ConfigureAwait(false);
            await cluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await context.Output.WriteLineAsync(
                $"restored {Path.GetFullPath(folder)} into a new cluster in {cluster.Root}: schema version {restored.SchemaVersion}" +
                (parse.GetValue(walArchive) is null ? ", as the backup ended" : moment is null ? ", with every archived change" : $", as it was at {moment.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss.FFFFFF}Z")).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string ConnectionString(IReadOnlyList<string> settings) =>
        ServiceConfiguration.Read(settings).GetConnectionString(ServiceOptions.ConnectionStringName)
        ?? throw new CliException(ExitCodes.Failed, "no database is configured");

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MB");

    /// <summary>A backup that cannot be made or restored says why in one line, exit 1; the database unreachable is exit 3.</summary>
    private static Task<int> Guard(Func<Task<int>> action) => DatabaseOptions.GuardAsync(async () =>
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (BackupException e)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
        }
    });
}
