using System.Security.Cryptography;
using System.Text;

namespace Geo.Core.Domain;

/// <summary>
/// The service's ids of observations, sources and referrals, issued from who submitted them and
/// the key they gave them. A client's key is an idempotency key within its submitter only: were
/// keys global, a caller scoped to one area could reuse the key of a record elsewhere and learn
/// from the answer that it exists. Derived rather than drawn at random, so a replay finds the
/// same row without a lookup, and an offline client knows its ids before it syncs.
/// </summary>
public static class IssuedIds
{
    public const string ObservationPrefix = "obs-";
    public const string SourcePrefix = "src-";
    public const string ReferralPrefix = "ref-";

    /// <summary>"obs-" and the first 32 hex digits of SHA-256(subject, 0x00, client key), both UTF-8.</summary>
    public static string Observation(string submitter, string clientId) => Issue(ObservationPrefix, submitter, clientId);

    /// <summary>"src-" and the same hash: a source recorded by <paramref name="submitter"/> under its key.</summary>
    public static string Source(string submitter, string clientId) => Issue(SourcePrefix, submitter, clientId);

    /// <summary>"ref-" and the same hash: a referral submitted by <paramref name="submitter"/> under its key.</summary>
    public static string Referral(string submitter, string clientId) => Issue(ReferralPrefix, submitter, clientId);

    public const string EventPrefix = "evt-";

    /// <summary>
    /// "evt-" and 32 random hex digits: an event is the service's own grouping, made by one
    /// supervisor's link, with no client key to derive it from (a retried link finds the event its
    /// members are in already, so it never needs the same id twice).
    /// </summary>
    public static string NewEventId() => EventPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static string Issue(string prefix, string submitter, string clientId)
    {
        ArgumentNullException.ThrowIfNull(submitter);
        ArgumentNullException.ThrowIfNull(clientId);
        // Subjects and keys cannot hold control characters (ObservationRules.CheckId), so the
        // 0x00 separator keeps ("ab", "c") and ("a", "bc") apart.
        var input = Encoding.UTF8.GetBytes(submitter + '\0' + clientId);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, hash);
        return prefix + Convert.ToHexStringLower(hash[..16]);
    }
}
