using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Web;
using Geo.Grpc.Access;
using Geo.Grpc.Feeds;
using Geo.Grpc.Replication;
using Geo.Storage.Feeds;
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
        services.Configure<AccessOptions>(configuration.GetSection(AccessOptions.SectionName));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<AccessStore>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<CallerAuthenticator>();
        services.AddSingleton<AccessChanges>();
        services.AddSingleton<Geo.Storage.ServiceSecrets>();
        services.AddSingleton<ObservationWriters>();
        services.AddSingleton<ObservationIntake>();
        services.AddSingleton<UseCases.ObservationIngest>();
        services.AddSingleton<UseCases.ObservationReading>();
        services.AddSingleton<UseCases.SupervisorReview>();
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
        services.AddSingleton<RegistryStore>();
        services.AddSingleton<ObservationStore>();
        services.AddSingleton<ReferralStore>();
        services.AddSingleton<ObservationPoints>();
        var readModel = configuration.GetSection(ReadModel.ReadModelOptions.SectionName);
        if ((readModel.Get<ReadModel.ReadModelOptions>() ?? new ReadModel.ReadModelOptions()).Problem() is { } readModelProblem)
        {
            throw new Hosting.StartupException(readModelProblem);
        }

        services.Configure<ReadModel.ReadModelOptions>(readModel);
        services.AddSingleton<Geo.Storage.ReadModel.ModelSource>();
        services.AddSingleton<ReadModel.ModelKeeper>();
        services.AddSingleton<ReadModel.ModelReads>();
        services.AddHostedService(provider => provider.GetRequiredService<ReadModel.ModelKeeper>());
        services.AddSingleton<HeatMapComputer>();
        var roads = configuration.GetSection(Roads.RoadsOptions.SectionName);
        var roadOptions = new Roads.RoadsOptions();
        roads.Bind(roadOptions);
        if (roadOptions.Problem() is { } roadProblem)
        {
            throw new Hosting.StartupException(roadProblem);
        }

        services.Configure<Roads.RoadsOptions>(roads);
        services.AddSingleton<Geo.Storage.Roads.RoadStore>();
        services.AddSingleton<Roads.RoadNetworkCache>();
        services.AddSingleton<CoverageReader>();
        services.AddSingleton<PlanEvaluator>();
        services.AddSingleton<GroupGapComputer>();
        services.Configure<FeedOptions>(configuration.GetSection(FeedOptions.SectionName));
        var standby = configuration.GetSection(Replication.StandbyOptions.SectionName);
        if ((standby.Get<Replication.StandbyOptions>() ?? new Replication.StandbyOptions()).Problem() is { } standbyProblem)
        {
            throw new Hosting.StartupException(standbyProblem);
        }

        services.Configure<Replication.StandbyOptions>(standby);
        services.AddHostedService<Replication.StandbyWatch>();
        var watches = configuration.GetSection(Watch.WatchOptions.SectionName);
        if ((watches.Get<Watch.WatchOptions>() ?? new Watch.WatchOptions()).Problem() is { } watchProblem)
        {
            throw new Hosting.StartupException(watchProblem);
        }

        services.Configure<Watch.WatchOptions>(watches);
        services.AddSingleton<Geo.Storage.Operations.RecheckMarks>();
        services.AddSingleton<Watch.WatchHub>();
        services.AddHostedService(provider => provider.GetRequiredService<Watch.WatchHub>());
        services.AddSingleton<Watch.ObservationWatch>();
        services.AddSingleton<Watch.WatchRequests>();
        var alerts = configuration.GetSection(Alerts.AlertOptions.SectionName);
        if ((alerts.Get<Alerts.AlertOptions>() ?? new Alerts.AlertOptions()).Problem() is { } alertProblem)
        {
            throw new Hosting.StartupException(alertProblem);
        }

        services.Configure<Alerts.AlertOptions>(alerts);
        services.AddSingleton<Geo.Storage.Alerts.AlertStore>();
        services.AddSingleton<UseCases.NearestPresence>();
        services.AddSingleton<Alerts.AlertDesk>();
        services.AddSingleton<Alerts.AlertKeeper>();
        services.AddHostedService(provider => provider.GetRequiredService<Alerts.AlertKeeper>());
        services.AddSingleton<Alerts.AlertsHandler>();
        var civilian = configuration.GetSection(Civilian.CivilianOptions.SectionName);
        if ((civilian.Get<Civilian.CivilianOptions>() ?? new Civilian.CivilianOptions()).Problem() is { } civilianProblem)
        {
            throw new Hosting.StartupException(civilianProblem);
        }

        services.Configure<Civilian.CivilianOptions>(civilian);
        services.AddSingleton<Geo.Storage.Civilian.CivilianStore>();
        services.AddSingleton<Geo.Storage.Civilian.FacilityStore>();
        services.AddSingleton<Geo.Storage.Civilian.CivilWorkStore>();
        services.AddSingleton<Civilian.CivilWorkDesk>();
        services.AddSingleton<Civilian.CivilianRequests>();
        var operations = configuration.GetSection(Operations.OperationOptions.SectionName);
        if ((operations.Get<Operations.OperationOptions>() ?? new Operations.OperationOptions()).Problem() is { } operationProblem)
        {
            throw new Hosting.StartupException(operationProblem);
        }

        services.Configure<Operations.OperationOptions>(operations);
        services.AddSingleton<Geo.Storage.Operations.OperationStore>();
        services.AddSingleton<Operations.OperationChecker>();
        services.AddSingleton<Operations.OperationPlans>();
        services.AddSingleton<Operations.OperationsHandler>();
        var estimates = configuration.GetSection(Estimates.EstimateOptions.SectionName);
        if ((estimates.Get<Estimates.EstimateOptions>() ?? new Estimates.EstimateOptions()).Problem() is { } estimateProblem)
        {
            throw new Hosting.StartupException(estimateProblem);
        }

        services.Configure<Estimates.EstimateOptions>(estimates);
        services.AddSingleton<Estimates.CivilEstimator>();
        services.AddSingleton<Estimates.CivilEstimatesHandler>();
        services.AddSingleton<Civilian.PresenceImport>();
        services.Configure<Map.BaseMapOptions>(configuration.GetSection(Map.BaseMapOptions.SectionName));
        services.AddSingleton<Map.BaseMap>();
        services.AddSingleton<Civilian.CivilianHandler>();
        var webhooks = configuration.GetSection(Webhooks.WebhookOptions.SectionName);
        if ((webhooks.Get<Webhooks.WebhookOptions>() ?? new Webhooks.WebhookOptions()).Problem() is { } webhookProblem)
        {
            throw new Hosting.StartupException(webhookProblem);
        }

        services.Configure<Webhooks.WebhookOptions>(webhooks);
        services.AddSingleton<Geo.Storage.Webhooks.WebhookStore>();
        services.AddSingleton<Webhooks.WebhookDispatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<Webhooks.WebhookDispatcher>());
        services.AddSingleton<Webhooks.WebhookDesk>();
        services.AddSingleton<Webhooks.WebhooksHandler>();
        services.AddSingleton<ObservationFeed>();
        services.AddSingleton<ObservationFeedService>();
        services.AddLagging(pool => new ObservationStore(pool));
        services.AddLagging(pool => new RegistryStore(pool));
        services.AddLagging(pool => new Geo.Storage.Civilian.CivilWorkStore(pool));
        services.AddSingleton<IndicatorComputer>();
        services.AddSingleton<LayerFeedService>();
        // Handlers are singletons: Grpc.AspNetCore takes a service from the container when it has one.
        services.AddSingleton<RegistryHandler>();
        services.AddSingleton<ObservationsHandler>();
        services.AddSingleton<ReferralsHandler>();
        services.AddSingleton<PresenceHandler>();
        services.AddSingleton<HeatMapsHandler>();
        services.AddSingleton<CoverageHandler>();
        services.AddSingleton<Geo.Storage.Plans.PlanStore>();
        services.AddSingleton<PlansHandler>();
        services.AddSingleton<FeedsHandler>();
        services.AddSingleton<IndicatorsHandler>();
        services.AddSingleton<AccessHandler>();
        return services;
    }

    /// <summary>Serves every service of geoawareness.v1 over gRPC, and its read methods over gRPC-Web too.</summary>
    public static void MapGeoAwarenessApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<RegistryHandler>().EnableGrpcWebForReads();
        endpoints.MapGrpcService<ObservationsHandler>().EnableGrpcWebForReads();
        endpoints.MapGrpcService<Alerts.AlertsHandler>().EnableGrpcWebForReads();
        endpoints.MapGrpcService<Webhooks.WebhooksHandler>();
        endpoints.MapGrpcService<Civilian.CivilianHandler>().EnableGrpcWebForReads();
        // Confidential: gRPC only, never gRPC-Web (the map page) until the map draws plans for the roles that may read them.
        endpoints.MapGrpcService<Operations.OperationsHandler>();
        endpoints.MapGrpcService<Estimates.CivilEstimatesHandler>().EnableGrpcWebForReads();
        endpoints.MapGrpcService<ReferralsHandler>().EnableGrpcWebForReads();
        endpoints.MapGrpcService<PresenceHandler>().EnableGrpcWebForReads();
        endpoints.MapGrpcService<HeatMapsHandler>().EnableGrpcWebForReads();
        endpoints.MapGrpcService<CoverageHandler>().EnableGrpcWebForReads();
        endpoints.MapGrpcService<Roads.RoadsHandler>().EnableGrpcWebForReads();
        // gRPC only, as planned operations: a saved plan says where the mission means to be, and may name CLAs.
        endpoints.MapGrpcService<PlansHandler>();
        endpoints.MapGrpcService<FeedsHandler>().EnableGrpcWebForReads();
        endpoints.MapGrpcService<IndicatorsHandler>().EnableGrpcWebForReads();
        endpoints.MapGrpcService<AccessHandler>().EnableGrpcWebForReads();
    }

    /// <summary>
    /// gRPC-Web for the methods that only read (a browser's map, a dashboard): what changes the
    /// mission's record stays on gRPC proper, from the tools that are meant to change it.
    /// </summary>
    public static GrpcServiceEndpointConventionBuilder EnableGrpcWebForReads(this GrpcServiceEndpointConventionBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<GrpcMethodMetadata>().FirstOrDefault() is { } grpc && IsRead(grpc.Method))
            {
                endpoint.Metadata.Add(new EnableGrpcWebAttribute());
            }
        });
        return builder;
    }

    /// <summary>Whether a method only reads: by the verbs the API names its reads with.</summary>
    public static bool IsRead(global::Grpc.Core.IMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return method.Type is global::Grpc.Core.MethodType.Unary or global::Grpc.Core.MethodType.ServerStreaming
            && ReadVerbs.Any(verb => method.Name.StartsWith(verb, StringComparison.Ordinal));
    }

    // Acknowledge is the one write a browser makes: an operations centre acknowledges an alert on the map page.
    private static readonly string[] ReadVerbs = ["Get", "List", "Query", "Count", "Summarize", "Compute", "Pull", "Export", "Nearest", "Plan", "WhoAmI", "Watch", "Acknowledge"];
}
