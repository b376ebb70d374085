using NetTopologySuite.Algorithm;
using NetTopologySuite.Geometries;

namespace Geo.Core.Roads;

/// <summary>
/// The reached cells of an <see cref="Isochrone"/> as polygons in WGS84: the boundary between
/// reached and unreached cells traced into rings (reached cells on the left, so shells run
/// anticlockwise and holes clockwise), straight runs merged, holes given to the shells around them.
/// Cells that touch only at a corner stay separate polygons, as the rules of valid polygons ask.
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
        void Add(int fromColumn, int fromRow, int toColumn, int toRow)
        {
            var from = (fromRow * stride) + fromColumn;
            var to = (toRow * stride) + toColumn;
            edges[from] = edges.TryGetValue(from, out var existing) ? (existing.First, to) : (to, -1);
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
        while (edges.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // A ring starts where no choice is to be made, when there is such a point.
            var start = edges.FirstOrDefault(e => e.Value.Second < 0, edges.First()).Key;
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

            var ring = factory.CreateLinearRing(Corners(lattice, stride, isochrone));
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

    /// <summary>The ring's corners in WGS84, straight runs merged, closed.</summary>
    private static Coordinate[] Corners(List<int> lattice, int stride, Isochrone isochrone)
    {
        var grid = isochrone.Grid;
        var corners = new List<Coordinate>();
        var n = lattice.Count;
        for (var i = 0; i < n; i++)
        {
            int a = lattice[(i + n - 1) % n], b = lattice[i], c = lattice[(i + 1) % n];
            var straight = ((b % stride) - (a % stride)) == ((c % stride) - (b % stride)) && ((b / stride) - (a / stride)) == ((c / stride) - (b / stride));
            if (!straight)
            {
                var x = grid.West + ((isochrone.Column0 + (b % stride)) * grid.CellMetres);
                var y = grid.South + ((isochrone.Row0 + (b / stride)) * grid.CellMetres);
                var point = grid.Network.Frame.ToGeo(x, y);
                corners.Add(new Coordinate(point.Longitude, point.Latitude));
            }
        }

        corners.Add(corners[0].Copy());
        return [.. corners];
    }

    private static Polygon[] Assemble(List<LinearRing> shells, List<LinearRing> holes, GeometryFactory factory)
    {
        var shellPolygons = shells.Select(s => factory.CreatePolygon(s)).ToList();
        var holesOf = shells.Select(_ => new List<LinearRing>()).ToList();
        foreach (var hole in holes)
        {
            // Any point strictly inside the hole lies inside its shell and no smaller one.
            var inside = factory.CreatePolygon(hole).InteriorPoint;
            var owner = -1;
            for (var i = 0; i < shellPolygons.Count; i++)
            {
                if (shellPolygons[i].EnvelopeInternal.Covers(hole.EnvelopeInternal) && shellPolygons[i].Contains(inside)
                    && (owner < 0 || shellPolygons[i].Area < shellPolygons[owner].Area))
                {
                    owner = i;
                }
            }

            if (owner >= 0)
            {
                holesOf[owner].Add(hole);
            }
        }

        return shells.Select((s, i) => factory.CreatePolygon(s, [.. holesOf[i]])).ToArray();
    }
}
