using System.Text.Json;
using Geo.Api.V1;
using Geo.Api;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// Roles configured to see observations at their community's centroid (analysts and importers
/// here): a linked observation is shown at the community's centroid, everywhere it leaves the
/// service; one without a community, or linked to one farther than a fallback cell, at the centre
/// of its grid cell.
/// </summary>
public sealed class CommunityCentroidTests(CommunityCentroidTests.CentroidFixture fixture) : IClassFixture<CommunityCentroidTests.CentroidFixture>
{

    public sealed class CentroidFixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new(
            ["--GeoAwareness:Privacy:Roles:Analyst:Method=CommunityCentroid", "--GeoAwareness:Privacy:Roles:Importer:Method=CommunityCentroid"], null);

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community { Id = "cc-village", Name = "Village", Location = new Shape { Wkt = "POINT(36.5 2.5)" } }).ResponseAsync;
            await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community { Id = "cc-far", Name = "Far village", Location = new Shape { Wkt = "POINT(36.5 2.7)" } }).ResponseAsync;
            var linked = NewObservation("cc-linked", 36.51, 2.49);
            linked.CommunityId = "cc-village";
            var farLinked = NewObservation("cc-far-linked", 36.52, 2.51);
            farLinked.CommunityId = "cc-far";
            await Api.SubmitReleasedAsync(linked, farLinked, NewObservation("cc-unlinked", 36.53, 2.48));
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    private ApiFixture Api => fixture.Api;

    [Fact]
    public async Task Get_AsAnalyst_ALinkedObservationIsAtItsCommunitysCentroid()
    {
        var seen = await Api.As(Role.Analyst).Observations.GetAsync(new GetObservationRequest { Id = IdOf("cc-linked") }).ResponseAsync;

        Assert.Equal((36.5, 2.5), (seen.Location.Longitude, seen.Location.Latitude));
        Assert.Null(seen.Area);
    }

    [Fact]
    public async Task Get_AsAnalyst_UnlinkedOrLinkedTooFarAway_IsAtTheCentreOfItsGridCell()
    {
        var unlinked = await Api.As(Role.Analyst).Observations.GetAsync(new GetObservationRequest { Id = IdOf("cc-unlinked") }).ResponseAsync;
        var tooFar = await Api.As(Role.Analyst).Observations.GetAsync(new GetObservationRequest { Id = IdOf("cc-far-linked") }).ResponseAsync;

        Assert.Equal(Snapped(36.53, 2.48), (unlinked.Location.Longitude, unlinked.Location.Latitude));
        Assert.Equal(Snapped(36.52, 2.51), (tooFar.Location.Longitude, tooFar.Location.Latitude));
        Assert.NotEqual((36.5, 2.7), (tooFar.Location.Longitude, tooFar.Location.Latitude));
    }

    [Fact]
    public async Task Query_AsAnalyst_FindsTheLinkedObservationAtTheCentroidAndNotAtItsExactPoint()
    {
        var atExact = await IdsAsync(Box(36.51, 2.49));
        var atCentroid = await IdsAsync(Box(36.5, 2.5));

        Assert.DoesNotContain(IdOf("cc-linked"), atExact);
        Assert.Contains(IdOf("cc-linked"), atCentroid);
    }

    [Fact]
    public async Task Feed_AsImporter_DeliversTheLinkedObservationAtTheCentroid()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Api.Service.HttpEndpoint, $"/feeds/observations/{IdOf("cc-linked")}"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Api.TokenOf(Role.Importer));
        using var response = await http.SendAsync(request);
        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        var feature = document.RootElement.GetProperty("features")[0];
        var coordinates = feature.GetProperty("geometry").GetProperty("coordinates");

        Assert.Equal((36.5, 2.5), (coordinates[0].GetDouble(), coordinates[1].GetDouble()));
        Assert.True(feature.GetProperty("properties").GetProperty("location_coarsened").GetBoolean());
    }

    [Fact]
    public async Task HeatMap_AsAnalyst_CountsLinkedObservationsInTheCellOfTheCentroid()
    {
        // Five (the minimum count) around a second village, each a few hundred metres from it.
        await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community { Id = "cc-hamlet", Name = "Hamlet", Location = new Shape { Wkt = "POINT(37.5 0.5)" } }).ResponseAsync;
        var around = Enumerable.Range(0, 5).Select(i =>
        {
            var o = NewObservation($"cc-hamlet-{i}", 37.5 + ((i - 2) * 0.003), 0.5 + 0.002, "2026-03-10T10:00:00Z");
            o.CommunityId = "cc-hamlet";
            return o;
        }).ToArray();
        await Api.SubmitAsync(around);

        var answer = await HeatMapTests.ComputeAsync(Api.As(Role.Analyst), HeatMapTests.Around(37.5, cellMetres: 200));

        var counted = Assert.Single(answer.Cells, c => c.Cell.Count > 0).Cell;
        // Five, perturbed by the keys of the five (an analyst's counts carry keyed noise).
        Assert.Equal(await Api.ShownCountAsync(around.Select(o => IdOf(o.ClientId)).ToList()), counted.Count);
        var ring = Enumerable.Range(0, counted.Ring.Count / 2).Select(i => (X: counted.Ring[2 * i], Y: counted.Ring[(2 * i) + 1])).ToList();
        Assert.InRange(37.5, ring.Min(p => p.X), ring.Max(p => p.X));
        Assert.InRange(0.5, ring.Min(p => p.Y), ring.Max(p => p.Y));
    }

    private static (double, double) Snapped(double longitude, double latitude)
    {
        var point = Geo.Core.Privacy.LocationCoarsener.SnapToGrid(new Geo.Core.Spatial.GeoPoint(longitude, latitude), Geo.Core.Privacy.LocationCoarsening.DefaultCommunityFallbackCellMetres);
        return (point.Longitude, point.Latitude);
    }

    /// <summary>A box of about 200 m around a point.</summary>
    private static ObservationFilter Box(double longitude, double latitude) =>
        new() { Area = new Area { Bbox = new BoundingBox { West = longitude - 0.001, South = latitude - 0.001, East = longitude + 0.001, North = latitude + 0.001 } } };

    private async Task<List<string>> IdsAsync(ObservationFilter filter)
    {
        var pages = await Access.AccessCalls.ReadAllAsync(Api.As(Role.Analyst).Observations.Query(new QueryObservationsRequest { Filter = filter }));
        return [.. pages.SelectMany(p => p.Observations).Select(o => o.Id)];
    }
}
