namespace Geo.Core.Spatial;

/// <summary>A WGS84 position in degrees.</summary>
public readonly record struct GeoPoint(double Longitude, double Latitude)
{
    public bool IsFinite => double.IsFinite(Longitude) && double.IsFinite(Latitude);

    public bool IsInRange => IsFinite && Longitude is >= -180 and <= 180 && Latitude is >= -90 and <= 90;
}
