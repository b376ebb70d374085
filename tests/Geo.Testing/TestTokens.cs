using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Storage.Access;
using NetTopologySuite.Geometries;
using Npgsql;

namespace Geo.Testing;

/// <summary>Issues real bearer tokens straight into a test database, as the token command does.</summary>
public static class TestTokens
{
    public static async Task<string> IssueAsync(
        NpgsqlDataSource dataSource,
        Role role,
        string subject,
        IReadOnlyList<string>? sectors = null,
        Geometry? area = null,
        ReferralSection? section = null,
        DateTimeOffset? expiresAt = null)
    {
        var (id, token, salt, hash) = BearerToken.Issue();
        var store = new AccessStore(dataSource);
        await store.InsertTokenAsync(
            new StoredToken(id, salt, hash, role, subject, sectors ?? [], area, section, expiresAt ?? DateTimeOffset.UtcNow.AddDays(1), null, "test", DateTimeOffset.UtcNow, "issued by a test"),
            CancellationToken.None).ConfigureAwait(false);
        return token;
    }

    /// <summary>The id part of a bearer token.</summary>
    public static string IdOf(string token) => BearerToken.Parse(token)!.Value.Id;
}
