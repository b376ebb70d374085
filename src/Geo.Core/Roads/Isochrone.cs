using System.Buffers;
using Geo.Core.Spatial;

namespace Geo.Core.Roads;

/// <summary>
/// The cells of a <see cref="RoadGrid"/> a team starting at one place reaches within a travel time:
/// off-road at walking pace to the nearest usable road, along the roads by Dijkstra's algorithm at
/// the class's speed, and off-road again from the road nearest the cell's centre. Never straight
/// across country: rivers, swamps and front lines are not on the map, roads and bridges are. Kept as
/// a bit per cell of the box it can reach.
/// </summary>
public sealed class Isochrone
{
    private readonly ulong[] _bits;

    private Isochrone(RoadGrid grid, GeoPoint origin, double budgetSeconds, bool startsOnRoad, int column0, int row0, int columns, int rows, ulong[] bits)
    {
        Grid = grid;
        Origin = origin;
        BudgetSeconds = budgetSeconds;
        StartsOnRoad = startsOnRoad;
        (Column0, Row0, Columns, Rows) = (column0, row0, columns, rows);
        _bits = bits;
    }

    public RoadGrid Grid { get; }

    public GeoPoint Origin { get; }

    public double BudgetSeconds { get; }

    /// <summary>False when no usable road is within a walk of the origin: the team can only walk.</summary>
    public bool StartsOnRoad { get; }

    internal int Column0 { get; }

    internal int Row0 { get; }

    internal int Columns { get; }

    internal int Rows { get; }

    public long Bytes => _bits.Length * sizeof(ulong);

    /// <summary>Whether the point's cell is reached.</summary>
    public bool Reaches(GeoPoint point)
    {
        var (x, y) = Grid.Network.Frame.ToPlane(point);
        var column = (int)Math.Floor((x - Grid.West) / Grid.CellMetres) - Column0;
        var row = (int)Math.Floor((y - Grid.South) / Grid.CellMetres) - Row0;
        return column >= 0 && row >= 0 && column < Columns && row < Rows && IsSet((row * Columns) + column);
    }

    internal bool IsSet(int column, int row) => column >= 0 && row >= 0 && column < Columns && row < Rows && IsSet((row * Columns) + column);

    private bool IsSet(int i) => (_bits[i >> 6] & (1UL << (i & 63))) != 0;

