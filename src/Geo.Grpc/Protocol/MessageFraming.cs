using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Geo.Grpc.Protocol;

/// <summary>
/// Length-prefixed messages: one flag byte (1 = compressed), a four-byte big-endian length,
/// then the message. Frames and HTTP/2 DATA frames are unrelated: a message may span many
/// DATA frames and a DATA frame may hold many messages.
/// </summary>
internal static class MessageFraming
{
    public const int HeaderSize = 5;

    /// <summary>
    /// Takes one whole message off the front of <paramref name="buffer"/>, or returns false when
    /// more bytes are needed. Refuses an oversized length before waiting for its bytes, so a
    /// stream never buffers more than the limit.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxMessageBytes, out bool compressed, out ReadOnlySequence<byte> payload)
    {
        compressed = false;
        payload = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        var flag = header[0];
        if (flag > 1)
        {
            throw new RpcException(StatusCode.Internal, $"Invalid message frame: compressed flag {flag} is neither 0 nor 1.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxMessageBytes)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Received message of {length} bytes exceeds the maximum configured message size of {maxMessageBytes} bytes.");
        }

        if (buffer.Length - HeaderSize < length)
        {
            return false;
        }

        compressed = flag == 1;
        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>Writes one framed message; the caller flushes. Checks the send limit before writing anything.</summary>
    public static void WriteMessage(IBufferWriter<byte> output, IMessage message, int maxMessageBytes, bool compress)
    {
        var size = message.CalculateSize();
        if (size > maxMessageBytes)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sending message of {size} bytes exceeds the maximum configured message size of {maxMessageBytes} bytes.");
        }

        if (compress)
        {
            WriteCompressed(output, message, size);
            return;
        }

        var header = output.GetSpan(HeaderSize);
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)size);
        output.Advance(HeaderSize);
        if (size > 0)
        {
            message.WriteTo(output);
        }
    }

    private static void WriteCompressed(IBufferWriter<byte> output, IMessage message, int size)
    {
        var plain = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            message.WriteTo(plain.AsSpan(0, size));
            using var compressed = MessageCompression.Compress(plain.AsSpan(0, size));
            var length = (int)compressed.Length;
            var span = output.GetSpan(HeaderSize + length);
            span[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            compressed.GetBuffer().AsSpan(0, length).CopyTo(span[HeaderSize..]);
            output.Advance(HeaderSize + length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
    }
}
