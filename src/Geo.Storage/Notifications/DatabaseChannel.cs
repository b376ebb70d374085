using Npgsql;

namespace Geo.Storage.Notifications;

/// <summary>
/// One PostgreSQL notification channel, listened to on a connection of its own. Notifications
/// arrive after the transaction that sent them commits, whichever process made it.
/// </summary>
public sealed class DatabaseChannel(NpgsqlDataSource dataSource, string name)
{
    /// <summary>What <see cref="ListenAsync"/> reports once listening has begun.</summary>
    public const string Began = "*";

    /// <summary>How long to wait for a notification before checking that the connection still lives.</summary>
    private static readonly TimeSpan Ping = TimeSpan.FromSeconds(30);

    public string Name { get; } = name;

    /// <summary>
    /// Listens until <paramref name="cancellationToken"/> fires or the connection breaks (which
    /// throws), telling <paramref name="heard"/> each payload; first <see cref="Began"/> once
    /// listening has begun, since whatever was sent before LISTEN took effect was not heard.
    /// </summary>
    public async Task ListenAsync(Action<string> heard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(heard);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        connection.Notification += (_, e) => heard(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {Name}", connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        heard(Began);
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
