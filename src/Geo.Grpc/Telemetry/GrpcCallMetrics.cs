using System.Diagnostics;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;

namespace Geo.Grpc.Telemetry;

/// <summary>
/// The one place where a gRPC call is counted and timed: at the edge, from the status the call
/// answered (grpc-status), so that every call is counted, those refused before any interceptor
/// sees them included (an undecodable, oversized or mistyped request, an unknown method).
/// A request counted here is left out of ASP.NET Core's <c>http.server.request.duration</c>: each
/// request is in exactly one of the two, and the HTTP metric's record (a histogram of six labels)
/// was the largest single cost of a cheap call. A request that got no gRPC status (a path that
/// names no method, a GET) is no gRPC call and stays the HTTP metric's.
/// </summary>
internal static class GrpcCallMetrics
{
    /// <summary>
    /// The method label of a call to no method the service serves: the path is the caller's to
    /// choose, and a label of every path sent would let any caller grow the series without bound
    /// (the OpenTelemetry conventions use the same word for an unknown HTTP method).
    /// </summary>
    public const string OtherMethod = "_OTHER";

    private const string StatusHeader = "grpc-status";

    /// <summary>Put it after routing and gRPC-Web: it reads the endpoint, and gRPC-Web's trailers are its feature's.</summary>
    public static IApplicationBuilder UseGrpcCallMetrics(this IApplicationBuilder app)
    {
        var metrics = app.ApplicationServices.GetRequiredService<GeoAwarenessMetrics>();
        return app.Use((http, next) =>
        {
            // A served method, or a call to none (Grpc.AspNetCore's UNIMPLEMENTED endpoints carry no method).
            var served = http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>();
            return served is not null || http.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true
                ? CountAsync(http, next, served, metrics)
                : next(http);
        });
    }

    private static async Task CountAsync(HttpContext http, RequestDelegate next, GrpcMethodMetadata? served, GeoAwarenessMetrics metrics)
    {
        var started = Stopwatch.GetTimestamp();
        await next(http).ConfigureAwait(false);
        // An exception out of the endpoint is a 500 with no gRPC status: the HTTP metric counts it.
        if (StatusOf(http, served is not null) is not { } status)
        {
            return;
        }

        metrics.CallEnded(MethodOf(http, served), status, started);
        if (http.Features.Get<IHttpMetricsTagsFeature>() is { } httpMetrics)
        {
            httpMetrics.MetricsDisabled = true;
        }
    }

    /// <summary>
    /// The status the caller got: the trailer, or the header of a trailers-only answer
    /// (Grpc.AspNetCore writes it there when nothing else was sent). A call whose client went away
    /// counts as CANCELLED whatever its handler made of it, as the client saw no status at all;
    /// one that ended OK or past its deadline keeps that status, as the interceptor counted them.
    /// </summary>
    private static StatusCode? StatusOf(HttpContext http, bool served)
    {
        var status = Parse(http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers[StatusHeader] ?? default)
            ?? Parse(http.Response.Headers[StatusHeader]);
        if (status is StatusCode.OK or StatusCode.DeadlineExceeded)
        {
            return status;
        }

        // Read only off the fast path: in Kestrel the token is made on first use.
        if (http.RequestAborted.IsCancellationRequested && (status is not null || served))
        {
            return StatusCode.Cancelled;
        }

        return status;
    }

    private static StatusCode? Parse(Microsoft.Extensions.Primitives.StringValues value) =>
        value.Count == 1 && int.TryParse(value[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
            && code is >= 0 and <= (int)StatusCode.Unauthenticated ? (StatusCode)code : null;

    /// <summary>The served method's full name (the interned string of its descriptor, no copy per call), or <see cref="OtherMethod"/>.</summary>
    private static string MethodOf(HttpContext http, GrpcMethodMetadata? served) =>
        served?.Method.FullName is { } name && string.Equals(name, http.Request.Path.Value, StringComparison.Ordinal) ? name : OtherMethod;
}
