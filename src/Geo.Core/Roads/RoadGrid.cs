using Geo.Core.Spatial;

namespace Geo.Core.Roads;

/// <summary>
/// The mission's area cut into square cells, each knowing the nearest road a team can use under
/// one <see cref="TravelProfile"/> and how far its centre is from it. Reach is decided cell by cell
/// on this grid, so the isochrones drawn on the map are exactly what the coverage answers use.
/// Built once per network, profile and cell size, in time proportional to the cells.
/// </summary>
public sealed class RoadGrid
{
    private readonly int[] _segment;
    private readonly float[] _fraction;
    private readonly float[] _walk;

    // Seconds to travel each segment whole, From to To and back (infinite where the profile cannot),
    // and each arc's end vertex and seconds: what Dijkstra's inner loop reads, nothing else.
    private readonly double[] _forward;
    private readonly double[] _backward;
    private readonly int[] _arcTarget;
    private readonly double[] _arcSeconds;

    public RoadGrid(RoadNetwork network, TravelProfile profile, double cellMetres, int maxCells, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(profile);
        Network = network;
        Profile = profile;
        var segments = network.Segments;
        _forward = new double[segments.Count];
        _backward = new double[segments.Count];
        for (var s = 0; s < segments.Count; s++)
        {
            _forward[s] = profile.Seconds(segments[s], against: false, segments[s].LengthMetres);
            _backward[s] = profile.Seconds(segments[s], against: true, segments[s].LengthMetres);
        }

        _arcTarget = new int[network.ArcCount];
        _arcSeconds = new double[network.ArcCount];
        for (var a = 0; a < network.ArcCount; a++)
        {
            var (s, against) = network.Arc(a);
            (_arcTarget[a], _arcSeconds[a]) = against ? (segments[s].From, _backward[s]) : (segments[s].To, _forward[s]);
        }

        var margin = profile.MaxWalkToRoadMetres + cellMetres;
        double west = network.West - margin, south = network.South - margin;
        double width = network.East + margin - west, height = network.North + margin - south;
        // A mission larger than the ceiling gets coarser cells rather than more memory.
        CellMetres = Math.Max(cellMetres, Math.Sqrt(width * height / maxCells));
        Columns = Math.Max(1, (int)Math.Ceiling(width / CellMetres));
        Rows = Math.Max(1, (int)Math.Ceiling(height / CellMetres));
        (West, South) = (west, south);
        var cells = Columns * Rows;
        _segment = new int[cells];
        _fraction = new float[cells];
        _walk = new float[cells];
        Array.Fill(_segment, -1);
        Array.Fill(_walk, float.PositiveInfinity);
        Seed(cancellationToken);
        Spread(cancellationToken);
        for (var i = 0; i < cells; i++)
        {
            if (_walk[i] > profile.MaxWalkToRoadMetres)
            {
                _segment[i] = -1;
            }
        }
    }

    public RoadNetwork Network { get; }

    public TravelProfile Profile { get; }

    public double CellMetres { get; }

    public int Columns { get; }

    public int Rows { get; }

    /// <summary>The south-west corner of the grid on the network's plane.</summary>
    public double West { get; }

    public double South { get; }

    public long Bytes => (long)_segment.Length * (sizeof(int) + sizeof(float) + sizeof(float));

    /// <summary>The cell holding a point, or -1 outside the grid (farther from every road than a walk to one).</summary>
    public int CellOf(GeoPoint point)
    {
        var (x, y) = Network.Frame.ToPlane(point);
        return CellOf(x, y);
    }

    internal int CellOf(double x, double y)
    {
        var column = (int)Math.Floor((x - West) / CellMetres);
        var row = (int)Math.Floor((y - South) / CellMetres);
        return column < 0 || row < 0 || column >= Columns || row >= Rows ? -1 : (row * Columns) + column;
    }

    internal (double X, double Y) CentreOf(int column, int row) => (West + ((column + 0.5) * CellMetres), South + ((row + 0.5) * CellMetres));

    internal double Forward(int segment) => _forward[segment];

    internal double Backward(int segment) => _backward[segment];

    internal int ArcTarget(int arc) => _arcTarget[arc];

    internal double ArcSeconds(int arc) => _arcSeconds[arc];

    /// <summary>The nearest usable road of a cell: segment (-1 when none within a walk), fraction along it, metres off it.</summary>
    internal (int Segment, double Fraction, double WalkMetres) RoadOf(int cell) => (_segment[cell], _fraction[cell], _walk[cell]);

    /// <summary>Each usable segment claims the cells it crosses.</summary>
    private void Seed(CancellationToken cancellationToken)
    {
        var segments = Network.Segments;
        for (var s = 0; s < segments.Count; s++)
        {
            if ((s & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var segment = segments[s];
            if (!Profile.CanUse(segment))
            {
                continue;
            }

            var (ax, ay) = Network.PlaneOf(segment.From);
            var (bx, by) = Network.PlaneOf(segment.To);
            var steps = Math.Max(1, (int)Math.Ceiling(Math.Sqrt(((bx - ax) * (bx - ax)) + ((by - ay) * (by - ay))) / (CellMetres / 2)));
            for (var k = 0; k <= steps; k++)
            {
                var cell = CellOf(ax + ((bx - ax) * k / steps), ay + ((by - ay) * k / steps));
                if (cell >= 0)
                {
                    Offer(cell, s);
                }
            }
        }
    }

    /// <summary>
    /// Two sweeps, each passing every cell its neighbours' nearest segments (measured exactly from
    /// the cell's own centre): a vector distance transform, nearly exact for straight segments.
    /// </summary>
    private void Spread(CancellationToken cancellationToken)
    {
        for (var row = 0; row < Rows; row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var column = 0; column < Columns; column++)
            {
                var cell = (row * Columns) + column;
                OfferFrom(cell, column - 1, row);
                OfferFrom(cell, column - 1, row - 1);
                OfferFrom(cell, column, row - 1);
                OfferFrom(cell, column + 1, row - 1);
            }

            for (var column = Columns - 1; column >= 0; column--)
            {
                OfferFrom((row * Columns) + column, column + 1, row);
            }
        }

        for (var row = Rows - 1; row >= 0; row--)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var column = Columns - 1; column >= 0; column--)
            {
                var cell = (row * Columns) + column;
                OfferFrom(cell, column + 1, row);
                OfferFrom(cell, column + 1, row + 1);
                OfferFrom(cell, column, row + 1);
                OfferFrom(cell, column - 1, row + 1);
            }

            for (var column = 0; column < Columns; column++)
            {
                OfferFrom((row * Columns) + column, column - 1, row);
            }
        }
    }

    private void OfferFrom(int cell, int column, int row)
    {
        if (column >= 0 && row >= 0 && column < Columns && row < Rows)
        {
            var segment = _segment[(row * Columns) + column];
            if (segment >= 0 && segment != _segment[cell])
            {
                Offer(cell, segment);
            }
        }
    }

    private void Offer(int cell, int segment)
    {
        var (x, y) = CentreOf(cell % Columns, cell / Columns);
        var (fraction, metres) = Network.Project(segment, x, y);
        if (metres < _walk[cell])
        {
            _segment[cell] = segment;
            _fraction[cell] = (float)fraction;
            _walk[cell] = (float)metres;
        }
    }
}
