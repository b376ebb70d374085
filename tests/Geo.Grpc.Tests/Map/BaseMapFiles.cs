using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Microsoft.Data.Sqlite;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.VectorTiles;
using NetTopologySuite.IO.VectorTiles.Mapbox;

namespace Geo.Grpc.Tests.Map;

/// <summary>
/// Base maps of tiles as the mission's tools deliver them, written here for the map page's tests:
/// raster tiles in an MBTiles file, and Mapbox Vector Tiles (encoded by NetTopologySuite.IO.VectorTiles) in an MBTiles file (MBTiles 1.3,
/// gzipped tiles, the layers named in the metadata's json row) or in a PMTiles version 3 archive
/// (one root directory of Hilbert tile ids, gzipped, as the PMTiles specification lays out).
/// </summary>
internal static class BaseMapFiles
{
    private static readonly GeometryFactory Wgs84 = new(new PrecisionModel(), 4326);

    /// <summary>A district boundary, a river and a place, in the layers "boundaries", "water" and "places".</summary>
    public static IReadOnlyList<(string Layer, IFeature Feature)> District() =>
    [
        ("boundaries", new Feature(
            Wgs84.CreatePolygon([new(26.5, -2.6), new(27.9, -2.6), new(27.9, -1.2), new(26.5, -1.2), new(26.5, -2.6)]),
            new AttributesTable { { "name", "Territoire de Test" }, { "admin_level", 2 } })),
        ("water", new Feature(
            Wgs84.CreateLineString([new(26.6, -1.3), new(27.0, -1.7), new(27.5, -2.5)]),
            new AttributesTable { { "name", "Rivière Test" } })),
        ("places", new Feature(Wgs84.CreatePoint(new Coordinate(27.2, -1.9)), new AttributesTable { { "name", "Placeville" } })),
    ];

    public const string LayersJson = """{"vector_layers":[{"id":"boundaries","fields":{"name":"String"}},{"id":"water","fields":{}},{"id":"places","fields":{"name":"String"}}]}""";

    /// <summary>The gzipped tiles (XYZ, rows from the north) of <paramref name="features"/> from zoom <paramref name="minZoom"/> to <paramref name="maxZoom"/>, over their extent.</summary>
    public static SortedDictionary<(int Z, int X, int Y), byte[]> Tiles(IReadOnlyList<(string Layer, IFeature Feature)> features, int minZoom, int maxZoom)
    {
        var envelope = new Envelope();
        foreach (var (_, feature) in features)
        {
            envelope.ExpandToInclude(feature.Geometry.EnvelopeInternal);
        }

        return Over(envelope, minZoom, maxZoom, (z, x, y) =>
        {
            var tile = new VectorTile { TileId = new NetTopologySuite.IO.VectorTiles.Tiles.Tile(x, y, z).Id };
            foreach (var group in features.GroupBy(f => f.Layer))
            {
                var layer = new Layer { Name = group.Key };
                foreach (var (_, feature) in group)
                {
                    layer.Features.Add(feature);
                }

                tile.Layers.Add(layer);
            }

            using var plain = new MemoryStream();
            tile.Write(plain, minLinealExtent: 1, minPolygonalExtent: 2);
            return Gzip(plain.ToArray());
        });
    }

    /// <summary>The tiles (XYZ, rows from the north) over <paramref name="envelope"/> from zoom <paramref name="minZoom"/> to <paramref name="maxZoom"/>, each made by <paramref name="tile"/>.</summary>
    public static SortedDictionary<(int Z, int X, int Y), byte[]> Over(Envelope envelope, int minZoom, int maxZoom, Func<int, int, int, byte[]> tile)
    {
        var tiles = new SortedDictionary<(int, int, int), byte[]>();
        for (var z = minZoom; z <= maxZoom; z++)
        {
            var (west, north) = TileOf(envelope.MinX, envelope.MaxY, z);
            var (east, south) = TileOf(envelope.MaxX, envelope.MinY, z);
            for (var x = west; x <= east; x++)
            {
                for (var y = north; y <= south; y++)
                {
                    tiles[(z, x, y)] = tile(z, x, y);
                }
            }
        }

        return tiles;
    }

    /// <summary>An MBTiles file of <paramref name="format"/> tiles (png, pbf...); <paramref name="json"/> is the metadata's json row (null for none).</summary>
    public static void WriteMbTiles(string path, string format, SortedDictionary<(int Z, int X, int Y), byte[]> tiles, string? json = null)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using (var schema = connection.CreateCommand())
        {
            schema.CommandText =
                "CREATE TABLE metadata (name text, value text);" +
                "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob);" +
                "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);" +
                "INSERT INTO metadata VALUES ('name', 'district');";
            schema.ExecuteNonQuery();
        }

        using (var formatRow = connection.CreateCommand())
        {
            formatRow.CommandText = "INSERT INTO metadata VALUES ('format', $format)";
            formatRow.Parameters.AddWithValue("$format", format);
            formatRow.ExecuteNonQuery();
        }

