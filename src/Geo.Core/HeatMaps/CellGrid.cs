using System.Runtime.Intrinsics;

namespace Geo.Core.HeatMaps;

/// <summary>
/// A grid of square or flat-topped hexagonal cells in a metric plane, stored by column and row.
/// Cell (c, r) has index <c>r * Columns + c</c>. Hexagon columns are offset: odd columns sit half
/// a row higher. Corners are computed from integer lattice positions, so neighbouring cells
/// share exactly the same corner coordinates and tile without slivers.
/// </summary>
public sealed class CellGrid
{
    private static readonly double HalfRoot3 = Math.Sqrt(3) / 2;

    // Hexagon corners around a centre, counter-clockwise from east, in units of (s/2, s·√3/2).
    private static readonly (int Dx, int Dy)[] HexagonCorners = [(2, 0), (1, 1), (-1, 1), (-2, 0), (-1, -1), (1, -1)];
    private static readonly (int Dx, int Dy)[] SquareCorners = [(0, 0), (1, 0), (1, 1), (0, 1)];

    private CellGrid(GridShape shape, double size, double cornerX, double cornerY, int columns, int rows)
    {
        Shape = shape;
        Size = size;
        CornerX = cornerX;
        CornerY = cornerY;
        Columns = columns;
        Rows = rows;
        ColumnStep = shape == GridShape.Square ? size : 1.5 * size;
        RowStep = shape == GridShape.Square ? size : 2 * HalfRoot3 * size;
    }

    public GridShape Shape { get; }

    /// <summary>Side of a square, or side (centre to corner) of a hexagon, in metres.</summary>
    public double Size { get; }

    /// <summary>Lower-left corner of the grid's bounding rectangle.</summary>
    public double CornerX { get; }

    public double CornerY { get; }

    public int Columns { get; }

    public int Rows { get; }

    public int Count => Columns * Rows;

    public double ColumnStep { get; }

    public double RowStep { get; }

    public int CornersPerCell => Shape == GridShape.Square ? 4 : 6;

    /// <summary>Area of one cell in square metres.</summary>
    public double CellArea => Shape == GridShape.Square ? Size * Size : 3 * HalfRoot3 * Size * Size;

    /// <summary>Columns and rows a grid over the rectangle would have, before building it (to refuse oversize requests cheaply).</summary>
    public static (long Columns, long Rows) Dimensions(GridShape shape, double size, double width, double height) => shape == GridShape.Square
        ? ((long)Math.Max(1, Math.Ceiling(width / size)), (long)Math.Max(1, Math.Ceiling(height / size)))
        : ((long)Math.Ceiling(width / (1.5 * size)) + 1, (long)Math.Ceiling(height / (2 * HalfRoot3 * size)) + 1);

    /// <summary>The grid that covers the rectangle [minX, maxX] x [minY, maxY].</summary>
    public static CellGrid Covering(GridShape shape, double size, double minX, double minY, double maxX, double maxY)
    {
        var (columns, rows) = Dimensions(shape, size, maxX - minX, maxY - minY);
        return shape == GridShape.Square
            ? new CellGrid(shape, size, minX, minY, (int)columns, (int)rows)
            : new CellGrid(shape, size, minX - size, minY - (HalfRoot3 * size), (int)columns, (int)rows);
    }

    public int IndexOf(int column, int row) => (row * Columns) + column;

    public (double X, double Y) Centre(int column, int row) => Shape == GridShape.Square
        ? (CornerX + ((column + 0.5) * Size), CornerY + ((row + 0.5) * Size))
        : (CornerX + Size + (1.5 * Size * column), CornerY + (HalfRoot3 * Size * (1 + (2 * row) + (column & 1))));

    public (double X, double Y) Centre(int index) => Centre(index % Columns, index / Columns);

    /// <summary>The cell containing the point, or -1 outside the grid.</summary>
    public int IndexOf(double x, double y)
    {
        int column;
        int row;
        if (Shape == GridShape.Square)
        {
            var fc = Math.Floor((x - CornerX) / Size);
            var fr = Math.Floor((y - CornerY) / Size);
            if (!(fc >= 0 && fr >= 0 && fc < Columns && fr < Rows))
            {
                return -1;
            }

            column = (int)fc;
            row = (int)fr;
        }
        else
        {
            // Fractional axial coordinates of flat-topped hexagons, then cube rounding.
            var px = x - (CornerX + Size);
            var py = y - (CornerY + (HalfRoot3 * Size));
            var q = 2.0 / 3 * px / Size;
            var r = ((-1.0 / 3 * px) + (Math.Sqrt(3) / 3 * py)) / Size;
            var s = -q - r;
            var rq = Math.Round(q);
            var rr = Math.Round(r);
            var rs = Math.Round(s);
            var dq = Math.Abs(rq - q);
            var dr = Math.Abs(rr - r);
            var ds = Math.Abs(rs - s);
            if (dq > dr && dq > ds)
            {
                rq = -rr - rs;
            }
            else if (dr > ds)
            {
                rr = -rq - rs;
            }

            if (!(rq >= 0 && rq < Columns && Math.Abs(rr) <= 1e9))
            {
                return -1;
            }

            column = (int)rq;
            row = (int)rr + ((column - (column & 1)) / 2);
            if (row < 0 || row >= Rows)
            {
                return -1;
            }
        }

        return IndexOf(column, row);
    }

