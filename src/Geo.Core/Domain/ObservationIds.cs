using System.Security.Cryptography;
using System.Text;

namespace Geo.Core.Domain;

/// <summary>
/// The service's id of an observation, issued from who submitted it and the key they gave it.
/// A client's key is an idempotency key within its submitter only: were keys global, a caller
/// scoped to one area could reuse the key of an observation elsewhere and learn from the answer
/// that it exists. Derived rather than drawn at random, so a replay finds the same row without
/// a lookup, and an offline client knows its ids before it syncs.
/// </summary>
public static class ObservationIds
{
    public const string Prefix = "obs-";

    /// <summary>"obs-" and the first 32 hex digits of SHA-256(subject, 0x00, client key), both UTF-8.</summary>
    public static string Issue(string submitter, string clientId)
    {
        ArgumentNullException.ThrowIfNull(submitter);
        ArgumentNullException.ThrowIfNull(clientId);
        // Subjects and keys cannot hold control characters (ObservationRules.CheckId), so the
        // 0x00 separator keeps ("ab", "c") and ("a", "bc") apart.
        var input = Encoding.UTF8.GetBytes(submitter + '\0' + clientId);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, hash);
        return Prefix + Convert.ToHexStringLower(hash[..16]);
    }
}
