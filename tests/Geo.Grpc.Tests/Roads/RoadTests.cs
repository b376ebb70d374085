using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Geo.Api;
using Geo.Api.V1;
using RoadSpeeds = Geo.Core.Roads.RoadSpeeds;
using Geo.Grpc.Tests.Api;
using Grpc.Core;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;
using Npgsql;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Roads;

/// <summary>
/// Roads end to end: datasets imported through Roads.Import, travel times asked of Presence,
/// Coverage and the isochrones layer, and every travel time checked against pgRouting's
/// pgr_dijkstra run on the same stored segments with the same speeds. Each test draws its network
/// in a place of its own (west of the river at 20.04 E, east of it at 20.06 E; 0.5 degree apart).
/// </summary>
public sealed class RoadTests(ApiFixture api) : IClassFixture<ApiFixture>, IDisposable
{
    private const double WalkMetresPerSecond = 3 / 3.6;

    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    private GeoAwarenessClient Planner => api.As(Role.Planner);

    // ---- a river with one bridge ----

    /// <summary>
    /// Two secondary roads either side of a river (not on the map) running north 11 km, joined at
    /// their north ends by a primary bridge; each road has a vertex every 0.01 degree.
    /// </summary>
    private static RoadFeature[] River(double latitude) =>
    [
        Line("west", "secondary", "", "", [.. Enumerable.Range(0, 11).Select(i => (20.04, latitude + (i * 0.01)))]),
        Line("east", "secondary", "", "", [.. Enumerable.Range(0, 11).Select(i => (20.06, latitude + (i * 0.01)))]),
        Line("bridge", "primary", "", "", (20.04, latitude + 0.1), (20.06, latitude + 0.1)),
    ];

    private static RoadFeature Line(string id, string highway, string seasonal, string oneway, params (double Lon, double Lat)[] points)
    {
        var line = new RoadLineString();
        foreach (var (lon, lat) in points)
        {
            line.Coordinates.Add(lon);
            line.Coordinates.Add(lat);
        }

        return new RoadFeature { Id = id, Name = id, Highway = highway, Seasonal = seasonal, Oneway = oneway, Lines = { line } };
    }

    private async Task<ImportRoadsReport> ImportAsync(string dataset, IEnumerable<RoadFeature> features, GeoAwarenessClient? client = null)
    {
        using var call = (client ?? Planner).Roads.Import();
        var message = new ImportRoadsRequest { Dataset = dataset };
        message.Features.AddRange(features);
        try
        {
            await call.RequestStream.WriteAsync(message);
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The service answered before the stream ended (a refused role): its status is the response's.
        }

        return await call.ResponseAsync;
    }

