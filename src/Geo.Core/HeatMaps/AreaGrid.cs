using Geo.Core.Domain;
using Geo.Core.Spatial;
using NetTopologySuite.Densify;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;

namespace Geo.Core.HeatMaps;

/// <summary>
/// An area laid out as cells: the metric frame centred on it, the grid over its projected
/// extent, and which cells intersect it (the cells the statistics are taken over). Every point
/// of the area lies in one of those cells, so together they tile it without gap or overlap.
/// </summary>
public sealed class AreaGrid
{
    private AreaGrid(MetricFrame frame, CellGrid grid, bool[] inArea)
    {
        Frame = frame;
        Grid = grid;
        InArea = inArea;
        CellsInArea = inArea.Count(x => x);
    }

    public MetricFrame Frame { get; }

    public CellGrid Grid { get; }

    /// <summary>By cell index: whether the cell intersects the area.</summary>
    public bool[] InArea { get; }

    public int CellsInArea { get; }

    /// <summary>
    /// The first vertex of the area that its metric plane (<see cref="MetricFrame.For"/>) cannot
    /// hold, or null: the projection has no finite position for a pole seen from some centres, nor
    /// for the far side of the globe, and a grid laid out over NaN threw ArgumentException.
    /// </summary>
    public static Coordinate? FirstUnprojectable(QueryArea area)
    {
        ArgumentNullException.ThrowIfNull(area);
        var vertices = Shape(area).Coordinates;
        // No frame can be centred on coordinates beyond longitude and latitude (ProjNET throws):
        // those are the area rules' to refuse, and the heat-map rules run beside them.
        if (!vertices.All(v => v.X is >= -180 and <= 180 && v.Y is >= -90 and <= 90))
        {
            return null;
        }

        // ProjNET's forward decides: it has no answer at a pole, where the plane's cells stop being
        // cells (the cell polygons are taken back through its inverse).
        var frame = MetricFrame.For(area);
        foreach (var vertex in vertices)
        {
            var (x, y) = frame.ForwardByProjNet(vertex.X, vertex.Y);
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                return vertex;
            }
        }

