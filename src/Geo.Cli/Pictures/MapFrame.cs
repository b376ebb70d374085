namespace Geo.Cli.Pictures;

/// <summary>
/// Where a longitude and latitude fall in a picture: a plain equirectangular projection with
/// longitudes shrunk by the cosine of the area's middle latitude, so that a square kilometre near
/// the area looks square; the area is fitted to the given box and centred in it, north up.
/// </summary>
internal sealed class MapFrame
{
    /// <summary>Metres in a degree of latitude, near enough for a scale bar.</summary>
    private const double MetresPerDegree = 111_320;

    private readonly double _west;
    private readonly double _north;
    private readonly double _cos;
    private readonly double _scale;
    private readonly double _left;
    private readonly double _top;

    public MapFrame(double west, double south, double east, double north, int left, int top, int width, int height)
    {
        _west = west;
        _north = north;
        _cos = Math.Cos((south + north) / 2 * Math.PI / 180);
        var spanX = Math.Max((east - west) * _cos, 1e-9);
        var spanY = Math.Max(north - south, 1e-9);
        _scale = Math.Min(width / spanX, height / spanY);
        _left = left + ((width - (spanX * _scale)) / 2);
        _top = top + ((height - (spanY * _scale)) / 2);
    }

    /// <summary>Ground metres one pixel spans (north-south, and east-west after the cosine).</summary>
    public double MetresPerPixel => MetresPerDegree / _scale;

    public PixelPoint ToPixel(double longitude, double latitude) =>
        new(_left + ((longitude - _west) * _cos * _scale), _top + ((_north - latitude) * _scale));
}
