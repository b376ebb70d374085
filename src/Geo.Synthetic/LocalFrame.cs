using Geo.Core.Spatial;

namespace Geo.Synthetic;

/// <summary>Kilometres east and north of the region's south-west corner, and back to degrees.</summary>
internal sealed class LocalFrame
{
    private const double KilometresPerDegree = Math.PI * Geodesy.EarthRadiusMetres / 180.0 / 1000.0;
    private readonly double _kmPerDegreeLongitude;

    public LocalFrame(GeoPoint southWest, double width, double height)
    {
        SouthWest = southWest;
        Width = width;
        Height = height;
        var middleLatitude = southWest.Latitude + (height / 2 / KilometresPerDegree);
        _kmPerDegreeLongitude = KilometresPerDegree * Math.Cos(middleLatitude * Math.PI / 180.0);
    }

    public GeoPoint SouthWest { get; }

    public double Width { get; }

    public double Height { get; }

    public MissionRegion Region => new(SouthWest.Longitude, SouthWest.Latitude, SouthWest.Longitude + (Width / _kmPerDegreeLongitude), SouthWest.Latitude + (Height / KilometresPerDegree));

    public GeoPoint ToPoint(double x, double y) =>
        new(Math.Round(SouthWest.Longitude + (x / _kmPerDegreeLongitude), 6), Math.Round(SouthWest.Latitude + (y / KilometresPerDegree), 6));

    public (double X, double Y) ToKm(GeoPoint point) =>
        ((point.Longitude - SouthWest.Longitude) * _kmPerDegreeLongitude, (point.Latitude - SouthWest.Latitude) * KilometresPerDegree);

    public (double X, double Y) Clamp(double x, double y, double margin) =>
        (Math.Clamp(x, margin, Width - margin), Math.Clamp(y, margin, Height - margin));

    public static double Distance((double X, double Y) a, (double X, double Y) b) => Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
}
