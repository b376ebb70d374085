using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Geo.Cli.Ingest;

/// <summary>
/// Keys met in a file, so that a key given again with other content (a row the service would
/// refuse after storing the rows before it) is refused by the file check first. Kept as 64-bit
/// hashes of the key with 32 bits of the content's, in one open-addressed table of 12 bytes a
/// slot, at most half full: a million rows cost about 24 MB, not a copy of every id. Two
/// different ids share a hash with odds of about 1 in 30 million for a million rows.
/// </summary>
internal sealed class RowKeys
{
    private ulong[] _keys = new ulong[1024];
    private uint[] _contents = new uint[1024];
    private int _count;

    /// <summary>64 bits of SHA-256: the same bytes give the same fingerprint in every run.</summary>
    public static ulong Fingerprint(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return BinaryPrimitives.ReadUInt64LittleEndian(hash);
    }

    /// <summary>
    /// Records the row's key; true when the key came before with other content. The same content
    /// again is a repeat, which the service stores once.
    /// </summary>
    public bool Conflicts(RowIdentity row)
    {
        // 0 marks an empty slot.
        var key = Math.Max(1, Fingerprint(Encoding.UTF8.GetBytes(row.Key)));
        var content = (uint)row.Content;
        var slot = Find(_keys, key);
        if (_keys[slot] == key)
        {
            return _contents[slot] != content;
        }

        _keys[slot] = key;
        _contents[slot] = content;
        if (++_count * 2 > _keys.Length)
        {
            Grow();
        }

        return false;
    }

    /// <summary>The slot holding <paramref name="key"/>, or the empty one where it would go (linear probing).</summary>
    private static int Find(ulong[] keys, ulong key)
    {
        var mask = keys.Length - 1;
        var slot = (int)(key & (ulong)mask);
        while (keys[slot] != 0 && keys[slot] != key)
        {
            slot = (slot + 1) & mask;
        }

        return slot;
    }

    private void Grow()
    {
        var keys = new ulong[_keys.Length * 2];
        var contents = new uint[keys.Length];
        for (var i = 0; i < _keys.Length; i++)
        {
            if (_keys[i] != 0)
            {
                var slot = Find(keys, _keys[i]);
                keys[slot] = _keys[i];
                contents[slot] = _contents[i];
            }
        }

        (_keys, _contents) = (keys, contents);
    }
}
