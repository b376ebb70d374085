using Geo.Api.V1;
using Geo.Grpc.Hosting;
using Geo.Grpc.Tests.Api;
using Grpc.AspNetCore.Server;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Geo.Grpc.Tests.Access;

/// <summary>Every gRPC method a running service dispatches, read from its endpoints (Grpc.AspNetCore's method metadata).</summary>
internal static class ServedMethods
{
    /// <summary>The protos a method served here can come from: the API, health, reflection v1 and v1alpha, and the tests' Echo.</summary>
    private static readonly Dictionary<string, MethodDescriptor> Known = new ServiceDescriptor[]
    {
        Registry.Descriptor, Observations.Descriptor, Referrals.Descriptor, Presence.Descriptor, HeatMaps.Descriptor, Coverage.Descriptor,
        Geo.Api.V1.Feeds.Descriptor, Indicators.Descriptor, Geo.Api.V1.Access.Descriptor, Geo.Api.V1.Alerts.Descriptor, Geo.Api.V1.Webhooks.Descriptor, Geo.Api.V1.CivilianPicture.Descriptor, Geo.Api.V1.Operations.Descriptor, Geo.Api.V1.CivilEstimates.Descriptor, Geo.Api.V1.Plans.Descriptor, Geo.Api.V1.Roads.Descriptor,
        global::Grpc.Health.V1.Health.Descriptor, global::Grpc.Reflection.V1.ServerReflection.Descriptor,
        global::Grpc.Reflection.V1Alpha.ServerReflection.Descriptor, Geo.Testing.Echo.EchoService.Descriptor,
    }.SelectMany(s => s.Methods).ToDictionary(PathOf, StringComparer.Ordinal);

    /// <summary>The plain HTTP routes of <paramref name="service"/>: every endpoint that is not Grpc.AspNetCore's (its methods and its UNIMPLEMENTED catch-alls).</summary>
    public static List<RouteEndpoint> HttpRoutes(GeoAwarenessService service) =>
        service.App.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<GrpcMethodMetadata>() is null && e.DisplayName?.StartsWith("gRPC - ", StringComparison.Ordinal) != true)
            .ToList();

    public static string PathOf(MethodDescriptor method) => $"/{method.Service.FullName}/{method.Name}";

    /// <summary>The descriptors of the methods <paramref name="service"/> serves; a served method of no known proto fails the test.</summary>
    public static List<MethodDescriptor> Of(GeoAwarenessService service)
    {
        var paths = ((IEndpointRouteBuilder)service.App).DataSources
            .SelectMany(source => source.Endpoints)
            .Select(endpoint => endpoint.Metadata.GetMetadata<GrpcMethodMetadata>())
            .OfType<GrpcMethodMetadata>()
            .Select(metadata => metadata.Method.FullName)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var unknown = paths.Where(p => !Known.ContainsKey(p)).ToList();
        Assert.True(unknown.Count == 0, "served methods of no known proto: " + string.Join(", ", unknown));
        return [.. paths.Select(p => Known[p])];
    }
}
