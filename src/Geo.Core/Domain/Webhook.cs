using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Geo.Core.Domain;

/// <summary>Whether a hook is delivering.</summary>
public enum WebhookState
{
    Active = 1,

    /// <summary>Stopped by an administrator; its cursor is kept.</summary>
    Paused = 2,

    /// <summary>Stopped by the service: it failed too often in a row, or its token can no longer read.</summary>
    Suspended = 3,
}

/// <summary>
/// The signature of one delivery: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "t.body")&gt;</c>.
/// The timestamp is signed with the body, so a receiver that refuses old timestamps refuses replays.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-GeoAwareness-Signature";

    public static string Sign(string secret, DateTimeOffset at, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = new byte[Encoding.ASCII.GetByteCount(timestamp) + 1 + body.Length];
        var written = Encoding.ASCII.GetBytes(timestamp, signed);
        signed[written] = (byte)'.';
        body.CopyTo(signed.AsSpan(written + 1));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return $"t={timestamp},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>What a receiver does: true when <paramref name="header"/> signs <paramref name="body"/> with <paramref name="secret"/> at a time within <paramref name="tolerance"/> of <paramref name="now"/>.</summary>
    public static bool Verify(string secret, string header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(header);
        var parts = header.Split(',');
        if (parts.Length != 2 || !parts[0].StartsWith("t=", StringComparison.Ordinal) || !parts[1].StartsWith("v1=", StringComparison.Ordinal)
            || !long.TryParse(parts[0].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }

        var at = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if ((now - at).Duration() > tolerance)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, at, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(header));
    }

    /// <summary>A new secret: "whsec_" and 32 random bytes in base64url.</summary>
    public static string NewSecret() =>
        "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Who a webhook may act for.</summary>
public static class WebhookRules
{
    /// <summary>
    /// A hook sends what it delivers outside the mission, to a machine: only for a token whose role
    /// reads observations or feeds but neither what identifies a CLA or a source, nor the security
    /// incidents against CLAs (which stay with the supervisor chain and the security focal point),
    /// nor planned operations (confidential: never in a feed, an export or a hook, so a role that
    /// reads them is refused even if it came to read observations too).
    /// </summary>
    public static bool MayActFor(Access.Role role) =>
        (Access.RolePermissions.Has(role, Access.Permission.ReadObservations) || Access.RolePermissions.Has(role, Access.Permission.ReadFeeds))
        && !Access.RolePermissions.Has(role, Access.Permission.ReadCaseDetails)
        && !Access.RolePermissions.Has(role, Access.Permission.ReadSecurityIncidents)
        && !Access.RolePermissions.Has(role, Access.Permission.ReadOperations);
}

/// <summary>When a failing hook tries again: the delay doubles with each failure in a row, up to a ceiling.</summary>
public static class WebhookBackoff
{
    public static TimeSpan After(int failures, TimeSpan first, TimeSpan ceiling)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }

        var factor = Math.Pow(2, Math.Min(failures - 1, 40));
        var delay = first.TotalSeconds * factor;
        return delay >= ceiling.TotalSeconds ? ceiling : TimeSpan.FromSeconds(delay);
    }
}