        return null;
    }

    /// <summary>
    /// How many points the area's boundary takes once densified to follow its true course at
    /// cells of <paramref name="size"/>, without densifying it: what laying the area out costs.
    /// A comb of 24,000 teeth is 96,000 vertices, and 100 million points at 200 m cells.
    /// </summary>
    public static long BoundaryPoints(QueryArea area, double size)
    {
        ArgumentNullException.ThrowIfNull(area);
        var step = DensifyStep(size);
        var points = 0L;
        foreach (var line in BoundaryLines(Shape(area)))
        {
            var coordinates = line.Coordinates;
            points++;
            for (var i = 0; i + 1 < coordinates.Length; i++)
            {
                points += Math.Max(1, (long)Math.Ceiling(coordinates[i].Distance(coordinates[i + 1]) / step));
            }
        }

        return points;
    }

    /// <summary>
    /// How many cells a grid over the area would have, without building it. The boundary is
    /// densified into at most <paramref name="maxBoundaryPoints"/> points, more coarsely than a
    /// grid would if it must: the extent barely moves, and a count must not cost what it guards.
    /// </summary>
    public static long CountCells(QueryArea area, GridShape shape, double size, long maxBoundaryPoints = long.MaxValue)
    {
        var step = Math.Max(DensifyStep(size), Shape(area).Length / maxBoundaryPoints);
        var (_, _, envelope) = Project(area, step);
        var (columns, rows) = CellGrid.Dimensions(shape, size, envelope.Width, envelope.Height);
        return columns * rows;
    }

    /// <summary>Lays the area out; rows of a fine grid against a detailed boundary take seconds, so <paramref name="cancellationToken"/> is checked as it goes.</summary>
    public static AreaGrid Build(QueryArea area, GridShape shape, double size, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(area);
        var (frame, planar, envelope) = Project(area, DensifyStep(size));
        var grid = CellGrid.Covering(shape, size, envelope.MinX, envelope.MinY, envelope.MaxX, envelope.MaxY);
        var inArea = new bool[grid.Count];
        MarkCentresInside(grid, planar, inArea, cancellationToken);
        MarkBoundaryCells(grid, planar, inArea, cancellationToken);
        return new AreaGrid(frame, grid, inArea);
    }

    /// <summary>The area in the metric plane, its edges densified (to <paramref name="step"/> degrees) so that straight lines in degrees follow their true course.</summary>
    private static (MetricFrame Frame, Geometry Planar, Envelope Envelope) Project(QueryArea area, double step)
    {
        var frame = MetricFrame.For(area);
        var planar = frame.ToPlane(Densifier.Densify(Shape(area), step));
        return (frame, planar, planar.EnvelopeInternal);
    }

    private static Geometry Shape(QueryArea area) => area switch
    {
        BoxArea box => ShapeReader.Factory.CreatePolygon(
        [
            new Coordinate(box.West, box.South), new Coordinate(box.East, box.South), new Coordinate(box.East, box.North),
            new Coordinate(box.West, box.North), new Coordinate(box.West, box.South),
        ]),
        ShapeArea s => s.Shape,
        _ => throw new ArgumentException("a heat map's area is a box or a polygon", nameof(area)),
    };

    /// <summary>Segments of at most a quarter cell (in degrees, at the equator's scale: finer elsewhere).</summary>
    private static double DensifyStep(double cellSize) => Math.Max(1e-5, Math.Min(0.05, cellSize / 4 / 111_320));

    /// <summary>Cells whose centre is inside: even-odd scanlines through the centres.</summary>
    private static void MarkCentresInside(CellGrid grid, Geometry planar, bool[] inArea, CancellationToken cancellationToken)
    {
        var edges = new List<(double X1, double Y1, double X2, double Y2)>();
        for (var i = 0; i < planar.NumGeometries; i++)
        {
            if (planar.GetGeometryN(i) is not Polygon polygon)
            {
                continue;
            }

            AddRing(polygon.ExteriorRing, edges);
            foreach (var hole in polygon.InteriorRings)
            {
                AddRing(hole, edges);
            }
        }

        // Each row tests only the edges whose span of y reaches it (a box densified to quarter cells
        // has thousands of edges, and testing all of them on every row cost more than the binning of
        // a million points). An edge is listed with a row or two to spare; the exact test below decides.
        var pitch = grid.RowStep;
        var firstY = grid.Centre(0, 0).Y;
        var rowEdges = new List<int>?[grid.Rows];
        for (var e = 0; e < edges.Count; e++)
        {
            var (_, y1, _, y2) = edges[e];
            var first = Math.Max(0, Math.Floor((Math.Min(y1, y2) - firstY) / pitch) - 2);
            var last = Math.Min(grid.Rows - 1, Math.Ceiling((Math.Max(y1, y2) - firstY) / pitch) + 2);
            for (var row = (int)first; row <= last; row++)
            {
                (rowEdges[row] ??= []).Add(e);
            }
        }

        var crossings = new List<double>();
        var parities = grid.Shape == GridShape.Square ? 1 : 2;
        for (var row = 0; row < grid.Rows; row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (rowEdges[row] is not { } reaching)
            {
                continue;
            }

            for (var parity = 0; parity < parities; parity++)
            {
                var y = grid.Centre(parity, row).Y;
                crossings.Clear();
                foreach (var e in reaching)
                {
                    var (x1, y1, x2, y2) = edges[e];
                    if ((y1 > y) != (y2 > y))
                    {
                        crossings.Add(x1 + ((y - y1) / (y2 - y1) * (x2 - x1)));
                    }
                }

                crossings.Sort();
                for (var k = 0; k + 1 < crossings.Count; k += 2)
                {
                    for (var column = parity; column < grid.Columns; column += parities)
                    {
                        var x = grid.Centre(column, row).X;
                        if (x >= crossings[k] && x < crossings[k + 1])
                        {
                            inArea[grid.IndexOf(column, row)] = true;
                        }
                    }
                }
            }
        }
    }

    private static void AddRing(LineString ring, List<(double, double, double, double)> edges)
    {
        var coordinates = ring.Coordinates;
        for (var i = 0; i + 1 < coordinates.Length; i++)
        {
            edges.Add((coordinates[i].X, coordinates[i].Y, coordinates[i + 1].X, coordinates[i + 1].Y));
        }
    }

    /// <summary>
    /// Cells the boundary passes through, whatever their centre: found by walking the boundary in
    /// small steps, then each candidate and its neighbours tested exactly (interiors intersect).
    /// </summary>
    private static void MarkBoundaryCells(CellGrid grid, Geometry planar, bool[] inArea, CancellationToken cancellationToken)
    {
        var candidates = new HashSet<int>();
        var step = grid.Size / 8;
        foreach (var line in BoundaryLines(planar))
        {
            var coordinates = line.Coordinates;
            for (var i = 0; i + 1 < coordinates.Length; i++)
            {
                if ((i & 1023) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var a = coordinates[i];
                var b = coordinates[i + 1];
                var steps = Math.Max(1, (int)Math.Ceiling(a.Distance(b) / step));
                for (var k = 0; k <= steps; k++)
                {
                    var t = (double)k / steps;
                    var index = grid.IndexOf(a.X + ((b.X - a.X) * t), a.Y + ((b.Y - a.Y) * t));
                    if (index >= 0)
                    {
                        candidates.Add(index);
                    }
                }
            }
        }

        var prepared = PreparedGeometryFactory.Prepare(planar);
        var neighbours = grid.Neighbourhood(grid.Shape == GridShape.Square ? grid.Size * 1.5 : grid.Size * 1.8, strict: false);
        var tested = new HashSet<int>();
        var tests = 0;
        foreach (var index in candidates)
        {
            if ((++tests & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var (column, row) = (index % grid.Columns, index / grid.Columns);
            var (a, b) = grid.Lattice(column, row);
            foreach (var (da, db, _) in neighbours)
            {
                var (c, r) = FromLattice(grid, a + da, b + db);
                if (c < 0 || c >= grid.Columns || r < 0 || r >= grid.Rows)
                {
                    continue;
                }

                var neighbour = grid.IndexOf(c, r);
                if (inArea[neighbour] || !tested.Add(neighbour))
                {
                    continue;
                }

                // Shrunk by a hair, so that a cell which only touches the area does not count.
                if (prepared.Intersects(CellPolygon(grid, c, r, 1 - 1e-9)))
                {
                    inArea[neighbour] = true;
                }
            }
        }
    }

    internal static (int Column, int Row) FromLattice(CellGrid grid, int a, int b) =>
        grid.Shape == GridShape.Square ? (a, b) : (a, b + (a >> 1));

    private static IEnumerable<LineString> BoundaryLines(Geometry planar)
    {
        for (var i = 0; i < planar.NumGeometries; i++)
        {
            if (planar.GetGeometryN(i) is Polygon polygon)
            {
                yield return polygon.ExteriorRing;
                foreach (var hole in polygon.InteriorRings)
                {
                    yield return hole;
                }
            }
        }
    }

    private static Polygon CellPolygon(CellGrid grid, int column, int row, double scale)
    {
        var (cx, cy) = grid.Centre(column, row);
        var corners = grid.Corners(column, row).Select(c => new Coordinate(cx + ((c.X - cx) * scale), cy + ((c.Y - cy) * scale))).ToList();
        corners.Add(corners[0]);
        return ShapeReader.Factory.CreatePolygon(corners.ToArray());
    }
}
