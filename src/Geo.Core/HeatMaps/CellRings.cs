namespace Geo.Core.HeatMaps;

/// <summary>
/// Cell polygons in WGS84. Corners lie on a lattice (half a side across, half a row up), and a
/// corner shared by neighbouring cells is projected back once and reused: neighbours share
/// identical coordinates, and a large grid costs one inverse projection per corner.
/// </summary>
public sealed class CellRings
{
    private readonly AreaGrid _area;
    private readonly int _width;
    private readonly double[] _corners;

    public CellRings(AreaGrid area)
    {
        ArgumentNullException.ThrowIfNull(area);
        _area = area;
        var grid = area.Grid;
        // Lattice corner indices: x in units of half a side, y in units of half a row.
        _width = grid.Shape == GridShape.Square ? (2 * grid.Columns) + 1 : (3 * grid.Columns) + 3;
        var height = (2 * grid.Rows) + 3;
        _corners = new double[_width * height * 2];
        Array.Fill(_corners, double.NaN);
    }

    /// <summary>Longitude, latitude pairs, counter-clockwise, not closed.</summary>
    public double[] RingOf(int column, int row)
    {
        var grid = _area.Grid;
        Span<(int X, int Y)> slots = stackalloc (int, int)[grid.CornersPerCell];
        grid.CornerSlots(column, row, slots);
        var ring = new double[slots.Length * 2];
        for (var i = 0; i < slots.Length; i++)
        {
            var slot = 2 * ((slots[i].Y * _width) + slots[i].X);
            if (double.IsNaN(_corners[slot]))
            {
                var (x, y) = grid.SlotPoint(slots[i].X, slots[i].Y);
                var point = _area.Frame.Inverse(x, y);
                _corners[slot] = point.Longitude;
                _corners[slot + 1] = point.Latitude;
            }

            ring[2 * i] = _corners[slot];
            ring[(2 * i) + 1] = _corners[slot + 1];
        }

        return ring;
    }

    public Spatial.GeoPoint CentreOf(int column, int row)
    {
        var (x, y) = _area.Grid.Centre(column, row);
        return _area.Frame.Inverse(x, y);
    }
}
