using Geo.Api;
using Geo.Api.V1;
using Grpc.Core;
using Geodesy = Geo.Core.Spatial.Geodesy;
using GeoPoint = Geo.Core.Spatial.GeoPoint;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// Analysts see displaced locations (DHS-style), however they ask: the same point on every pull,
/// areas tested on the displaced point, and small aggregates withheld.
/// </summary>
public sealed class LocationPrivacyTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly GeoPoint Exact = new(28.5, -2.5);

    private async Task<Observation> AsAnalystAsync(string id) =>
        await api.As(Role.Analyst).Observations.GetAsync(new GetObservationRequest { Id = IdOf(id) }).ResponseAsync;

    [Fact]
    public async Task Get_AsAnalyst_ReturnsTheSameDisplacedPointOnEveryPullAndNoArea()
    {
        var sent = NewObservation("private-1", Exact.Longitude, Exact.Latitude);
        sent.Area = new Shape { Wkt = "POLYGON((28.49 -2.51, 28.51 -2.51, 28.51 -2.49, 28.49 -2.51))" };
        await api.SubmitAsync(sent);

        var pulls = new List<GeoPoint>();
        for (var i = 0; i < 5; i++)
        {
            var seen = await AsAnalystAsync("private-1");
            pulls.Add(new GeoPoint(seen.Location.Longitude, seen.Location.Latitude));
            Assert.Null(seen.Area);
        }

        var supervisor = await api.As(Geo.Core.Access.Role.Supervisor).Observations.GetAsync(new GetObservationRequest { Id = IdOf("private-1") }).ResponseAsync;

        Assert.Single(pulls.Distinct());
        Assert.NotEqual(Exact, pulls[0]);
        Assert.InRange(Geodesy.DistanceMetres(Exact, pulls[0]), 1, 10_000);
        Assert.Equal(Exact, new GeoPoint(supervisor.Location.Longitude, supervisor.Location.Latitude));
    }

    [Fact]
    public async Task Query_AsAnalystWithATinyBoxAroundTheExactPoint_DoesNotFindIt()
    {
        await api.SubmitAsync(NewObservation("private-2", 28.7, -2.7));
        var analyst = api.As(Role.Analyst);
        var seen = await analyst.Observations.GetAsync(new GetObservationRequest { Id = IdOf("private-2") }).ResponseAsync;
        // The displacement is keyed by the database's own secret, so its length differs between
        // runs (1 m to 10 km): the box stays well inside it, or a short draw would land in it.
        var shift = Geodesy.DistanceMetres(new GeoPoint(28.7, -2.7), new GeoPoint(seen.Location.Longitude, seen.Location.Latitude));
        var half = Math.Min(50, shift / 3);
        var aroundExact = Box(28.7, -2.7, half);
        var aroundShown = Box(seen.Location.Longitude, seen.Location.Latitude, half);

        var atExact = await QueryIdsAsync(analyst, aroundExact);
        var atShown = await QueryIdsAsync(analyst, aroundShown);
        var supervisorAtExact = await QueryIdsAsync(api.Channel, aroundExact);

        Assert.DoesNotContain(IdOf("private-2"), atExact);
        Assert.Contains(IdOf("private-2"), atShown);
        Assert.Contains(IdOf("private-2"), supervisorAtExact);
    }

    [Fact]
    public async Task CountAndSummarize_AsAnalystBelowTheMinimum_AreWithheld()
    {
        await api.SubmitAsync(NewObservation("private-3", 27.1, -3.9), NewObservation("private-4", 27.1, -3.9));
        var area = Box(27.1, -3.9, 30_000);

        var analystCount = await api.As(Role.Analyst).Observations.CountAsync(area).ResponseAsync;
        var analystSummary = await api.As(Role.Analyst).Observations.SummarizeAsync(area).ResponseAsync;
        var supervisorCount = await api.As(Geo.Core.Access.Role.Supervisor).Observations.CountAsync(area).ResponseAsync;

        Assert.True(analystCount.Withheld);
        Assert.Equal(0, analystCount.Observations);
        Assert.True(analystSummary.Withheld);
        Assert.Empty(analystSummary.ByCategory);
        Assert.False(supervisorCount.Withheld);
        Assert.Equal(2, supervisorCount.Observations);
    }

    [Fact]
    public async Task Summarize_AsAnalystWithOneSmallCategory_WithholdsASecondOneSoTheTotalDoesNotGiveItAway()
    {
        // At the default minimum of 5: 7 threats, 6 displacements and 1 early warning, one spot.
        var observations = Enumerable.Range(0, 14).Select(i =>
        {
            var o = NewObservation($"breakdown-{i}", 26.1, -4.9);
            o.Category = i < 7 ? Category.ThreatOfPhysicalViolence : i < 13 ? Category.Displacement : Category.EarlyWarningAlert;
            return o;
        }).ToArray();
        await api.SubmitAsync(observations);

        var summary = await api.As(Role.Analyst).Observations.SummarizeAsync(Box(26.1, -4.9, 30_000)).ResponseAsync;

        Assert.False(summary.Withheld);
        var ids = observations.Select(o => IdOf(o.ClientId)).ToList();
        Assert.Equal(await api.ShownCountAsync(ids), summary.Observations);
        var byCategory = summary.ByCategory.ToDictionary(c => c.Category);
        Assert.Equal(await api.ShownCountAsync(ids[..7]), byCategory[Category.ThreatOfPhysicalViolence].Observations);
        Assert.True(byCategory[Category.EarlyWarningAlert].Withheld);
        Assert.True(byCategory[Category.Displacement].Withheld);
        Assert.Equal(0, byCategory[Category.Displacement].Observations);
    }

    private static ObservationFilter Box(double longitude, double latitude, double metres)
    {
        var (west, south, east, north) = Geodesy.CircleBounds(new GeoPoint(longitude, latitude), metres);
        return new ObservationFilter { Area = new Area { Bbox = new BoundingBox { West = west, South = south, East = east, North = north } } };
    }

    private static async Task<List<string>> QueryIdsAsync(GeoAwarenessClient channel, ObservationFilter filter)
    {
        using var call = channel.Observations.Query(new QueryObservationsRequest { Filter = filter });
        var ids = new List<string>();
        await foreach (var page in call.ResponseStream.ReadAllAsync())
        {
            ids.AddRange(page.Observations.Select(o => o.Id));
        }

        return ids;
    }
}
