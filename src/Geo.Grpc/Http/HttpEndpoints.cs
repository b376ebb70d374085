using Geo.Grpc.Feeds;
using Geo.Grpc.Hosting;
using Geo.Grpc.Map;
using Geo.Grpc.Operations;
using Geo.Grpc.Telemetry;

namespace Geo.Grpc.Http;

/// <summary>Every plain HTTP endpoint of the service; each one names its permission with <see cref="HttpAccess.RequirePermission"/>.</summary>
internal static class HttpEndpoints
{
    public static void MapGeoAwarenessHttp(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthEndpoints();
        endpoints.MapFeedEndpoints();
        endpoints.MapIndicatorEndpoints();
        endpoints.MapEstimateEndpoints();
        endpoints.MapMapEndpoints();
        endpoints.MapOperationEndpoints();
        endpoints.MapMetricsEndpoint();
    }
}
