using System.Diagnostics;
using System.Text.Json;
using Geo.Cli.Pictures;

namespace Geo.Grpc.Tests.Cli;

/// <summary>
/// Decodes a PNG with Debian's Python (its zlib and struct), independently of the encoder under
/// test: the signature, every chunk's CRC, IHDR, and the pixels after undoing each row's filter.
/// A file it cannot decode fails the test with Python's reason.
/// </summary>
internal sealed record HeatmapPng(int Width, int Height, int BitDepth, int ColourType, IReadOnlyList<string> Chunks, byte[] Rgb)
{
    private const string Decoder = """
        import json, struct, sys, zlib
        data = open(sys.argv[1], 'rb').read()
        if data[:8] != b'\x89PNG\r\n\x1a\n': sys.exit('not a PNG signature')
        pos, chunks, idat = 8, [], b''
        while pos < len(data):
            length, = struct.unpack('>I', data[pos:pos + 4])
            kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
            crc, = struct.unpack('>I', data[pos + 8 + length:pos + 12 + length])
            if zlib.crc32(kind + body) & 0xffffffff != crc: sys.exit('bad CRC in ' + kind.decode())
            chunks.append(kind.decode())
            if kind == b'IHDR': width, height, depth, colour, method, filtering, interlace = struct.unpack('>IIBBBBB', body)
            if kind == b'IDAT': idat += body
            pos += 12 + length
        if chunks[0] != 'IHDR' or chunks[-1] != 'IEND': sys.exit('chunks out of order: %s' % chunks)
        if depth != 8 or colour != 2 or interlace != 0: sys.exit('only 8-bit RGB, not interlaced, is read here')
        raw = zlib.decompress(idat)
        stride = width * 3
        if len(raw) != height * (stride + 1): sys.exit('image data of %d bytes, not %d' % (len(raw), height * (stride + 1)))
        out, previous = bytearray(), bytearray(stride)
        for y in range(height):
            kind = raw[y * (stride + 1)]
            line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
            if kind > 4: sys.exit('unknown filter %d' % kind)
            if kind != 0:
                for i in range(stride):
                    a = line[i - 3] if i >= 3 else 0
                    b = previous[i]
                    c = previous[i - 3] if i >= 3 else 0
                    if kind == 1: line[i] = (line[i] + a) & 255
                    elif kind == 2: line[i] = (line[i] + b) & 255
                    elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
                    else:
                        p = a + b - c
                        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            out += line
            previous = line
        open(sys.argv[2], 'wb').write(out)
        print(json.dumps({'width': width, 'height': height, 'depth': depth, 'colour': colour, 'chunks': chunks}))
        """;

    public Rgb this[int x, int y] => new(Rgb[((y * Width) + x) * 3], Rgb[((y * Width) + x) * 3 + 1], Rgb[((y * Width) + x) * 3 + 2]);

    /// <summary>How many pixels of the rectangle [left, right) x [top, bottom) have <paramref name="colour"/>.</summary>
    public int Count(Rgb colour, int left, int top, int right, int bottom)
    {
        var count = 0;
        for (var y = top; y < bottom; y++)
        {
            for (var x = left; x < right; x++)
            {
                count += this[x, y] == colour ? 1 : 0;
            }
        }

        return count;
    }

    public static async Task<HeatmapPng> ReadAsync(string path)
    {
        var directory = Directory.CreateTempSubdirectory("heatmap-png-");
        try
        {
            var script = Path.Combine(directory.FullName, "decode.py");
            var pixels = Path.Combine(directory.FullName, "pixels.rgb");
            await File.WriteAllTextAsync(script, Decoder);
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(script);
            start.ArgumentList.Add(path);
            start.ArgumentList.Add(pixels);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"python could not decode {path}: {await error}");
            }

            using var header = JsonDocument.Parse(await output);
            var root = header.RootElement;
            return new HeatmapPng(
                root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32(), root.GetProperty("depth").GetInt32(), root.GetProperty("colour").GetInt32(),
                root.GetProperty("chunks").EnumerateArray().Select(c => c.GetString()!).ToList(), await File.ReadAllBytesAsync(pixels));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