    /// <summary>
    /// <see cref="IndexOf(double, double)"/> of each point: squares four at a time, with the same
    /// subtraction, division and floor, so each point gets the cell it gets alone.
    /// </summary>
    public void IndexOf(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<int> cells)
    {
        if (y.Length != x.Length || cells.Length != x.Length)
        {
            throw new ArgumentException("as many cells as points are needed.", nameof(cells));
        }

        var i = 0;
        if (Shape == GridShape.Square)
        {
            var cornerX = Vector256.Create(CornerX);
            var cornerY = Vector256.Create(CornerY);
            var size = Vector256.Create(Size);
            var columns = Vector256.Create((double)Columns);
            var rows = Vector256.Create((double)Rows);
            for (; i <= x.Length - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                var fc = Vector256.Floor((Vector256.Create(x.Slice(i, Vector256<double>.Count)) - cornerX) / size);
                var fr = Vector256.Floor((Vector256.Create(y.Slice(i, Vector256<double>.Count)) - cornerY) / size);
                var inside = Vector256.GreaterThanOrEqual(fc, Vector256<double>.Zero) & Vector256.GreaterThanOrEqual(fr, Vector256<double>.Zero)
                    & Vector256.LessThan(fc, columns) & Vector256.LessThan(fr, rows);
                // Exact in doubles: a grid has fewer than 2^31 cells.
                var index = Vector256.ConditionalSelect(inside, (fr * columns) + fc, Vector256.Create(-1.0));
                for (var k = 0; k < Vector256<double>.Count; k++)
                {
                    cells[i + k] = (int)index.GetElement(k);
                }
            }
        }

        for (; i < x.Length; i++)
        {
            cells[i] = IndexOf(x[i], y[i]);
        }
    }

    /// <summary>The corners of a cell, counter-clockwise, not closed.</summary>
    public IEnumerable<(double X, double Y)> Corners(int column, int row)
    {
        Span<(int X, int Y)> slots = stackalloc (int, int)[CornersPerCell];
        CornerSlots(column, row, slots);
        var corners = new (double X, double Y)[slots.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            corners[i] = SlotPoint(slots[i].X, slots[i].Y);
        }

        return corners;
    }

    /// <summary>
    /// The corners of a cell, counter-clockwise, as whole numbers of half a side across and half
    /// a row up from the grid's corner: neighbouring cells share a corner exactly when they share
    /// its slot. Squares' slots are even; hexagons' run 0..3·columns+2 across and 0..2·rows+2 up.
    /// </summary>
    public void CornerSlots(int column, int row, Span<(int X, int Y)> slots)
    {
        var offsets = Shape == GridShape.Square ? SquareCorners : HexagonCorners;
        for (var i = 0; i < offsets.Length; i++)
        {
            var (dx, dy) = offsets[i];
            slots[i] = Shape == GridShape.Square
                ? (2 * (column + dx), 2 * (row + dy))
                : (2 + (3 * column) + dx, 1 + (2 * row) + (column & 1) + dy);
        }
    }

    /// <summary>The point of a corner slot (see <see cref="CornerSlots"/>) in the plane.</summary>
    public (double X, double Y) SlotPoint(int x, int y) => (CornerX + (x * Size / 2), CornerY + (y * RowStep / 2));

    /// <summary>
    /// Lattice coordinates (a, b) in which neighbourhoods do not depend on the column: for squares
    /// the column and row, for hexagons the axial coordinates (column, row − ⌊column / 2⌋).
    /// </summary>
    public (int A, int B) Lattice(int column, int row) => Shape == GridShape.Square ? (column, row) : (column, row - (column >> 1));

    /// <summary>Centre offset of the lattice step (da, db), in metres.</summary>
    public (double X, double Y) LatticeOffset(int da, int db) => Shape == GridShape.Square
        ? (da * Size, db * Size)
        : (1.5 * Size * da, HalfRoot3 * Size * (da + (2 * db)));

    /// <summary>
    /// Every lattice step whose centre lies within <paramref name="radius"/> metres (strictly
    /// inside when <paramref name="strict"/>), with its distance; the step (0, 0) included.
    /// </summary>
    public List<(int Da, int Db, double Distance)> Neighbourhood(double radius, bool strict)
    {
        var steps = new List<(int, int, double)>();
        var reachA = (int)Math.Ceiling(radius / ColumnStep) + 1;
        var reachB = (int)Math.Ceiling(radius / RowStep) + reachA + 1;
        for (var da = -reachA; da <= reachA; da++)
        {
            for (var db = -reachB; db <= reachB; db++)
            {
                var (x, y) = LatticeOffset(da, db);
                var distance = Math.Sqrt((x * x) + (y * y));
                // Lattice distances that are equal in exact arithmetic (3-4-5 triangles, hexagon
                // rings) decide the same way whatever the rounding: within 1e-9 relative, as equal.
                if (strict ? distance < radius * (1 - 5e-10) : distance <= radius * (1 + 5e-10))
                {
                    steps.Add((da, db, distance));
                }
            }
        }

        return steps;
    }
}
