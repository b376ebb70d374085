using Microsoft.Extensions.Logging;
using Npgsql;

namespace Geo.Storage.Migrations;

/// <summary>
/// Brings a database's schema up to date: applies each migration not yet recorded, in version
/// order, each in its own transaction together with its row in <c>schema_migrations</c>.
/// </summary>
/// <remarks>
/// An advisory lock makes concurrent starts (two services, or a service and the CLI) apply each
/// migration once. A failing migration is rolled back whole and stops the run with its name.
/// </remarks>
public sealed class MigrationRunner
{
    // Any fixed number will do; it only has to be the same for every GeoAwareness process.
    private const long AdvisoryLockKey = 0x6765_6f61_7761_7265;

    private readonly IReadOnlyList<Migration> _migrations;
    private readonly ILogger _logger;

    public MigrationRunner(IEnumerable<Migration> migrations, ILogger logger)
    {
        _migrations = Migration.Ordered(migrations);
        _logger = logger;
    }

    public int LatestVersion => _migrations.Count == 0 ? 0 : _migrations[^1].Version;

    /// <summary>Applies the missing migrations and returns how many it applied.</summary>
    public async Task<int> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version     integer PRIMARY KEY,
                    name        text NOT NULL,
                    checksum    text NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken).ConfigureAwait(false);

            var applied = await ReadAppliedAsync(connection, cancellationToken).ConfigureAwait(false);
            CheckHistory(applied);
            var count = 0;
            foreach (var migration in _migrations.Where(m => !applied.ContainsKey(m.Version)))
            {
                await ApplyAsync(connection, migration, cancellationToken).ConfigureAwait(false);
                count++;
            }

            StorageLog.SchemaReady(_logger, LatestVersion, count);
            return count;
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The highest applied version, or 0 when the database has never been migrated.</summary>
    public static async Task<int> ReadVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // Two statements: PostgreSQL resolves every table of a statement before running it, so one
        // statement that reads schema_migrations fails on a database that was never migrated.
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return 0;
            }
        }

        await using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_migrations", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private void CheckHistory(Dictionary<int, (string Name, string Checksum)> applied)
    {
        var newer = applied.Keys.Where(v => v > LatestVersion).Order().ToList();
        if (newer.Count > 0)
        {
            throw new MigrationException(
                $"the database has schema version {newer[^1]} ({applied[newer[^1]].Name}), newer than this build knows " +
                $"(version {LatestVersion}): run a newer GeoAwareness against it, or use another database");
        }

        foreach (var migration in _migrations)
        {
            if (applied.TryGetValue(migration.Version, out var record) && record.Checksum != migration.Checksum)
            {
                throw new MigrationException(
                    $"migration {migration.Name} was changed after it was applied to this database (as {record.Name}): " +
                    "add a new migration instead of editing an applied one");
            }
        }
    }

    private async Task ApplyAsync(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        StorageLog.ApplyingMigration(_logger, migration.Name);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using (var command = new NpgsqlCommand(migration.Sql, connection, transaction))
            {
                command.CommandTimeout = 0;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var record = new NpgsqlCommand(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", connection, transaction))
            {
                record.Parameters.AddWithValue(migration.Version);
                record.Parameters.AddWithValue(migration.Name);
                record.Parameters.AddWithValue(migration.Checksum);
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            var where = e.Position > 0 ? $" at character {e.Position}" : string.Empty;
            throw new MigrationException(
                $"migration {migration.Name} failed{where}: {e.MessageText} (SQLSTATE {e.SqlState}); it was rolled back and the database is as it was before it",
                e);
        }
    }

    private static async Task<Dictionary<int, (string Name, string Checksum)>> ReadAppliedAsync(
        NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<int, (string, string)>();
        await using var command = new NpgsqlCommand("SELECT version, name, checksum FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            applied[reader.GetInt32(0)] = (reader.GetString(1), reader.GetString(2));
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
