using Geo.Core.Spatial;
using NetTopologySuite.Geometries;

namespace Geo.Core.Domain;

/// <summary>An area to search.</summary>
public abstract record QueryArea
{
    /// <summary>Approximate size in square kilometres, for the configured maximum.</summary>
    public abstract double SquareKilometres { get; }
}

public sealed record BoxArea(double West, double South, double East, double North) : QueryArea
{
    public override double SquareKilometres => Geodesy.RingAreaSquareMetres(
        [new(West, South), new(East, South), new(East, North), new(West, North), new(West, South)]) / 1e6;
}

/// <summary>A Polygon or MultiPolygon.</summary>
public sealed record ShapeArea(Geometry Shape) : QueryArea
{
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
