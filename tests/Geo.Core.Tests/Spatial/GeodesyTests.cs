using Geo.Core.Spatial;
using Xunit;

namespace Geo.Core.Tests.Spatial;

public sealed class GeodesyTests
{
    [Theory]
    // Reference distances from PostGIS: ST_Distance(geography, geography) on the WGS84 spheroid.
    [InlineData(0, 0, 1, 0, 111_319.49)]
    [InlineData(0, 0, 0, 1, 110_574.39)]
    [InlineData(29.22, -1.68, 29.25, -1.62, 7_427.0039)]
    [InlineData(-0.1278, 51.5074, 2.3522, 48.8566, 343_923.1201)]
    public void DistanceMetres_AgreesWithTheEllipsoidWithinATenthOfAPercent(double lon1, double lat1, double lon2, double lat2, double expected)
    {
        var distance = Geodesy.DistanceMetres(new GeoPoint(lon1, lat1), new GeoPoint(lon2, lat2));

        Assert.InRange(distance, expected * 0.999, expected * 1.001);
    }

    [Fact]
    public void RingAreaSquareMetres_OneDegreeSquareAtTheEquator_IsAbout12300SquareKilometres()
    {
        var area = Geodesy.RingAreaSquareMetres([new(0, 0), new(1, 0), new(1, 1), new(0, 1), new(0, 0)]);

        Assert.InRange(area / 1e6, 12_300 * 0.995, 12_400 * 1.005);
    }

    [Theory]
    [InlineData(30, -3, 10_000)]
    [InlineData(10, 60, 50_000)]
    [InlineData(0, 0, 1_000)]
    public void CircleBounds_ContainEveryPointOfTheCircle(double longitude, double latitude, double radius)
    {
        var center = new GeoPoint(longitude, latitude);
        var (west, south, east, north) = Geodesy.CircleBounds(center, radius);

        for (var bearing = 0; bearing < 360; bearing += 5)
        {
            var point = Destination(center, bearing, radius);
            Assert.InRange(point.Longitude, west, east);
            Assert.InRange(point.Latitude, south, north);
        }
    }

    private static GeoPoint Destination(GeoPoint from, double bearingDegrees, double metres)
    {
        var angular = metres / Geodesy.EarthRadiusMetres;
        var bearing = bearingDegrees * Math.PI / 180;
        var lat1 = from.Latitude * Math.PI / 180;
        var lon1 = from.Longitude * Math.PI / 180;
        var lat2 = Math.Asin((Math.Sin(lat1) * Math.Cos(angular)) + (Math.Cos(lat1) * Math.Sin(angular) * Math.Cos(bearing)));
        var lon2 = lon1 + Math.Atan2(Math.Sin(bearing) * Math.Sin(angular) * Math.Cos(lat1), Math.Cos(angular) - (Math.Sin(lat1) * Math.Sin(lat2)));
        return new GeoPoint(lon2 * 180 / Math.PI, lat2 * 180 / Math.PI);
    }
}
