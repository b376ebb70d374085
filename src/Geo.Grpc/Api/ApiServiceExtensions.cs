using Geo.Grpc.Server;
using Geo.Storage.Observations;
using Geo.Storage.Registry;

namespace Geo.Grpc.Api;

/// <summary>Registers the GeoAwareness API (geoawareness.v1) with the gRPC layer.</summary>
internal static class ApiServiceExtensions
{
    public static IServiceCollection AddGeoAwarenessApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ApiOptions>(configuration.GetSection(ApiOptions.SectionName));
        services.Configure<GrpcServerOptions>(grpc => grpc.ExceptionTranslators.Add(ApiErrors.Translate));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<RegistryStore>();
        services.AddSingleton<ObservationStore>();
        services.AddSingleton<ReferralStore>();
        services.AddGrpcService<RegistryHandler>(RegistryHandler.Descriptor);
        services.AddGrpcService<ObservationsHandler>(ObservationsHandler.Descriptor);
        services.AddGrpcService<ReferralsHandler>(ReferralsHandler.Descriptor);
        services.AddGrpcService<PresenceHandler>(PresenceHandler.Descriptor);
        return services;
    }
}
