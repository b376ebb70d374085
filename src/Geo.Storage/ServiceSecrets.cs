using System.Security.Cryptography;
using Npgsql;

namespace Geo.Storage;

/// <summary>Secrets the service generates once and keeps in its database, so every instance and restart uses the same.</summary>
public sealed class ServiceSecrets(NpgsqlDataSource dataSource)
{
    /// <summary>The secret called <paramref name="name"/>, made of <paramref name="bytes"/> random bytes the first time it is asked for.</summary>
    public async Task<byte[]> GetOrCreateAsync(string name, int bytes, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "WITH created AS (INSERT INTO service_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value) " +
            "SELECT value FROM created UNION ALL SELECT value FROM service_secrets WHERE name = $1 LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = RandomNumberGenerator.GetBytes(bytes) });
        return (byte[])(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
