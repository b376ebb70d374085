using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Core.Privacy;
using Geo.Api;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Geo.Testing;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using GeoPointCore = Geo.Core.Spatial.GeoPoint;
using Geodesy = Geo.Core.Spatial.Geodesy;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Access;

/// <summary>
/// The attacks of issue 16 against the running service, each as a hostile caller with a valid
/// token would make it, through the public API only: averaging many reports made at one spot
/// (analyst queries, the importer's feed, a planner's heat maps of tiny and offset cells, bisecting
/// counts), differencing two totals, the sector border, and security incidents against CLAs.
/// </summary>
public sealed class DoNoHarmAttackTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly LocationCoarsening Policy = LocationCoarsening.Displacement();

    [Fact]
    public async Task Averaging60ReportsAtOneSpot_ThroughQueriesTheFeedHeatMapsAndBisection_StaysBeyondTheBound()
    {
        var spot = new GeoPointCore(31.2345, -2.3456);
        var reports = Enumerable.Range(0, 60).Select(i => NewObservation($"avg-{i:D2}", spot.Longitude, spot.Latitude, $"2026-03-{1 + (i % 28):D2}T08:00:00Z")).ToArray();
        await api.SubmitReleasedAsync(reports);
        var ids = reports.Select(r => IdOf(r.ClientId)).ToHashSet(StringComparer.Ordinal);
        var around = Box(spot, 30_000);

        // The analyst: every report comes back, each at one and the same coarse point, labelled as what it is.
        var analyst = (await QueryAsync(api.As(Role.Analyst), around)).Where(o => ids.Contains(o.Id)).ToList();
        Assert.Equal(60, analyst.Count);
        var coarse = Assert.Single(analyst.Select(o => (o.Location.Longitude, o.Location.Latitude)).Distinct());
        var coarsePoint = new GeoPointCore(coarse.Longitude, coarse.Latitude);
        Assert.All(analyst, o => Assert.Equal(LocationPrecision.Approximate, o.LocationPrecision));
        AssertBeyondTheBound(spot, coarsePoint, "the analyst's query", slack: 0);

        // The importer: the feed carries the same point (to its 6 decimals).
        var features = await FeedAsync();
        var ours = features.Where(f => ids.Contains(f.GetProperty("id").GetString()!)).ToList();
        Assert.Equal(60, ours.Count);
        foreach (var feature in ours)
        {
            var coordinates = feature.GetProperty("geometry").GetProperty("coordinates");
            Assert.InRange(Geodesy.DistanceMetres(coarsePoint, new GeoPointCore(coordinates[0].GetDouble(), coordinates[1].GetDouble())), 0, 0.2);
            Assert.Equal("approximate", feature.GetProperty("properties").GetProperty("location_precision").GetString());
        }

        // The planner: heat maps of 100 m cells at four offsets find at most the coarse point.
        var centres = new List<GeoPointCore>();
        foreach (var offset in new[] { 0.0, 0.00025, 0.0005, 0.00075 })
        {
            var request = new HeatMapRequest
            {
                Filter = new ObservationFilter
                {
                    Area = new Area { Bbox = new BoundingBox { West = spot.Longitude - 0.12 + offset, South = spot.Latitude - 0.12 + offset, East = spot.Longitude + 0.12, North = spot.Latitude + 0.12 } },
                    ObservedFrom = Time("2026-03-01T00:00:00Z"),
                    ObservedTo = Time("2026-04-01T00:00:00Z"),
                },
                CellSizeMetres = 100,
            };
            var map = await HeatMapTests.ComputeAsync(api.As(Role.Planner), request);
            var cell = Assert.Single(map.Frame(0));
            centres.Add(new GeoPointCore(cell.Centre.Longitude, cell.Centre.Latitude));
        }

        var offsetGrids = new GeoPointCore(centres.Average(c => c.Longitude), centres.Average(c => c.Latitude));
        AssertBeyondTheBound(spot, offsetGrids, "the planner's offset grids of 100 m cells", slack: 75);

        // The analyst again: bisecting boxes, keeping the half whose count is shown.
        var (west, south, east, north) = (spot.Longitude - 0.2, spot.Latitude - 0.2, spot.Longitude + 0.2, spot.Latitude + 0.2);
        for (var step = 0; step < 24; step++)
        {
            if (step % 2 == 0)
            {
                var middle = (west + east) / 2;
                (west, east) = await ShownAsync(west, south, middle, north) ? (west, middle) : (middle, east);
            }
            else
            {
                var middle = (south + north) / 2;
                (south, north) = await ShownAsync(west, south, east, middle) ? (south, middle) : (middle, north);
            }
        }

        var bisected = new GeoPointCore((west + east) / 2, (south + north) / 2);
        Assert.InRange(Geodesy.DistanceMetres(bisected, coarsePoint), 0, 50);
        AssertBeyondTheBound(spot, bisected, "bisecting counts", slack: 50);

        async Task<bool> ShownAsync(double w, double s, double e, double n)
        {
            var count = await api.As(Role.Analyst).Observations.CountAsync(new ObservationFilter
            {
                Area = new Area { Bbox = new BoundingBox { West = w, South = s, East = e, North = n } },
                ObservedFrom = Time("2026-03-01T00:00:00Z"),
                ObservedTo = Time("2026-04-01T00:00:00Z"),
            }).ResponseAsync;
            return !count.Withheld;
        }
    }

    /// <summary>
    /// The issue's differencing attack: an area holding 6 and the same area with a 2 m hole around
    /// one report's coarse point. Each total is the count perturbed by the keys of the reports it
    /// counts, the same on every repeat, so the two totals' difference is not the hole's count
    /// (CountNoiseTests measure how seldom it is, over 20,000 sets).
    /// </summary>
    [Fact]
    public async Task DifferencingAnAreaAndTheSameAreaWithA2MetreHole_GivesTheKeyedTotalsNotTheHolesCount()
    {
        var five = Enumerable.Range(0, 5).Select(i => NewObservation($"diff-five-{i}", 33.1, -3.1)).ToArray();
        var one = NewObservation("diff-one", 33.15, -3.1);
        await api.SubmitAsync([.. five, one]);
        var lone = Assert.Single(await QueryAsync(api.As(Role.Analyst), Box(new GeoPointCore(33.15, -3.1), 15_000)), o => o.Id == IdOf("diff-one")).Location;
        var hole = Geodesy.CircleBounds(new GeoPointCore(lone.Longitude, lone.Latitude), 1);
        var (w, s, e, n) = (32.95, -3.25, 33.3, -2.95);
        var area = $"POLYGON(({W(w)} {W(s)}, {W(e)} {W(s)}, {W(e)} {W(n)}, {W(w)} {W(n)}, {W(w)} {W(s)}))";
        var holed = $"POLYGON(({W(w)} {W(s)}, {W(e)} {W(s)}, {W(e)} {W(n)}, {W(w)} {W(n)}, {W(w)} {W(s)}), " +
            $"({W(hole.West)} {W(hole.South)}, {W(hole.West)} {W(hole.North)}, {W(hole.East)} {W(hole.North)}, {W(hole.East)} {W(hole.South)}, {W(hole.West)} {W(hole.South)}))";

        var all = await CountAsync(area);
        var withHole = await CountAsync(holed);
        var alone = await CountAsync($"POLYGON(({W(hole.West)} {W(hole.South)}, {W(hole.East)} {W(hole.South)}, {W(hole.East)} {W(hole.North)}, {W(hole.West)} {W(hole.North)}, {W(hole.West)} {W(hole.South)}))");

        var six = five.Select(o => IdOf(o.ClientId)).Append(IdOf("diff-one")).ToList();
        Assert.Equal(await api.ShownCountAsync(six), all.Observations);
        Assert.Equal(await api.ShownCountAsync(six[..5]), withHole.Observations);
        Assert.True(alone.Withheld);
        for (var repeat = 0; repeat < 5; repeat++)
        {
            Assert.Equal(all, await CountAsync(area));
            Assert.Equal(withHole, await CountAsync(holed));
        }

        Task<CountResponse> CountAsync(string wkt) =>
            api.As(Role.Analyst).Observations.CountAsync(new ObservationFilter { Area = new Area { Shape = new Shape { Wkt = wkt } } }).ResponseAsync;
    }

    /// <summary>
    /// Reports on both sides of a sector border: an analyst scoped to the western sector gets
    /// exactly those whose coarse point lies in it, whichever side their exact point is on, so a
    /// coarse point on the far side of the border never tells that its exact point is on this side.
    /// </summary>
    [Fact]
    public async Task ReportsNearASectorBorder_ToAScopedAnalyst_AreThoseWhoseCoarsePointIsInside()
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "border-west", Name = "West", Area = new Shape { Wkt = "POLYGON((34 -1, 34.5 -1, 34.5 0, 34 0, 34 -1))" } }).ResponseAsync;
        await api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "border-east", Name = "East", Area = new Shape { Wkt = "POLYGON((34.5 -1, 35 -1, 35 0, 34.5 0, 34.5 -1))" } }).ResponseAsync;
        // 40 reports 1.3 km apart along the border, alternately 300 m west and east of it.
        var reports = Enumerable.Range(0, 40)
            .Select(i => NewObservation($"border-{i:D2}", 34.5 + (i % 2 == 0 ? -0.0027 : 0.0027), -0.95 + (i * 0.0117)))
            .ToArray();
        await api.SubmitAsync(reports);
        var token = await TestTokens.IssueAsync(api.Database.DataSource, Role.Analyst, "analyst-west", ["border-west"]);
        using var west = new GeoAwarenessClient(api.Service.GrpcEndpoint, token);

        var answer = await QueryAsync(west, new ObservationFilter());

        // Where each report's coarse point is, as the service computes it with its key.
        var key = await api.Database.ScalarAsync<byte[]>("SELECT value FROM service_secrets WHERE name = 'location-coarsening'");
        var coarsener = new LocationCoarsener(key);
        var coarse = reports.ToDictionary(r => IdOf(r.ClientId), r => coarsener.Coarsen(Policy, new GeoPointCore(r.Location.Longitude, r.Location.Latitude)));
        var expected = coarse.Where(c => c.Value.Longitude is >= 34 and <= 34.5).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();
        var seen = answer.Where(o => coarse.ContainsKey(o.Id)).ToList();

        Assert.Equal(expected, seen.Select(o => o.Id).Order(StringComparer.Ordinal).ToList());
        Assert.All(seen, o => Assert.InRange(o.Location.Longitude, 34, 34.5));
        // Both kinds of crossing happen among 40 (each one's displacement is its own; that none of 20
        // crosses has a chance of about 1 in 100,000): reports from the east that the west sees,
        // and reports from the west that it does not.
        Assert.Contains(seen, o => reports.Single(r => IdOf(r.ClientId) == o.Id).Location.Longitude > 34.5);
        Assert.Contains(reports, r => r.Location.Longitude < 34.5 && !expected.Contains(IdOf(r.ClientId)));
        foreach (var hidden in reports.Select(r => IdOf(r.ClientId)).Except(expected))
        {
            await FailsWith(StatusCode.NotFound, () => west.Observations.GetAsync(new GetObservationRequest { Id = hidden }).ResponseAsync);
        }

        var count = await west.Observations.CountAsync(new ObservationFilter()).ResponseAsync;
        Assert.Equal(await api.ShownCountAsync(expected), count.Withheld ? null : count.Observations);
    }

    /// <summary>
    /// A security incident against a CLA reaches the supervisor chain and the security focal point
    /// (with its own audit) and nobody else: not analysts, planners' heat maps, the importer's feed
    /// or layer feeds, even once released. The focal point sees nothing else.
    /// </summary>
    [Fact]
    public async Task ASecurityIncidentAgainstACla_ReachesOnlyTheChainAndTheSecurityFocalPoint()
    {
        var incident = NewObservation("incident-1", 36.2, -4.2, "2026-03-05T09:00:00Z");
        incident.Category = Category.SecurityIncidentAgainstCla;
        incident.Notes = "Threatened at the market by two men who knew my name";
        var threats = Enumerable.Range(0, 5).Select(i => NewObservation($"incident-threat-{i}", 36.2, -4.2, "2026-03-05T09:00:00Z")).ToArray();
        await api.SubmitAsync(incident);
        await api.SubmitReleasedAsync(threats);
        // Never exported: a supervisor cannot release it.
        await FailsWith(StatusCode.FailedPrecondition, () => api.ReleaseAsync(IdOf("incident-1")));
        var id = IdOf("incident-1");
        var area = Box(new GeoPointCore(36.2, -4.2), 20_000);

        var analyst = await QueryAsync(api.As(Role.Analyst), area);
        var focal = await QueryAsync(api.As(Role.SecurityFocalPoint), area);
        var supervisor = await QueryAsync(api.Channel, area);

        Assert.DoesNotContain(analyst, o => o.Id == id);
        Assert.Equal(5, analyst.Count(o => o.Id.StartsWith("obs-", StringComparison.Ordinal) && threats.Any(t => IdOf(t.ClientId) == o.Id)));
        await FailsWith(StatusCode.NotFound, () => api.As(Role.Analyst).Observations.GetAsync(new GetObservationRequest { Id = id }).ResponseAsync);
        var seenByFocal = Assert.Single(focal);
        Assert.Equal(id, seenByFocal.Id);
        Assert.Equal(incident.Notes, seenByFocal.Notes);
        Assert.Equal(incident.ReporterId, seenByFocal.ReporterId);
        Assert.Equal(36.2, seenByFocal.Location.Longitude, 9);
        Assert.Contains(supervisor, o => o.Id == id && o.Notes == incident.Notes);
        Assert.DoesNotContain(await FeedAsync(), f => f.GetProperty("id").GetString() == id);
        var heat = await HeatMapTests.ComputeAsync(api.As(Role.Planner), new HeatMapRequest
        {
            Filter = new ObservationFilter
            {
                Area = area.Area,
                ObservedFrom = Time("2026-03-01T00:00:00Z"),
                ObservedTo = Time("2026-04-01T00:00:00Z"),
            },
            CellSizeMetres = 50_000,
        });
        Assert.Equal(await api.ShownCountAsync(threats.Select(t => IdOf(t.ClientId)).ToList()), heat.Grid.Frames[0].Observations);
        var audited = await api.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM audit_log WHERE action = 'security_incident.read' AND details::text LIKE '%{id}%' AND actor IN ('{SubjectOf(Role.SecurityFocalPoint)}', '{SubjectOf(Role.Supervisor)}')");
        Assert.Equal(2, audited);
    }

    private static void AssertBeyondTheBound(GeoPointCore spot, GeoPointCore estimate, string how, double slack)
    {
        var distance = Geodesy.DistanceMetres(spot, estimate);
        Assert.True(distance >= Policy.GuaranteedDistanceMetres - slack,
            $"{how} places the spot {distance:F0} m from it, inside the bound of {Policy.GuaranteedDistanceMetres:F0} m");
    }

    private static ObservationFilter Box(GeoPointCore centre, double metres)
    {
        var (west, south, east, north) = Geodesy.CircleBounds(centre, metres);
        return new ObservationFilter { Area = new Area { Bbox = new BoundingBox { West = west, South = south, East = east, North = north } } };
    }

    private static async Task<List<Observation>> QueryAsync(GeoAwarenessClient channel, ObservationFilter filter)
    {
        var pages = await AccessCalls.ReadAllAsync(channel.Observations.Query(new QueryObservationsRequest { Filter = filter }));
        return [.. pages.SelectMany(p => p.Observations)];
    }

    private async Task<List<JsonElement>> FeedAsync()
    {
        // Settled changes only: another test class's open transaction can hold the last ones back.
        await api.SettledAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, "/feeds/observations?all=true"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.TokenOf(Role.Importer));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. document.RootElement.GetProperty("features").EnumerateArray().Select(f => f.Clone())];
    }

    private static string W(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