    /// <summary>Seconds from <paramref name="origin"/> to every vertex reachable within the budget (infinity elsewhere).</summary>
    public static Isochrone Compute(RoadGrid grid, GeoPoint origin, double budgetSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var network = grid.Network;
        var profile = grid.Profile;
        var frame = network.Frame;
        var (ox, oy) = frame.ToPlane(origin);
        var costs = ArrayPool<double>.Shared.Rent(Math.Max(1, network.Vertices.Length));
        var touched = new List<int>();
        try
        {
            Array.Fill(costs, double.PositiveInfinity, 0, network.Vertices.Length);
            var (startSegment, startFraction, startWalk) = NearestRoad(grid, ox, oy);
            double minX = ox, maxX = ox, minY = oy, maxY = oy;
            if (startSegment >= 0)
            {
                Shortest(grid, startSegment, startFraction, profile.WalkSeconds(startWalk), budgetSeconds, costs, touched, cancellationToken);
                foreach (var v in touched)
                {
                    var (x, y) = network.PlaneOf(v);
                    (minX, maxX, minY, maxY) = (Math.Min(minX, x), Math.Max(maxX, x), Math.Min(minY, y), Math.Max(maxY, y));
                }
            }

            // The box any reached cell lies in: a walk off the farthest vertices (or the start's road).
            var walk = Math.Max(profile.MaxWalkToRoadMetres, 0) + grid.CellMetres;
            (minX, maxX, minY, maxY) = (minX - walk, maxX + walk, minY - walk, maxY + walk);
            var column0 = Math.Clamp((int)Math.Floor((minX - grid.West) / grid.CellMetres), 0, grid.Columns);
            var row0 = Math.Clamp((int)Math.Floor((minY - grid.South) / grid.CellMetres), 0, grid.Rows);
            var columns = Math.Clamp((int)Math.Floor((maxX - grid.West) / grid.CellMetres) + 1, 0, grid.Columns) - column0;
            var rows = Math.Clamp((int)Math.Floor((maxY - grid.South) / grid.CellMetres) + 1, 0, grid.Rows) - row0;
            columns = Math.Max(columns, 0);
            rows = Math.Max(rows, 0);
            var bits = new ulong[((columns * rows) + 63) / 64];
            for (var row = 0; row < rows; row++)
            {
                if ((row & 63) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                for (var column = 0; column < columns; column++)
                {
                    var seconds = startSegment < 0
                        ? double.PositiveInfinity
                        : ViaRoad(grid, ((row0 + row) * grid.Columns) + column0 + column, costs, startSegment, startFraction, profile.WalkSeconds(startWalk));
                    if (seconds <= budgetSeconds)
                    {
                        var i = (row * columns) + column;
                        bits[i >> 6] |= 1UL << (i & 63);
                    }
                }
            }

            return new Isochrone(grid, origin, budgetSeconds, startSegment >= 0, column0, row0, columns, rows, bits);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(costs);
        }
    }

    /// <summary>
    /// Seconds from <paramref name="origin"/> to <paramref name="destination"/> as an isochrone
    /// judges them (walk, road, walk), or infinity beyond the budget or off the roads. The
    /// destination is projected exactly on the road nearest its cell, not on the cell's centre.
    /// </summary>
    public static double TravelSeconds(RoadGrid grid, GeoPoint origin, GeoPoint destination, double budgetSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var network = grid.Network;
        var profile = grid.Profile;
        var (ox, oy) = network.Frame.ToPlane(origin);
        var (dx, dy) = network.Frame.ToPlane(destination);
        var best = double.PositiveInfinity;
        var start = NearestRoad(grid, ox, oy);
        var end = NearestRoad(grid, dx, dy);
        if (start.Segment >= 0 && end.Segment >= 0)
        {
            var costs = ArrayPool<double>.Shared.Rent(Math.Max(1, network.Vertices.Length));
            try
            {
                Array.Fill(costs, double.PositiveInfinity, 0, network.Vertices.Length);
                var startSeconds = profile.WalkSeconds(start.Walk);
                Shortest(grid, start.Segment, start.Fraction, startSeconds, budgetSeconds, costs, [], cancellationToken);
                best = Math.Min(best, Along(grid, costs, end.Segment, end.Fraction, end.Walk, start.Segment, start.Fraction, startSeconds));
            }
            finally
            {
                ArrayPool<double>.Shared.Return(costs);
            }
        }

        return best <= budgetSeconds ? best : double.PositiveInfinity;
    }

    /// <summary>The nearest usable road of a point's cell, projected exactly from the point.</summary>
    private static (int Segment, double Fraction, double Walk) NearestRoad(RoadGrid grid, double x, double y)
    {
        var cell = grid.CellOf(x, y);
        var segment = cell < 0 ? -1 : grid.RoadOf(cell).Segment;
        if (segment < 0)
        {
            return (-1, 0, 0);
        }

        var (fraction, walk) = grid.Network.Project(segment, x, y);
        return walk > grid.Profile.MaxWalkToRoadMetres ? (-1, 0, 0) : (segment, fraction, walk);
    }

    /// <summary>
    /// Seconds to every vertex the budget reaches, from a start on <paramref name="startSegment"/>
    /// (the walk to it already spent). Only the vertices in <paramref name="touched"/> are finite.
    /// </summary>
    internal static void Shortest(RoadGrid grid, int startSegment, double startFraction, double startSeconds, double budgetSeconds,
        double[] costs, List<int> touched, CancellationToken cancellationToken)
    {
        var network = grid.Network;
        var queue = new PriorityQueue<int, double>();
        ref readonly var start = ref network.Segment(startSegment);
        Relax(start.From, startSeconds + Part(startFraction, grid.Backward(startSegment)));
        Relax(start.To, startSeconds + Part(1 - startFraction, grid.Forward(startSegment)));
        var settled = 0;
        while (queue.TryDequeue(out var vertex, out var seconds))
        {
            if (seconds > costs[vertex])
            {
                continue;
            }

            if ((++settled & 0x3FFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            for (int arc = network.FirstArc(vertex), end = network.FirstArc(vertex + 1); arc < end; arc++)
            {
                Relax(grid.ArcTarget(arc), seconds + grid.ArcSeconds(arc));
            }
        }

        void Relax(int vertex, double seconds)
        {
            if (seconds <= budgetSeconds && seconds < costs[vertex])
            {
                if (double.IsPositiveInfinity(costs[vertex]))
                {
                    touched.Add(vertex);
                }

                costs[vertex] = seconds;
                queue.Enqueue(vertex, seconds);
            }
        }
    }

    /// <summary>Seconds to a cell's centre by road: to either end of its nearest road, along it, then the walk off it.</summary>
    private static double ViaRoad(RoadGrid grid, int cell, double[] costs, int startSegment, double startFraction, double startSeconds)
    {
        var (segment, fraction, walk) = grid.RoadOf(cell);
        return segment < 0 ? double.PositiveInfinity : Along(grid, costs, segment, fraction, walk, startSegment, startFraction, startSeconds);
    }

    private static double Along(RoadGrid grid, double[] costs, int segment, double fraction, double walk, int startSegment, double startFraction, double startSeconds)
    {
        ref readonly var s = ref grid.Network.Segment(segment);
        var along = Math.Min(costs[s.From] + Part(fraction, grid.Forward(segment)), costs[s.To] + Part(1 - fraction, grid.Backward(segment)));
        if (segment == startSegment)
        {
            // Along the road the team started on, without going round by a vertex.
            along = Math.Min(along, startSeconds + (fraction < startFraction ? Part(startFraction - fraction, grid.Backward(segment)) : Part(fraction - startFraction, grid.Forward(segment))));
        }

        return along + grid.Profile.WalkSeconds(walk);
    }

    /// <summary>A part of a segment's time: none of it is no time even where the whole is impassable (0 × ∞ would be NaN).</summary>
    private static double Part(double fraction, double whole) => fraction <= 0 ? 0 : fraction * whole;
}
