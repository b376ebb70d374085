namespace Geo.Core.Spatial;

/// <summary>Distances and areas on the WGS84 sphere-approximation used for limits and reach.</summary>
public static class Geodesy
{
    /// <summary>Mean Earth radius (IUGG), metres: haversine distances agree with PostGIS geography within about 0.5%.</summary>
    public const double EarthRadiusMetres = 6_371_008.8;

    /// <summary>Equatorial radius, metres, as used for spherical polygon areas.</summary>
    private const double EquatorialRadiusMetres = 6_378_137.0;

    private const double MetresPerDegreeLatitude = Math.PI * EarthRadiusMetres / 180.0;

    public static double DistanceMetres(GeoPoint a, GeoPoint b)
    {
        var lat1 = Radians(a.Latitude);
        var lat2 = Radians(b.Latitude);
        var dLat = lat2 - lat1;
        var dLon = Radians(b.Longitude - a.Longitude);
        var h = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2)) + (Math.Cos(lat1) * Math.Cos(lat2) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * EarthRadiusMetres * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    /// <summary>
    /// Area of a ring of (longitude, latitude) points in square metres, on the sphere (the
    /// method of Chamberlain and Duquette, as used by common web-map tools). Always positive.
    /// </summary>
    public static double RingAreaSquareMetres(IReadOnlyList<GeoPoint> ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        if (ring.Count < 3)
        {
            return 0;
        }

        var total = 0.0;
        for (var i = 0; i < ring.Count; i++)
        {
            var lower = ring[i];
            var middle = ring[(i + 1) % ring.Count];
            var upper = ring[(i + 2) % ring.Count];
            total += (Radians(upper.Longitude) - Radians(lower.Longitude)) * Math.Sin(Radians(middle.Latitude));
        }

        return Math.Abs(total * EquatorialRadiusMetres * EquatorialRadiusMetres / 2);
    }

    /// <summary>A longitude/latitude box that surely contains the circle (for index pre-filtering).</summary>
    public static (double West, double South, double East, double North) CircleBounds(GeoPoint center, double radiusMetres)
    {
        // 1% margin: the box only pre-filters; the exact test is the geodesic distance.
        var dLat = radiusMetres * 1.01 / MetresPerDegreeLatitude;
        var south = Math.Max(-90, center.Latitude - dLat);
        var north = Math.Min(90, center.Latitude + dLat);
        var widestLatitude = Math.Max(Math.Abs(south), Math.Abs(north));
        var cos = Math.Cos(Radians(widestLatitude));
        var dLon = cos < 1e-9 ? 180 : Math.Min(180, dLat / cos);
        return (Math.Max(-180, center.Longitude - dLon), south, Math.Min(180, center.Longitude + dLon), north);
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180.0;
}
