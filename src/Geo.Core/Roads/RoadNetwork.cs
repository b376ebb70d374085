using Geo.Core.Spatial;

namespace Geo.Core.Roads;

/// <summary>One stretch of road between two vertices, as stored: its length is geodesic, in metres.</summary>
public readonly record struct RoadSegment(int From, int To, RoadClass Class, bool Seasonal, bool OneWay, double LengthMetres);

/// <summary>
/// The mission's road network in memory: vertices as two coordinate columns, segments, and for each
/// vertex the segments leaving it (compressed rows). Built once per stored version and shared by
/// every request; answers are computed on it by <see cref="TravelProfile"/> and <see cref="Router"/>.
/// </summary>
public sealed class RoadNetwork
{
    private readonly double[] _x;
    private readonly double[] _y;
    private readonly RoadSegment[] _segments;

    // Arcs leaving vertex v: _arcs[_firstArc[v] .. _firstArc[v + 1]); an arc is segment * 2, plus 1
    // when it runs against the segment's direction (To to From).
    private readonly int[] _firstArc;
    private readonly int[] _arcs;

    public RoadNetwork(long version, IReadOnlyList<GeoPoint> vertices, IReadOnlyList<RoadSegment> segments)
    {
        ArgumentNullException.ThrowIfNull(vertices);
        ArgumentNullException.ThrowIfNull(segments);
        Version = version;
        Vertices = vertices.ToArray();
        _segments = segments.ToArray();
        Frame = LocalPlane.Around(Vertices);
        _x = new double[Vertices.Length];
        _y = new double[Vertices.Length];
        for (var v = 0; v < Vertices.Length; v++)
        {
            (_x[v], _y[v]) = Frame.ToPlane(Vertices[v]);
        }

        _firstArc = new int[Vertices.Length + 1];
        foreach (var s in _segments)
        {
            if ((uint)s.From >= (uint)Vertices.Length || (uint)s.To >= (uint)Vertices.Length)
            {
                throw new ArgumentException($"a segment joins vertex {s.From} to {s.To}, beyond the {Vertices.Length} vertices", nameof(segments));
            }

            _firstArc[s.From + 1]++;
            _firstArc[s.To + 1]++;
        }

        for (var v = 0; v < Vertices.Length; v++)
        {
            _firstArc[v + 1] += _firstArc[v];
        }

        _arcs = new int[_firstArc[^1]];
        var next = _firstArc[..^1].ToArray();
        for (var i = 0; i < _segments.Length; i++)
        {
            _arcs[next[_segments[i].From]++] = i * 2;
            _arcs[next[_segments[i].To]++] = (i * 2) + 1;
        }

        if (Vertices.Length > 0)
        {
            (West, East) = (_x.Min(), _x.Max());
            (South, North) = (_y.Min(), _y.Max());
        }
    }

    /// <summary>No roads: every reach is the straight line's.</summary>
    public static RoadNetwork Empty { get; } = new(0, [], []);

    /// <summary>The stored version this was built from (it changes with every import).</summary>
    public long Version { get; }

    public GeoPoint[] Vertices { get; }

    public IReadOnlyList<RoadSegment> Segments => _segments;

    public bool IsEmpty => _segments.Length == 0;

    /// <summary>The plane distances are measured in near the network (metres).</summary>
    public LocalPlane Frame { get; }

    /// <summary>The network's bounds on <see cref="Frame"/>'s plane, metres.</summary>
    public double West { get; }

    public double East { get; }

    public double South { get; }

    public double North { get; }

    /// <summary>Arcs leaving <paramref name="vertex"/> are numbers FirstArc(vertex) to FirstArc(vertex + 1) - 1.</summary>
    internal int FirstArc(int vertex) => _firstArc[vertex];

    internal int ArcCount => _arcs.Length;

    /// <summary>An arc's segment, and whether it runs against the segment's direction.</summary>
    internal (int Segment, bool Against) Arc(int arc) => (_arcs[arc] >> 1, (_arcs[arc] & 1) == 1);

    internal ref readonly RoadSegment Segment(int index) => ref _segments[index];

    internal (double X, double Y) PlaneOf(int vertex) => (_x[vertex], _y[vertex]);

    /// <summary>
    /// Where on <paramref name="segment"/> the point (x, y) of the plane is nearest: the fraction
    /// of the way from its From vertex, and the distance in metres.
    /// </summary>
    internal (double Fraction, double Metres) Project(int segment, double x, double y)
    {
        ref readonly var s = ref _segments[segment];
        double ax = _x[s.From], ay = _y[s.From], dx = _x[s.To] - ax, dy = _y[s.To] - ay;
        var squared = (dx * dx) + (dy * dy);
        var t = squared == 0 ? 0 : Math.Clamp((((x - ax) * dx) + ((y - ay) * dy)) / squared, 0, 1);
        double px = ax + (t * dx) - x, py = ay + (t * dy) - y;
        return (t, Math.Sqrt((px * px) + (py * py)));
    }
}

/// <summary>
/// An equirectangular plane around a mission, in metres: close enough over a few hundred
/// kilometres to find the nearest road and to measure a walk to it (road lengths are geodesic).
/// </summary>
public sealed record LocalPlane(double OriginLongitude, double OriginLatitude)
{
    private const double MetresPerDegree = Math.PI * Geodesy.EarthRadiusMetres / 180.0;

    private double Cos { get; } = Math.Cos(OriginLatitude * Math.PI / 180.0);

    public static LocalPlane Around(IReadOnlyCollection<GeoPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return points.Count == 0
            ? new LocalPlane(0, 0)
            : new LocalPlane((points.Min(p => p.Longitude) + points.Max(p => p.Longitude)) / 2, (points.Min(p => p.Latitude) + points.Max(p => p.Latitude)) / 2);
    }

    public (double X, double Y) ToPlane(GeoPoint point) =>
        ((point.Longitude - OriginLongitude) * Cos * MetresPerDegree, (point.Latitude - OriginLatitude) * MetresPerDegree);

    public GeoPoint ToGeo(double x, double y) =>
        new(OriginLongitude + (x / (Cos * MetresPerDegree)), OriginLatitude + (y / MetresPerDegree));
}
