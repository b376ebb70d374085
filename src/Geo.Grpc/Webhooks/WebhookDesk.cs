using System.Security.Cryptography;
using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Exporters.Feeds;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Geo.Grpc.Watch;
using Geo.Storage;
using Geo.Storage.Access;
using Geo.Storage.Feeds;
using Geo.Storage.Webhooks;
using Google.Protobuf;
using Grpc.Core;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Webhooks;

/// <summary>A hook just made or given a new secret: the secret is in this answer and no other.</summary>
internal sealed record IssuedWebhook(StoredWebhook Hook, string Secret);

/// <summary>What an administrator does with webhooks; every change is audited.</summary>
internal sealed class WebhookDesk(
    WebhookStore store, AccessStore access, CallerAuthenticator authenticator, WatchRequests requests, ObservationFeed feed, WebhookDispatcher dispatcher)
{
    public async Task<IssuedWebhook> CreateAsync(string name, string url, string tokenId, V1.WatchRequest watch, Caller administrator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(watch);
        ArgumentNullException.ThrowIfNull(administrator);
        var actor = await authenticator.CallerOfTokenAsync(tokenId, cancellationToken).ConfigureAwait(false)
            ?? throw ApiErrors.InvalidArgument("token_id", $"no valid token {FieldErrorsQuote(tokenId)} (unknown, revoked or expired)");
        if (!WebhookRules.MayActFor(actor.Role))
        {
            throw ApiErrors.InvalidArgument("token_id",
                $"is a {actor.Role} token: a hook sends what it delivers outside the mission, so it may act only for a token that reads neither case details, " +
                "security incidents against CLAs nor planned operations (an analyst's or an importer's)");
        }

        var asked = await requests.ReadAsync(watch, actor, "watch", cancellationToken).ConfigureAwait(false);
        FeedPosition start;
        await using (var snapshot = await feed.OpenAsync(Visibility.Everything, cancellationToken).ConfigureAwait(false))
        {
            if (asked.Cursor is { } cursor && cursor.Xid >= snapshot.Horizon)
            {
                throw ApiErrors.InvalidArgument("watch.cursor", "is ahead of the feed (it names a transaction that has not begun): give a cursor as a watch or the feed gave it, or none to deliver from now");
            }

            start = asked.Cursor ?? snapshot.SettledEnd;
        }

        var stored = new V1.WatchRequest { Filter = watch.Filter, SectorId = watch.SectorId };
        var id = "hook-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = WebhookSignature.NewSecret();
        await store.InsertAsync(
            new StoredWebhook(id, name, url, tokenId, stored.ToByteArray(), secret, FeedCursor.Format(start), WebhookState.Active, string.Empty, 0,
                DateTimeOffset.MinValue, 0, null, administrator.Subject, DateTimeOffset.MinValue),
            cancellationToken).ConfigureAwait(false);
        await access.AuditChangeAsync(administrator.Subject, "webhook.create", "webhook", id, new { name, url, token_id = tokenId }).ConfigureAwait(false);
        dispatcher.Wake();
        return new IssuedWebhook(await GetAsync(id, cancellationToken).ConfigureAwait(false), secret);
    }

    public async Task<StoredWebhook> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id);

    public IAsyncEnumerable<StoredWebhook> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    public async Task<StoredWebhook> SetStateAsync(string id, WebhookState state, Caller administrator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(administrator);
        var reason = state == WebhookState.Paused ? $"paused by {administrator.Subject}" : string.Empty;
        var changed = await store.SetStateAsync(id, state, reason, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id);
        await access.AuditChangeAsync(administrator.Subject, state == WebhookState.Active ? "webhook.resume" : "webhook.pause", "webhook", id, null).ConfigureAwait(false);
        dispatcher.Wake();
        return changed;
    }

    public async Task<IssuedWebhook> RotateSecretAsync(string id, Caller administrator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(administrator);
        var secret = WebhookSignature.NewSecret();
        var changed = await store.SetSecretAsync(id, secret, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id);
        await access.AuditChangeAsync(administrator.Subject, "webhook.rotate_secret", "webhook", id, null).ConfigureAwait(false);
        return new IssuedWebhook(changed, secret);
    }

    public async Task<StoredWebhook> DeleteAsync(string id, Caller administrator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(administrator);
        var deleted = await store.DeleteAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id);
        await access.AuditChangeAsync(administrator.Subject, "webhook.delete", "webhook", id, new { url = deleted.Url }).ConfigureAwait(false);
        return deleted;
    }

    public async IAsyncEnumerable<LoggedAttempt> ListDeliveriesAsync(string id, int limit, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _ = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        await foreach (var attempt in store.ListDeliveriesAsync(id, limit, cancellationToken).ConfigureAwait(false))
        {
            yield return attempt;
        }
    }

    private static RecordNotFoundException NotFound(string id) => new($"no webhook {FieldErrorsQuote(id)}") { Field = "id" };

    private static string FieldErrorsQuote(string value) => Geo.Core.Validation.FieldErrors.Quote(value);
}
