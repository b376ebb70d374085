namespace Geo.Core.Spatial;

/// <summary>Distances (on the WGS84 ellipsoid) and areas (on the sphere) for limits and reach.</summary>
public static class Geodesy
{
    /// <summary>Mean Earth radius (IUGG), metres.</summary>
    public const double EarthRadiusMetres = 6_371_008.8;

    /// <summary>Equatorial radius, metres, as used for spherical polygon areas.</summary>
    private const double EquatorialRadiusMetres = 6_378_137.0;

    private const double MetresPerDegreeLatitude = Math.PI * EarthRadiusMetres / 180.0;

    /// <summary>
    /// Distance on the WGS84 ellipsoid (Vincenty's inverse formula), as PostGIS geography measures
    /// it; near-antipodal pairs where the iteration does not converge fall back to the sphere.
    /// </summary>
    public static double DistanceMetres(GeoPoint a, GeoPoint b)
    {
        const double major = 6_378_137.0;
        const double flattening = 1 / 298.257223563;
        const double minor = major * (1 - flattening);
        var l = Radians(b.Longitude - a.Longitude);
        var u1 = Math.Atan((1 - flattening) * Math.Tan(Radians(a.Latitude)));
        var u2 = Math.Atan((1 - flattening) * Math.Tan(Radians(b.Latitude)));
        double sinU1 = Math.Sin(u1), cosU1 = Math.Cos(u1), sinU2 = Math.Sin(u2), cosU2 = Math.Cos(u2);
        var lambda = l;
        for (var iteration = 0; iteration < 200; iteration++)
        {
            double sinLambda = Math.Sin(lambda), cosLambda = Math.Cos(lambda);
            var sinSigma = Math.Sqrt(Math.Pow(cosU2 * sinLambda, 2) + Math.Pow((cosU1 * sinU2) - (sinU1 * cosU2 * cosLambda), 2));
            if (sinSigma == 0)
            {
                return 0;
            }

            var cosSigma = (sinU1 * sinU2) + (cosU1 * cosU2 * cosLambda);
            var sigma = Math.Atan2(sinSigma, cosSigma);
            var sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
            var cosSqAlpha = 1 - (sinAlpha * sinAlpha);
            var cos2SigmaM = cosSqAlpha == 0 ? 0 : cosSigma - (2 * sinU1 * sinU2 / cosSqAlpha);
            var c = flattening / 16 * cosSqAlpha * (4 + (flattening * (4 - (3 * cosSqAlpha))));
            var previous = lambda;
            lambda = l + ((1 - c) * flattening * sinAlpha * (sigma + (c * sinSigma * (cos2SigmaM + (c * cosSigma * (-1 + (2 * cos2SigmaM * cos2SigmaM)))))));
            if (Math.Abs(lambda - previous) < 1e-12)
            {
                var uSq = cosSqAlpha * ((major * major) - (minor * minor)) / (minor * minor);
                var bigA = 1 + (uSq / 16384 * (4096 + (uSq * (-768 + (uSq * (320 - (175 * uSq)))))));
                var bigB = uSq / 1024 * (256 + (uSq * (-128 + (uSq * (74 - (47 * uSq))))));
                var deltaSigma = bigB * sinSigma * (cos2SigmaM + (bigB / 4 * ((cosSigma * (-1 + (2 * cos2SigmaM * cos2SigmaM)))
                    - (bigB / 6 * cos2SigmaM * (-3 + (4 * sinSigma * sinSigma)) * (-3 + (4 * cos2SigmaM * cos2SigmaM))))));
                return minor * bigA * (sigma - deltaSigma);
            }
        }

        return SphericalDistanceMetres(a, b);
    }

