using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Geo.Grpc.Map;

/// <summary>
/// What the service checks of a PMTiles (version 3) archive before offering it to the page: the
/// fixed 127-byte header and the metadata it points to. The page's PMTiles reader (bundled with
/// protomaps-leaflet) reads the directories and tiles itself by byte ranges, so an archive it
/// could not read (raster tiles, or compression a browser cannot undo) is refused here, at start,
/// with the banner's reason, rather than drawn blank.
/// </summary>
internal sealed class PmTilesArchive
{
    private const int HeaderLength = 127;

    /// <summary>Metadata larger than this is refused: the service reads it once, the page never.</summary>
    private const int MaxMetadataBytes = 16 * 1024 * 1024;

    private PmTilesArchive(int minZoom, int maxZoom, IReadOnlyList<string> vectorLayers)
    {
        MinZoom = minZoom;
        MaxZoom = maxZoom;
        VectorLayers = vectorLayers;
    }

    public int MinZoom { get; }

    public int MaxZoom { get; }

    public IReadOnlyList<string> VectorLayers { get; }

    public static PmTilesArchive Read(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> header = stackalloc byte[HeaderLength];
        if (file.Length < HeaderLength || file.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false) < HeaderLength
            || !header[..7].SequenceEqual("PMTiles"u8))
        {
            throw new BaseMap.BaseMapException("the file is not a PMTiles archive");
        }

        if (header[7] != 3)
        {
            throw new BaseMap.BaseMapException($"the PMTiles archive is of version {header[7]}; the page reads version 3");
        }

        var metadataOffset = BinaryPrimitives.ReadUInt64LittleEndian(header[24..]);
        var metadataLength = BinaryPrimitives.ReadUInt64LittleEndian(header[32..]);
        var internalCompression = header[97];
        var tileCompression = header[98];
        var tileType = header[99];
        if (tileType != 1)
        {
            throw new BaseMap.BaseMapException(
                $"the PMTiles archive holds {TileTypeName(tileType)} tiles; the page draws vector (MVT) PMTiles: give raster tiles as MBTiles");
        }

        // Browsers undo gzip (DecompressionStream); brotli and zstd would need a decoder the page does not carry.
        if (internalCompression is not (0 or 1 or 2) || tileCompression is not (0 or 1 or 2))
        {
            throw new BaseMap.BaseMapException(
                $"the PMTiles archive is compressed with {CompressionName(internalCompression is not (0 or 1 or 2) ? internalCompression : tileCompression)}; the page reads gzip or none");
        }

        if (metadataLength > MaxMetadataBytes || metadataOffset > (ulong)file.Length || metadataLength > (ulong)file.Length - metadataOffset)
        {
            throw new BaseMap.BaseMapException("the PMTiles archive's metadata lies outside the file or is larger than 16 MiB");
        }

        var metadata = new byte[(int)metadataLength];
        file.Position = (long)metadataOffset;
        file.ReadExactly(metadata);
        string json;
        try
        {
            json = internalCompression == 2 ? Gunzip(metadata) : Encoding.UTF8.GetString(metadata);
        }
        catch (InvalidDataException)
        {
            throw new BaseMap.BaseMapException("the PMTiles archive's metadata is not gzip as its header says");
        }

        return new PmTilesArchive(header[100], header[101], BaseMap.VectorLayersOf(json, "the PMTiles archive's metadata"));
    }

    private static string Gunzip(byte[] compressed)
    {
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = gzip.Read(buffer)) > 0)
        {
            // A small file that inflates without end is refused like a large one.
            if (plain.Length + read > MaxMetadataBytes)
            {
                throw new BaseMap.BaseMapException("the PMTiles archive's metadata is larger than 16 MiB");
            }

            plain.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(plain.GetBuffer(), 0, (int)plain.Length);
    }

    private static string TileTypeName(byte type) => type switch
    {
        2 => "png",
        3 => "jpeg",
        4 => "webp",
        5 => "avif",
        _ => "unknown",
    };

    private static string CompressionName(byte compression) => compression switch
    {
        3 => "brotli",
        4 => "zstd",
        _ => "an unknown compression",
    };
}
