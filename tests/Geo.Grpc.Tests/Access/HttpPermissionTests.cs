using Geo.Grpc.Http;
using Geo.Grpc.Tests.Api;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Geo.Grpc.Tests.Access;

/// <summary>Plain HTTP routes (health, feeds, indicators) are behind the same permissions as gRPC: none may be left without one.</summary>
public sealed class HttpPermissionTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public void HttpEndpoints_EveryOneNamesItsPermission()
    {
        var endpoints = api.Service.App.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().ToList();

        var without = endpoints.Where(e => e.Metadata.GetMetadata<EndpointPermissionMetadata>() is null).Select(e => e.RoutePattern.RawText).ToList();

        Assert.NotEmpty(endpoints);
        Assert.True(without.Count == 0, "HTTP endpoints without a permission: " + string.Join(", ", without));
    }
}