    /// <summary>
    /// pgRouting's answer: the shortest travel time between the stored vertices at two points, on
    /// every segment a vehicle may use (seasonal ones too, unless closed), at the configured speeds.
    /// </summary>
    private async Task<double> PgRoutingSecondsAsync((double Lon, double Lat) from, (double Lon, double Lat) to, bool seasonalClosed)
    {
        await using (var extension = api.Database.DataSource.CreateCommand("CREATE EXTENSION IF NOT EXISTS pgrouting"))
        {
            await extension.ExecuteNonQueryAsync();
        }

        var speeds = RoadSpeeds.Vehicle;
        var speed = string.Create(CultureInfo.InvariantCulture,
            $"(CASE r.class WHEN 1 THEN {speeds.PrimaryKmh} WHEN 2 THEN {speeds.SecondaryKmh} WHEN 3 THEN {speeds.TrackKmh} END / 3.6)");
        var edges = $"SELECT s.id, s.source, s.target, s.length_m / {speed} AS cost, CASE WHEN r.one_way THEN -1 ELSE s.length_m / {speed} END AS reverse_cost " +
            $"FROM road_segments s JOIN roads r ON r.id = s.road_id WHERE r.class <> 4{(seasonalClosed ? " AND NOT r.seasonal" : string.Empty)}";
        await using var command = api.Database.DataSource.CreateCommand(
            "SELECT max(agg_cost) FROM pgr_dijkstra($1, (SELECT id FROM road_vertices WHERE lon_e7 = $2 AND lat_e7 = $3), (SELECT id FROM road_vertices WHERE lon_e7 = $4 AND lat_e7 = $5), true)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = edges });
        foreach (var value in new[] { from.Lon, from.Lat, to.Lon, to.Lat })
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)Math.Round(value * 1e7) });
        }

        var result = await command.ExecuteScalarAsync();
        Assert.True(result is double, $"pgr_dijkstra found no route from {from} to {to}");
        return (double)result!;
    }

    private async Task BaseAsync(string id, string sector, double longitude, double latitude, BaseKind kind = BaseKind.CompanyOperatingBase, int clas = 2)
    {
        await Planner.Registry.CreateBaseAsync(new Base
        {
            Id = id, Name = "Base " + id, Kind = kind, Sector = sector, AdminArea = "Beni", Unit = "BANBATT-1",
            Location = new Geo.Api.V1.GeoPoint { Longitude = longitude, Latitude = latitude },
            OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
        }).ResponseAsync;
        for (var i = 0; i < clas; i++)
        {
            await api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
            {
                Id = $"{id}-cla{i}", ClaId = $"cla-{id}-{i}", Sex = i == 0 ? Sex.Female : Sex.Male, BaseId = id,
                From = new CalendarDate { Year = 2025, Month = 6, Day = 1 }, HomeLocality = "Lubero",
            }).ResponseAsync;
        }
    }

    private Task<Community> CommunityAsync(string id, string sector, double longitude, double latitude) =>
        Planner.Registry.CreateCommunityAsync(new Community
        {
            Id = id, Name = "Village " + id, Sector = sector, RiskLevel = RiskLevel.High,
            Location = new Shape { Wkt = FormattableString.Invariant($"POINT({longitude} {latitude})") },
        }).ResponseAsync;

    private static TravelTimeReach Vehicle(int minutes, RoadSeason season = RoadSeason.Dry) => new() { Mode = TravelMode.Vehicle, Minutes = minutes, Season = season };

    // ---- import ----

    [Fact]
    public async Task Import_AnOsmStyleDataset_StoresEveryLineCutAtSharedPointsAndSummarisesIt()
    {
        var before = await Planner.Roads.GetNetworkAsync(new GetRoadNetworkRequest());
        var features = new[]
        {
            Line("way/1", "trunk", "", "", (21.0, 1.0), (21.01, 1.0), (21.02, 1.0)),
            Line("way/2", "track", "yes", "", (21.01, 1.0), (21.01, 1.01)),
            // Given against its direction: stored turned round, so that it runs from its first point.
            Line("way/3", "residential", "no", "-1", (21.02, 1.0), (21.02, 1.01)),
            new RoadFeature
            {
                Id = "way/4", Highway = "footway",
                Lines = { new RoadLineString { Coordinates = { 21.0, 1.0, 21.0, 1.01 } }, new RoadLineString { Coordinates = { 21.0, 1.01, 21.01, 1.01 } } },
            },
        };

        var report = await ImportAsync("import-osm", features);

        Assert.Equal(("import-osm", 4, 5, 6L, 0), (report.Dataset, report.Features, report.Roads, report.Segments, report.ReplacedRoads));
        Assert.Equal(before.Version + 1, report.NetworkVersion);
        var after = await Planner.Roads.GetNetworkAsync(new GetRoadNetworkRequest());
        Assert.Contains("import-osm", after.Datasets);
        Assert.Equal(before.Roads + 5, after.Roads);
        // Shared points are one vertex: (21.0, 1.0), (21.01, 1.0), (21.02, 1.0), (21.01, 1.01), (21.02, 1.01), (21.0, 1.01).
        Assert.Equal(before.Vertices + 6, after.Vertices);
        await using var lengths = api.Database.DataSource.CreateCommand(
            "SELECT r.class, sum(ST_Length(r.geom::geography)) / 1000 FROM roads r WHERE r.dataset = 'import-osm' GROUP BY r.class ORDER BY r.class");
        await using var reader = await lengths.ExecuteReaderAsync();
        var byClass = after.Classes.ToDictionary(c => c.RoadClass);
        var beforeByClass = before.Classes.ToDictionary(c => c.RoadClass);
        while (await reader.ReadAsync())
        {
            var roadClass = (Geo.Api.V1.RoadClass)reader.GetInt16(0);
            var added = byClass[roadClass].Kilometres - (beforeByClass.TryGetValue(roadClass, out var b) ? b.Kilometres : 0);
            Assert.Equal(reader.GetDouble(1), added, 6);
        }

        await using var oneWay = api.Database.DataSource.CreateCommand("SELECT one_way, ST_AsText(geom) FROM roads WHERE dataset = 'import-osm' AND feature_id = 'way/3'");
        await using var row = await oneWay.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        Assert.True(row.GetBoolean(0));
        Assert.Equal("LINESTRING(21.02 1.01,21.02 1)", row.GetString(1));
    }

    [Fact]
    public async Task Import_WrongFeatures_NamesEachByPositionAndIdAndStoresNothing()
    {
        var before = await Planner.Roads.GetNetworkAsync(new GetRoadNetworkRequest());
        var features = new[]
        {
            Line("good", "primary", "", "", (22.0, 1.0), (22.01, 1.0)),
            Line("planned", "proposed", "", "", (22.0, 1.0), (22.0, 1.01)),
            Line("north-pole-and-beyond", "track", "", "", (22.0, 1.0), (22.0, 95.0)),
            Line("a-point", "path", "", "", (22.0, 1.0), (22.0, 1.0)),
            Line("wet", "track", "sometimes", "", (22.0, 1.0), (22.01, 1.01)),
            new RoadFeature { Id = "odd", Highway = "track", Lines = { new RoadLineString { Coordinates = { 22.0, 1.0, 22.01 } } } },
            new RoadFeature { Id = "no-line", Highway = "track" },
            Line(string.Empty, string.Empty, "", "", (22.0, 1.0), (22.02, 1.0)),
            Line("sideways", "track", "", "both", (22.0, 1.0), (22.03, 1.0)),
        };

        var detail = await FailsWith(StatusCode.InvalidArgument, () => ImportAsync("import-wrong", features));

        Assert.Contains("8 of 9 feature(s) are wrong", detail, StringComparison.Ordinal);
        Assert.Contains("nothing was stored", detail, StringComparison.Ordinal);
        Assert.StartsWith("features[1].highway: 'proposed' is not a road class", detail, StringComparison.Ordinal);
        Assert.Contains("(feature id 'planned')", detail, StringComparison.Ordinal);
        Assert.Contains("features[2].lines[0].coordinates: point 1 (22, 95) is not a WGS84 longitude, latitude (feature id 'north-pole-and-beyond')", detail, StringComparison.Ordinal);
        Assert.Contains("features[3].lines[0].coordinates: needs at least two distinct points (feature id 'a-point')", detail, StringComparison.Ordinal);
        Assert.Contains("features[4].seasonal: 'sometimes' is not a seasonal value", detail, StringComparison.Ordinal);
        Assert.Contains("features[5].lines[0].coordinates: has 3 numbers", detail, StringComparison.Ordinal);
        Assert.Contains("features[6].lines: has no line: a road is a LineString or a MultiLineString (feature id 'no-line')", detail, StringComparison.Ordinal);
        Assert.Contains("features[7].highway: is missing", detail, StringComparison.Ordinal);
        Assert.Contains("features[8].oneway: 'both' is not a oneway value", detail, StringComparison.Ordinal);
        var after = await Planner.Roads.GetNetworkAsync(new GetRoadNetworkRequest());
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Import_DatasetNameMissingOrChanging_IsRefusedNamingTheField()
    {
        var missing = await FailsWith(StatusCode.InvalidArgument, () => ImportAsync("  ", [Line("a", "primary", "", "", (22.5, 1.0), (22.51, 1.0))]));
        Assert.StartsWith("dataset: ", missing, StringComparison.Ordinal);

        using var call = Planner.Roads.Import();
        await call.RequestStream.WriteAsync(new ImportRoadsRequest { Dataset = "first", Features = { Line("a", "primary", "", "", (22.5, 1.0), (22.51, 1.0)) } });
        await call.RequestStream.WriteAsync(new ImportRoadsRequest { Dataset = "second", Features = { Line("b", "primary", "", "", (22.5, 1.0), (22.5, 1.01)) } });
        await call.RequestStream.CompleteAsync();
        var changed = await FailsWith(StatusCode.InvalidArgument, () => call.ResponseAsync);
        Assert.StartsWith("dataset: 'second' differs from the first message's 'first'", changed, StringComparison.Ordinal);
        Assert.DoesNotContain("first", (await Planner.Roads.GetNetworkAsync(new GetRoadNetworkRequest())).Datasets);
    }

    [Fact]
    public async Task Import_TheSameDatasetAgain_ReplacesItsRoadsAndDropsVerticesNoLongerUsed()
    {
        await ImportAsync("import-again", [Line("a", "primary", "", "", (23.0, 1.0), (23.01, 1.0), (23.02, 1.0)), Line("b", "track", "", "", (23.01, 1.0), (23.01, 1.01))]);
        var first = await Planner.Roads.GetNetworkAsync(new GetRoadNetworkRequest());

        var report = await ImportAsync("import-again", [Line("a", "primary", "", "", (23.0, 1.0), (23.01, 1.0))]);

        Assert.Equal((1, 1L, 2), (report.Roads, report.Segments, report.ReplacedRoads));
        var second = await Planner.Roads.GetNetworkAsync(new GetRoadNetworkRequest());
        Assert.Equal((first.Roads - 1, first.Segments - 2, first.Vertices - 2), (second.Roads, second.Segments, second.Vertices));
        await using var orphans = api.Database.DataSource.CreateCommand(
            "SELECT count(*) FROM road_vertices v WHERE NOT EXISTS (SELECT FROM road_segments s WHERE v.id IN (s.source, s.target))");
        Assert.Equal(0L, (long)(await orphans.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Roads_EveryRole_ImportsOnlyWithRegistryRightsAndReadsOnlyWithCoverageRights()
    {
        // A network to read whichever role comes first and whether or not another test imported one.
        await ImportAsync("role-base", [Line("a", "primary", "", "", (24.5, 1.0), (24.51, 1.0))]);
        foreach (var role in Enum.GetValues<Role>())
        {
            var client = api.As(role);
            var mayImport = Geo.Core.Access.RolePermissions.Has(role, Geo.Core.Access.Permission.ManageRegistry);
            var mayRead = Geo.Core.Access.RolePermissions.Has(role, Geo.Core.Access.Permission.ReadCoverage);
            var dataset = $"role-{role}".ToLowerInvariant();
            if (mayImport)
            {
                Assert.Equal(1, (await ImportAsync(dataset, [Line("a", "primary", "", "", (24.0, 1.0), (24.01, 1.0))], client)).Roads);
            }
            else
            {
                await FailsWith(StatusCode.PermissionDenied, () => ImportAsync(dataset, [Line("a", "primary", "", "", (24.0, 1.0), (24.01, 1.0))], client));
            }

            if (mayRead)
            {
                Assert.True((await client.Roads.GetNetworkAsync(new GetRoadNetworkRequest())).Roads > 0);
            }
            else
            {
                await FailsWith(StatusCode.PermissionDenied, async () => await client.Roads.GetNetworkAsync(new GetRoadNetworkRequest()));
            }
        }
    }

    // ---- travel times ----

    [Fact]
    public async Task TravelTime_AcrossARiverWithOneBridge_IsPgRoutingsDetourPlusTheWalkOffTheRoad()
    {
        const double south = -0.2;
        await ImportAsync("river", River(south));
        await BaseAsync("rv-west", "river", 20.04, south);

        // On the east road, straight across from the base: 2.2 km as the crow flies, 24 km by the bridge.
        var across = (20.06, south);
        var expected = await PgRoutingSecondsAsync((20.04, south), across, seasonalClosed: false);
        var onRoad = await NearestAsync(across, Vehicle(120));
        Assert.Equal("rv-west", onRoad.Base.Id);
        Assert.Equal(expected / 60, onRoad.TravelMinutes, 6);
        Assert.InRange(expected, (22_000 / (40 / 3.6)) + (2_000 / (60 / 3.6)), double.PositiveInfinity);

        // 1.1 km east of the east road's vertex at south + 0.03: pgRouting to that vertex, then the walk.
        var vertex = (20.06, south + 0.03);
        var offRoad = await NearestAsync((20.07, south + 0.03), Vehicle(120));
        var walk = Core.Spatial.Geodesy.DistanceMetres(new Core.Spatial.GeoPoint(20.06, south + 0.03), new Core.Spatial.GeoPoint(20.07, south + 0.03)) / WalkMetresPerSecond;
        var byRoad = await PgRoutingSecondsAsync((20.04, south), vertex, seasonalClosed: false);
        Assert.Equal((byRoad + walk) / 60, offRoad.TravelMinutes, (byRoad + walk) / 60 * 0.005);

        // Less time than the detour takes: the base is not among those that get there.
        var tooShort = await api.As(Role.Analyst).Presence.NearestPresenceAsync(new NearestPresenceRequest
        {
            Point = new Geo.Api.V1.GeoPoint { Longitude = across.Item1, Latitude = across.Item2 }, ReachTime = Vehicle((int)Math.Floor(expected / 60) - 1),
        });
        Assert.DoesNotContain(tooShort.Bases, b => b.Base.Id == "rv-west");
    }

    [Fact]
    public async Task TravelTime_SeasonalFord_IsTakenInTheDrySeasonAndClosedInTheRainySeasonAsPgRoutingSays()
    {
        const double south = 0.4;
        await ImportAsync("ford-river", River(south));
        await ImportAsync("ford", [Line("ford", "track", "yes", "", (20.04, south + 0.02), (20.06, south + 0.02))]);
        await BaseAsync("fd-west", "ford", 20.04, south);
        var across = (20.06, south);

        var dry = await NearestAsync(across, Vehicle(180, RoadSeason.Dry));
        var rainy = await NearestAsync(across, Vehicle(180, RoadSeason.Rainy));
        // By date: the configured rainy seasons (March to May, September to November) close it.
        var april = await NearestAsync(across, Vehicle(180, RoadSeason.ByDate), new CalendarDate { Year = 2026, Month = 4, Day = 15 });
        var july = await NearestAsync(across, Vehicle(180, RoadSeason.ByDate), new CalendarDate { Year = 2026, Month = 7, Day = 15 });

        Assert.Equal(await PgRoutingSecondsAsync((20.04, south), across, seasonalClosed: false) / 60, dry.TravelMinutes, 6);
        Assert.Equal(await PgRoutingSecondsAsync((20.04, south), across, seasonalClosed: true) / 60, rainy.TravelMinutes, 6);
        Assert.True(rainy.TravelMinutes > dry.TravelMinutes * 2, $"rainy {rainy.TravelMinutes} min, dry {dry.TravelMinutes} min");
        Assert.Equal(rainy.TravelMinutes, april.TravelMinutes, 9);
        Assert.Equal(dry.TravelMinutes, july.TravelMinutes, 9);
    }

    private async Task<BasePresence> NearestAsync((double Lon, double Lat) point, TravelTimeReach time, CalendarDate? at = null)
    {
        var response = await api.As(Role.Analyst).Presence.NearestPresenceAsync(new NearestPresenceRequest
        {
            Point = new Geo.Api.V1.GeoPoint { Longitude = point.Lon, Latitude = point.Lat }, ReachTime = time, Limit = 1, At = at,
        });
        return Assert.Single(response.Bases);
    }

    [Theory]
    [InlineData(0, TravelMode.Vehicle, RoadSeason.ByDate, "reach_time.minutes: 0 is out of range: 1 to 1440 minutes")]
    [InlineData(1441, TravelMode.OnFoot, RoadSeason.Dry, "reach_time.minutes: 1441 is out of range: 1 to 1440 minutes")]
    [InlineData(-5, TravelMode.Vehicle, RoadSeason.Rainy, "reach_time.minutes: -5 is out of range")]
    [InlineData(60, TravelMode.Unspecified, RoadSeason.Dry, "reach_time.mode: is required: VEHICLE or ON_FOOT")]
    [InlineData(60, (TravelMode)9, RoadSeason.Dry, "reach_time.mode: 9 is not a known TravelMode")]
    [InlineData(60, TravelMode.Vehicle, (RoadSeason)7, "reach_time.season: 7 is not a known RoadSeason")]
    public async Task TravelTime_OutOfRangeOrUnknown_IsRefusedNamingTheFieldEverywhere(int minutes, TravelMode mode, RoadSeason season, string expected)
    {
        var time = new TravelTimeReach { Minutes = minutes, Mode = mode, Season = season };
        var coverage = await FailsWith(StatusCode.InvalidArgument, async () => await Planner.Coverage.GetCoverageAsync(new CoverageRequest { ReachTime = time }));
        Assert.StartsWith(expected, coverage, StringComparison.Ordinal);
        var presence = await FailsWith(StatusCode.InvalidArgument, async () => await Planner.Presence.NearestPresenceAsync(
            new NearestPresenceRequest { Point = new Geo.Api.V1.GeoPoint { Longitude = 20, Latitude = 0 }, ReachTime = time }));
        Assert.StartsWith(expected, presence, StringComparison.Ordinal);
        var plan = await FailsWith(StatusCode.InvalidArgument, async () => await Planner.Coverage.PlanDeploymentAsync(
            new PlanDeploymentRequest { Coverage = new CoverageRequest { ReachTime = time } }));
        Assert.StartsWith("coverage." + expected, plan, StringComparison.Ordinal);
        using var layer = await GetAsync(Role.Planner, "/feeds/layers/isochrones?" + string.Create(CultureInfo.InvariantCulture,
            $"reachTime.minutes={minutes}&reachTime.mode={(int)mode}&reachTime.season={(int)season}"));
        Assert.Equal(HttpStatusCode.BadRequest, layer.StatusCode);
        Assert.Contains(expected.Replace("reach_time", "reachTime", StringComparison.Ordinal), await layer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    // ---- coverage by travel time ----

    [Fact]
    public async Task Coverage_ByTravelTime_ReachesWhatTheRoadsReachAndSaysWhereThereAreNone()
    {
        const string sector = "road-coverage";
        const double south = -0.8;
        await ImportAsync("coverage-river", River(south));
        await BaseAsync("rc-west", sector, 20.04, south);
        // 60 km east of every road: the straight-line reach of its kind (20 km) applies.
        await BaseAsync("rc-roadless", sector, 20.6, south);
        // 0.3 km off the west road, 5.5 km up it: 8 minutes' drive and 6 minutes' walk (reach is judged on 500 m cells).
        await CommunityAsync("rc-along", sector, 20.0427, south + 0.05);
        await CommunityAsync("rc-across", sector, 20.065, south + 0.01);      // across the river: 2.8 km away, 20+ km by the bridge
        await CommunityAsync("rc-roadless-near", sector, 20.65, south);       // 5.6 km from the roadless base
        var request = new CoverageRequest { Sector = sector, At = new CalendarDate { Year = 2026, Month = 7, Day = 1 }, ReachTime = Vehicle(20, RoadSeason.ByDate) };

        var byTime = await Planner.Coverage.GetCoverageAsync(request);
        var byDistance = await Planner.Coverage.GetCoverageAsync(new CoverageRequest { Sector = sector, At = request.At });

        Assert.Equal(Vehicle(20, RoadSeason.Dry), byTime.ReachTime);
        var basis = byTime.Bases.ToDictionary(b => b.Base.Id, b => b.ReachBasis);
        Assert.Equal(ReachBasis.TravelTime, basis["rc-west"]);
        Assert.Equal(ReachBasis.StraightLineNoRoads, basis["rc-roadless"]);
        Assert.Equal(20_000, byTime.Bases.Single(b => b.Base.Id == "rc-roadless").ReachMetres);
        Assert.Equal(["rc-across"], byTime.CommunitiesOutOfReach.Select(c => c.CommunityId));
        // By distance every one of them is within a company base's 20 km.
        Assert.Empty(byDistance.CommunitiesOutOfReach);
        Assert.All(byDistance.Bases, b => Assert.Equal(ReachBasis.StraightLine, b.ReachBasis));
        Assert.Null(byDistance.ReachTime);

        // The isochrones layer draws what the report judged: the west base's polygon holds the
        // community along its road and not the one across the river; the roadless base is a circle.
        using var response = await GetAsync(Role.Analyst, $"/feeds/layers/isochrones?sector={sector}&at.year=2026&at.month=7&at.day=1&reachTime.mode=TRAVEL_MODE_VEHICLE&reachTime.minutes=20");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var layer = System.Text.Json.JsonSerializer.Deserialize<FeatureCollection>(await response.Content.ReadAsStringAsync(), GeoJsonOptions)!;
        var shapes = layer.ToDictionary(f => (string)f.Attributes["base_id"], f => f);
        Assert.Equal(["rc-roadless", "rc-west"], shapes.Keys.Order(StringComparer.Ordinal));
        var west = shapes["rc-west"];
        Assert.True(west.Geometry.IsValid, "the isochrone is not a valid polygon");
        Assert.Equal("travel_time", west.Attributes["reach_basis"]);
        Assert.True(west.Geometry.Contains(new Point(20.0427, south + 0.05)));
        Assert.False(west.Geometry.Contains(new Point(20.065, south + 0.01)));
        Assert.False(west.Geometry.Contains(new Point(20.06, south)));
        Assert.Equal("straight_line_no_roads", shapes["rc-roadless"].Attributes["reach_basis"]);
        Assert.True(shapes["rc-roadless"].Geometry.Contains(new Point(20.65, south)));

        // Without a travel time the layer has nothing to draw, and says which field is missing.
        using var missing = await GetAsync(Role.Analyst, $"/feeds/layers/isochrones?sector={sector}");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("reachTime: is required", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Roles that do not read coverage do not read isochrones either.
        using var cla = await GetAsync(Role.Cla, $"/feeds/layers/isochrones?sector={sector}&reachTime.mode=TRAVEL_MODE_VEHICLE&reachTime.minutes=20");
        Assert.Equal(HttpStatusCode.Forbidden, cla.StatusCode);
    }

    [Fact]
    public async Task PlanAndGroupGaps_ByTravelTime_ANewBaseAcrossTheRiverBringsItsVillageInReach()
    {
        const string sector = "road-plan";
        const double south = -1.4;
        await ImportAsync("plan-river", River(south));
        await Planner.Registry.PutSectorAsync(new Sector
        {
            Id = sector, Name = sector, Area = new Shape { Wkt = FormattableString.Invariant($"POLYGON((20 {south - 0.05},20.1 {south - 0.05},20.1 {south + 0.15},20 {south + 0.15},20 {south - 0.05}))") },
        });
        await BaseAsync("rp-west", sector, 20.04, south);
        await CommunityAsync("rp-across", sector, 20.062, south + 0.01);
        var coverage = new CoverageRequest { Sector = sector, At = new CalendarDate { Year = 2026, Month = 7, Day = 1 }, ReachTime = Vehicle(20) };
        var plan = new PlanDeploymentRequest
        {
            Coverage = coverage,
            Changes =
            {
                new PlanChange
                {
                    OpenBase = new OpenBase
                    {
                        Base = new Base { Id = "rp-east", Name = "TOB east", Kind = BaseKind.TemporaryOperatingBase, Location = new Geo.Api.V1.GeoPoint { Longitude = 20.06, Latitude = south } },
                        Clas = { Sex.Female, Sex.Male },
                    },
                },
            },
        };

        var report = await Planner.Coverage.PlanDeploymentAsync(plan);
        var byDistance = await Planner.Coverage.PlanDeploymentAsync(new PlanDeploymentRequest { Coverage = new CoverageRequest(coverage) { ReachTime = null }, Changes = { plan.Changes } });

        Assert.Equal(Vehicle(20), report.After.ReachTime);
        Assert.Equal(["rp-across"], report.CommunitiesBroughtInReach.Select(c => c.CommunityId));
        Assert.Equal(ReachBasis.TravelTime, report.After.Bases.Single(b => b.Base.Id == "rp-east").ReachBasis);
        // By distance the west base's 20 km already reached it: the plan brings no one in.
        Assert.Empty(byDistance.CommunitiesBroughtInReach);

        // A group-gaps request may repeat the plan's travel time, not ask another.
        var other = new PlanDeploymentRequest(plan)
        {
            GroupGaps = new GroupGapsRequest
            {
                Threshold = 1, ReachTime = Vehicle(30),
                HeatMap = new HeatMapRequest
                {
                    Filter = new ObservationFilter
                    {
                        Area = new Area { Bbox = new BoundingBox { West = 20, South = south - 0.05, East = 20.1, North = south + 0.15 } },
                        ObservedFrom = Time("2026-01-01T00:00:00Z"), ObservedTo = Time("2026-07-01T00:00:00Z"),
                    },
                    CellSizeMetres = 2000,
                },
            },
        };
        var refused = await FailsWith(StatusCode.InvalidArgument, async () => await Planner.Coverage.PlanDeploymentAsync(other));
        Assert.StartsWith("group_gaps.reach_time: differs from the plan's travel time", refused, StringComparison.Ordinal);
        other.GroupGaps.ReachTime = Vehicle(20);
        var judged = await Planner.Coverage.PlanDeploymentAsync(other);
        Assert.Equal(0, judged.GroupGapCellsBefore);
    }

    [Fact]
    public async Task ScopedToken_ByTravelTime_SeesAndIsReachedOnlyByTheBasesOfItsArea()
    {
        const double south = 0.9;
        await ImportAsync("scope-river", River(south));
        await Planner.Registry.PutSectorAsync(new Sector
        {
            Id = "road-scope", Name = "road-scope", Area = new Shape { Wkt = FormattableString.Invariant($"POLYGON((20.03 {south - 0.01},20.05 {south - 0.01},20.05 {south + 0.11},20.03 {south + 0.11},20.03 {south - 0.01}))") },
        });
        await BaseAsync("rs-inside", "road-scope", 20.04, south);
        await BaseAsync("rs-outside", "road-scope-east", 20.06, south);
        var scoped = await api.ChannelForAsync(Role.Planner, "scoped-road-planner", ["road-scope"]);
        using (scoped)
        {
            var presence = await scoped.Presence.NearestPresenceAsync(new NearestPresenceRequest
            {
                Point = new Geo.Api.V1.GeoPoint { Longitude = 20.06, Latitude = south + 0.05 }, ReachTime = Vehicle(120), Limit = 10,
            });
            var unscoped = await Planner.Presence.NearestPresenceAsync(new NearestPresenceRequest
            {
                Point = new Geo.Api.V1.GeoPoint { Longitude = 20.06, Latitude = south + 0.05 }, ReachTime = Vehicle(120), Limit = 10,
            });
            Assert.Equal(["rs-inside"], presence.Bases.Select(b => b.Base.Id).Where(id => id.StartsWith("rs-", StringComparison.Ordinal)));
            Assert.Equal(["rs-outside", "rs-inside"], unscoped.Bases.Select(b => b.Base.Id).Where(id => id.StartsWith("rs-", StringComparison.Ordinal)));

            using var call = scoped.Feeds.PullLayer(new PullLayerRequest { Isochrones = new CoverageRequest { ReachTime = Vehicle(60) } });
            var json = new System.Text.StringBuilder();
            await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            {
                json.Append(chunk.Geojson.ToStringUtf8());
            }

            var layer = System.Text.Json.JsonSerializer.Deserialize<FeatureCollection>(json.ToString(), GeoJsonOptions)!;
            Assert.Equal(["rs-inside"], layer.Select(f => (string)f.Attributes["base_id"]));
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions GeoJsonOptions = new() { Converters = { new GeoJsonConverterFactory() } };

    private async Task<HttpResponseMessage> GetAsync(Role role, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.TokenOf(role));
        return await _http.SendAsync(request);
    }
}
