using Geo.Grpc.Protocol;
using Microsoft.Extensions.Primitives;

namespace Geo.Grpc.Server;

/// <summary>
/// The gRPC front door on the gRPC listener: checks what every call must be (POST,
/// application/grpc) and hands it to its bound method, or answers UNIMPLEMENTED.
/// </summary>
internal sealed class GrpcDispatchMiddleware
{
    private static readonly StringValues GrpcContentType = new(GrpcProtocol.ContentType);

    private readonly RequestDelegate _next;
    private readonly GrpcMethodRegistry _registry;
    private readonly ILogger _logger;

    public GrpcDispatchMiddleware(RequestDelegate next, GrpcMethodRegistry registry, ILoggerFactory loggerFactory)
    {
        _next = next;
        _registry = registry;
        _logger = loggerFactory.CreateLogger("Geo.Grpc.Server");
    }

    public Task InvokeAsync(HttpContext http)
    {
        if (!GrpcListener.IsGrpcConnection(http))
        {
            return _next(http);
        }

        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            return Reject(http, StatusCodes.Status405MethodNotAllowed, $"Method {request.Method} is not allowed: gRPC calls are POST.");
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            return Reject(http, StatusCodes.Status415UnsupportedMediaType, $"Content-Type '{request.ContentType}' is not supported.");
        }

        var path = request.Path.Value ?? string.Empty;
        if (_registry.TryGetMethod(path, out var method))
        {
            return method.HandleAsync(http);
        }

        return Unimplemented(http, path);
    }

    private Task Unimplemented(HttpContext http, string path)
    {
        var slash = path.LastIndexOf('/');
        var known = slash > 1 && _registry.IsKnownService(path.AsSpan(1, slash - 1));
        ServerLog.UnknownPath(_logger, path);
        var response = http.Response;
        response.ContentType = GrpcContentType;
        response.Headers[GrpcProtocol.StatusHeader] = StatusCodec.FormatCode(StatusCode.Unimplemented);
        response.Headers[GrpcProtocol.MessageHeader] = known ? "Method is unimplemented." : "Service is unimplemented.";
        return Task.CompletedTask;
    }

    private Task Reject(HttpContext http, int httpStatus, string message)
    {
        ServerLog.Rejected(_logger, httpStatus, message);
        var response = http.Response;
        response.StatusCode = httpStatus;
        response.Headers[GrpcProtocol.StatusHeader] = StatusCodec.FormatCode(StatusCode.Internal);
        response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(message);
        return Task.CompletedTask;
    }
}
