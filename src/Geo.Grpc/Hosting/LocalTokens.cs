using System.Runtime.CompilerServices;
using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Storage.Access;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Hosting;

/// <summary>
/// Tokens administered straight in the configured database, with no service running: how the
/// first administrator token is made. <c>geoawareness token</c> and <c>geoaware token --local</c>
/// both run this, and answer in the Access service's own messages.
/// </summary>
public sealed class LocalTokens(AccessStore store)
{
    /// <summary>Who the audit trail names for what the command line does.</summary>
    public static string Actor => $"cli:{Environment.UserName}";

    /// <summary>Opens and migrates the configured database (see <see cref="ConfiguredDatabase"/>) and runs <paramref name="action"/> on its tokens.</summary>
    public static Task<T> WithDatabaseAsync<T>(IReadOnlyList<string> settings, Func<LocalTokens, Task<T>> action, CancellationToken cancellationToken) =>
        WithDatabaseAsync(settings, privateDatabase: false, action, cancellationToken);

    /// <summary>As the overload above, on a private cluster this process started when <paramref name="privateDatabase"/>.</summary>
    public static async Task<T> WithDatabaseAsync<T>(IReadOnlyList<string> settings, bool privateDatabase, Func<LocalTokens, Task<T>> action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        await using var database = ConfiguredDatabase.Open(settings, privateDatabase);
        await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        return await action(new LocalTokens(new AccessStore(database.Database.DataSource))).ConfigureAwait(false);
    }

    /// <summary>A role as typed: cla, supervisor, ..., cpas-focal-point, referral-section, administrator (or admin).</summary>
    public static Role? ParseRole(string text) =>
        string.Equals(text, "admin", StringComparison.OrdinalIgnoreCase) ? Role.Administrator : CodeWords.Parse<Role>(text);

    /// <summary>A referral section as typed: human-rights, child-protection, women-protection, conduct-and-discipline.</summary>
    public static ReferralSection? ParseSection(string text) => CodeWords.Parse<ReferralSection>(text);

    /// <summary>Whether a token can still be used: active, expired or revoked.</summary>
    public static string State(V1.TokenInfo token, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token.RevokedAt is not null ? "revoked" : token.ExpiresAt is { } expires && expires.ToDateTimeOffset() <= now ? "expired" : "active";
    }

    /// <summary>The command-line option behind a field that <see cref="TokenIssuer.CheckAsync"/> names.</summary>
    public static string OptionOf(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field switch
        {
            "valid_days" => "--days",
            "referral_section" => "--section",
            _ when field.StartsWith("sectors[", StringComparison.Ordinal) => "--sector",
            _ => $"--{field}",
        };
    }

    /// <summary>Checks and issues; null with <paramref name="errors"/> filled when the request is refused.</summary>
    public async Task<V1.IssuedToken?> IssueAsync(TokenRequest request, FieldErrors errors, CancellationToken cancellationToken)
    {
        var issuer = new TokenIssuer(store, TimeProvider.System);
        await issuer.CheckAsync(request, errors, cancellationToken).ConfigureAwait(false);
        if (errors.Any)
        {
            return null;
        }

        var (token, stored) = await issuer.IssueAsync(request, Actor, cancellationToken).ConfigureAwait(false);
        return new V1.IssuedToken { Token = token, Info = AccessHandler.ToInfo(stored) };
    }

    /// <summary>Revokes the token and audits it; null when <paramref name="id"/> names no token that can still be revoked.</summary>
    public async Task<V1.TokenInfo?> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        if (!await store.RevokeTokenAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        await store.AuditChangeAsync(Actor, "token.revoke", "token", id, null).ConfigureAwait(false);
        var stored = await store.FindTokenAsync(id, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : AccessHandler.ToInfo(stored);
    }

    public async IAsyncEnumerable<V1.TokenInfo> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var token in store.ListTokensAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return AccessHandler.ToInfo(token);
        }
    }
}
