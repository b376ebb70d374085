using Geo.Grpc.Access;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Geo.Grpc.Api;

/// <summary>
/// The one interceptor every call passes, before and around its handler:
/// <list type="number">
/// <item>access: who is calling and whether its role may call the method (<see cref="CallAuthorizer"/>),
/// and, for a request read whole, that no text field holds a NUL character (named by field);
/// streamed request messages are their handler's to check, one by one, since it decides what the
/// messages before a bad one mean;</item>
/// <item>writes: a call that may have changed observations is counted as it ends, before its
/// answer leaves (<see cref="ReadModel.LocalWrites"/>), so that the read model serves a caller's
/// next read only once it holds what that caller wrote;</item>
/// <item>errors, the one place where a call's failure becomes its status: the storage and domain
/// outcomes <see cref="ApiErrors.Translate"/> knows (NOT_FOUND, ALREADY_EXISTS, ABORTED,
/// UNAVAILABLE ...), every status message cut to <see cref="ApiErrors.MaxStatusDetailLength"/>
/// characters, and each failure logged once. Anything else is left to Grpc.AspNetCore, which
/// answers UNKNOWN with no detail unless detailed errors are switched on, and logs the exception.</item>
/// </list>
/// One interceptor rather than one for each: Grpc.AspNetCore wraps every interceptor of every call
/// in two async state machines and a service lookup, which weighed on a cheap call as much as the
/// work itself. Calls are counted at the edge (<see cref="Telemetry.GrpcCallMetrics"/>), with the
/// status the caller got, refusals by access included.
/// </summary>
internal sealed partial class CallInterceptor(CallAuthorizer authorizer, ReadModel.LocalWrites writes, ILogger<CallInterceptor> logger) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        // Without an await on the way (an open or in-memory check, a handler that answers at once)
        // the call takes no state machine of its own; the slow paths below are the same steps.
        Task<TResponse> call;
        try
        {
            var authorizing = authorizer.AuthorizeAsync(context);
            if (!authorizing.IsCompletedSuccessfully)
            {
                return AuthorizeThenCallAsync(authorizing, request, context, continuation);
            }

            Admit(authorizing.Result, request);
            call = continuation(request, context);
        }
        catch (Exception e) when (Translated(e, context) is { } status)
        {
            EndWrite(context);
            return Task.FromException<TResponse>(status);
        }
        catch
        {
            EndWrite(context);
            throw;
        }

        if (call.IsCompletedSuccessfully)
        {
            EndWrite(context);
            return call;
        }

        return AwaitAsync(call, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            Admit(await authorizer.AuthorizeAsync(context).ConfigureAwait(false), request);
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Translated(e, context) is { } status)
        {
            throw status;
        }
        finally
        {
            EndWrite(context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            Admit(await authorizer.AuthorizeAsync(context).ConfigureAwait(false));
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Translated(e, context) is { } status)
        {
            throw status;
        }
        finally
        {
            EndWrite(context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            Admit(await authorizer.AuthorizeAsync(context).ConfigureAwait(false));
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Translated(e, context) is { } status)
        {
            throw status;
        }
        finally
        {
            EndWrite(context);
        }
    }

    private async Task<TResponse> AuthorizeThenCallAsync<TRequest, TResponse>(
        ValueTask<Status?> authorizing, TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class
    {
        try
        {
            Admit(await authorizing.ConfigureAwait(false), request);
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Translated(e, context) is { } status)
        {
            throw status;
        }
        finally
        {
            EndWrite(context);
        }
    }

    private async Task<TResponse> AwaitAsync<TResponse>(Task<TResponse> call, ServerCallContext context)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (Exception e) when (Translated(e, context) is { } status)
        {
            throw status;
        }
        finally
        {
            EndWrite(context);
        }
    }

    /// <summary>Counts the call's end when it may have written, whether it succeeded or not (an ingest stores what came before its error).</summary>
    private void EndWrite(ServerCallContext context)
    {
        if (writes.MayWrite(context.Method))
        {
            writes.End();
        }
    }

    private static void Admit(Status? refused)
    {
        if (refused is { } status)
        {
            throw new RpcException(status);
        }
    }

    private static void Admit<TRequest>(Status? refused, TRequest request)
    {
        Admit(refused);
        if (request is Google.Protobuf.IMessage message && ApiErrors.CheckText(message) is { } nul)
        {
            throw new RpcException(nul);
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
