using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Geo.Cli.Ingest;

/// <summary>
/// Keys met in a file, kept as 64-bit hashes so that a file of millions of rows costs a few tens
/// of megabytes, not a copy of every id: a key seen again with other content is a row the service
/// would refuse after storing the rows before it, so the file check refuses it first. Two
/// different ids share a hash with odds of about 1 in 30 million for a million rows.
/// </summary>
internal sealed class RowKeys
{
    private readonly Dictionary<ulong, (long Line, ulong Content)> _first = [];

    /// <summary>64 bits of SHA-256: the same bytes give the same fingerprint in every run.</summary>
    public static ulong Fingerprint(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return BinaryPrimitives.ReadUInt64LittleEndian(hash);
    }

    /// <summary>
    /// Records the row's key; when the key came before with other content, the line where it did.
    /// The same content again is a repeat, which the service stores once.
    /// </summary>
    public long? Conflict(RowIdentity row, long line)
    {
        var key = Fingerprint(Encoding.UTF8.GetBytes(row.Key));
        if (_first.TryGetValue(key, out var first))
        {
            return first.Content == row.Content ? null : first.Line;
        }

        _first[key] = (line, row.Content);
        return null;
    }
}
