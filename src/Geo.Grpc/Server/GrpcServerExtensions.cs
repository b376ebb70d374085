using Geo.Grpc.Services;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProtoServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Geo.Grpc.Server;

/// <summary>Registration of the gRPC layer and its handlers.</summary>
public static class GrpcServerExtensions
{
    /// <summary>
    /// Adds the gRPC protocol layer with the standard services: health (grpc.health.v1) and
    /// server reflection (v1 and v1alpha). Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddGeoGrpc(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Any(s => s.ServiceType == typeof(GrpcMethodRegistry)))
        {
            return services;
        }

        services.TryAddSingleton<GrpcMethodRegistry>();
        services.TryAddSingleton<ReflectionIndex>();
        services.AddGrpcService<HealthService>(global::Grpc.Health.V1.HealthReflection.Descriptor.Services[0]);
        services.AddGrpcService<ReflectionServiceV1>(global::Grpc.Reflection.V1.ReflectionReflection.Descriptor.Services[0]);
        services.AddGrpcService<ReflectionServiceV1Alpha>(global::Grpc.Reflection.V1Alpha.ReflectionReflection.Descriptor.Services[0]);
        return services;
    }

    /// <summary>
    /// Serves a proto service with a handler class: each proto method is bound to the public
    /// method of the same name (unary <c>Task&lt;TRes&gt; M(TReq, ServerCallContext)</c>,
    /// server streaming <c>Task M(TReq, IServerStreamWriter&lt;TRes&gt;, ServerCallContext)</c>,
    /// client streaming <c>Task&lt;TRes&gt; M(IAsyncStreamReader&lt;TReq&gt;, ServerCallContext)</c>,
    /// bidi <c>Task M(IAsyncStreamReader&lt;TReq&gt;, IServerStreamWriter&lt;TRes&gt;, ServerCallContext)</c>);
    /// a proto method without one answers UNIMPLEMENTED. The handler is a singleton.
    /// </summary>
    public static IServiceCollection AddGrpcService<THandler>(this IServiceCollection services, ProtoServiceDescriptor service)
        where THandler : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(service);
        services.TryAddSingleton<THandler>();
        services.AddSingleton(new GrpcServiceRegistration(service, typeof(THandler)));
        return services;
    }

    /// <summary>Dispatches gRPC calls arriving on listeners marked with <see cref="GrpcListener.UseGeoGrpc"/>; put it first.</summary>
    public static IApplicationBuilder UseGeoGrpc(this IApplicationBuilder app) => app.UseMiddleware<GrpcDispatchMiddleware>();
}
