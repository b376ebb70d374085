using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Api;
using Geo.Storage.Access;
using Geo.Storage.Feeds;
using Grpc.Core;
using Microsoft.Extensions.Options;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Watch;

/// <summary>What a watch asks for, read and checked once for both its users: a live watch, and a webhook (which asks as its token).</summary>
internal sealed record WatchAsked(ObservationFilter Filter, FeedPosition? Cursor);

/// <summary>
/// Reads a <see cref="V1.WatchRequest"/>: the filter (with a sector's area instead of its own, when
/// named) and the cursor, each error naming its field under <c>prefix</c>.
/// </summary>
internal sealed class WatchRequests(AccessStore access, IOptions<ApiOptions> options)
{
    public async Task<WatchAsked> ReadAsync(V1.WatchRequest request, Caller caller, string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new FieldErrors().At(prefix);
        var filter = ApiMapping.ToFilter(request.Filter, options.Value.ShapeLimits, errors.At("filter"));
        if (!errors.Any)
        {
            QueryRules.Check(filter, options.Value.QueryLimits, errors.At("filter"));
        }

        var (position, cursorError) = Geo.Exporters.Feeds.FeedCursor.Parse(request.Cursor);
        if (cursorError is not null)
        {
            errors.Add("cursor", cursorError);
        }

        if (request.SectorId.Length > 0 && request.Filter?.Area is not null)
        {
            errors.Add("sector_id", "give either sector_id or filter.area, not both");
        }

        ApiErrors.ThrowIfAny(errors);
        if (request.SectorId.Length > 0)
        {
            var sector = await access.SectorAreaAsync([request.SectorId], cancellationToken).ConfigureAwait(false)
                ?? throw ApiErrors.InvalidArgument(Field(prefix, "sector_id"), $"no sector '{request.SectorId}'");
            filter = filter with { Area = new ShapeArea(sector) };
        }

        // Said from the geometry alone, never from what lies there: nothing is revealed.
        if (caller.ScopeArea is { } scope && filter.Area is { } area && !scope.Intersects(AreaShape(area)))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{Field(prefix, request.SectorId.Length > 0 ? "sector_id" : "filter.area")}: lies wholly outside the area of the token; a watch there would never push anything"));
        }

        return new WatchAsked(filter, request.Cursor.Length == 0 ? null : position);
    }

    private static string Field(string prefix, string field) => prefix.Length == 0 ? field : $"{prefix}.{field}";

    private static NetTopologySuite.Geometries.Geometry AreaShape(QueryArea area)
    {
        if (area is ShapeArea shape)
        {
            return shape.Shape;
        }

        var box = area.Grown(0);
        return Geo.Core.Spatial.ShapeReader.Factory.ToGeometry(new NetTopologySuite.Geometries.Envelope(box.West, box.East, box.South, box.North));
    }
}
