using Geo.Grpc.Access;
using Geo.Grpc.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Geo.Testing.Echo;

/// <summary>Starts the real service in-process on free ports, with the Echo handler beside the production ones.</summary>
public static class GrpcTestServer
{
    public static Task<GeoAwarenessService> StartAsync(
        string connectionString,
        IEnumerable<string>? extraArguments = null,
        Action<IServiceCollection>? configureServices = null,
        CancellationToken cancellationToken = default)
    {
        string[] arguments =
        [
            $"--ConnectionStrings:GeoAwareness={connectionString}",
            "--GeoAwareness:GrpcPort=0",
            "--GeoAwareness:HttpPort=0",
            "--Logging:Console:FormatterName=simple",
            "--Logging:LogLevel:Default=Warning",
            // Tests fail calls on purpose: the stack's own log of each would drown the output.
            "--Logging:LogLevel:Grpc=Critical",
            "--Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel=Critical",
            "--GeoAwareness:Auth:OpenHealth=true",
            "--GeoAwareness:Auth:OpenReflection=true",
            .. extraArguments ?? [],
        ];
        return GeoAwarenessService.StartAsync(
            arguments,
            services =>
            {
                services.AddSingleton<EchoCallLog>();
                services.AddSingleton(new ExtraGrpcService(EchoService.Descriptor.FullName, endpoints => endpoints.MapGrpcService<EchoService>()));
                // The protocol tests and benchmarks call Echo without tokens.
                foreach (var method in EchoService.Descriptor.Methods)
                {
                    services.AddSingleton(new RpcPermissionGrant($"/{EchoService.Descriptor.FullName}/{method.Name}", Geo.Core.Access.Permission.Open));
                }

                configureServices?.Invoke(services);
            },
            cancellationToken);
    }
}
