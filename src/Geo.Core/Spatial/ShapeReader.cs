using System.Globalization;
using System.Text.Json;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace Geo.Core.Spatial;

/// <summary>
/// Reads geometries given as WKT or as GeoJSON (RFC 7946) geometry objects (or a Feature /
/// FeatureCollection of one feature) into WGS84 NTS geometries. A text that cannot be read is
/// a result with a reason, not an exception.
/// </summary>
/// <remarks>
/// GeoJSON is read as RFC 7946 asks of a parser: rings in either orientation, "bbox" and foreign
/// members ignored (the extent is the geometry's own), and a GeometryCollection of polygons read as
/// the polygonal geometry it covers, since areas are used as Polygon or MultiPolygon.
/// </remarks>
public static class ShapeReader
{
    public static GeometryFactory Factory { get; } = new(new PrecisionModel(), 4326);

    /// <summary>
    /// Reads WKT, after <see cref="ShapeText.CheckWkt"/> has measured it against
    /// <paramref name="limits"/> (the defaults when null).
    /// </summary>
    public static (Geometry? Geometry, string? Error) ReadWkt(string text, ShapeLimits? limits = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, "is empty");
        }

        if (ShapeText.CheckWkt(text, limits ?? ShapeLimits.Default) is { } refused)
        {
            return (null, refused);
        }

        // What NTS's WKTReader throws on bad text, each seen with a text that causes it:
        // ParseException for the grammar; ArgumentException when the factory refuses what was read
        // (an unclosed ring, a line of one point); OverflowException for an SRID that is no Int32
        // ("SRID=1e300;"); IndexOutOfRangeException from its tokenizer for a character beyond
        // Latin-1, which the check above already refuses. An SRID without "=" reads as null.
        try
        {
            var geometry = new WKTReader(Factory.GeometryServices).Read(text);
            if (geometry is null)
            {
                return (null, "is not valid WKT: expected a geometry such as POLYGON ((...)), optionally after SRID=4326;");
            }

            geometry.SRID = 4326;
            return (geometry, null);
        }
        catch (ParseException e)
        {
            return (null, $"is not valid WKT: {e.Message}");
        }
        catch (OverflowException)
        {
            return (null, "is not valid WKT: its SRID is not a 32-bit whole number (give SRID=4326; or none)");
        }
        catch (IndexOutOfRangeException)
        {
            return (null, "is not valid WKT: it has a character the reader cannot take");
        }
        catch (ArgumentException e)
        {
            // NTS refuses unclosed rings while building the geometry.
            return (null, $"is not a valid geometry: {e.Message}");
        }
    }

    /// <summary>
    /// Reads a GeoJSON geometry, Feature or FeatureCollection of one feature, after
    /// <see cref="ShapeText.CheckGeoJson"/> has measured it against <paramref name="limits"/>
    /// (the defaults when null).
    /// </summary>
    public static (Geometry? Geometry, string? Error) ReadGeoJson(string text, ShapeLimits? limits = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, "is empty");
        }

        if (ShapeText.CheckGeoJson(text, limits ?? ShapeLimits.Default) is { } refused)
        {
            return (null, refused);
        }

        // Every member is read through Property, Text, Items and Number below, which check the
        // JSON kind first: JsonElement's own accessors throw InvalidOperationException (or
        // FormatException for a number beyond a double), which would end the call as UNKNOWN.
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = ShapeLimits.MaxSafeDepth + 1 });
            return ReadGeoJson(document.RootElement);
        }
        catch (JsonException e)
        {
            return (null, $"is not valid JSON: {e.Message}");
        }
        catch (GeoJsonFormatException e)
        {
            return (null, $"is not a valid GeoJSON geometry: {e.Message}");
        }
        catch (ArgumentException e)
        {
            return (null, $"is not a valid geometry: {e.Message}");
        }
        catch (TopologyException e)
        {
            return (null, $"is not a valid geometry: {e.Message}");
        }
    }

    // Our own reader, not NetTopologySuite.IO.GeoJSON4STJ's GeoJsonConverterFactory. Tried
    // (4.0.0, 2026-12-07): on valid input it builds the same geometries (the tests in
    // ShapeReaderAgainstNtsGeoJsonTests hold ours to it) and a little faster (0.9 against 1.4 µs
    // for a square, 1.24 against 1.38 ms for 10,000 positions), nothing a caller would notice.
    // But bad input is what it cannot describe, and the caller gets that text in INVALID_ARGUMENT:
    // an unclosed ring is "points must form a closed linestring" (which ring?), a string where a
    // number belongs "Expected token is 'StartArray' but was 'String'", an unknown type an
    // ArgumentException "Requested value 'Circle' was not found", a missing member of a position
    // "could not be converted to Geometry"; a ring of three positions and "coordinates": [] for a
    // point pass, and altitudes are kept (the columns are 2D). Checking all that around the
    // package would walk the JSON a second time, for the same result.
    private static (Geometry? Geometry, string? Error) ReadGeoJson(JsonElement root)
    {
        var type = Text(Property(root, "type"), "type");
        return type switch
        {
            "Feature" => (FeatureGeometry(root), null),
            "FeatureCollection" => Property(root, "features") is { ValueKind: JsonValueKind.Array } features && features.GetArrayLength() == 1
                ? (FeatureGeometry(features[0]), null)
                : (null, "a FeatureCollection must hold exactly one feature to be used as an area"),
            _ => (GeometryOf(root), null),
        };
    }

    private static Geometry FeatureGeometry(JsonElement feature)
    {
        var geometry = Property(feature, "geometry");
        return geometry.ValueKind == JsonValueKind.Null
            ? throw new GeoJsonFormatException("the feature has no geometry (\"geometry\" is null)")
            : GeometryOf(geometry);
    }

    private static Geometry GeometryOf(JsonElement element)
    {
        var type = Text(Property(element, "type"), "type");
        if (type == "GeometryCollection")
        {
            var parts = Items(Property(element, "geometries"), "geometries").Select(GeometryOf).ToArray();
            return Polygonal(parts) ?? Factory.CreateGeometryCollection(parts);
        }

        var coordinates = Property(element, "coordinates");
        return type switch
        {
            "Point" => Factory.CreatePoint(Position(coordinates)),
            "MultiPoint" => Factory.CreateMultiPoint(Items(coordinates, "coordinates").Select(p => Factory.CreatePoint(Position(p))).ToArray()),
            "LineString" => Factory.CreateLineString(Positions(coordinates)),
            "MultiLineString" => Factory.CreateMultiLineString(Items(coordinates, "coordinates").Select(l => Factory.CreateLineString(Positions(l))).ToArray()),
            "Polygon" => Polygon(coordinates),
            "MultiPolygon" => Factory.CreateMultiPolygon(Items(coordinates, "coordinates").Select(Polygon).ToArray()),
            _ => throw new GeoJsonFormatException($"unknown geometry type '{type}'"),
        };
    }

    /// <summary>
    /// Polygons given as a GeometryCollection, as one MultiPolygon of the same polygons when they do
    /// not overlap, or as their union when they do; null when some member is not polygonal. A member
    /// that is itself invalid is kept as it is, for the geometry rules to name its fault.
    /// </summary>
    private static Geometry? Polygonal(Geometry[] parts)
    {
        if (parts.Length == 0 || !parts.All(p => p is NetTopologySuite.Geometries.Polygon or MultiPolygon))
        {
            return null;
        }

        var polygons = parts.SelectMany(p => Enumerable.Range(0, p.NumGeometries).Select(i => (NetTopologySuite.Geometries.Polygon)p.GetGeometryN(i)))
            .Where(p => !p.IsEmpty)
            .ToArray();
        var multiPolygon = Factory.CreateMultiPolygon(polygons);
        return multiPolygon.IsValid || !polygons.All(p => p.IsValid) ? multiPolygon : multiPolygon.Union();
    }

    private static Polygon Polygon(JsonElement rings)
    {
        var all = Items(rings, "a polygon's coordinates").Select((ring, index) => Ring(ring, index)).ToArray();
        if (all.Length == 0)
        {
            return Factory.CreatePolygon();
        }

        return Factory.CreatePolygon(all[0], all[1..]);
    }

    private static LinearRing Ring(JsonElement ring, int index)
    {
        var positions = Positions(ring);
        if (positions.Length > 0 && !positions[0].Equals2D(positions[^1]))
        {
            throw new GeoJsonFormatException($"ring {index} is not closed: its first and last positions differ");
        }

        if (positions.Length is > 0 and < 4)
        {
            throw new GeoJsonFormatException($"ring {index} has {positions.Length} positions; a closed ring needs at least 4");
        }

        return Factory.CreateLinearRing(positions);
    }

    private static Coordinate[] Positions(JsonElement array) => array.ValueKind == JsonValueKind.Array
        ? array.EnumerateArray().Select(Position).ToArray()
        : throw new GeoJsonFormatException("coordinates must be an array");

    private static Coordinate Position(JsonElement position)
    {
        if (position.ValueKind != JsonValueKind.Array || position.GetArrayLength() < 2)
        {
            throw new GeoJsonFormatException("a position must be an array of at least two numbers");
        }

        return new Coordinate(Number(position[0]), Number(position[1]));
    }

    private static double Number(JsonElement element) => element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var number)
        ? number
        : throw new GeoJsonFormatException($"'{Shorten(element.GetRawText())}' is not a number a coordinate can be");

    private static string Text(JsonElement element, string name) => element.ValueKind == JsonValueKind.String
        ? element.GetString()!
        : throw new GeoJsonFormatException($"\"{name}\" must be a string");

    private static JsonElement.ArrayEnumerator Items(JsonElement element, string name) => element.ValueKind == JsonValueKind.Array
        ? element.EnumerateArray()
        : throw new GeoJsonFormatException($"{(name.Contains(' ', StringComparison.Ordinal) ? name : $"\"{name}\"")} must be an array");

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static JsonElement Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value
            : throw new GeoJsonFormatException($"missing \"{name}\"");

    private sealed class GeoJsonFormatException(string message) : Exception(message);
}
