using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace Geo.LocalCluster.Backups;

/// <summary>
/// <c>geoaware db backup</c>: a consistent copy of the service's database in a new folder of its
/// own, with a manifest of what it holds and a checksum of every file. The folder is written
/// under a scratch name and renamed when complete, so a backup that failed (a full disk, a lost
/// connection) never looks like one that can be restored.
/// </summary>
public static class DatabaseBackup
{
    /// <summary>The tables a dump's manifest counts: the service's own, not those of extensions (PostGIS's spatial_ref_sys).</summary>
    public const string TablesSql =
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
        "WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', 'confidential') " +
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 1";

    /// <summary>Backs the database up into a new folder inside <paramref name="parentFolder"/> and returns that folder's path.</summary>
    public static async Task<string> CreateAsync(string connectionString, string parentFolder, BackupKind kind, CancellationToken cancellationToken)
    {
        var parent = Path.GetFullPath(parentFolder);
        if (File.Exists(parent))
        {
            throw new BackupException($"the backup folder {parent} is a file, not a folder");
        }

        if (!Directory.Exists(parent))
        {
            throw new BackupException($"the backup folder {parent} does not exist: create it (on a disk other than the database's) and try again");
        }

        var createdAt = DateTimeOffset.UtcNow;
        var name = $"geoawareness-{createdAt.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)}-{kind.ToString().ToLowerInvariant()}";
        var final = Path.Combine(parent, name);
        var scratch = final + ".partial";
        try
        {
            // A backup holds everything, confidential sources and referrals included: only its
            // owner may enter the folder, whatever the umask.
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(scratch);
            }
            else
            {
                Directory.CreateDirectory(scratch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException($"cannot write in the backup folder {parent}: {e.Message}", e);
        }

        try
        {
            var tools = new PostgresTools(connectionString);
            await using var source = new NpgsqlConnection(PostgresTools.Primary(connectionString));
            await source.OpenAsync(cancellationToken).ConfigureAwait(false);
            // A dump is taken in this transaction's snapshot (pg_dump --snapshot), so the rows
            // counted here are exactly the rows in the dump.
            await using var transaction = await source.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            var facts = await SourceFacts.ReadAsync(source, countTables: kind == BackupKind.Dump, cancellationToken).ConfigureAwait(false);
            if (kind == BackupKind.Dump)
            {
                var snapshot = await ScalarAsync<string>(source, "SELECT pg_export_snapshot()", cancellationToken).ConfigureAwait(false);
                Check(await tools.RunAsync("pg_dump", ["--format=custom", $"--snapshot={snapshot}", "--file", Path.Combine(scratch, "database.dump"), "--dbname", tools.ConnectionInfo], cancellationToken)
                    .ConfigureAwait(false), "pg_dump", parent);
            }
            else
            {
                Check(await tools.RunAsync("pg_basebackup",
                    ["--pgdata", Path.Combine(scratch, "base"), "--format=tar", "--gzip", "--wal-method=stream", "--checkpoint=fast", "--manifest-checksums=SHA256", "--dbname", tools.ConnectionInfo],
                    cancellationToken).ConfigureAwait(false), "pg_basebackup", parent);
                foreach (var file in Directory.GetFiles(Path.Combine(scratch, "base")))
                {
                    File.Move(file, Path.Combine(scratch, Path.GetFileName(file)));
                }

                Directory.Delete(Path.Combine(scratch, "base"));
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            var files = new List<BackupFile>();
            foreach (var file in Directory.GetFiles(scratch).Order(StringComparer.Ordinal))
            {
                files.Add(await DescribeAsync(file, cancellationToken).ConfigureAwait(false));
            }

            var manifest = new BackupManifest
            {
                Format = BackupManifest.CurrentFormat,
                Kind = kind,
                CreatedAt = createdAt,
                Database = tools.Database,
                ServerVersion = facts.ServerVersion,
                PostgisVersion = facts.PostgisVersion,
                SchemaVersion = facts.SchemaVersion,
                NextTransactionId = facts.NextTransactionId,
                Roles = facts.Roles,
                Tables = facts.Tables,
                Files = files,
            };
            await File.WriteAllTextAsync(Path.Combine(scratch, BackupManifest.FileName), manifest.ToJson(), cancellationToken).ConfigureAwait(false);
            Directory.Move(scratch, final);
            return final;
        }
        catch (IOException e) when (e.HResult == 28 || e.Message.Contains("No space left", StringComparison.Ordinal))
        {
            TryDelete(scratch);
            throw new BackupException($"the backup folder {parent} is full: {e.Message}", e);
        }
        catch
        {
            TryDelete(scratch);
            throw;
        }
    }

    /// <summary>Checks every file of a backup against its manifest: present, same size, same SHA-256.</summary>
    public static async Task<BackupManifest> VerifyAsync(string backupFolder, CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(backupFolder);
        var manifest = BackupManifest.Read(folder);
        foreach (var expected in manifest.Files)
        {
            var path = Path.Combine(folder, expected.Name);
            if (!File.Exists(path))
            {
                throw new BackupException($"the backup in {folder} is incomplete: {expected.Name} is missing");
            }

            var actual = await DescribeAsync(path, cancellationToken).ConfigureAwait(false);
            if (actual != expected)
            {
                throw new BackupException(
                    $"the backup in {folder} is damaged: {expected.Name} has {actual.Bytes} bytes and SHA-256 {actual.Sha256}, the manifest says {expected.Bytes} and {expected.Sha256}");
            }
        }

        return manifest;
    }

    private static void Check(ProcessResult result, string tool, string parent)
    {
        if (result.Succeeded)
        {
            return;
        }

        var output = result.Output;
        if (output.Contains("No space left on device", StringComparison.Ordinal))
        {
            throw new BackupException($"the backup folder {parent} is full ({tool}: {PostgresInstallation.LastLine(output)})");
        }

        if (output.Contains("Read-only file system", StringComparison.Ordinal) || output.Contains("Permission denied", StringComparison.Ordinal))
        {
            throw new BackupException($"cannot write in the backup folder {parent} ({tool}: {PostgresInstallation.LastLine(output)})");
        }

        throw new BackupException($"{tool} failed: {PostgresInstallation.LastLine(output)}");
    }

    private static async Task<BackupFile> DescribeAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return new BackupFile(Path.GetFileName(path), stream.Length, Convert.ToHexStringLower(hash));
    }

    internal static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left as *.partial, which no restore accepts (it has no manifest).
        }
    }

    /// <summary>What a manifest says of the database it was taken from.</summary>
    private sealed record SourceFacts(string ServerVersion, string PostgisVersion, int SchemaVersion, ulong NextTransactionId, IReadOnlyList<string> Roles, IReadOnlyDictionary<string, long> Tables)
    {
        public static async Task<SourceFacts> ReadAsync(NpgsqlConnection connection, bool countTables, CancellationToken cancellationToken)
        {
            var server = await ScalarAsync<string>(connection, "SHOW server_version", cancellationToken).ConfigureAwait(false);
            var postgis = await ScalarAsync<object>(connection, "SELECT extversion FROM pg_extension WHERE extname = 'postgis'", cancellationToken).ConfigureAwait(false) as string ?? "none";
            var schema = await SchemaVersionAsync(connection, cancellationToken).ConfigureAwait(false);
            var next = ulong.Parse(await ScalarAsync<string>(connection, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            var roles = new List<string>();
            await using (var command = new NpgsqlCommand(
                "SELECT DISTINCT a.grantee::regrole::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a " +
                "WHERE n.nspname IN ('public', 'confidential') AND a.grantee <> 0 AND a.grantee <> c.relowner ORDER BY 1", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    roles.Add(reader.GetString(0));
                }
            }

            var tables = new SortedDictionary<string, long>(StringComparer.Ordinal);
            if (countTables)
            {
                foreach (var table in await TableNamesAsync(connection, cancellationToken).ConfigureAwait(false))
                {
                    tables[table] = await ScalarAsync<long>(connection, $"SELECT count(*) FROM {table}", cancellationToken).ConfigureAwait(false);
                }
            }

            return new SourceFacts(server.Split(' ')[0], postgis, schema, next, roles, tables);
        }
    }

    /// <summary>The highest migration applied, or 0 where the service never migrated the database.</summary>
    internal static async Task<int> SchemaVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        await ScalarAsync<object>(connection, "SELECT to_regclass('public.schema_migrations') IS NOT NULL", cancellationToken).ConfigureAwait(false) is true
            ? await ScalarAsync<int>(connection, "SELECT coalesce(max(version), 0) FROM schema_migrations", cancellationToken).ConfigureAwait(false)
            : 0;

    /// <summary>The service's tables, quoted schema.table, from <see cref="TablesSql"/>.</summary>
    internal static async Task<List<string>> TableNamesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await using var command = new NpgsqlCommand(TablesSql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
