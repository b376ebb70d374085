using System.Net.Http.Headers;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Grpc.Tests.Civilian;
using Geo.Testing.Browser;
using Google.Protobuf;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Map;

/// <summary>
/// The civilian picture on the map page, in headless Chromium: facilities, presence and quick
/// impact projects drawn for a planner and an analyst exactly as the layer feeds give them to
/// each (liaison-only records absent for both), and the same layers over HTTP refused to a role
/// that does not read the civilian picture.
/// </summary>
public sealed class MapCivilianLayerTests(CivilianPictureTests.CivilianFixture fixture) : IClassFixture<CivilianPictureTests.CivilianFixture>, IDisposable
{
    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData(Role.Planner)]
    [InlineData(Role.Analyst)]
    public async Task TheMapPage_DrawsTheCivilianLayers_AsTheFeedsGiveThemToTheRole(Role role)
    {
        var api = fixture.Api;
        var liaison = api.As(Role.HumanitarianLiaison).Civilian;
        await liaison.ImportFacilitiesAsync(new ImportFacilitiesRequest
        {
            DefaultSharing = SharingLevel.Mission,
            Geojson = ByteString.CopyFromUtf8("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":\"node/9101\",\"properties\":{\"amenity\":\"clinic\",\"name\":\"Map clinic\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[29.3,-1.3]}}]}"),
        });
        await liaison.CreateFacilityAsync(new Facility
        {
            Id = "fac-map-hidden", Name = "Hidden shelter", Type = FacilityType.HumanitarianPremises, Sharing = SharingLevel.LiaisonOnly,
            Location = new Shape { Point = new GeoPoint { Longitude = 29.31, Latitude = -1.31 } },
        });
        await api.As(Role.UnCimicOfficer).Civilian.CreateQipAsync(new QuickImpactProject
        {
            Id = "qip-map", Title = "Map QIP", Sector = Cluster.Education, BudgetUsd = 100, PlannedCompletion = new CalendarDate { Year = 2027, Month = 1, Day = 1 },
            Scope = new CivilWorkScope { Location = new GeoPoint { Longitude = 29.32, Latitude = -1.32 } },
        });

        var expected = new Dictionary<string, int>();
        foreach (var layer in new[] { "facilities", "presence", "qips" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, "/feeds/layers/" + layer));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.TokenOf(role));
            using var response = await _http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            expected[layer] = document.RootElement.GetProperty("features").GetArrayLength();
            Assert.Equal(layer, document.RootElement.GetProperty("layer").GetString());
            Assert.DoesNotContain(document.RootElement.GetProperty("features").EnumerateArray(), f => f.GetProperty("id").GetString() == "fac-map-hidden");
        }

        Assert.True(expected["facilities"] >= 1 && expected["qips"] >= 1, string.Join(", ", expected));
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();
        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + api.TokenOf(role)));
        await page.WaitForAsync("window.geoMap && window.geoMap.loads > 0", TimeSpan.FromSeconds(60), "window.geoMap");

        var state = await page.EvaluateAsync("window.geoMap");
        Assert.Equal(JsonValueKind.Null, state.GetProperty("error").ValueKind);
        var counts = state.GetProperty("counts");
        Assert.Equal(expected["facilities"], counts.GetProperty("facilities").GetInt32());
        Assert.Equal(expected["presence"], counts.GetProperty("presence").GetInt32());
        Assert.Equal(expected["qips"], counts.GetProperty("qips").GetInt32());
    }

    /// <summary>A feed importer (SAGE) pulls the civilian layers, but only what may leave the service: the public records.</summary>
    [Fact]
    public async Task AnImporter_PullsOnlyThePublicRecords()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Api.Service.HttpEndpoint, "/feeds/layers/presence"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Api.TokenOf(Role.Importer));
        using var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var features = document.RootElement.GetProperty("features").EnumerateArray().ToList();

        // The sheet's MSF row is public; UNICEF's is mission, SOFEKI's liaison-only.
        Assert.Contains(features, f => f.GetProperty("properties").GetProperty("acronym").GetString() == "MSF");
        Assert.All(features, f => Assert.Equal("public", f.GetProperty("properties").GetProperty("sharing").GetString()));
    }

    [Theory]
    [InlineData("facilities")]
    [InlineData("presence")]
    [InlineData("qips")]
    public async Task TheCivilianLayers_AreRefusedOverHttp_ToARoleThatReadsNoneOfIt(string layer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Api.Service.HttpEndpoint, "/feeds/layers/" + layer));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Api.TokenOf(Role.Cla));
        using var response = await _http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
    }
}
