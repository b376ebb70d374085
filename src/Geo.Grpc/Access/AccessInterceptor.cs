using Geo.Grpc.Api;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Geo.Grpc.Access;

/// <summary>
/// Every call, before its handler: who is calling and whether its role may call the method
/// (<see cref="CallAuthorizer"/>), and, for a request read whole, that no text field holds a NUL
/// character (named by field). Streamed request messages are their handler's to check, one by one,
/// since it decides what the messages before a bad one mean.
/// </summary>
internal sealed class AccessInterceptor(CallAuthorizer authorizer) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        Check(request);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        Check(request);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private async ValueTask AuthorizeAsync(ServerCallContext context)
    {
        if (await authorizer.AuthorizeAsync(context).ConfigureAwait(false) is { } refused)
        {
            throw new RpcException(refused);
        }
    }

    private static void Check<TRequest>(TRequest request)
    {
        if (request is Google.Protobuf.IMessage message && ApiErrors.CheckText(message) is { } refused)
        {
            throw new RpcException(refused);
        }
    }
}
