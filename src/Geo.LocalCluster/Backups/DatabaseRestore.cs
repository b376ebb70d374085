using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Geo.LocalCluster.Backups;

/// <summary>
/// <c>geoaware db restore</c>: a backup brought back into a new cluster, checked against its
/// manifest before anything is written and after.
/// </summary>
public static class DatabaseRestore
{
    /// <summary>What a restore did besides the rows, for the operator to read.</summary>
    public sealed record Outcome(BackupManifest Manifest, IReadOnlyList<string> Notes);

    /// <summary>
    /// Restores a dump into the empty database <paramref name="connectionString"/> names, in one
    /// transaction (nothing is half-restored), then checks every table's row count against the
    /// manifest.
    /// </summary>
    /// <param name="newestSchemaVersion">The schema version this build migrates to: a backup of a newer one is refused.</param>
    public static async Task<Outcome> RestoreDumpAsync(string backupFolder, string connectionString, int newestSchemaVersion, CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(backupFolder);
        var manifest = await DatabaseBackup.VerifyAsync(folder, cancellationToken).ConfigureAwait(false);
        if (manifest.Kind != BackupKind.Dump)
        {
            throw new BackupException($"{folder} is a base backup of a whole cluster: restore it into a new private cluster (--data-directory), not into a database");
        }

        RefuseNewerThanThisBuild(manifest, newestSchemaVersion);
        var notes = new List<string>();
        var tools = new PostgresTools(connectionString);
        await using var target = new NpgsqlConnection(PostgresTools.Primary(connectionString));
        await target.OpenAsync(cancellationToken).ConfigureAwait(false);
        await RefuseNonEmptyAsync(target, manifest, cancellationToken).ConfigureAwait(false);

        // The transaction counter is the cluster's, and the restored positions come from the dump:
        // moved first, so that a restore that fails midway leaves nothing to repair.
        await AdvanceTransactionIdsAsync(target, manifest.NextTransactionId, cancellationToken).ConfigureAwait(false);
        var arguments = new List<string> { "--single-transaction", "--exit-on-error", "--no-owner", "--dbname", tools.ConnectionInfo };
        if (!await CreateMissingRolesAsync(target, manifest.Roles, notes, cancellationToken).ConfigureAwait(false))
        {
            arguments.Add("--no-privileges");
        }

        var dump = Path.Combine(folder, "database.dump");
        string? listFile = null;
        try
        {
            if (await DatabaseBackup.ScalarAsync<object>(target, "SELECT 1 FROM pg_extension WHERE extname = 'postgis'", cancellationToken).ConfigureAwait(false) is not null)
            {
                // PostGIS installed beforehand by an administrator: restore everything but its creation.
                var list = await tools.RunAsync("pg_restore", ["--list", dump], cancellationToken).ConfigureAwait(false);
                Check(list, "pg_restore --list");
                var kept = list.StandardOutput.Split('\n').Where(line => !line.Contains(" EXTENSION - postgis", StringComparison.Ordinal) && !line.Contains("COMMENT - EXTENSION postgis", StringComparison.Ordinal));
                listFile = Path.Combine(Path.GetTempPath(), $"geoaware-restore-{Guid.NewGuid():N}.list");
                await File.WriteAllLinesAsync(listFile, kept, cancellationToken).ConfigureAwait(false);
                arguments.InsertRange(0, ["--use-list", listFile]);
            }

            arguments.Add(dump);
            Check(await tools.RunAsync("pg_restore", arguments, cancellationToken).ConfigureAwait(false), "pg_restore");
        }
        finally
        {
            if (listFile is not null)
            {
                File.Delete(listFile);
            }
        }

        // The manifest is not signed: its table names are used only where they name a restored table.
        var present = (await DatabaseBackup.TableNamesAsync(target, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        foreach (var (table, rows) in manifest.Tables)
        {
            if (!present.Contains(table))
            {
                throw new BackupException($"the restore of {folder} is incomplete: the backup has table {table}, the restored database does not");
            }

            var restored = await DatabaseBackup.ScalarAsync<long>(target, $"SELECT count(*) FROM {table}", cancellationToken).ConfigureAwait(false);
            if (restored != rows)
            {
                throw new BackupException($"the restore of {folder} is incomplete: {table} has {restored} rows, the backup {rows}");
            }
        }

        return new Outcome(manifest, notes);
    }

    /// <summary>
    /// Restores a base backup into a new private cluster in <paramref name="target"/>'s folder and
    /// starts it. With <paramref name="walArchive"/> it replays the archived WAL, up to
    /// <paramref name="until"/> when given (point-in-time recovery), then takes writes again.
    /// The caller stops the returned cluster.
    /// </summary>
    public static async Task<(LocalPostgresCluster Cluster, BackupManifest Manifest)> RestoreBaseAsync(
        string backupFolder, LocalClusterOptions target, string? walArchive, DateTimeOffset? until, int newestSchemaVersion, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var folder = Path.GetFullPath(backupFolder);
        var manifest = await DatabaseBackup.VerifyAsync(folder, cancellationToken).ConfigureAwait(false);
        if (manifest.Kind != BackupKind.Base)
        {
            throw new BackupException($"{folder} is a dump of one database: restore it into an empty database; only a base backup restores a whole cluster");
        }

        RefuseNewerThanThisBuild(manifest, newestSchemaVersion);
        if (until is not null && walArchive is null)
        {
            throw new BackupException("--until needs --wal-archive: the archived WAL is what is replayed up to that moment");
        }

        string? archive = null;
        if (walArchive is not null)
        {
            archive = Path.GetFullPath(walArchive);
            if (!Directory.Exists(archive))
            {
                throw new BackupException($"the WAL archive {archive} does not exist");
            }

            if (!LocalPostgresCluster.IsPlainPath(archive))
            {
                throw new BackupException($"--wal-archive may not contain quotes, %, $, `, \\ or line breaks: {archive}");
            }
        }

        var root = Path.GetFullPath(target.DataDirectory);
        var data = Path.Combine(root, "data");
        if (File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            throw new BackupException($"{data} already holds a cluster: restore into a new folder (--data-directory), never over a cluster");
        }

        if (Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any())
        {
            throw new BackupException($"{data} is not empty: restore into a new folder (--data-directory)");
        }

        Directory.CreateDirectory(data);
        try
        {
            await ExtractAsync(Path.Combine(folder, "base.tar.gz"), data, cancellationToken).ConfigureAwait(false);
            await ExtractAsync(Path.Combine(folder, "pg_wal.tar.gz"), Path.Combine(data, "pg_wal"), cancellationToken).ConfigureAwait(false);
            await LocalPostgresCluster.ForgetSynchronousStandbyAsync(data, cancellationToken).ConfigureAwait(false);
            if (archive is not null)
            {
                await File.WriteAllTextAsync(Path.Combine(data, "recovery.signal"), string.Empty, cancellationToken).ConfigureAwait(false);
                var recovery = $"\n# Written by geoaware db restore.\nrestore_command = 'cp \"{Escape(archive)}/%f\" \"%p\"'\nrecovery_target_action = 'promote'\n";
                if (until is { } moment)
                {
                    recovery += $"recovery_target_time = '{moment.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}+00'\n";
                }

                await File.AppendAllTextAsync(Path.Combine(data, "postgresql.auto.conf"), recovery, cancellationToken).ConfigureAwait(false);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            if (SystemAccount.IsRoot)
            {
                await SystemAccount.GiveToAsync(root, target.SystemUser, cancellationToken, recursive: true).ConfigureAwait(false);
            }
        }
        catch
        {
            // Half-extracted: removed, so that the same restore can be run again.
            Directory.Delete(data, recursive: true);
            throw;
        }

        target.Database = manifest.Database;
        // A restored cluster archives nowhere until its operator says where: a restore drill must
        // never add its timeline to the archive the production cluster writes.
        target.WalArchive = string.Empty;
        LocalPostgresCluster cluster;
        try
        {
            cluster = await LocalPostgresCluster.StartAsync(target, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LocalClusterException or NpgsqlException)
        {
            // The server may stop during its start (a target before the backup's end) or just after
            // it accepted connections (a target the archive does not reach): its log says why.
            throw new BackupException($"recovery stopped: {LastFatal(Path.Combine(root, "postgresql.log")) ?? e.Message.Split('\n')[0]}", e);
        }

        try
        {
            await WaitForPromotionAsync(cluster, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await cluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return (cluster, manifest);
    }

    private static void RefuseNewerThanThisBuild(BackupManifest manifest, int newestSchemaVersion)
    {
        if (manifest.SchemaVersion > newestSchemaVersion)
        {
            throw new BackupException(
                $"the backup holds schema version {manifest.SchemaVersion}, newer than this build's {newestSchemaVersion}: restore it with the GeoAwareness that made it, or a newer one");
        }
    }

    private static async Task RefuseNonEmptyAsync(NpgsqlConnection target, BackupManifest manifest, CancellationToken cancellationToken)
    {
        var version = await DatabaseBackup.SchemaVersionAsync(target, cancellationToken).ConfigureAwait(false);
        if (version > manifest.SchemaVersion)
        {
            throw new BackupException(
                $"the database {target.Database} holds a newer schema (version {version}) than the backup (version {manifest.SchemaVersion}): restore into an empty database");
        }

        if (version > 0)
        {
            throw new BackupException($"the database {target.Database} already holds GeoAwareness data (schema version {version}): restore into an empty database");
        }

        var tables = await DatabaseBackup.TableNamesAsync(target, cancellationToken).ConfigureAwait(false);
        if (tables.Count > 0)
        {
            throw new BackupException($"the database {target.Database} is not empty ({tables.Count} tables, {tables[0]} first): restore into an empty database");
        }
    }

    /// <summary>
    /// pg_dump carries no roles: the roles the backup's grants name are created (without a
    /// login; an administrator gives them one) where this account may, or else the grants are
    /// left out. False when they are left out.
    /// </summary>
    private static async Task<bool> CreateMissingRolesAsync(NpgsqlConnection target, IReadOnlyList<string> roles, List<string> notes, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var role in roles)
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = $1", target) { Parameters = { new() { Value = role.Trim('"') } } };
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                missing.Add(role.Trim('"'));
            }
        }

        if (missing.Count == 0)
        {
            return true;
        }

        if (await DatabaseBackup.ScalarAsync<bool>(target, "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user", cancellationToken).ConfigureAwait(false))
        {
            foreach (var role in missing)
            {
                // As migration 0003 makes it: a login without a password, which only the private
                // cluster's local (trust) connections can use; elsewhere an administrator sets one.
                await using var create = new NpgsqlCommand($"CREATE ROLE \"{role.Replace("\"", "\"\"", StringComparison.Ordinal)}\" LOGIN", target);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                notes.Add($"created the role {role} that the backup's grants name (LOGIN, no password, as the service's migrations make it)");
            }

            return true;
        }

        notes.Add($"left out the backup's grants: the roles {string.Join(", ", missing)} do not exist here and this account may not create them");
        return false;
    }

    /// <summary>
    /// Feed positions are transaction ids (change_xid), and a page delivers only rows below the
    /// oldest running transaction. A fresh cluster's ids start low: until they pass the backup's,
    /// every restored row would look unsettled and a new write would sort before the restored
    /// ones. So the restored database consumes ids until its next one is above every restored
    /// position (one empty transaction each, committed without waiting for the disk).
    /// </summary>
    private static async Task AdvanceTransactionIdsAsync(NpgsqlConnection target, ulong next, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SET synchronous_commit = off; " +
            "DO $$ BEGIN WHILE pg_snapshot_xmax(pg_current_snapshot()) < '" + next.ToString(CultureInfo.InvariantCulture) + "'::xid8 LOOP " +
            "PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$; RESET synchronous_commit", target)
        { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WaitForPromotionAsync(LocalPostgresCluster cluster, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(cluster.ConnectionStringFor("postgres") + ";Pooling=false");
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                if (!await DatabaseBackup.ScalarAsync<bool>(connection, "SELECT pg_is_in_recovery()", cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                // Starting, or stopped (a recovery target past the archive's end): no postmaster
                // left means stopped, and the log's last FATAL line says why.
                if (!File.Exists(Path.Combine(cluster.DataDirectory, "postmaster.pid")))
                {
                    throw new BackupException($"recovery stopped: {LastFatal(cluster.LogFile) ?? "the server exited"} (full log: {cluster.LogFile})");
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new BackupException($"recovery did not finish in 30 minutes (log: {cluster.LogFile})");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The last FATAL line of a server log, or null.</summary>
    private static string? LastFatal(string logFile) =>
        File.Exists(logFile) ? File.ReadLines(logFile).LastOrDefault(line => line.Contains("FATAL:", StringComparison.Ordinal))?.Trim() : null;

    private static async Task ExtractAsync(string archive, string destination, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(destination);
        await using var file = File.OpenRead(archive);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await TarFile.ExtractToDirectoryAsync(gzip, destination, overwriteFiles: false, cancellationToken).ConfigureAwait(false);
    }

    private static void Check(ProcessResult result, string tool)
    {
        if (!result.Succeeded)
        {
            throw new BackupException($"{tool} failed: {FirstError(result.Output)}");
        }
    }

    /// <summary>pg_restore's first error says what went wrong; the lines after it say that it stopped.</summary>
    private static string FirstError(string output) =>
        output.Split('\n').FirstOrDefault(line => line.Contains("error:", StringComparison.Ordinal))?.Trim() ?? PostgresInstallation.LastLine(output);

    private static string Escape(string path) => path.Replace("'", "''", StringComparison.Ordinal);
}
