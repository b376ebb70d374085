namespace Geo.Cli.Ingest;

internal enum ValueKind : byte
{
    Absent,
    Null,
    Text,
    Number,
    True,
    False,

    /// <summary>A JSON object or array, kept as its text (an area given as a GeoJSON geometry).</summary>
    Json,
}

/// <summary>One property or cell as read: GeoJSON keeps its JSON type, CSV gives text (an empty cell is absent).</summary>
internal struct RowValue
{
    public ValueKind Kind;
    public string? Text;
    public double Number;
}
