using Geo.Exporters.GeoJson.Internal;
using NetTopologySuite.Geometries;

namespace Geo.Exporters.GeoJson;

/// <summary>
/// The RFC 7946 rules a geometry is brought to before it is written, usable on their own. Pure: the
/// argument is never changed, and it is returned as it is when nothing needs changing.
/// </summary>
public static class GeoJsonGeometry
{
    /// <summary>
    /// Exterior rings counter-clockwise and holes clockwise (§3.1.6); a polygon or line that crosses
    /// the antimeridian cut at ±180 into a MultiPolygon or MultiLineString (§3.1.9); point longitudes
    /// beyond ±180 wrapped; empty parts of collections dropped. Coordinates are otherwise as given:
    /// rounding to 6 decimals happens when they are written.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A coordinate is not finite, a latitude is outside -90..90, or a polygon cannot be cut (it winds
    /// around a pole, spans more than 360°, or is too broken for an overlay).
    /// </exception>
    public static Geometry Normalise(Geometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        CoordinateRules.Check(geometry, nameof(geometry));
        return NormaliseChecked(geometry);
    }

    private static Geometry NormaliseChecked(Geometry geometry)
    {
        var factory = geometry.Factory;
        switch (geometry)
        {
            case { IsEmpty: true }:
                return geometry;
            case Point point:
                return Wrapped(point);
            case LineString line:
                var lines = Lines(line);
                return lines.Count == 1 ? lines[0] : factory.CreateMultiLineString([.. lines]);
            case Polygon polygon:
                var polygons = Polygons(polygon);
                return polygons.Count == 1 ? polygons[0] : factory.CreateMultiPolygon([.. polygons]);
            case MultiPoint multiPoint:
                var points = Parts<Point>(multiPoint, p => [Wrapped(p)], out var pointsChanged);
                return pointsChanged ? factory.CreateMultiPoint([.. points]) : geometry;
            case MultiLineString multiLine:
                var allLines = Parts<LineString>(multiLine, Lines, out var linesChanged);
                return linesChanged ? factory.CreateMultiLineString([.. allLines]) : geometry;
            case MultiPolygon multiPolygon:
                var allPolygons = Parts<Polygon>(multiPolygon, Polygons, out var polygonsChanged);
                return polygonsChanged ? factory.CreateMultiPolygon([.. allPolygons]) : geometry;
            case GeometryCollection collection:
                var members = Parts<Geometry>(collection, g => [NormaliseChecked(g)], out var membersChanged);
                return membersChanged ? factory.CreateGeometryCollection([.. members]) : geometry;
            default:
                throw new ArgumentException($"a {geometry.GeometryType} has no GeoJSON form", nameof(geometry));
        }
    }

    /// <summary>The normalised non-empty parts of a collection, and whether any differ from the given ones.</summary>
    private static List<T> Parts<T>(GeometryCollection collection, Func<T, IReadOnlyList<T>> normalise, out bool changed)
        where T : Geometry
    {
        var parts = new List<T>(collection.NumGeometries);
        changed = false;
        for (var i = 0; i < collection.NumGeometries; i++)
        {
            var part = (T)collection.GetGeometryN(i);
            if (part.IsEmpty)
            {
                changed = true;
                continue;
            }

            var normalised = normalise(part);
            changed |= normalised.Count != 1 || !ReferenceEquals(normalised[0], part);
            parts.AddRange(normalised);
        }

        return parts;
    }

    private static Point Wrapped(Point point)
    {
        var longitude = Antimeridian.Wrap(point.X);
        if (longitude.Equals(point.X))
        {
            return point;
        }

        var coordinate = point.Coordinate.Copy();
        coordinate.X = longitude;
        return point.Factory.CreatePoint(coordinate);
    }

    private static IReadOnlyList<LineString> Lines(LineString line) =>
        Antimeridian.Crosses(line.CoordinateSequence) ? Antimeridian.SplitLine(line) : [line];

    private static IReadOnlyList<Polygon> Polygons(Polygon polygon) =>
        Antimeridian.Crosses(polygon) ? Antimeridian.SplitPolygon(polygon) : [RingOrientation.Orient(polygon)];
}
