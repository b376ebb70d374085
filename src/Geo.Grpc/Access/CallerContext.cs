using Geo.Core.Access;
using Grpc.Core;

namespace Geo.Grpc.Access;

/// <summary>Where handlers and endpoints find who is calling: the request's items, set by the access interceptor or filter.</summary>
public static class CallerContext
{
    private static readonly object Key = new();

    internal static void SetCaller(this HttpContext http, Caller caller) => http.Items[Key] = caller;

    /// <summary>The authenticated caller of a gRPC call.</summary>
    public static Caller Caller(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetHttpContext().CallerOrNull()
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "a valid bearer token is required in the authorization metadata"));
    }

    public static Caller? CallerOrNull(this HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Items.TryGetValue(Key, out var caller) ? caller as Caller : null;
    }
}
