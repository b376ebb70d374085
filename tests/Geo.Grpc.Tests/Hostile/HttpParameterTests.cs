using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Api;
using Geo.Grpc.Tests.Access;
using Geo.Grpc.Tests.Api;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Hostile;

/// <summary>
/// HTTP parameters are held to what gRPC fields are (issue 16, item 4): a value that is zero where
/// zero would mean something else, empty, repeated, not a number, too large or negative is 400
/// naming the parameter, never read as a default.
/// </summary>
public sealed class HttpParameterTests(ApiFixture api) : IClassFixture<ApiFixture>, IDisposable
{
    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, string? Problem)> GetAsync(Role role, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.TokenOf(role));
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.StatusCode == HttpStatusCode.BadRequest ? JsonDocument.Parse(body).RootElement.GetProperty("problem").GetString() : null);
    }

    [Fact]
    public async Task FeedLimit_Zero_Is400NamingLimitInsteadOfTheDefaultPage()
    {
        var (status, problem) = await GetAsync(Role.Importer, "/feeds/observations?limit=0");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("limit: 0 is not a page size: give 1 to 50000, or leave limit out for the default of 1000; for everything at once set all", problem);
    }

    [Fact]
    public async Task PullObservationsOverGrpc_LimitZero_IsStillTheDocumentedDefault()
    {
        var chunks = await AccessCalls.ReadAllAsync(api.As(Role.Importer).Feeds.PullObservations(new PullObservationsRequest { Limit = 0 }));

        Assert.NotNull(chunks[^1].End);
    }

    [Theory]
    [InlineData("/feeds/observations?limit=", "limit: is empty: give a value, or leave the parameter out")]
    [InlineData("/feeds/observations?limit=-5", "limit: must be between 1 and 50000")]
    [InlineData("/feeds/observations?limit=99999999999", "limit: '99999999999' is not a whole number from -2147483648 to 2147483647")]
    [InlineData("/feeds/observations?limit=1e3x", "limit: '1e3x' is not a whole number")]
    [InlineData("/feeds/observations?limit=1&limit=1", "limit: is given more than once")]
    [InlineData("/feeds/observations?all=true&limit=0", "limit: must be left out (0) when all is set")]
    [InlineData("/feeds/observations?cursor=", "cursor: is empty")]
    [InlineData("/feeds/observations?all=", "all: is empty")]
    [InlineData("/feeds/observations?=10", "(a parameter without a name): is not a parameter")]
    [InlineData("/feeds/observations/obs-00000000000000000000000000000000?all=true", "all: is not a parameter of GET /feeds/observations/{id}, which takes none")]
    [InlineData("/feeds/layers/heat-map?cellSizeMetres=", "cellSizeMetres: is empty")]
    [InlineData("/feeds/layers/heat-map?cellSizeMetres=-1&area.bbox.west=29&area.bbox.south=-2&area.bbox.east=30&area.bbox.north=-1&observedFrom=2026-01-01T00:00:00Z&observedTo=2026-02-01T00:00:00Z", "cellSizeMetres: -1 is out of range")]
    [InlineData("/feeds/layers/heat-map?classes=2147483648", "classes: '2147483648' is not a whole number")]
    [InlineData("/feeds/layers/heat-map?weighting.halfLife=4611686018427387904s", "weighting.halfLife: '4611686018427387904s' is not a duration")]
    [InlineData("/feeds/layers/heat-map?area.shape.point.latitude=-715944.026", "area.shape: must be a Polygon or MultiPolygon, not a Point")]
    [InlineData("/feeds/layers/bases?reach.surgeTeamMetres=-1", "reach.surgeTeamMetres: -1 m is negative")]
    [InlineData("/feeds/layers/bases?reach.surgeTeamMetres=1e999", "reach.surgeTeamMetres:")]
    public async Task FeedParameter_BadValue_Is400NamingIt(string path, string expected)
    {
        var (status, problem) = await GetAsync(Role.Importer, path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/indicators?period=2026-Q3&hxl=", "hxl: is empty: give a value, or leave the parameter out")]
    [InlineData("/indicators?period=2026-Q3&level=", "level: is empty")]
    [InlineData("/indicators?period=", "period: is empty")]
    [InlineData("/indicators?=2026-Q3", "(a parameter without a name): is not a parameter of GET /indicators")]
    [InlineData("/indicators?period=2026-Q3&period=2026-Q2", "period: is given 2 times; give it once")]
    public async Task IndicatorParameter_BadValue_Is400NamingIt(string path, string expected)
    {
        var (status, problem) = await GetAsync(Role.CpasFocalPoint, path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }
}
