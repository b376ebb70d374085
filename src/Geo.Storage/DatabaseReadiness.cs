using Geo.Storage.Migrations;
using Npgsql;

namespace Geo.Storage;

/// <summary>What the readiness endpoint and the health service report about the database.</summary>
public sealed record DatabaseReadiness(bool Ready, string? PostgisVersion, string? PostgresVersion, int SchemaVersion, string? Problem)
{
    /// <summary>
    /// Asks the database whether it is reachable, has PostGIS, and is migrated to
    /// <paramref name="expectedSchemaVersion"/>. Never throws for a database fault: the fault is the answer.
    /// </summary>
    public static async Task<DatabaseReadiness> CheckAsync(NpgsqlDataSource dataSource, int expectedSchemaVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var schemaVersion = await MigrationRunner.ReadVersionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT current_setting('server_version'), (SELECT extversion FROM pg_extension WHERE extname = 'postgis')", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var postgres = reader.GetString(0);
            var postgis = reader.IsDBNull(1) ? null : reader.GetString(1);
            var problem = postgis is null ? "the PostGIS extension is not installed in the database"
                : schemaVersion < expectedSchemaVersion ? $"the schema is at version {schemaVersion}, expected {expectedSchemaVersion}"
                : null;
            return new DatabaseReadiness(problem is null, postgis, postgres, schemaVersion, problem);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return new DatabaseReadiness(false, null, null, 0, $"the database is unreachable: {e.Message}");
        }
    }
}
