using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Geo.Grpc.Api;

/// <summary>
/// Opaque resume tokens. An observation token holds the last (observed_at, id) sent and a
/// fingerprint of the filter, so a token cannot be replayed against another query.
/// </summary>
internal static class PageToken
{
    private const byte ObservationVersion = 1;
    private const byte ListVersion = 2;

    public static string ForObservation(DateTimeOffset observedAt, string id, byte[] filterFingerprint)
    {
        var idBytes = Encoding.UTF8.GetBytes(id);
        var buffer = new byte[1 + 8 + 8 + idBytes.Length];
        buffer[0] = ObservationVersion;
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(1), observedAt.UtcTicks);
        filterFingerprint.AsSpan(0, 8).CopyTo(buffer.AsSpan(9));
        idBytes.CopyTo(buffer.AsSpan(17));
        return Base64Url(buffer);
    }

    public static (DateTimeOffset ObservedAt, string Id)? ReadObservation(string token, byte[] filterFingerprint)
    {
        if (token.Length == 0)
        {
            return null;
        }

        var bytes = Decode(token);
        if (bytes is null || bytes.Length < 18 || bytes[0] != ObservationVersion)
        {
            throw ApiErrors.InvalidArgument("page_token", "is not a token this service issued");
        }

        if (!bytes.AsSpan(9, 8).SequenceEqual(filterFingerprint.AsSpan(0, 8)))
        {
            throw ApiErrors.InvalidArgument("page_token", "was issued for another filter: resume with the filter it came from");
        }

        var ticks = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(1));
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw ApiErrors.InvalidArgument("page_token", "is not a token this service issued");
        }

        return (new DateTimeOffset(ticks, TimeSpan.Zero), Encoding.UTF8.GetString(bytes.AsSpan(17)));
    }

    public static string ForList(string lastId) => Base64Url([ListVersion, .. Encoding.UTF8.GetBytes(lastId)]);

    public static string? ReadList(string token)
    {
        if (token.Length == 0)
        {
            return null;
        }

        var bytes = Decode(token);
        return bytes is { Length: > 1 } && bytes[0] == ListVersion
            ? Encoding.UTF8.GetString(bytes.AsSpan(1))
            : throw ApiErrors.InvalidArgument("page_token", "is not a token this service issued");
    }

    public static byte[] Fingerprint(Google.Protobuf.IMessage? filter) =>
        SHA256.HashData(filter is null ? [] : Google.Protobuf.MessageExtensions.ToByteArray(filter));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[]? Decode(string token)
    {
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - (base64.Length % 4)) % 4);
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
