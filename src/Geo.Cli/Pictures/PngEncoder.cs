using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Geo.Cli.Pictures;

/// <summary>
/// A raster as a PNG file (RFC 2083): 8-bit truecolour, no interlace, every row unfiltered, the
/// image data deflated by the framework's zlib. The three chunks a decoder needs and nothing else.
/// </summary>
internal static class PngEncoder
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] Encode(Raster raster)
    {
        ArgumentNullException.ThrowIfNull(raster);
        using var png = new MemoryStream();
        png.Write(Signature);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, raster.Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), raster.Height);
        header[8] = 8;  // bits per sample
        header[9] = 2;  // truecolour (RGB)
        WriteChunk(png, "IHDR", header);

        WriteChunk(png, "IDAT", Deflated(raster));
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static byte[] Deflated(Raster raster)
    {
        using var data = new MemoryStream();
        using (var zlib = new ZLibStream(data, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = raster.Width * 3;
            for (var y = 0; y < raster.Height; y++)
            {
                zlib.WriteByte(0);  // filter type None
                zlib.Write(raster.Pixels, y * row, row);
            }
        }

        return data.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        // The CRC covers the type and the data, not the length.
        var crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(number, crc);
        png.Write(number);
    }
}
