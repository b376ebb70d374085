using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Geo.Grpc.Server;

/// <summary>
/// Marks the connections of the gRPC listener, so dispatch happens there and nowhere else
/// (the HTTP listener keeps its own routes, whatever their paths).
/// </summary>
public static class GrpcListener
{
    private static readonly object Key = new();

    /// <summary>Serve gRPC on this Kestrel listener.</summary>
    public static ListenOptions UseGeoGrpc(this ListenOptions listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        listen.Use(next => connection =>
        {
            connection.Items[Key] = Key;
            return next(connection);
        });
        return listen;
    }

    internal static bool IsGrpcConnection(HttpContext http) =>
        http.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(Key) == true;
}
