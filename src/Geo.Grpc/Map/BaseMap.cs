using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.Map;

/// <summary>The map page's base map (configuration section <c>GeoAwareness:BaseMap</c>).</summary>
public sealed class BaseMapOptions
{
    public const string SectionName = "GeoAwareness:BaseMap";

    /// <summary>
    /// A GeoJSON file (.geojson, .json), an MBTiles file of raster or vector tiles (.mbtiles) or a
    /// PMTiles file of vector tiles (.pmtiles) with the mission's administrative boundaries and
    /// places; empty for none. Only this file is ever read.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>A GeoJSON base map larger than this is refused (it is held in memory and sent whole to each page).</summary>
    public long MaxGeoJsonBytes { get; set; } = 64L * 1024 * 1024;
}

/// <summary>What kind of base map the service serves.</summary>
internal enum BaseMapKind
{
    /// <summary>None configured: the page draws the mission on its plain background.</summary>
    None,

    /// <summary>Configured, but missing or unreadable: the page says so in a banner.</summary>
    Unavailable,

    GeoJson,

    /// <summary>Raster tiles (png, jpg, webp) from an MBTiles file.</summary>
    RasterTiles,

    /// <summary>Vector tiles (Mapbox Vector Tile) from an MBTiles file, served tile by tile.</summary>
    VectorTiles,

    /// <summary>A PMTiles archive of vector tiles, served whole by byte ranges for the page's PMTiles reader.</summary>
    PmTiles,
}

/// <summary>
/// The base map the mission provides for orientation, read once at start from the one configured
/// path: a GeoJSON file held in memory, an MBTiles file whose tiles are read by zoom, column and
/// row (integers) on each request, or a PMTiles archive whose byte ranges the page reads. Nothing else on the disk can be reached through it: requests
/// never name a file. A missing or unreadable file is logged once and the page shows a banner;
/// the service starts anyway, since the base map is only for orientation.
/// </summary>
internal sealed class BaseMap
{
    private readonly string? _connectionString;
    private readonly byte[]? _geoJson;

    public BaseMap(IOptions<BaseMapOptions> options, ILogger<BaseMap> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.Value.Path;
        if (string.IsNullOrWhiteSpace(path))
        {
            Kind = BaseMapKind.None;
            return;
        }

        try
        {
            if (!File.Exists(path))
            {
                throw new BaseMapException("the file does not exist");
            }

            switch (System.IO.Path.GetExtension(path).ToLowerInvariant())
            {
                case ".geojson" or ".json":
                    _geoJson = ReadGeoJson(path, options.Value.MaxGeoJsonBytes);
                    GeoJsonETag = "\"" + Convert.ToHexStringLower(SHA256.HashData(_geoJson).AsSpan(0, 12)) + "\"";
                    Kind = BaseMapKind.GeoJson;
                    break;
                case ".mbtiles":
                    _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString();
                    (TileFormat, MinZoom, MaxZoom, VectorLayers) = ReadMbTilesMetadata(_connectionString);
                    Kind = VectorLayers.Count > 0 ? BaseMapKind.VectorTiles : BaseMapKind.RasterTiles;
                    break;
                case ".pmtiles":
                    var archive = PmTilesArchive.Read(path);
                    (TileFormat, MinZoom, MaxZoom, VectorLayers) = ("pbf", archive.MinZoom, archive.MaxZoom, archive.VectorLayers);
                    var file = new FileInfo(path);
                    PmTilesPath = file.FullName;
                    // Changes when the file is replaced, so that the page's reader starts again rather than mixing two archives.
                    PmTilesETag = $"\"{file.Length:x}-{file.LastWriteTimeUtc.Ticks:x}\"";
                    Kind = BaseMapKind.PmTiles;
                    break;
                default:
                    throw new BaseMapException("not a .geojson, .json, .mbtiles or .pmtiles file");
            }

            BaseMapLog.Serving(logger, Kind, path);
        }
        catch (Exception e) when (e is BaseMapException or IOException or InvalidDataException or UnauthorizedAccessException or SqliteException or JsonException)
        {
            Kind = BaseMapKind.Unavailable;
            Problem = e is BaseMapException ? e.Message : $"the file cannot be read ({e.GetType().Name})";
            BaseMapLog.Unavailable(logger, path, e.Message);
        }
    }

    public BaseMapKind Kind { get; }

    /// <summary>Why a configured base map is unavailable, without its path (the page that shows it is open to anyone).</summary>
    public string? Problem { get; }

    public string? GeoJsonETag { get; }

    /// <summary>Tiles: png, jpg or webp for raster tiles, pbf for vector tiles; their zoom levels.</summary>
    public string? TileFormat { get; }

    /// <summary>Vector tiles: the names of their layers (from the file's vector_layers), which the page draws each.</summary>
    public IReadOnlyList<string> VectorLayers { get; } = [];

    /// <summary>A PMTiles archive: its full path (served whole, never named by a request) and its entity tag.</summary>
    public string? PmTilesPath { get; }

