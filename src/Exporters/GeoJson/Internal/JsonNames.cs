using System.Text.Json;

namespace Geo.Exporters.GeoJson.Internal;

/// <summary>GeoJSON member names and type names, encoded once.</summary>
internal static class JsonNames
{
    public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    public static readonly JsonEncodedText Features = JsonEncodedText.Encode("features");
    public static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    public static readonly JsonEncodedText Geometry = JsonEncodedText.Encode("geometry");
    public static readonly JsonEncodedText Geometries = JsonEncodedText.Encode("geometries");
    public static readonly JsonEncodedText Coordinates = JsonEncodedText.Encode("coordinates");
    public static readonly JsonEncodedText Properties = JsonEncodedText.Encode("properties");
    public static readonly JsonEncodedText Bbox = JsonEncodedText.Encode("bbox");

    public static readonly JsonEncodedText FeatureCollection = JsonEncodedText.Encode("FeatureCollection");
    public static readonly JsonEncodedText Feature = JsonEncodedText.Encode("Feature");
    public static readonly JsonEncodedText Point = JsonEncodedText.Encode("Point");
    public static readonly JsonEncodedText MultiPoint = JsonEncodedText.Encode("MultiPoint");
    public static readonly JsonEncodedText LineString = JsonEncodedText.Encode("LineString");
    public static readonly JsonEncodedText MultiLineString = JsonEncodedText.Encode("MultiLineString");
    public static readonly JsonEncodedText Polygon = JsonEncodedText.Encode("Polygon");
    public static readonly JsonEncodedText MultiPolygon = JsonEncodedText.Encode("MultiPolygon");
    public static readonly JsonEncodedText GeometryCollection = JsonEncodedText.Encode("GeometryCollection");

    /// <summary>The geometry member of a point feature up to its first coordinate, written in one piece.</summary>
    public static ReadOnlySpan<byte> PointPrefix => """{"type":"Point","coordinates":["""u8;
}
