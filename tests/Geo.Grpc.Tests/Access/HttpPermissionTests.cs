using System.Net;
using System.Net.Http.Headers;
using Geo.Core.Access;
using Geo.Grpc.Access;
using Geo.Grpc.Http;
using Geo.Grpc.Tests.Api;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Geo.Grpc.Tests.Access;

/// <summary>
/// Plain HTTP routes (health, feeds, layers, indicators, the map page, metrics) are behind the same
/// permissions as gRPC: none may be left without one, and each accepts exactly the permissions
/// listed here.
/// </summary>
public sealed class HttpPermissionTests(ApiFixture api) : IClassFixture<ApiFixture>, IDisposable
{
    private static readonly string[] HeatMapLayers = ["heat-map", "hot-spots"];
    private static readonly string[] CoverageLayers = ["bases", "coverage-gaps", "communities-at-risk", "group-gaps", "isochrones"];
    private static readonly string[] CivilianLayers = ["facilities", "presence", "qips"];

    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    private List<RouteEndpoint> Endpoints() => ServedMethods.HttpRoutes(api.Service);

    [Fact]
    public void HttpEndpoints_EveryOneNamesItsPermission()
    {
        var endpoints = Endpoints();

        var without = endpoints.Where(e => e.Metadata.GetMetadata<EndpointPermissionMetadata>() is null).Select(e => e.RoutePattern.RawText).ToList();

        Assert.NotEmpty(endpoints);
        Assert.True(without.Count == 0, "HTTP endpoints without a permission: " + string.Join(", ", without));
    }

