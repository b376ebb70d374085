using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Geo.Grpc.Api;

/// <summary>
/// The one place where a call's failure becomes its status: the storage and domain outcomes
/// <see cref="ApiErrors.Translate"/> knows (NOT_FOUND, ALREADY_EXISTS, ABORTED, UNAVAILABLE ...),
/// every status message cut to <see cref="ApiErrors.MaxStatusDetailLength"/> characters, and each
/// failure logged once. Anything else is left to Grpc.AspNetCore, which answers UNKNOWN with no
/// detail unless detailed errors are switched on, and logs the exception.
/// </summary>
internal sealed partial class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Translated(e, context) is { } status)
        {
            throw status;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Translated(e, context) is { } status)
        {
            throw status;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Translated(e, context) is { } status)
        {
            throw status;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Translated(e, context) is { } status)
        {
            throw status;
        }
    }

    /// <summary>The status the failure ends the call with, or null to let the stack handle it (cancellation, the unknown).</summary>
    private RpcException? Translated(Exception exception, ServerCallContext context)
    {
        if (exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            // Deadline or client gone: Grpc.AspNetCore says DEADLINE_EXCEEDED, or nothing to nobody.
            Cancelled(logger, context.Method);
            return null;
        }

        var status = exception switch
        {
            RpcException rpc => rpc.Status,
            _ => ApiErrors.Translate(exception),
        };
        if (status is not { } known)
        {
            return null;
        }

        var capped = ApiErrors.Capped(known);
        Failed(logger, context.Method, capped.StatusCode, capped.Detail);
        return exception is RpcException original && capped.Detail == original.Status.Detail ? original : new RpcException(capped, (exception as RpcException)?.Trailers ?? []);
    }

    [LoggerMessage(201, LogLevel.Debug, "{Method} ended with {StatusCode}: {Detail}")]
    private static partial void Failed(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(202, LogLevel.Debug, "{Method}: cancelled or past its deadline")]
    private static partial void Cancelled(ILogger logger, string method);
}
