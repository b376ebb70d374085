using System.Globalization;
using NetTopologySuite.Geometries;

namespace Geo.Exporters.GeoJson.Internal;

/// <summary>
/// What a position must be to be written: finite, with a latitude on the globe. Longitudes beyond
/// ±180 are not refused here: they continue across the antimeridian and normalisation brings them back.
/// </summary>
internal static class CoordinateRules
{
    public static void CheckPosition(double longitude, double latitude)
    {
        if (!double.IsFinite(longitude))
        {
            throw new ArgumentException($"longitude {Format(longitude)} is not a finite number", nameof(longitude));
        }

        if (!double.IsFinite(latitude))
        {
            throw new ArgumentException($"latitude {Format(latitude)} is not a finite number", nameof(latitude));
        }

        if (latitude is < -90 or > 90)
        {
            throw new ArgumentException($"latitude {Format(latitude)} is outside -90..90", nameof(latitude));
        }
    }

    public static void Check(Geometry geometry, string parameterName)
    {
        switch (geometry)
        {
            case Point point:
                Check(point.CoordinateSequence, geometry, parameterName);
                break;
            case LineString line:
                Check(line.CoordinateSequence, geometry, parameterName);
                break;
            case Polygon polygon:
                Check(polygon.Shell.CoordinateSequence, geometry, parameterName);
                foreach (var hole in polygon.Holes)
                {
                    Check(hole.CoordinateSequence, geometry, parameterName);
                }

                break;
            case GeometryCollection collection:
                for (var i = 0; i < collection.NumGeometries; i++)
                {
                    Check(collection.GetGeometryN(i), parameterName);
                }

                break;
            default:
                throw new ArgumentException($"a {geometry.GeometryType} has no GeoJSON form", parameterName);
        }
    }

    private static void Check(CoordinateSequence sequence, Geometry owner, string parameterName)
    {
        for (var i = 0; i < sequence.Count; i++)
        {
            var x = sequence.GetX(i);
            var y = sequence.GetY(i);
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                throw new ArgumentException($"the {owner.GeometryType} has a coordinate that is not a finite number: ({Format(x)} {Format(y)})", parameterName);
            }

            if (y is < -90 or > 90)
            {
                throw new ArgumentException($"the {owner.GeometryType} has latitude {Format(y)} outside -90..90 at ({Format(x)} {Format(y)})", parameterName);
            }
        }
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
