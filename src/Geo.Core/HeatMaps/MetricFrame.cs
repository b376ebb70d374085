using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
    /// <summary>WGS84: semi-major axis and flattening.</summary>
    private const double SemiMajor = 6378137.0;
    private const double Flattening = 1 / 298.257223563;
    private const double DegreesToRadians = Math.PI / 180;

    private static readonly double E2 = (2 * Flattening) - (Flattening * Flattening);
    private static readonly double E = Math.Sqrt(E2);
    private static readonly double Qp = Q(1);

    private readonly MathTransform _forward;
    private readonly MathTransform _inverse;

    // The forward projection's constants for this centre (Snyder 1987, pp. 187-188, as PROJ's laea),
    // in every lane: points are projected four at a time.
    private readonly Vector256<double> _lambda0;
    private readonly Vector256<double> _sinB1;
    private readonly Vector256<double> _cosB1;
    private readonly Vector256<double> _xScale;
    private readonly Vector256<double> _yScale;

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

        var phi0 = centre.Latitude * DegreesToRadians;
        var sinPhi0 = Math.Sin(phi0);
        var rq = Math.Sqrt(0.5 * Qp);
        var sinB1 = Q(sinPhi0) / Qp;
        var cosB1 = Math.Sqrt(1 - (sinB1 * sinB1));
        var d = cosB1 == 0 ? 1 : Math.Cos(phi0) / (Math.Sqrt(1 - (E2 * sinPhi0 * sinPhi0)) * rq * cosB1);
        _lambda0 = Vector256.Create(centre.Longitude * DegreesToRadians);
        _sinB1 = Vector256.Create(sinB1);
        _cosB1 = Vector256.Create(cosB1);
        _xScale = Vector256.Create(SemiMajor * rq * d);
        _yScale = Vector256.Create(SemiMajor * rq / d);
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

    /// <summary>
    /// The ellipsoidal Lambert azimuthal equal-area forward projection, written out: every point of
    /// a heat map goes through it, and ProjNET's general path (a transform chain, each stage called
    /// per point) took three times as long as the formula. Agrees with ProjNET to a micrometre up to
    /// 60 degrees of latitude and a millimetre beyond (MetricFrameTests); the inverse stays ProjNET's.
    /// A single point goes through the same four-lane code as a batch, so a point lands on the same
    /// metre (to the last bit) whichever way, and with whichever neighbours, it is projected.
    /// </summary>
    public (double X, double Y) Forward(double longitude, double latitude)
    {
        var (x, y) = Forward(Vector256.Create(longitude), Vector256.Create(latitude));
        return (x.ToScalar(), y.ToScalar());
    }

    /// <summary>
    /// Projects longitudes and latitudes in place into x and y, four at a time: the sines, cosines and
    /// logarithm per point were most of a heat map's time (BenchmarkDotNet's <c>HeatMap</c> kernels).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // Called once per request on a million points: no slow first tier.
    public void Forward(Span<double> longitudes, Span<double> latitudes)
    {
        if (longitudes.Length != latitudes.Length)
        {
            throw new ArgumentException("as many latitudes as longitudes are needed", nameof(latitudes));
        }

        var lanes = Vector256<double>.Count;
        var i = 0;
        for (; i <= longitudes.Length - lanes; i += lanes)
        {
            var (x, y) = Forward(Vector256.Create<double>(longitudes[i..]), Vector256.Create<double>(latitudes[i..]));
            x.CopyTo(longitudes[i..]);
            y.CopyTo(latitudes[i..]);
        }

        if (i < longitudes.Length)
        {
            // The last few in lanes of their own (the unused lanes repeat the last point).
            Span<double> lon = stackalloc double[lanes];
            Span<double> lat = stackalloc double[lanes];
            lon.Fill(longitudes[^1]);
            lat.Fill(latitudes[^1]);
            var rest = longitudes.Length - i;
            longitudes[i..].CopyTo(lon);
            latitudes[i..].CopyTo(lat);
            var (x, y) = Forward(Vector256.Create<double>(lon), Vector256.Create<double>(lat));
            x.CopyTo(lon);
            y.CopyTo(lat);
            lon[..rest].CopyTo(longitudes[i..]);
            lat[..rest].CopyTo(latitudes[i..]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (Vector256<double> X, Vector256<double> Y) Forward(Vector256<double> longitude, Vector256<double> latitude)
    {
        var one = Vector256<double>.One;
        var (sinLambda, cosLambda) = Vector256.SinCos((longitude * DegreesToRadians) - _lambda0);
        var sinPhi = Vector256.Sin(latitude * DegreesToRadians);
        var esin = sinPhi * E;
        var q = (1 - E2) * ((sinPhi / (one - (esin * esin))) - ((0.5 / E) * Vector256.Log((one - esin) / (one + esin))));
        var sinB = q / Qp;
        var cosB = Vector256.Sqrt(Vector256.Max(Vector256<double>.Zero, one - (sinB * sinB)));
        var b = Vector256.Sqrt(Vector256.Create(2.0) / (one + (_sinB1 * sinB) + (_cosB1 * cosB * cosLambda)));
        return (_xScale * b * cosB * sinLambda, _yScale * b * ((_cosB1 * sinB) - (_sinB1 * cosB * cosLambda)));
    }

    /// <summary>The authalic function q of a sine of latitude on the WGS84 ellipsoid.</summary>
    private static double Q(double sinPhi)
    {
        var esin = E * sinPhi;
        return (1 - E2) * ((sinPhi / (1 - (esin * esin))) - (0.5 / E * Math.Log((1 - esin) / (1 + esin))));
    }

    /// <summary>ProjNET's forward projection, which <see cref="Forward(double, double)"/> replaces for points: what decides which areas have a plane at all, and what the tests hold the formula to.</summary>
    internal (double X, double Y) ForwardByProjNet(double longitude, double latitude)
    {
        var x = longitude;
        var y = latitude;
        _forward.Transform(ref x, ref y);
        return (x, y);
    }

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
