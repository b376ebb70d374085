using System.Buffers.Text;

namespace Geo.Grpc.Protocol;

/// <summary>
/// Metadata to and from HTTP/2 header fields: -bin values are base64 (sent unpadded, accepted
/// either way, possibly comma-joined); transport and gRPC-reserved headers are not metadata.
/// </summary>
internal static class MetadataCodec
{
    public static bool IsReserved(string key) =>
        key.Length == 0
        || key[0] == ':'
        || key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        || key.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || key.Equals("te", StringComparison.OrdinalIgnoreCase)
        || key.Equals("host", StringComparison.OrdinalIgnoreCase)
        || key.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || key.Equals("connection", StringComparison.OrdinalIgnoreCase)
        || key.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase);

    /// <summary>Adds one received header value; a value that is not valid metadata is dropped rather than failing the call.</summary>
    public static void AddReceived(Metadata metadata, string key, string value)
    {
        if (!key.EndsWith(Metadata.BinarySuffix, StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                metadata.Add(key, value);
            }
            catch (ArgumentException)
            {
                // A peer's malformed header is its problem; the call goes on without it.
            }

            return;
        }

        foreach (var range in value.AsSpan().Split(','))
        {
            var bytes = DecodeBase64(value.AsSpan()[range].Trim());
            if (bytes is not null)
            {
                metadata.Add(key, bytes);
            }
        }
    }

    public static string Encode(MetadataEntry entry) =>
        entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes).TrimEnd('=') : entry.Value;

    private static byte[]? DecodeBase64(ReadOnlySpan<char> text)
    {
        var padded = text.Length % 4 == 0 ? text.ToString() : string.Concat(text, new string('=', 4 - (text.Length % 4)));
        if (!Base64.IsValid(padded.AsSpan()))
        {
            return null;
        }

        return Convert.FromBase64String(padded);
    }
}
