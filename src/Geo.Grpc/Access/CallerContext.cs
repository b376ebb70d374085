using Geo.Core.Access;
using Geo.Grpc.Protocol;
using Geo.Grpc.Server;

namespace Geo.Grpc.Access;

/// <summary>Where handlers find who is calling.</summary>
public static class CallerContext
{
    private static readonly object Key = new();

    internal static void SetCaller(this HttpContext http, Caller caller) => http.Items[Key] = caller;

    /// <summary>The authenticated caller; with authentication off, an unscoped caller of the given fallback role.</summary>
    public static Caller Caller(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.HttpContext.Items.TryGetValue(Key, out var caller) && caller is Caller known
            ? known
            : throw new RpcException(StatusCode.Unauthenticated, "a valid bearer token is required in the authorization metadata");
    }

    public static Caller? CallerOrNull(this HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Items.TryGetValue(Key, out var caller) ? caller as Caller : null;
    }
}
