using NetTopologySuite.Algorithm;
using NetTopologySuite.Geometries;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Index.Strtree;

namespace Geo.Core.Roads;

/// <summary>
/// The reached cells of an <see cref="Isochrone"/> as polygons in WGS84: the boundary between
/// reached and unreached cells traced into rings (reached cells on the left, so shells run
/// anticlockwise and holes clockwise), straight runs merged, holes given to the shells around them.
/// Where reached cells touch only at a corner (a saddle), each ring passing there is drawn a hair
/// (a millionth of a cell) inside the cell it turns around, so that no ring touches itself or
/// another: the polygons are valid, and every cell's centre is where it was.
/// </summary>
public static class IsochroneOutline
{
    public static MultiPolygon Of(Isochrone isochrone, GeometryFactory factory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isochrone);
        ArgumentNullException.ThrowIfNull(factory);
        var (columns, rows) = (isochrone.Columns, isochrone.Rows);
        var stride = columns + 1;

        // Boundary edges keyed by their start lattice point; a point starts at most two (a saddle).
        var edges = new Dictionary<int, (int First, int Second)>();
        var starts = new List<int>();
        var saddles = new HashSet<int>();
        void Add(int fromColumn, int fromRow, int toColumn, int toRow)
        {
            var from = (fromRow * stride) + fromColumn;
            var to = (toRow * stride) + toColumn;
            if (edges.TryGetValue(from, out var existing))
            {
                edges[from] = (existing.First, to);
                saddles.Add(from);
            }
            else
            {
                edges[from] = (to, -1);
                starts.Add(from);
            }
        }

        for (var row = 0; row < rows; row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var column = 0; column < columns; column++)
            {
                if (!isochrone.IsSet(column, row))
                {
                    continue;
                }

                if (!isochrone.IsSet(column, row - 1))
                {
                    Add(column, row, column + 1, row);
                }

                if (!isochrone.IsSet(column + 1, row))
                {
                    Add(column + 1, row, column + 1, row + 1);
                }

                if (!isochrone.IsSet(column, row + 1))
                {
                    Add(column + 1, row + 1, column, row + 1);
                }

                if (!isochrone.IsSet(column - 1, row))
                {
                    Add(column, row + 1, column, row);
                }
            }
        }

        var shells = new List<LinearRing>();
        var holes = new List<LinearRing>();
        foreach (var start in starts)
        {
            if (!edges.ContainsKey(start))
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var lattice = new List<int> { start };
            var (at, previous) = (start, -1);
            while (true)
            {
                (previous, at) = (at, Take(edges, at, previous, stride));
                if (at == start)
                {
                    break;
                }

                lattice.Add(at);
            }

            var ring = factory.CreateLinearRing(Corners(lattice, stride, isochrone, saddles));
            (Orientation.IsCCW(ring.CoordinateSequence) ? shells : holes).Add(ring);
        }

        return factory.CreateMultiPolygon(Assemble(shells, holes, factory));
    }

    /// <summary>
    /// Removes and returns the edge leaving <paramref name="at"/>; at a saddle, the one turning
    /// left from the way in, which keeps cells that touch at a corner in separate rings.
    /// </summary>
    private static int Take(Dictionary<int, (int First, int Second)> edges, int at, int previous, int stride)
    {
        var (first, second) = edges[at];
        if (second < 0)
        {
            edges.Remove(at);
            return first;
        }

        var chosen = first;
        if (previous >= 0)
        {
            var (inX, inY) = ((at % stride) - (previous % stride), (at / stride) - (previous / stride));
            // Left of the way in, (inX, inY), is (-inY, inX).
            if ((second % stride) - (at % stride) == -inY && (second / stride) - (at / stride) == inX)
            {
                chosen = second;
            }
        }

        edges[at] = chosen == first ? (second, -1) : (first, -1);
        return chosen;
    }

    /// <summary>The ring's corners in WGS84, straight runs merged, saddles moved off the shared point, closed.</summary>
    private static Coordinate[] Corners(List<int> lattice, int stride, Isochrone isochrone, HashSet<int> saddles)
    {
        const double Hair = 1e-6;
        var grid = isochrone.Grid;
        var corners = new List<Coordinate>();
        var n = lattice.Count;
        for (var i = 0; i < n; i++)
        {
            int a = lattice[(i + n - 1) % n], b = lattice[i], c = lattice[(i + 1) % n];
            int inX = (b % stride) - (a % stride), inY = (b / stride) - (a / stride);
            int outX = (c % stride) - (b % stride), outY = (c / stride) - (b / stride);
            if (inX == outX && inY == outY)
            {
                continue;
            }

            double column = b % stride, row = b / stride;
            if (saddles.Contains(b))
            {
                // Towards the cell this ring turns around: ahead on the way out, behind on the way in.
                column += (outX - inX) * Hair;
                row += (outY - inY) * Hair;
            }

            var point = grid.Network.Frame.ToGeo(grid.West + ((isochrone.Column0 + column) * grid.CellMetres), grid.South + ((isochrone.Row0 + row) * grid.CellMetres));
            corners.Add(new Coordinate(point.Longitude, point.Latitude));
        }

        corners.Add(corners[0].Copy());
        return [.. corners];
    }

    private static Polygon[] Assemble(List<LinearRing> shells, List<LinearRing> holes, GeometryFactory factory)
    {
        var holesOf = shells.Select(_ => new List<LinearRing>()).ToList();
        var index = new STRtree<int>();
        for (var i = 0; i < shells.Count; i++)
        {
            index.Insert(shells[i].EnvelopeInternal, i);
        }

        var locators = new Dictionary<int, IndexedPointInAreaLocator>();
        foreach (var hole in holes)
        {
            // Any corner of a hole lies inside its shell and no smaller one (rings never touch).
            var corner = hole.GetCoordinateN(0);
            var owner = -1;
            foreach (var i in index.Query(hole.EnvelopeInternal))
            {
                if (!shells[i].EnvelopeInternal.Covers(hole.EnvelopeInternal) || (owner >= 0 && shells[i].EnvelopeInternal.Area >= shells[owner].EnvelopeInternal.Area))
                {
                    continue;
                }

                var locator = locators.TryGetValue(i, out var known) ? known : locators[i] = new IndexedPointInAreaLocator(factory.CreatePolygon(shells[i]));
                if (locator.Locate(corner) == Location.Interior)
                {
                    owner = i;
                }
            }

            if (owner >= 0)
            {
                holesOf[owner].Add(hole);
            }
        }

        return [.. shells.Select((s, i) => factory.CreatePolygon(s, [.. holesOf[i]]))];
    }
}
