using System.Text.Json;
using NetTopologySuite.Geometries;

namespace Geo.Exporters.GeoJson.Internal;

/// <summary>
/// A normalised, non-empty geometry as a GeoJSON geometry object. Positions are written 2D
/// (longitude, latitude): observations carry no altitude, and RFC 7946 makes it optional.
/// </summary>
internal static class GeometryJson
{
    public static void Write(Utf8JsonWriter json, Geometry geometry, ref Extent extent)
    {
        json.WriteStartObject();
        json.WriteString(JsonNames.Type, TypeName(geometry));
        if (geometry is GeometryCollection collection and not (MultiPoint or MultiLineString or MultiPolygon))
        {
            json.WriteStartArray(JsonNames.Geometries);
            for (var i = 0; i < collection.NumGeometries; i++)
            {
                Write(json, collection.GetGeometryN(i), ref extent);
            }

            json.WriteEndArray();
        }
        else
        {
            json.WritePropertyName(JsonNames.Coordinates);
            WriteCoordinates(json, geometry, ref extent);
        }

        json.WriteEndObject();
    }

    public static void WritePosition(Utf8JsonWriter json, double x, double y, ref Extent extent)
    {
        Span<byte> text = stackalloc byte[CoordinateFormat.MaxPositionLength];
        var length = CoordinateFormat.WritePosition(x, y, text);
        json.WriteRawValue(text[..length], skipInputValidation: true);
        extent.Add(x, y);
    }

    private static void WriteCoordinates(Utf8JsonWriter json, Geometry geometry, ref Extent extent)
    {
        switch (geometry)
        {
            case Point point:
                WritePosition(json, point.X, point.Y, ref extent);
                break;
            case LineString line:
                WriteSequence(json, line.CoordinateSequence, ref extent);
                break;
            case Polygon polygon:
                WriteRings(json, polygon, ref extent);
                break;
            case MultiPoint or MultiLineString or MultiPolygon:
                json.WriteStartArray();
                for (var i = 0; i < geometry.NumGeometries; i++)
                {
                    WriteCoordinates(json, geometry.GetGeometryN(i), ref extent);
                }

                json.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"a {geometry.GeometryType} has no GeoJSON coordinates", nameof(geometry));
        }
    }

    private static void WriteRings(Utf8JsonWriter json, Polygon polygon, ref Extent extent)
    {
        json.WriteStartArray();
        WriteSequence(json, polygon.Shell.CoordinateSequence, ref extent);
        foreach (var hole in polygon.Holes)
        {
            WriteSequence(json, hole.CoordinateSequence, ref extent);
        }

        json.WriteEndArray();
    }

    private static void WriteSequence(Utf8JsonWriter json, CoordinateSequence sequence, ref Extent extent)
    {
        json.WriteStartArray();
        for (var i = 0; i < sequence.Count; i++)
        {
            WritePosition(json, sequence.GetX(i), sequence.GetY(i), ref extent);
        }

        json.WriteEndArray();
    }

    private static JsonEncodedText TypeName(Geometry geometry) => geometry switch
    {
        Point => JsonNames.Point,
        LineString => JsonNames.LineString,
        Polygon => JsonNames.Polygon,
        MultiPoint => JsonNames.MultiPoint,
        MultiLineString => JsonNames.MultiLineString,
        MultiPolygon => JsonNames.MultiPolygon,
        GeometryCollection => JsonNames.GeometryCollection,
        _ => throw new ArgumentException($"a {geometry.GeometryType} has no GeoJSON form", nameof(geometry)),
    };
}
