using Geo.Core.Spatial;
using NetTopologySuite.Geometries;

namespace Geo.Core.Domain;

/// <summary>An area to search.</summary>
public abstract record QueryArea
{
    /// <summary>Approximate size in square kilometres, for the configured maximum.</summary>
    public abstract double SquareKilometres { get; }

    /// <summary>Whether the area contains the point (used on coarsened points, after the database).</summary>
    public abstract bool Contains(GeoPoint point);

    /// <summary>A box around the area grown by <paramref name="metres"/> on every side.</summary>
    public abstract BoxArea Grown(double metres);

    protected static BoxArea Grow(double west, double south, double east, double north, double metres)
    {
        var dLat = metres / 110_574.0;
        var widest = Math.Max(Math.Abs(south - dLat), Math.Abs(north + dLat));
        var dLon = widest >= 89 ? 360 : metres / (111_320.0 * Math.Cos(widest * Math.PI / 180));
        return new BoxArea(Math.Max(-180, west - dLon), Math.Max(-90, south - dLat), Math.Min(180, east + dLon), Math.Min(90, north + dLat));
    }
}

public sealed record BoxArea(double West, double South, double East, double North) : QueryArea
{
    public override bool Contains(GeoPoint point) =>
        point.Longitude >= West && point.Longitude <= East && point.Latitude >= South && point.Latitude <= North;

    public override BoxArea Grown(double metres) => Grow(West, South, East, North, metres);

    public override double SquareKilometres => Geodesy.RingAreaSquareMetres(
        [new(West, South), new(East, South), new(East, North), new(West, North), new(West, South)]) / 1e6;
}

/// <summary>A Polygon or MultiPolygon.</summary>
public sealed record ShapeArea(Geometry Shape) : QueryArea
{
    public override bool Contains(GeoPoint point) =>
        Shape.Covers(Spatial.ShapeReader.Factory.CreatePoint(new Coordinate(point.Longitude, point.Latitude)));

    public override BoxArea Grown(double metres)
    {
        var envelope = Shape.EnvelopeInternal;
        return Grow(envelope.MinX, envelope.MinY, envelope.MaxX, envelope.MaxY, metres);
    }

    public override double SquareKilometres
    {
        get
        {
            var total = 0.0;
            for (var i = 0; i < Shape.NumGeometries; i++)
            {
                if (Shape.GetGeometryN(i) is Polygon polygon)
                {
                    total += RingArea(polygon.ExteriorRing);
                    total -= polygon.InteriorRings.Sum(RingArea);
                }
            }

            return total / 1e6;
        }
    }

    private static double RingArea(LineString ring) =>
        Geodesy.RingAreaSquareMetres(ring.Coordinates.Select(c => new GeoPoint(c.X, c.Y)).ToList());
}

public sealed record CircleArea(GeoPoint Center, double RadiusMetres) : QueryArea
{
    public override bool Contains(GeoPoint point) => Geodesy.DistanceMetres(Center, point) <= RadiusMetres;

    public override BoxArea Grown(double metres)
    {
        var (west, south, east, north) = Geodesy.CircleBounds(Center, RadiusMetres + metres);
        return new BoxArea(west, south, east, north);
    }

    public override double SquareKilometres => Math.PI * RadiusMetres * RadiusMetres / 1e6;
}

/// <summary>What an analyst asks for; every part left empty does not narrow the match.</summary>
public sealed record ObservationFilter
{
    public QueryArea? Area { get; init; }

    /// <summary>Inclusive.</summary>
    public DateTimeOffset? ObservedFrom { get; init; }

    /// <summary>Exclusive.</summary>
    public DateTimeOffset? ObservedTo { get; init; }

    public IReadOnlyCollection<ObservationCategory> Categories { get; init; } = [];

    public int MinSeverity { get; init; }

    public IReadOnlyCollection<VerificationStatus> Verification { get; init; } = [];

    public GroupSelector Affected { get; init; } = GroupSelector.Anyone;

    public Vulnerabilities Vulnerabilities { get; init; }

    public IReadOnlyCollection<string> CommunityIds { get; init; } = [];

    public IReadOnlyCollection<string> BaseIds { get; init; } = [];
}

/// <summary>Bounds on what one query may ask, so that no caller can exhaust the service.</summary>
public sealed record QueryLimits
{
    public double MaxAreaSquareKilometres { get; init; } = 2_000_000;

    public double MaxRadiusMetres { get; init; } = 500_000;

    public int DefaultPageSize { get; init; } = 500;

    public int MaxPageSize { get; init; } = 5000;

    public int MaxListedIds { get; init; } = 1000;
}
