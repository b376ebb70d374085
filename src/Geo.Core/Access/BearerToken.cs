using System.Security.Cryptography;
using System.Text;

namespace Geo.Core.Access;

/// <summary>
/// Bearer tokens look like <c>gat_&lt;id&gt;.&lt;secret&gt;</c>: the id finds the stored record,
/// the secret proves possession. Only a salted SHA-256 of the secret is ever stored; a secret
/// of 256 random bits needs no slow hash, and a fast one keeps authentication cheap per call.
/// </summary>
public static class BearerToken
{
    private const string Prefix = "gat_";

    public static (string Id, string Token, byte[] Salt, byte[] SecretHash) Issue()
    {
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var salt = RandomNumberGenerator.GetBytes(16);
        return (id, $"{Prefix}{id}.{secret}", salt, Hash(salt, secret));
    }

    /// <summary>Splits a presented token into id and secret, or null when it is not one of ours.</summary>
    public static (string Id, string Secret)? Parse(string? token)
    {
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 200)
        {
            return null;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        return dot <= Prefix.Length || dot == token.Length - 1 ? null : (token[Prefix.Length..dot], token[(dot + 1)..]);
    }

    public static byte[] Hash(byte[] salt, string secret)
    {
        ArgumentNullException.ThrowIfNull(salt);
        var secretBytes = Encoding.UTF8.GetBytes(secret);
        var input = new byte[salt.Length + secretBytes.Length];
        salt.CopyTo(input, 0);
        secretBytes.CopyTo(input, salt.Length);
        return SHA256.HashData(input);
    }

    /// <summary>
    /// Constant-time comparison, so response times do not leak how much of a guess was right.
    /// Runs on every authenticated call, so it hashes on the stack rather than allocating.
    /// </summary>
    public static bool Matches(byte[] salt, byte[] storedHash, string secret)
    {
        ArgumentNullException.ThrowIfNull(salt);
        ArgumentNullException.ThrowIfNull(storedHash);
        ArgumentNullException.ThrowIfNull(secret);
        var length = salt.Length + Encoding.UTF8.GetMaxByteCount(secret.Length);
        if (length > 1024)
        {
            return CryptographicOperations.FixedTimeEquals(Hash(salt, secret), storedHash);
        }

        Span<byte> input = stackalloc byte[length];
        salt.CopyTo(input);
        var written = salt.Length + Encoding.UTF8.GetBytes(secret, input[salt.Length..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input[..written], hash);
        return CryptographicOperations.FixedTimeEquals(hash, storedHash);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
