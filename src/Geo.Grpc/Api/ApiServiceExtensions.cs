using Geo.Grpc.Access;
using Geo.Grpc.Feeds;
using Geo.Storage.Feeds;
using Geo.Grpc.Server;
using Geo.Storage.Access;
using Microsoft.Extensions.Options;
using Geo.Storage.Observations;
using Geo.Storage.Registry;

namespace Geo.Grpc.Api;

/// <summary>Registers the GeoAwareness API (geoawareness.v1) with the gRPC layer.</summary>
internal static class ApiServiceExtensions
{
    public static IServiceCollection AddGeoAwarenessApi(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(ApiOptions.SectionName);
        if ((limits.Get<ApiOptions>() ?? new ApiOptions()).Problem() is { } limitProblem)
        {
            throw new Hosting.StartupException(limitProblem);
        }

        services.Configure<ApiOptions>(limits);
        services.Configure<ReleaseOptions>(configuration.GetSection(ReleaseOptions.SectionName));
        // Read once here as well, so that a reach that is not a distance stops the start-up with the
        // setting's name rather than failing every coverage call.
        var coverage = configuration.GetSection(CoverageOptions.SectionName);
        if ((coverage.Get<CoverageOptions>() ?? new CoverageOptions()).Problem() is { } problem)
        {
            throw new Hosting.StartupException(problem);
        }

        services.Configure<CoverageOptions>(coverage);
        var indicators = configuration.GetSection(IndicatorOptions.SectionName);
        if ((indicators.Get<IndicatorOptions>() ?? new IndicatorOptions()).Problem() is { } indicatorProblem)
        {
            throw new Hosting.StartupException(indicatorProblem);
        }

        services.Configure<IndicatorOptions>(indicators);
        services.Configure<GrpcServerOptions>(grpc =>
        {
            grpc.ExceptionTranslators.Add(ApiErrors.Translate);
            grpc.RequestValidator = ApiErrors.CheckText;
        });
        services.Configure<AccessOptions>(configuration.GetSection(AccessOptions.SectionName));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<AccessStore>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<CallerAuthenticator>();
        services.AddHostedService<AccessChangeListener>();
        services.AddSingleton(provider => new RpcPermissions(
            provider.GetRequiredService<IOptions<AccessOptions>>().Value, provider.GetServices<RpcPermissionGrant>()));
        services.AddSingleton<CallAuthorizer>();
        var privacy = configuration.GetSection(PrivacyOptions.SectionName);
        var privacyOptions = new PrivacyOptions();
        privacy.Bind(privacyOptions);
        if (privacyOptions.Problem() is { } privacyProblem)
        {
            throw new Hosting.StartupException(privacyProblem);
        }

        services.Configure<PrivacyOptions>(privacy);
        services.AddSingleton<LocationPrivacy>();
        services.AddSingleton<IConfigureOptions<GrpcServerOptions>>(provider => new ConfigureOptions<GrpcServerOptions>(
            grpc => grpc.CallAuthorizer = provider.GetRequiredService<CallAuthorizer>().AuthorizeAsync));
        // The gRPC side of the per-call time budget; HttpCallBudget is the HTTP side.
        services.AddSingleton<IConfigureOptions<GrpcServerOptions>>(provider => new ConfigureOptions<GrpcServerOptions>(
            grpc => grpc.MaxCallDuration = provider.GetRequiredService<IOptions<ApiOptions>>().Value.MaxCallDuration));
        services.AddSingleton<RegistryStore>();
        services.AddSingleton<ObservationStore>();
        services.AddSingleton<ReferralStore>();
        services.AddSingleton<ObservationPoints>();
        services.AddSingleton<HeatMapComputer>();
        services.AddSingleton<CoverageReader>();
        services.AddSingleton<GroupGapComputer>();
        services.Configure<FeedOptions>(configuration.GetSection(FeedOptions.SectionName));
        services.AddSingleton<ObservationFeed>();
        services.AddSingleton<ObservationFeedService>();
        services.AddSingleton<IndicatorComputer>();
        services.AddSingleton<LayerFeedService>();
        services.AddGrpcService<RegistryHandler>(RegistryHandler.Descriptor);
        services.AddGrpcService<ObservationsHandler>(ObservationsHandler.Descriptor);
        services.AddGrpcService<ReferralsHandler>(ReferralsHandler.Descriptor);
        services.AddGrpcService<PresenceHandler>(PresenceHandler.Descriptor);
        services.AddGrpcService<HeatMapsHandler>(HeatMapsHandler.Descriptor);
        services.AddGrpcService<CoverageHandler>(CoverageHandler.Descriptor);
        services.AddGrpcService<FeedsHandler>(FeedsHandler.Descriptor);
        services.AddGrpcService<IndicatorsHandler>(IndicatorsHandler.Descriptor);
        services.AddGrpcService<AccessHandler>(AccessHandler.Descriptor);
        return services;
    }
}