    public string? PmTilesETag { get; }

    public int MinZoom { get; }

    public int MaxZoom { get; }

    public ReadOnlyMemory<byte> GeoJson => _geoJson;

    /// <summary>The tile at zoom <paramref name="z"/>, column <paramref name="x"/> and row <paramref name="y"/> (XYZ, rows from the north), or null.</summary>
    public async Task<byte[]?> ReadTileAsync(int z, int x, int y, CancellationToken cancellationToken)
    {
        if (Kind is not (BaseMapKind.RasterTiles or BaseMapKind.VectorTiles) || z < 0 || z > 30 || x < 0 || y < 0 || x >= 1 << z || y >= 1 << z)
        {
            return null;
        }

        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT tile_data FROM tiles WHERE zoom_level = $z AND tile_column = $x AND tile_row = $y";
        command.Parameters.AddWithValue("$z", z);
        command.Parameters.AddWithValue("$x", x);
        // MBTiles numbers rows from the south (TMS).
        command.Parameters.AddWithValue("$y", (1 << z) - 1 - y);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    public static string ContentTypeOf(string format) => format switch
    {
        "png" => "image/png",
        "jpg" or "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "pbf" => "application/vnd.mapbox-vector-tile",
        _ => "application/octet-stream",
    };

    private static byte[] ReadGeoJson(string path, long maxBytes)
    {
        if (new FileInfo(path).Length > maxBytes)
        {
            throw new BaseMapException($"the GeoJSON file is larger than {maxBytes} bytes (GeoAwareness:BaseMap:MaxGeoJsonBytes)");
        }

        var bytes = File.ReadAllBytes(path);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("type", out var type)
                || type.GetString() is not ("FeatureCollection" or "Feature"))
            {
                throw new BaseMapException("the file is not a GeoJSON FeatureCollection or Feature");
            }
        }
        catch (JsonException)
        {
            throw new BaseMapException("the file is not JSON");
        }

        return bytes;
    }

    private static (string Format, int MinZoom, int MaxZoom, IReadOnlyList<string> VectorLayers) ReadMbTilesMetadata(string connectionString)
    {
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT name, value FROM metadata";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    metadata[reader.GetString(0)] = reader.IsDBNull(1) ? string.Empty : reader.GetString(1);
                }
            }

            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT min(zoom_level), max(zoom_level) FROM tiles";
                using var reader = command.ExecuteReader();
                if (!reader.Read() || reader.IsDBNull(0))
                {
                    throw new BaseMapException("the MBTiles file holds no tile");
                }

                var format = metadata.GetValueOrDefault("format", "png").ToLowerInvariant();
                if (format is "pbf" or "mvt")
                {
                    // MBTiles 1.3: a vector tileset names its layers in the "json" row.
                    var layers = VectorLayersOf(metadata.GetValueOrDefault("json"), "the MBTiles metadata's json row");
                    return ("pbf", reader.GetInt32(0), reader.GetInt32(1), layers);
                }

                if (format is not ("png" or "jpg" or "jpeg" or "webp"))
                {
                    throw new BaseMapException($"the MBTiles format '{format}' is not png, jpg, webp or pbf");
                }

                return (format, reader.GetInt32(0), reader.GetInt32(1), []);
            }
        }
        catch (SqliteException)
        {
            throw new BaseMapException("the file is not a readable MBTiles (SQLite) file");
        }
    }

    /// <summary>
    /// The layer names of a vector tileset's metadata ({"vector_layers": [{"id": ...}, ...]}), as
    /// MBTiles 1.3 and PMTiles keep it: the page draws each layer by name, so a tileset that names
    /// none cannot be drawn and is refused with the banner rather than shown empty.
    /// </summary>
    internal static IReadOnlyList<string> VectorLayersOf(string? json, string where)
    {
        const int MaxLayers = 256;
        var layers = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrEmpty(json) ? "{}" : json);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("vector_layers", out var list)
                && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var layer in list.EnumerateArray())
                {
                    if (layer.ValueKind == JsonValueKind.Object && layer.TryGetProperty("id", out var id)
                        && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 and <= 200 } name && !layers.Contains(name))
                    {
                        layers.Add(name);
                    }
                }
            }
        }
        catch (JsonException)
        {
            throw new BaseMapException($"{where} is not JSON");
        }

        return layers.Count switch
        {
            0 => throw new BaseMapException($"{where} names no vector layer (vector_layers), so the page cannot draw its tiles"),
            > MaxLayers => throw new BaseMapException($"{where} names more than {MaxLayers} vector layers"),
            _ => layers,
        };
    }

    internal sealed class BaseMapException(string message) : Exception(message);
}

internal static partial class BaseMapLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "the map's base map: {Kind} from {Path}")]
    public static partial void Serving(ILogger logger, BaseMapKind kind, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the map's base map {Path} is unavailable: {Problem}; the page will say so")]
    public static partial void Unavailable(ILogger logger, string path, string problem);
}
