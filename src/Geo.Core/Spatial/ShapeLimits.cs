namespace Geo.Core.Spatial;

/// <summary>
/// How long, deep and large a geometry given as text may be. Checked on the text itself, in one
/// pass, before any parser sees it: NetTopologySuite's WKT reader recurses once per nested
/// collection (50,000 levels overflow the stack and end the process), and the cost of everything
/// done with an area afterwards (validation, area tests on every row, grids) grows with its
/// parts and vertices.
/// </summary>
public sealed record ShapeLimits
{
    /// <summary>Deeper than this and the readers' recursion is no longer known to be safe; a configured depth may not exceed it.</summary>
    public const int MaxSafeDepth = 64;

    public static ShapeLimits Default { get; } = new();

    /// <summary>
    /// Characters of WKT or GeoJSON. 2 MiB holds the vertex limit written with six decimals
    /// (about 20 characters a vertex) and stays well inside the 4 MiB gRPC message.
    /// </summary>
    public int MaxTextChars { get; init; } = 2 * 1024 * 1024;

    /// <summary>
    /// Nesting of brackets: parentheses in WKT, arrays and objects in GeoJSON. The deepest area a
    /// client has a reason to send is a GeoJSON FeatureCollection of one Feature whose geometry is a
    /// GeometryCollection of MultiPolygons: ten levels (its WKT needs four).
    /// </summary>
    public int MaxDepth { get; init; } = 10;

    /// <summary>Rings, lines and points: well above the islands and enclaves of any mission's administrative areas.</summary>
    public int MaxParts { get; init; } = 10_000;

    /// <summary>Vertices of all parts together: a detailed administrative boundary has tens of thousands.</summary>
    public int MaxVertices { get; init; } = 100_000;
}
