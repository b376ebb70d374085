using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Geo.Grpc.Telemetry;

/// <summary>
/// The one place where a gRPC call is counted and timed. Outermost of the interceptors, so that it
/// sees the status <see cref="Api.ErrorInterceptor"/> made of a failure, and a refusal by
/// <see cref="Access.AccessInterceptor"/> as the caller does. Calls refused before any interceptor
/// (an undecodable or oversized request, an unknown method) are the HTTP request's metrics' to count.
/// </summary>
internal sealed class MetricsInterceptor(GeoAwarenessMetrics metrics) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            metrics.CallEnded(context.Method, StatusCode.OK, started);
            return response;
        }
        catch (Exception e)
        {
            metrics.CallEnded(context.Method, StatusOf(e, context), started);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            metrics.CallEnded(context.Method, StatusCode.OK, started);
        }
        catch (Exception e)
        {
            metrics.CallEnded(context.Method, StatusOf(e, context), started);
            throw;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(requestStream, context).ConfigureAwait(false);
            metrics.CallEnded(context.Method, StatusCode.OK, started);
            return response;
        }
        catch (Exception e)
        {
            metrics.CallEnded(context.Method, StatusOf(e, context), started);
            throw;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            metrics.CallEnded(context.Method, StatusCode.OK, started);
        }
        catch (Exception e)
        {
            metrics.CallEnded(context.Method, StatusOf(e, context), started);
            throw;
        }
    }

    /// <summary>
    /// The status the stack answers for <paramref name="exception"/>: the one it carries, the
    /// deadline or the client's cancellation when the call's token ended it, and UNKNOWN for
    /// anything else (Grpc.AspNetCore's answer to an unexpected exception).
    /// </summary>
    private static StatusCode StatusOf(Exception exception, ServerCallContext context) => exception switch
    {
        RpcException rpc => rpc.StatusCode,
        OperationCanceledException when context.CancellationToken.IsCancellationRequested =>
            context.Deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled,
        _ => StatusCode.Unknown,
    };
}
