using System.Collections;

namespace Geo.Grpc.Protocol;

/// <summary>
/// Custom call metadata (headers or trailers). Keys are lowercase; keys ending in <c>-bin</c>
/// carry bytes (base64 on the wire), all others printable ASCII.
/// </summary>
public sealed class Metadata : IReadOnlyList<MetadataEntry>
{
    public const string BinarySuffix = "-bin";

    private readonly List<MetadataEntry> _entries = [];

    public int Count => _entries.Count;

    public MetadataEntry this[int index] => _entries[index];

    public void Add(string key, string value) => _entries.Add(new MetadataEntry(key, value));

    public void Add(string key, byte[] value) => _entries.Add(new MetadataEntry(key, value));

    public void Add(MetadataEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _entries.Add(entry);
    }

    /// <summary>The first entry with this key, or null.</summary>
    public MetadataEntry? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>The first ASCII value with this key, or null.</summary>
    public string? GetValue(string key) => Get(key)?.Value;

    /// <summary>The first binary value with this key, or null.</summary>
    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    public IEnumerator<MetadataEntry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>One metadata key and its value: text for ASCII keys, bytes for <c>-bin</c> keys.</summary>
public sealed class MetadataEntry
{
    private readonly string? _value;
    private readonly byte[]? _bytes;

    public MetadataEntry(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Key = NormalizeKey(key);
        if (IsBinary)
        {
            throw new ArgumentException($"metadata key '{Key}' ends in -bin and needs a byte[] value", nameof(value));
        }

        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                throw new ArgumentException($"metadata value of '{Key}' must be printable ASCII; use a -bin key for other data", nameof(value));
            }
        }

        _value = value;
    }

    public MetadataEntry(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Key = NormalizeKey(key);
        if (!IsBinary)
        {
            throw new ArgumentException($"metadata key '{Key}' carries bytes and must end in -bin", nameof(key));
        }

        _bytes = value;
    }

    public string Key { get; }

    public bool IsBinary => Key.EndsWith(Metadata.BinarySuffix, StringComparison.Ordinal);

    /// <summary>The text value; for a -bin key, its base64 form.</summary>
    public string Value => _value ?? Convert.ToBase64String(_bytes!);

    /// <summary>The bytes of a -bin key; for an ASCII key, its ASCII bytes.</summary>
    public byte[] ValueBytes => _bytes ?? System.Text.Encoding.ASCII.GetBytes(_value!);

    public override string ToString() => $"{Key}: {Value}";

    private static string NormalizeKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var normalized = key.ToLowerInvariant();
        foreach (var c in normalized)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.'))
            {
                throw new ArgumentException($"metadata key '{key}' may hold only 0-9 a-z - _ .", nameof(key));
            }
        }

        return normalized;
    }
}
