using System.Globalization;
using Geo.Core.Spatial;
using ProjNet.CoordinateSystems;
using ProjNet.CoordinateSystems.Transformations;

namespace Geo.Core.HeatMaps;

/// <summary>
/// The metric plane a heat map is laid out in: a Lambert azimuthal equal-area projection on the
/// WGS84 ellipsoid centred on the area. Equal area, so every cell covers the same ground and
/// counts compare across the map; centred, so distances are true to well under 0.1% across a
/// few hundred kilometres, whichever UTM zones or hemispheres the area spans.
/// </summary>
public sealed class MetricFrame
{
    private readonly MathTransform _forward;
    private readonly MathTransform _inverse;

    public MetricFrame(GeoPoint centre)
    {
        Centre = centre;
        var factory = new CoordinateSystemFactory();
        var projection = factory.CreateProjection("laea", "lambert_azimuthal_equal_area",
        [
            new ProjectionParameter("latitude_of_center", centre.Latitude),
            new ProjectionParameter("longitude_of_center", centre.Longitude),
            new ProjectionParameter("false_easting", 0),
            new ProjectionParameter("false_northing", 0),
        ]);
        var wgs84 = GeographicCoordinateSystem.WGS84;
        var plane = factory.CreateProjectedCoordinateSystem("local equal-area plane", wgs84, projection, LinearUnit.Metre,
            new AxisInfo("East", AxisOrientationEnum.East), new AxisInfo("North", AxisOrientationEnum.North));
        _forward = new CoordinateTransformationFactory().CreateFromCoordinateSystems(wgs84, plane).MathTransform;
        _inverse = _forward.Inverse();
    }

    public GeoPoint Centre { get; }

    /// <summary>The projection as a PROJ string, for clients and independent checks.</summary>
    public string Proj => string.Create(CultureInfo.InvariantCulture,
        $"+proj=laea +lat_0={Centre.Latitude:R} +lon_0={Centre.Longitude:R} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs");

    /// <summary>The frame centred on the middle of the area's bounding box.</summary>
    public static MetricFrame For(Domain.QueryArea area)
    {
        ArgumentNullException.ThrowIfNull(area);
        var box = area.Grown(0);
        return new MetricFrame(new GeoPoint((box.West + box.East) / 2, (box.South + box.North) / 2));
    }

    public (double X, double Y) Forward(double longitude, double latitude)
    {
        var x = longitude;
        var y = latitude;
        _forward.Transform(ref x, ref y);
        return (x, y);
    }

    /// <summary>Projects longitudes and latitudes in place into x and y.</summary>
    public void Forward(Span<double> longitudes, Span<double> latitudes) => _forward.Transform(longitudes, latitudes);

    /// <summary>A copy of <paramref name="geometry"/> (in WGS84 degrees) in this plane; its vertices are projected as they are.</summary>
    public NetTopologySuite.Geometries.Geometry ToPlane(NetTopologySuite.Geometries.Geometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var planar = geometry.Copy();
        planar.Apply(new ProjectFilter(this));
        planar.GeometryChanged();
        return planar;
    }

    public GeoPoint Inverse(double x, double y)
    {
        var longitude = x;
        var latitude = y;
        _inverse.Transform(ref longitude, ref latitude);
        return new GeoPoint(longitude, latitude);
    }

    private sealed class ProjectFilter(MetricFrame frame) : NetTopologySuite.Geometries.ICoordinateSequenceFilter
    {
        public bool Done => false;

        public bool GeometryChanged => true;

        public void Filter(NetTopologySuite.Geometries.CoordinateSequence seq, int i)
        {
            var (x, y) = frame.Forward(seq.GetX(i), seq.GetY(i));
            seq.SetX(i, x);
            seq.SetY(i, y);
        }
    }
}
