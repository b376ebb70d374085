using System.Globalization;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Valid;

namespace Geo.Core.Spatial;

/// <summary>What a geometry must satisfy before it is stored or used as an area.</summary>
public static class GeometryRules
{
    /// <summary>Returns why <paramref name="geometry"/> is unacceptable, or null when it is fine.</summary>
    public static string? Check(Geometry geometry, params string[] allowedTypes)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(allowedTypes);
        if (allowedTypes.Length > 0 && !allowedTypes.Contains(geometry.GeometryType, StringComparer.Ordinal))
        {
            return $"must be a {string.Join(" or ", allowedTypes)}, not a {geometry.GeometryType}";
        }

        if (geometry.IsEmpty)
        {
            return "is empty";
        }

        foreach (var coordinate in geometry.Coordinates)
        {
            if (!double.IsFinite(coordinate.X) || !double.IsFinite(coordinate.Y))
            {
                return "has a coordinate that is not a finite number";
            }

            if (coordinate.X is < -180 or > 180 || coordinate.Y is < -90 or > 90)
            {
                return $"has coordinate ({Format(coordinate)}) outside longitude -180..180 / latitude -90..90";
            }
        }

        if (CrossesAntimeridian(geometry))
        {
            return "crosses the antimeridian: split it at longitude 180 into a MultiPolygon of parts that each stay on one side";
        }

        var error = new IsValidOp(geometry).ValidationError;
        return error is null ? null : $"is not a valid geometry: {error.Message} at ({Format(error.Coordinate)})";
    }

    /// <summary>
    /// A ring or line with an edge longer than 180 degrees of longitude is meant to wrap across
    /// the antimeridian; stored as it is, it would cover the other side of the globe instead.
    /// </summary>
    private static bool CrossesAntimeridian(Geometry geometry)
    {
        for (var part = 0; part < geometry.NumGeometries; part++)
        {
            var piece = geometry.GetGeometryN(part);
            var lines = piece is Polygon polygon ? [polygon.ExteriorRing, .. polygon.InteriorRings] : new[] { piece };
            foreach (var line in lines)
            {
                var coordinates = line.Coordinates;
                for (var i = 1; i < coordinates.Length; i++)
                {
                    if (Math.Abs(coordinates[i].X - coordinates[i - 1].X) > 180)
                    {
                        return true;
                    }
                }
            }

            if (piece is Polygon && piece.EnvelopeInternal.Width > 180)
            {
                return true;
            }
        }

        return false;
    }

    private static string Format(Coordinate? coordinate) => coordinate is null
        ? "?"
        : string.Create(CultureInfo.InvariantCulture, $"{coordinate.X} {coordinate.Y}");
}
