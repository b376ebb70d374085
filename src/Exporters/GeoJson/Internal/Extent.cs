using NetTopologySuite.Geometries;

namespace Geo.Exporters.GeoJson.Internal;

/// <summary>The running extent of written positions, kept as four numbers so that a point costs four comparisons.</summary>
internal struct Extent
{
    private double _west;
    private double _south;
    private double _east;
    private double _north;

    public Extent()
    {
        _west = _south = double.PositiveInfinity;
        _east = _north = double.NegativeInfinity;
    }

    public readonly bool IsEmpty => _west > _east;

    public readonly double West => _west;

    public readonly double South => _south;

    public readonly double East => _east;

    public readonly double North => _north;

    public void Add(double x, double y)
    {
        if (x < _west)
        {
            _west = x;
        }

        if (x > _east)
        {
            _east = x;
        }

        if (y < _south)
        {
            _south = y;
        }

        if (y > _north)
        {
            _north = y;
        }
    }

    public readonly Envelope? ToEnvelope() => IsEmpty ? null : new Envelope(_west, _east, _south, _north);
}
