using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Geo.Grpc.Protocol;

/// <summary>Message compression (doc/compression.md): identity and gzip.</summary>
internal static class MessageCompression
{
    public const string Identity = "identity";
    public const string Gzip = "gzip";

    /// <summary>What we accept, for grpc-accept-encoding.</summary>
    public const string AcceptEncoding = "identity,gzip";

    public static bool IsSupported(string encoding) =>
        string.Equals(encoding, Gzip, StringComparison.OrdinalIgnoreCase) || string.Equals(encoding, Identity, StringComparison.OrdinalIgnoreCase);

    public static MemoryStream Compress(ReadOnlySpan<byte> message)
    {
        var output = new MemoryStream(message.Length / 2 + 64);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(message);
        }

        return output;
    }

    /// <summary>Inflates a payload, refusing to grow past <paramref name="maxBytes"/> so a small bomb cannot take the memory.</summary>
    public static ReadOnlySequence<byte> Decompress(ReadOnlySequence<byte> payload, int maxBytes)
    {
        using var input = AsStream(payload);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        var output = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = gzip.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (output.Length + read > maxBytes)
                {
                    throw new RpcException(StatusCode.ResourceExhausted, $"Received message exceeds the maximum configured message size of {maxBytes} bytes after decompression.");
                }

                output.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            throw new RpcException(StatusCode.Internal, "Failed to decompress the gzip message.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return new ReadOnlySequence<byte>(output.GetBuffer(), 0, (int)output.Length);
    }

    private static MemoryStream AsStream(ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment && MemoryMarshal.TryGetArray(payload.First, out var segment))
        {
            return new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
        }

        return new MemoryStream(payload.ToArray(), writable: false);
    }
}
