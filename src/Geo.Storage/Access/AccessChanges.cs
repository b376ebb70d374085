using Npgsql;

namespace Geo.Storage.Access;

/// <summary>
/// The database's <c>geoawareness_access</c> channel (migration 0006): a token's id when that
/// token is revoked or changed, <see cref="Everything"/> when a redrawn sector may concern any
/// token, sent after the change commits, whichever process made it.
/// </summary>
public sealed class AccessChanges(NpgsqlDataSource dataSource)
{
    public const string Channel = "geoawareness_access";

    /// <summary>What is heard when any token may be concerned.</summary>
    public const string Everything = "*";

    /// <summary>How long to wait for a notification before checking that the connection still lives.</summary>
    private static readonly TimeSpan Ping = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Listens until <paramref name="cancellationToken"/> fires or the connection breaks (which
    /// throws), telling <paramref name="changed"/> what it hears; first <see cref="Everything"/>
    /// once listening has begun, since whatever changed before LISTEN took effect was not heard.
    /// </summary>
    public async Task ListenAsync(Action<string> changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        connection.Notification += (_, e) => changed(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        changed(Everything);
        while (!cancellationToken.IsCancellationRequested)
        {
            // A connection that died without a word would wait for ever and hear nothing.
            if (!await connection.WaitAsync(Ping, cancellationToken).ConfigureAwait(false))
            {
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
