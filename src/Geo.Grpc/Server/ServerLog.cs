using Geo.Grpc.Protocol;

namespace Geo.Grpc.Server;

internal static partial class ServerLog
{
    [LoggerMessage(101, LogLevel.Information, "gRPC service {Service} served by {Handler} ({MethodCount} methods)")]
    public static partial void ServiceBound(ILogger logger, string service, string handler, int methodCount);

    [LoggerMessage(102, LogLevel.Warning, "{Path} has no handler method on {Handler}: calls get UNIMPLEMENTED")]
    public static partial void MethodUnimplemented(ILogger logger, string path, string handler);

    [LoggerMessage(103, LogLevel.Debug, "No gRPC method at {Path}: UNIMPLEMENTED")]
    public static partial void UnknownPath(ILogger logger, string path);

    [LoggerMessage(104, LogLevel.Debug, "gRPC request rejected with HTTP {HttpStatus}: {Reason}")]
    public static partial void Rejected(ILogger logger, int httpStatus, string reason);

    [LoggerMessage(105, LogLevel.Debug, "Ignoring unreadable grpc-timeout '{Timeout}' on {Path}")]
    public static partial void InvalidTimeout(ILogger logger, string timeout, string path);

    [LoggerMessage(106, LogLevel.Debug, "{Path}: deadline exceeded")]
    public static partial void DeadlineExceeded(ILogger logger, string path);

    [LoggerMessage(107, LogLevel.Debug, "{Path}: cancelled by the client")]
    public static partial void CancelledByClient(ILogger logger, string path);

    [LoggerMessage(108, LogLevel.Debug, "{Path} ended with {StatusCode}: {Detail}")]
    public static partial void RpcError(ILogger logger, string path, StatusCode statusCode, string detail);

    [LoggerMessage(109, LogLevel.Error, "{Path}: the handler threw; the caller gets UNKNOWN")]
    public static partial void HandlerThrew(ILogger logger, string path, Exception exception);
}
