using NetTopologySuite.Algorithm;
using NetTopologySuite.Geometries;

namespace Geo.Exporters.GeoJson.Internal;

/// <summary>RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise.</summary>
internal static class RingOrientation
{
    /// <summary>The polygon with its rings turned as RFC 7946 wants; the same instance when they already are.</summary>
    public static Polygon Orient(Polygon polygon)
    {
        var shell = polygon.Shell;
        var orientedShell = shell.IsEmpty || Orientation.IsCCW(shell.CoordinateSequence) ? shell : (LinearRing)shell.Reverse();
        LinearRing[]? holes = null;
        for (var i = 0; i < polygon.NumInteriorRings; i++)
        {
            var hole = polygon.Holes[i];
            if (!hole.IsEmpty && Orientation.IsCCW(hole.CoordinateSequence))
            {
                holes ??= [.. polygon.Holes];
                holes[i] = (LinearRing)hole.Reverse();
            }
        }

        return ReferenceEquals(orientedShell, shell) && holes is null
            ? polygon
            : polygon.Factory.CreatePolygon(orientedShell, holes ?? polygon.Holes);
    }
}
