namespace Geo.Core.HeatMaps;

/// <summary>
/// Cell polygons in WGS84. Corners shared by neighbouring cells are projected back once and
/// reused, so neighbours share identical coordinates and a large grid costs one inverse
/// projection per corner, not per cell and corner.
/// </summary>
public sealed class CellRings(AreaGrid area)
{
    private readonly Dictionary<(int, int), (double Longitude, double Latitude)> _corners = [];

    /// <summary>Longitude, latitude pairs, counter-clockwise, not closed.</summary>
    public double[] RingOf(int column, int row)
    {
        ArgumentNullException.ThrowIfNull(area);
        var grid = area.Grid;
        var ring = new double[grid.CornersPerCell * 2];
        var k = 0;
        foreach (var (x, y) in grid.Corners(column, row))
        {
            var key = ((int)Math.Round((x - grid.CornerX) / (grid.Size / 2)), (int)Math.Round((y - grid.CornerY) / (grid.RowStep / 2)));
            if (!_corners.TryGetValue(key, out var corner))
            {
                var point = area.Frame.Inverse(x, y);
                corner = (point.Longitude, point.Latitude);
                _corners[key] = corner;
            }

            ring[k++] = corner.Longitude;
            ring[k++] = corner.Latitude;
        }

        return ring;
    }

    public Spatial.GeoPoint CentreOf(int column, int row)
    {
        var (x, y) = area.Grid.Centre(column, row);
        return area.Frame.Inverse(x, y);
    }
}