    [Fact]
    public void HttpEndpoints_EachAcceptsExactlyItsPermissions()
    {
        var access = api.Service.App.Services.GetRequiredService<IOptions<AccessOptions>>().Value;
        var health = access.OpenHealth ? Permission.Open : Permission.AnyCaller;
        var expected = new Dictionary<string, Permission[]>(StringComparer.Ordinal)
        {
            ["/health/live"] = [health],
            ["/health/ready"] = [health],
            ["/feeds/observations"] = [Permission.ReadFeeds],
            ["/feeds/observations/{id}"] = [Permission.ReadFeeds],
            ["/indicators"] = [Permission.ReadIndicators],
            ["/civoes"] = [Permission.ReadCivilEstimate],
            ["/civoes.html"] = [Permission.ReadCivilEstimate],
            // The page holds no data: every layer it draws is asked for with the user's token.
            ["/map"] = [Permission.Open],
            ["/map/{**path}"] = [Permission.Open],
            // The base map: public geography the mission provides, from the one configured file only (MapBaseMapTests).
            ["/map/basemap"] = [Permission.Open],
            ["/map/basemap.geojson"] = [Permission.Open],
            ["/map/basemap.pmtiles"] = [Permission.Open],
            ["/map/basemap/{z:int}/{x:int}/{y:int}"] = [Permission.Open],
            // Counts by method tell how active the mission is: an administrator's, unless opened for a scraper.
            ["/metrics"] = [access.OpenMetrics ? Permission.Open : Permission.ReadMetrics],
            // The map's plan check: recording a plan is a planner's (or UN-CIMIC's); checking one, any reader of plans'.
            ["/operations"] = [Permission.ManageOperations],
            ["/operations/{id}/check"] = [Permission.ReadOperations],
        };
        foreach (var layer in HeatMapLayers)
        {
            expected["/feeds/layers/" + layer] = [Permission.ReadFeeds, Permission.ReadHeatMaps];
        }

        foreach (var layer in CoverageLayers)
        {
            expected["/feeds/layers/" + layer] = [Permission.ReadFeeds, Permission.ReadCoverage];
        }

        foreach (var layer in CivilianLayers)
        {
            expected["/feeds/layers/" + layer] = [Permission.ReadFeeds, Permission.ReadCivilianPicture];
        }

        var actual = Endpoints().ToDictionary(e => e.RoutePattern.RawText!, e => e.Metadata.GetMetadata<EndpointPermissionMetadata>()!.AnyOf.Order().ToArray(), StringComparer.Ordinal);

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected, route => Assert.Equal(route.Value.Order(), actual[route.Key]));
    }

    public static TheoryData<Role, string> RolesAndLayers()
    {
        var data = new TheoryData<Role, string>();
        foreach (var role in Enum.GetValues<Role>())
        {
            foreach (var layer in HeatMapLayers.Concat(CoverageLayers).Concat(CivilianLayers))
            {
                data.Add(role, layer);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RolesAndLayers))]
    public async Task LayerRoute_EveryRole_IsForbiddenExactlyWhenTheRoleReadsNeitherFeedsNorTheLayersProduct(Role role, string layer)
    {
        var product = HeatMapLayers.Contains(layer) ? Permission.ReadHeatMaps : CivilianLayers.Contains(layer) ? Permission.ReadCivilianPicture : Permission.ReadCoverage;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, "/feeds/layers/" + layer));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.TokenOf(role));

        using var response = await _http.SendAsync(request);

        if (RolePermissions.Has(role, Permission.ReadFeeds) || RolePermissions.Has(role, product))
        {
            Assert.True(response.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized), $"{role} {layer}: {response.StatusCode}");
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    public static TheoryData<Role, string> RolesAndDataRoutes()
    {
        var data = new TheoryData<Role, string>();
        foreach (var role in Enum.GetValues<Role>())
        {
            foreach (var route in new[]
            {
                "/feeds/observations?limit=1", "/feeds/observations/obs-00000000000000000000000000000000", "/indicators?period=2026-Q3",
                "/civoes?bbox=29.0,-1.5,29.2,-1.3&period=2026-Q3", "/civoes.html?bbox=29.0,-1.5,29.2,-1.3&period=2026-Q3",
            })
            {
                data.Add(role, route);
            }
        }

        return data;
    }

    /// <summary>
    /// The routes that carry data, called with every role's token: forbidden exactly when the role
    /// lacks the route's permission, and never forbidden otherwise (a missing record is 404).
    /// </summary>
    [Theory]
    [MemberData(nameof(RolesAndDataRoutes))]
    public async Task DataRoute_EveryRole_IsForbiddenExactlyWhenTheRoleLacksItsPermission(Role role, string route)
    {
        var needed = route.StartsWith("/indicators", StringComparison.Ordinal) ? Permission.ReadIndicators
            : route.StartsWith("/civoes", StringComparison.Ordinal) ? Permission.ReadCivilEstimate : Permission.ReadFeeds;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, route));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.TokenOf(role));
        using var anonymous = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, route));

        using var response = await _http.SendAsync(request);
        using var refused = await _http.SendAsync(anonymous);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        if (RolePermissions.Has(role, needed))
        {
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{role} {route}: {response.StatusCode}");
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    public static TheoryData<Role, string> RolesAndPlanRoutes()
    {
        var data = new TheoryData<Role, string>();
        foreach (var role in Enum.GetValues<Role>())
        {
            data.Add(role, "/operations");
            data.Add(role, "/operations/op-nosuch/check");
        }

        return data;
    }

    /// <summary>
    /// The map's plan routes, called with every role's token: a valid plan is recorded (201) exactly
    /// for the roles that manage operations, a check of an unknown plan is 404 exactly for the roles
    /// that read them, and every other role is forbidden before the body or the id is looked at.
    /// </summary>
    [Theory]
    [MemberData(nameof(RolesAndPlanRoutes))]
    public async Task PlanRoute_EveryRole_IsForbiddenExactlyWhenTheRoleLacksItsPermission(Role role, string route)
    {
        var create = route == "/operations";
        var needed = create ? Permission.ManageOperations : Permission.ReadOperations;
        HttpRequestMessage Request(string? token)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api.Service.HttpEndpoint, route));
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (create)
            {
                request.Content = new StringContent(
                    $$$"""{"id":"op-perm-{{{role.ToString().ToLowerInvariant()}}}","name":"Permission probe","kind":"patrol","buffer_metres":500,"starts_at":"2026-12-20T06:00:00Z","ends_at":"2026-12-20T18:00:00Z","geometry":{"type":"LineString","coordinates":[[29.0,-1.0],[29.1,-1.0]]}}""",
                    System.Text.Encoding.UTF8, "application/json");
            }

            return request;
        }

        using var request = Request(api.TokenOf(role));
        using var anonymous = Request(null);
        using var response = await _http.SendAsync(request);
        using var refused = await _http.SendAsync(anonymous);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var expected = !RolePermissions.Has(role, needed) ? HttpStatusCode.Forbidden : create ? HttpStatusCode.Created : HttpStatusCode.NotFound;
        Assert.True(expected == response.StatusCode, $"{role} POST {route}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
