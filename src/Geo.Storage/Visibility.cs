using NetTopologySuite.Geometries;

namespace Geo.Storage;

/// <summary>
/// What a caller may see: records inside its area and, for CLAs, only their own observations.
/// Applied in SQL, so that nothing outside is read, counted or streamed.
/// </summary>
public sealed record Visibility(Geometry? Area, string? OnlyReporter)
{
    public static readonly Visibility Everything = new(null, null);
}
