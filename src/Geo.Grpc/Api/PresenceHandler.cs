using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Microsoft.Extensions.Options;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>geoawareness.v1.Presence: which bases, and which CLA teams, are nearest to an alert (policy para 57).</summary>
internal sealed class PresenceHandler(UseCases.NearestPresence presence, CoverageReader coverage, IOptions<ApiOptions> options, TimeProvider clock)
    : V1.Presence.PresenceBase
{
    private const int MaxLimit = 50;

    public override async Task<V1.NearestPresenceResponse> NearestPresence(V1.NearestPresenceRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var point = ApiMapping.ToPoint(request.Point, "point", errors);
        if (!errors.Any)
        {
            PointRules.Check(point, errors.At("point"));
        }

        if (request.Limit is < 0 or > MaxLimit)
        {
            errors.Add("limit", $"{request.Limit} is out of range 1..{MaxLimit} (0 for the default of 5)");
        }

        var maxRadius = options.Value.MaxRadiusMetres;
        if (!double.IsFinite(request.MaxDistanceMetres) || request.MaxDistanceMetres < 0 || request.MaxDistanceMetres > maxRadius)
        {
            errors.Add("max_distance_metres", $"must be between 0 (no limit) and {maxRadius} m");
        }

        var at = ApiMapping.ToDate(request.At, "at", errors) ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var time = coverage.ReadTravelTime(request.ReachTime, at, errors);
        ApiErrors.ThrowIfAny(errors);

        var limit = request.Limit == 0 ? 5 : request.Limit;
        var scope = context.Caller().ScopeArea;
        var nearest = time is null
            ? await presence.FindAsync(point, limit, request.MaxDistanceMetres, at, scope, context.CancellationToken).ConfigureAwait(false)
            : await presence.FindByTravelAsync(point, limit, request.MaxDistanceMetres, time, at, scope, context.CancellationToken).ConfigureAwait(false);
        var response = new V1.NearestPresenceResponse();
        response.Bases.AddRange(nearest.Select(ApiMapping.ToProto));
        return response;
    }
}
