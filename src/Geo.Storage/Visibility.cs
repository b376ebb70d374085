using Geo.Core.Access;
using NetTopologySuite.Geometries;

namespace Geo.Storage;

/// <summary>
/// What a caller may see: records inside its area, for CLAs only their own observations, only the
/// categories its role reaches, and, for what leaves the service (feeds, layer feeds), only
/// released observations. Applied in SQL, so that nothing outside is read, counted or streamed.
/// </summary>
public sealed record Visibility(Geometry? Area, string? OnlyReporter, CategoryScope Categories = CategoryScope.All, bool OnlyReleased = false)
{
    public static readonly Visibility Everything = new(null, null);
}
