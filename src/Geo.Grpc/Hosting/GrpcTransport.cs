using Grpc.Core;

namespace Geo.Grpc.Hosting;

/// <summary>
/// Whether a call came as gRPC proper or as gRPC-Web (a browser). The gRPC-Web middleware rewrites
/// the request's content type before a handler sees it, so the transport is noted before that
/// middleware runs. Planned operations go over gRPC proper only: a call not noted as such counts as
/// gRPC-Web, so a missing note withholds rather than leaks.
/// </summary>
internal static class GrpcTransport
{
    private static readonly object Key = new();

    /// <summary>Notes calls of gRPC proper; put it before UseGrpcWeb.</summary>
    public static IApplicationBuilder UseGrpcTransportNote(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        if (IsGrpcProper(http.Request.ContentType))
        {
            http.Items[Key] = true;
        }

        return next(http);
    });

    public static bool IsGrpcProper(this ServerCallContext context) => context.GetHttpContext().Items.ContainsKey(Key);

    /// <summary>application/grpc with an optional +codec or parameters; never application/grpc-web or application/grpc-web-text.</summary>
    private static bool IsGrpcProper(string? contentType)
    {
        const string Grpc = "application/grpc";
        return contentType is not null && contentType.StartsWith(Grpc, StringComparison.OrdinalIgnoreCase)
            && (contentType.Length == Grpc.Length || contentType[Grpc.Length] is '+' or ';');
    }
}
