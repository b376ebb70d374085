using Geo.Core.Spatial;

namespace Geo.Cli.Ingest;

/// <summary>The location of a row: a point read straight away, or a shape's text left to <see cref="ShapeReader"/>.</summary>
internal enum GeometryKind : byte
{
    Absent,
    Null,
    Point,
    GeoJson,
    Wkt,
}

/// <summary>
/// One record of a file, as read, before it means anything: values by column slot, the location,
/// and what the reader already found wrong with it (an unknown property, bytes that are not UTF-8).
/// Readers fill the same instance again for every row.
/// </summary>
internal sealed class InputRow(int slots)
{
    public RowValue[] Values { get; } = new RowValue[slots];

    /// <summary>The line where the record starts (1-based).</summary>
    public long Line { get; set; }

    public GeometryKind Geometry { get; set; }

    public GeoPoint Point { get; set; }

    /// <summary>The GeoJSON geometry object or the WKT, for <see cref="GeometryKind.GeoJson"/> and <see cref="GeometryKind.Wkt"/>.</summary>
    public string? GeometryText { get; set; }

    public List<(string Field, string Reason)> Problems { get; } = [];

    public void Clear()
    {
        Array.Clear(Values);
        Geometry = GeometryKind.Absent;
        GeometryText = null;
        Problems.Clear();
    }
}
