using Geo.Core.Access;
using Geo.Core.Spatial;
using Grpc.Core;
using Geo.Storage;
using NetTopologySuite.Geometries;

namespace Geo.Grpc.Access;

/// <summary>Object-level rules: what a caller may see and where it may write.</summary>
internal static class AccessRules
{
    /// <summary>
    /// What <paramref name="caller"/> may see. The importer, the machine that carries observations
    /// out of the service (SAGE feeds, layer feeds), sees only those a supervisor has released.
    /// </summary>
    public static Visibility VisibilityOf(Caller caller) =>
        new(caller.ScopeArea, caller.SeesOnlyOwnObservations ? caller.Subject : null, caller.Categories, OnlyReleased: caller.Can(Permission.ReadFeeds));

    /// <summary>Refuses a write outside the caller's area (saying so is safe: the caller named the place).</summary>
    public static void EnsureInside(Caller caller, GeoPoint point, string field)
    {
        if (caller.ScopeArea is { } area && !area.Covers(ShapeReader.Factory.CreatePoint(new Coordinate(point.Longitude, point.Latitude))))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"{field}: is outside the area of your token"));
        }
    }

    public static void EnsureInside(Caller caller, Geometry geometry, string field)
    {
        if (caller.ScopeArea is { } area && !area.Covers(geometry))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"{field}: is not inside the area of your token"));
        }
    }
}