    /// <summary>
    /// The point reached by going <paramref name="distanceMetres"/> along the geodesic that leaves
    /// <paramref name="start"/> at <paramref name="bearingDegrees"/> (clockwise from north), on the
    /// WGS84 ellipsoid (Vincenty's direct formula), so that <see cref="DistanceMetres"/> measures the
    /// same distance back. Longitudes are wrapped into [-180, 180).
    /// </summary>
    public static GeoPoint DestinationPoint(GeoPoint start, double bearingDegrees, double distanceMetres)
    {
        if (!start.IsInRange)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, "start must be a WGS84 position.");
        }

        if (!double.IsFinite(bearingDegrees))
        {
            throw new ArgumentOutOfRangeException(nameof(bearingDegrees), bearingDegrees, "bearing must be finite.");
        }

        if (!double.IsFinite(distanceMetres) || distanceMetres < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(distanceMetres), distanceMetres, "distance must be finite and not negative.");
        }

        const double major = 6_378_137.0;
        const double flattening = 1 / 298.257223563;
        const double minor = major * (1 - flattening);
        var alpha1 = Radians(bearingDegrees);
        double sinAlpha1 = Math.Sin(alpha1), cosAlpha1 = Math.Cos(alpha1);
        // Keep clear of the poles, where tan(latitude) is unbounded.
        var latitude = Math.Clamp(start.Latitude, -89.999_999, 89.999_999);
        var tanU1 = (1 - flattening) * Math.Tan(Radians(latitude));
        var cosU1 = 1 / Math.Sqrt(1 + (tanU1 * tanU1));
        var sinU1 = tanU1 * cosU1;
        var sigma1 = Math.Atan2(tanU1, cosAlpha1);
        var sinAlpha = cosU1 * sinAlpha1;
        var cosSqAlpha = 1 - (sinAlpha * sinAlpha);
        var uSq = cosSqAlpha * ((major * major) - (minor * minor)) / (minor * minor);
        var bigA = 1 + (uSq / 16384 * (4096 + (uSq * (-768 + (uSq * (320 - (175 * uSq)))))));
        var bigB = uSq / 1024 * (256 + (uSq * (-128 + (uSq * (74 - (47 * uSq))))));
        var sigma = distanceMetres / (minor * bigA);
        double sinSigma, cosSigma, cos2SigmaM;
        var iteration = 0;
        while (true)
        {
            cos2SigmaM = Math.Cos((2 * sigma1) + sigma);
            sinSigma = Math.Sin(sigma);
            cosSigma = Math.Cos(sigma);
            var deltaSigma = bigB * sinSigma * (cos2SigmaM + (bigB / 4 * ((cosSigma * (-1 + (2 * cos2SigmaM * cos2SigmaM)))
                - (bigB / 6 * cos2SigmaM * (-3 + (4 * sinSigma * sinSigma)) * (-3 + (4 * cos2SigmaM * cos2SigmaM))))));
            var previous = sigma;
            sigma = (distanceMetres / (minor * bigA)) + deltaSigma;
            if (Math.Abs(sigma - previous) < 1e-12 || ++iteration >= 200)
            {
                break;
            }
        }

        cos2SigmaM = Math.Cos((2 * sigma1) + sigma);
        sinSigma = Math.Sin(sigma);
        cosSigma = Math.Cos(sigma);
        var x = (sinU1 * sinSigma) - (cosU1 * cosSigma * cosAlpha1);
        var lat2 = Math.Atan2((sinU1 * cosSigma) + (cosU1 * sinSigma * cosAlpha1), (1 - flattening) * Math.Sqrt((sinAlpha * sinAlpha) + (x * x)));
        var lambda = Math.Atan2(sinSigma * sinAlpha1, (cosU1 * cosSigma) - (sinU1 * sinSigma * cosAlpha1));
        var c = flattening / 16 * cosSqAlpha * (4 + (flattening * (4 - (3 * cosSqAlpha))));
        var l = lambda - ((1 - c) * flattening * sinAlpha * (sigma + (c * sinSigma * (cos2SigmaM + (c * cosSigma * (-1 + (2 * cos2SigmaM * cos2SigmaM)))))));
        var longitude = start.Longitude + (l * 180.0 / Math.PI);
        longitude = ((((longitude + 180) % 360) + 360) % 360) - 180;
        return new GeoPoint(longitude, lat2 * 180.0 / Math.PI);
    }

    /// <summary>Great-circle distance on the mean sphere (haversine).</summary>
    public static double SphericalDistanceMetres(GeoPoint a, GeoPoint b)
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
