using System.Buffers;

namespace Geo.Exporters.GeoJson.Internal;

/// <summary>
/// The writer's one buffer: filled up to a chunk, handed to the sink, then reused from the start,
/// so that a collection of any size needs no more than a chunk and the feature that passed it.
/// </summary>
internal sealed class ChunkBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;
    private int _written;

    public ChunkBuffer(int initialCapacity) => _array = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int WrittenCount => _written;

    public int Capacity => _array.Length;

    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _written);

    public void Reset() => _written = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _array.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _array.AsSpan(_written);
    }

    public void Dispose()
    {
        var array = _array;
        _array = [];
        _written = 0;
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private void Reserve(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_array.Length == 0, this);
        sizeHint = Math.Max(sizeHint, 1);
        if (_array.Length - _written >= sizeHint)
        {
            return;
        }

        // Only a feature larger than the slack gets here; doubling keeps a huge polygon from being
        // copied once per few kilobytes that Utf8JsonWriter asks for.
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(checked(_written + sizeHint), checked(_array.Length * 2)));
        _array.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = larger;
    }
}
