using System.Reflection;
using Geo.Grpc.Protocol;
using Google.Protobuf.Reflection;

namespace Geo.Grpc.Server;

/// <summary>
/// Binds a proto method to the handler method of the same name, once at start-up: the result
/// is a delegate closed over the handler instance, so a call costs no reflection.
/// </summary>
internal static class MethodBinder
{
    public static ServerMethod Bind(MethodDescriptor method, Type handlerType, object handler, GrpcServerOptions options, ILogger logger)
    {
        var request = method.InputType.ClrType;
        var response = method.OutputType.ClrType;
        var path = PathOf(method);
        var context = typeof(ServerCallContext);
        var reader = typeof(IAsyncStreamReader<>).MakeGenericType(request);
        var writer = typeof(IServerStreamWriter<>).MakeGenericType(response);
        var responseTask = typeof(Task<>).MakeGenericType(response);

        var (shape, delegateType, signature) = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => (typeof(UnaryServerMethod<,>), typeof(Func<,,>).MakeGenericType(request, context, responseTask),
                $"Task<{response.Name}> {method.Name}({request.Name}, ServerCallContext)"),
            (false, true) => (typeof(ServerStreamingServerMethod<,>), typeof(Func<,,,>).MakeGenericType(request, writer, context, typeof(Task)),
                $"Task {method.Name}({request.Name}, IServerStreamWriter<{response.Name}>, ServerCallContext)"),
            (true, false) => (typeof(ClientStreamingServerMethod<,>), typeof(Func<,,>).MakeGenericType(reader, context, responseTask),
                $"Task<{response.Name}> {method.Name}(IAsyncStreamReader<{request.Name}>, ServerCallContext)"),
            (true, true) => (typeof(DuplexStreamingServerMethod<,>), typeof(Func<,,,>).MakeGenericType(reader, writer, context, typeof(Task)),
                $"Task {method.Name}(IAsyncStreamReader<{request.Name}>, IServerStreamWriter<{response.Name}>, ServerCallContext)"),
        };

        var clrMethod = handlerType.GetMethod(method.Name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static);
        if (clrMethod is null)
        {
            ServerLog.MethodUnimplemented(logger, path, handlerType.Name);
            return Create(typeof(UnimplementedServerMethod<,>), request, response, path, method, options, logger);
        }

        Delegate invoker;
        try
        {
            invoker = clrMethod.IsStatic ? clrMethod.CreateDelegate(delegateType) : clrMethod.CreateDelegate(delegateType, handler);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{handlerType.Name}.{method.Name} must be public {signature} to serve {path}", e);
        }

        return Create(shape, request, response, path, method, options, logger, invoker);
    }

    public static string PathOf(MethodDescriptor method) => $"/{method.Service.FullName}/{method.Name}";

    private static ServerMethod Create(Type shape, Type request, Type response, string path, MethodDescriptor method, GrpcServerOptions options, ILogger logger, params object[] extra)
    {
        object[] arguments = [path, method.InputType.Parser, options, logger, .. extra];
        return (ServerMethod)Activator.CreateInstance(shape.MakeGenericType(request, response), arguments)!;
    }
}
