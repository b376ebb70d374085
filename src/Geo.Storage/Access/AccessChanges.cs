using Geo.Storage.Notifications;
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

    /// <summary>What is heard when any token may be concerned (also once listening begins: what changed before was not heard).</summary>
    public const string Everything = DatabaseChannel.Began;

    private readonly DatabaseChannel _channel = new(dataSource, Channel);

    /// <summary>
    /// Listens until <paramref name="cancellationToken"/> fires or the connection breaks (which
    /// throws), telling <paramref name="changed"/> what it hears; first <see cref="Everything"/>.
    /// </summary>
    public Task ListenAsync(Action<string> changed, CancellationToken cancellationToken) => _channel.ListenAsync(changed, cancellationToken);
}
