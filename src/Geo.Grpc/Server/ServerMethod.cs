using Geo.Grpc.Protocol;
using Google.Protobuf;

namespace Geo.Grpc.Server;

/// <summary>A bound RPC: what the dispatcher calls for one method path.</summary>
internal abstract class ServerMethod
{
    protected ServerMethod(string path, GrpcServerOptions options, ILogger logger)
    {
        Path = path;
        Options = options;
        Logger = logger;
    }

    public string Path { get; }

    public GrpcServerOptions Options { get; }

    public ILogger Logger { get; }

    public abstract Task HandleAsync(HttpContext http);
}

/// <summary>
/// The life of a call around the handler: headers, invoke, status. Subclasses say only how the
/// handler is called for their call shape.
/// </summary>
internal abstract class ServerMethod<TRequest, TResponse> : ServerMethod
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected ServerMethod(string path, MessageParser<TRequest> requestParser, GrpcServerOptions options, ILogger logger)
        : base(path, options, logger)
    {
        RequestParser = requestParser;
    }

    public MessageParser<TRequest> RequestParser { get; }

    protected abstract bool StreamingRequest { get; }

    public sealed override async Task HandleAsync(HttpContext http)
    {
        using var call = new ServerCall<TRequest, TResponse>(http, this);
        try
        {
            call.Start(Options, StreamingRequest);
            if (Options.CallAuthorizer is { } authorize && await authorize(call).ConfigureAwait(false) is { } refused)
            {
                ServerLog.RpcError(Logger, Path, refused.StatusCode, refused.Detail);
                call.Finish(refused, null);
                return;
            }

            await InvokeAsync(call).ConfigureAwait(false);
            call.Finish(call.DeadlineExceeded ? call.DeadlineStatus : call.Status, null);
        }
        catch (Exception e)
        {
            Fail(call, http, e);
        }
    }

    protected abstract Task InvokeAsync(ServerCall<TRequest, TResponse> call);

    private void Fail(ServerCall<TRequest, TResponse> call, HttpContext http, Exception exception)
    {
        if (call.DeadlineExceeded)
        {
            ServerLog.DeadlineExceeded(Logger, Path);
            call.Finish(call.DeadlineStatus, null);
            return;
        }

        if (http.RequestAborted.IsCancellationRequested)
        {
            // The stream is already reset: nobody is left to read a status.
            ServerLog.CancelledByClient(Logger, Path);
            return;
        }

        if (exception is RpcException rpc)
        {
            ServerLog.RpcError(Logger, Path, rpc.StatusCode, rpc.Detail);
            call.Finish(rpc.Status, rpc.Trailers);
            return;
        }

        foreach (var translate in Options.ExceptionTranslators)
        {
            if (translate(exception) is { } translated)
            {
                ServerLog.RpcError(Logger, Path, translated.StatusCode, translated.Detail);
                call.Finish(translated, null);
                return;
            }
        }

        ServerLog.HandlerThrew(Logger, Path, exception);
        var detail = Options.DetailedErrors
            ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
            : "Exception was thrown by handler.";
        call.Finish(new Status(StatusCode.Unknown, detail), null);
    }
}

internal sealed class UnaryServerMethod<TRequest, TResponse> : ServerMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Func<TRequest, ServerCallContext, Task<TResponse>> _handler;

    public UnaryServerMethod(string path, MessageParser<TRequest> parser, GrpcServerOptions options, ILogger logger, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        : base(path, parser, options, logger) => _handler = handler;

    protected override bool StreamingRequest => false;

    protected override async Task InvokeAsync(ServerCall<TRequest, TResponse> call)
    {
        var request = await call.ReadSingleRequestAsync().ConfigureAwait(false);
        var response = await _handler(request, call).ConfigureAwait(false);
        call.WriteMessage(response ?? throw new RpcException(StatusCode.Internal, "The handler returned no response message."));
    }
}

internal sealed class ServerStreamingServerMethod<TRequest, TResponse> : ServerMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> _handler;

    public ServerStreamingServerMethod(string path, MessageParser<TRequest> parser, GrpcServerOptions options, ILogger logger, Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        : base(path, parser, options, logger) => _handler = handler;

    protected override bool StreamingRequest => false;

    protected override async Task InvokeAsync(ServerCall<TRequest, TResponse> call)
    {
        var request = await call.ReadSingleRequestAsync().ConfigureAwait(false);
        await _handler(request, call, call).ConfigureAwait(false);
    }
}

internal sealed class ClientStreamingServerMethod<TRequest, TResponse> : ServerMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Func<IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> _handler;

    public ClientStreamingServerMethod(string path, MessageParser<TRequest> parser, GrpcServerOptions options, ILogger logger, Func<IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> handler)
        : base(path, parser, options, logger) => _handler = handler;

    protected override bool StreamingRequest => true;

    protected override async Task InvokeAsync(ServerCall<TRequest, TResponse> call)
    {
        var response = await _handler(call, call).ConfigureAwait(false);
        call.WriteMessage(response ?? throw new RpcException(StatusCode.Internal, "The handler returned no response message."));
    }
}

internal sealed class DuplexStreamingServerMethod<TRequest, TResponse> : ServerMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> _handler;

    public DuplexStreamingServerMethod(string path, MessageParser<TRequest> parser, GrpcServerOptions options, ILogger logger, Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        : base(path, parser, options, logger) => _handler = handler;

    protected override bool StreamingRequest => true;

    protected override Task InvokeAsync(ServerCall<TRequest, TResponse> call) => _handler(call, call, call);
}

/// <summary>A proto method with no handler method: every call is UNIMPLEMENTED.</summary>
internal sealed class UnimplementedServerMethod<TRequest, TResponse> : ServerMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public UnimplementedServerMethod(string path, MessageParser<TRequest> parser, GrpcServerOptions options, ILogger logger)
        : base(path, parser, options, logger)
    {
    }

    protected override bool StreamingRequest => false;

    protected override Task InvokeAsync(ServerCall<TRequest, TResponse> call) =>
        Task.FromException(new RpcException(StatusCode.Unimplemented, $"Method {Path} is unimplemented."));
}