        if (json is not null)
        {
            using var metadata = connection.CreateCommand();
            metadata.CommandText = "INSERT INTO metadata VALUES ('json', $json)";
            metadata.Parameters.AddWithValue("$json", json);
            metadata.ExecuteNonQuery();
        }

        foreach (var ((z, x, y), data) in tiles)
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO tiles VALUES ($z, $x, $row, $data)";
            insert.Parameters.AddWithValue("$z", z);
            insert.Parameters.AddWithValue("$x", x);
            insert.Parameters.AddWithValue("$row", (1 << z) - 1 - y);
            insert.Parameters.AddWithValue("$data", data);
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// A PMTiles v3 archive of <paramref name="tiles"/> (already compressed with
    /// <paramref name="tileCompression"/>: 1 none, 2 gzip, 3 brotli) with <paramref name="metadata"/>;
    /// <paramref name="tileType"/> 1 is MVT, 2 png; <paramref name="version"/> goes in the header as it is.
    /// </summary>
    public static void WritePmTiles(
        string path, SortedDictionary<(int Z, int X, int Y), byte[]> tiles, string metadata,
        byte tileType = 1, byte tileCompression = 2, byte internalCompression = 2, byte version = 3)
    {
        var entries = tiles.Select(t => (Id: TileId(t.Key.Z, t.Key.X, t.Key.Y), Data: t.Value)).OrderBy(e => e.Id).ToList();
        using var data = new MemoryStream();
        var directory = new MemoryStream();
        WriteVarint(directory, (ulong)entries.Count);
        var last = 0UL;
        foreach (var (id, _) in entries)
        {
            WriteVarint(directory, id - last);
            last = id;
        }

        foreach (var _ in entries)
        {
            WriteVarint(directory, 1); // run length
        }

        foreach (var (_, tile) in entries)
        {
            WriteVarint(directory, (ulong)tile.Length);
        }

        // Offsets: 0 for "right after the previous tile", which every tile here is but the first.
        for (var i = 0; i < entries.Count; i++)
        {
            WriteVarint(directory, i == 0 ? 1UL : 0UL);
            data.Write(entries[i].Data);
        }

        var root = internalCompression == 2 ? Gzip(directory.ToArray()) : directory.ToArray();
        var json = Encoding.UTF8.GetBytes(metadata);
        var meta = internalCompression == 2 ? Gzip(json) : json;
        var minZoom = tiles.Keys.Min(k => k.Z);
        var maxZoom = tiles.Keys.Max(k => k.Z);

        var header = new byte[127];
        "PMTiles"u8.CopyTo(header);
        header[7] = version;
        ulong rootOffset = 127, metaOffset = rootOffset + (ulong)root.Length, dataOffset = metaOffset + (ulong)meta.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), rootOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(16), (ulong)root.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(24), metaOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(32), (ulong)meta.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(40), dataOffset); // no leaf directories
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(48), 0);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(56), dataOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(64), (ulong)data.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(72), (ulong)entries.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(80), (ulong)entries.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(88), (ulong)entries.Count);
        header[96] = 1; // clustered: tiles in tile-id order
        header[97] = internalCompression;
        header[98] = tileCompression;
        header[99] = tileType;
        header[100] = (byte)minZoom;
        header[101] = (byte)maxZoom;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(102), -1_800_000_000);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(106), -850_000_000);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(110), 1_800_000_000);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(114), 850_000_000);
        header[118] = (byte)minZoom;

        using var file = File.Create(path);
        file.Write(header);
        file.Write(root);
        file.Write(meta);
        data.Position = 0;
        data.CopyTo(file);
    }

    /// <summary>The XYZ tile (rows from the north) holding a longitude and latitude at zoom <paramref name="z"/>.</summary>
    public static (int X, int Y) TileOf(double longitude, double latitude, int z)
    {
        var n = 1 << z;
        var x = (int)Math.Floor((longitude + 180) / 360 * n);
        var radians = latitude * Math.PI / 180;
        var y = (int)Math.Floor((1 - (Math.Log(Math.Tan(radians) + (1 / Math.Cos(radians))) / Math.PI)) / 2 * n);
        return (x, y);
    }

    public static byte[] Gzip(byte[] plain)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal))
        {
            gzip.Write(plain);
        }

        return compressed.ToArray();
    }

    /// <summary>The PMTiles tile id: the tiles of lower zooms, then the tile's place on the Hilbert curve of its zoom.</summary>
    private static ulong TileId(int z, int x, int y)
    {
        var below = ((1UL << (2 * z)) - 1) / 3;
        long tx = x, ty = y;
        ulong d = 0;
        for (long s = (1L << z) / 2; s > 0; s /= 2)
        {
            long rx = (tx & s) > 0 ? 1 : 0;
            long ry = (ty & s) > 0 ? 1 : 0;
            d += (ulong)(s * s * ((3 * rx) ^ ry));
            if (ry == 0)
            {
                if (rx == 1)
                {
                    tx = s - 1 - tx;
                    ty = s - 1 - ty;
                }

                (tx, ty) = (ty, tx);
            }
        }

        return below + d;
    }

    private static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }
}
