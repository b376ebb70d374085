using System.Reflection;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Geo.Grpc.Hosting;

/// <summary>
/// Binds each service's methods as Grpc.AspNetCore's own binder does (the generated
/// <c>BindService</c> named by <see cref="BindServiceMethodAttribute"/>), with one change: a request
/// message that cannot be decoded ends its call with a status that says why, instead of UNKNOWN
/// ("Exception was thrown by handler."): INVALID_ARGUMENT naming the field whose text is not UTF-8
/// (Google.Protobuf refuses such a message whole), INTERNAL for anything else, as the gRPC spec and
/// other servers answer it. Grpc.AspNetCore decodes a unary or server-streaming request before any
/// interceptor runs, so only the marshaller sees the failure with the message's bytes in hand.
/// </summary>
internal sealed class DecodingServiceMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (BindMethodOf(typeof(TService)) is not { } bind)
        {
            return;
        }

        // BindService(ServiceBinderBase, TheServiceBase): the second parameter is always the generated base.
        bind.Invoke(null, [new Binder(context, bind.GetParameters()[1].ParameterType), null]);
    }

    private static MethodInfo? BindMethodOf(Type service)
    {
        for (var type = service; type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } attribute)
            {
                return attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                    .SingleOrDefault(m => m.Name == attribute.BindMethodName && m.GetParameters().Length == 2);
            }
        }

        return null;
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type declaringType) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(Decoding(method), Metadata(method.Name, out var handlerMethod),
                Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(handlerMethod, typeof(TRequest), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(Decoding(method), Metadata(method.Name, out var handlerMethod),
                Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(handlerMethod, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(Decoding(method), Metadata(method.Name, out var handlerMethod),
                Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(handlerMethod, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(Decoding(method), Metadata(method.Name, out var handlerMethod),
                Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(
                    handlerMethod, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        private static Method<TRequest, TResponse> Decoding<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class
            where TResponse : class
        {
            var decode = method.RequestMarshaller.ContextualDeserializer;
            var requests = Marshallers.Create(method.RequestMarshaller.ContextualSerializer, context =>
            {
                try
                {
                    return decode(context);
                }
                catch (Google.Protobuf.InvalidProtocolBufferException e)
                {
                    throw new RpcException(UndecodableMessage.StatusOf(context.PayloadAsReadOnlySequence(), typeof(TRequest), e));
                }
            });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, requests, method.ResponseMarshaller);
        }

        /// <summary>What Grpc.AspNetCore puts on the endpoint: the attributes of the service and its method, and POST.</summary>
        private List<object> Metadata(string name, out MethodInfo? handlerMethod)
        {
            handlerMethod = HandlerOf(name);
            var metadata = new List<object>();
            metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
            if (handlerMethod is not null)
            {
                metadata.AddRange(handlerMethod.GetCustomAttributes(inherit: true));
            }

            metadata.Add(new Microsoft.AspNetCore.Routing.HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
            return metadata;
        }

        /// <summary>The service's override of the generated base's method (a method that merely hides it does not count).</summary>
        private MethodInfo? HandlerOf(string name)
        {
            for (var type = typeof(TService); type is not null; type = type.BaseType)
            {
                foreach (var candidate in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                {
                    if (candidate.Name == name && candidate.IsVirtual && candidate.GetBaseDefinition().DeclaringType == declaringType)
                    {
                        return candidate;
                    }
                }
            }

            return null;
        }

        private static TDelegate Invoker<TDelegate>(MethodInfo? handlerMethod, params Type[] parameters)
            where TDelegate : Delegate
        {
            var method = handlerMethod is not null && handlerMethod.GetParameters().Select(p => p.ParameterType).SequenceEqual(parameters)
                ? handlerMethod
                : throw new InvalidOperationException($"{typeof(TService).Name} has no method {handlerMethod?.Name} taking ({string.Join(", ", parameters.Select(p => p.Name))}).");
            return (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), method);
        }
    }
}
