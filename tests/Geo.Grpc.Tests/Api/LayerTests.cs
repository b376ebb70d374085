using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Exporters.Feeds;
using Geo.Exporters.Layers;
using Geo.Api;
using Grpc.Core;
using Geo.Testing;
using Geo.Testing.Gdal;
using Geo.Testing.GeoJson;
using Google.Protobuf;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// The layer feeds (Feeds.PullLayer and GET /feeds/layers/{layer}) as a SAGE importer pulls them,
/// held to the answers of HeatMaps.Compute and Coverage.GetCoverage for the same request. An
/// analyst and an importer share one privacy policy (coarsened, the default minimum count), so
/// the analyst's computed heat map is the importer's layer; coverage is alike for every unscoped
/// caller. Each part of the map belongs to one group of tests: heat maps near 25-26 E, coverage
/// in sector layers-cov near 30 E, the scoped importer's sector at 40-41 E.
/// </summary>
public sealed class LayerTests(ApiFixture api) : IClassFixture<ApiFixture>, IDisposable
{
    private const string Sector = "layers-cov";
    private static readonly CalendarDate At = new() { Year = 2026, Month = 3, Day = 1 };
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    private readonly HttpClient _http = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("layers-").FullName;

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    // ---- heat maps and hot spots ----

    [Theory]
    [InlineData(HeatMapMethod.Count, SeriesStep.Month)]
    [InlineData(HeatMapMethod.KernelDensity, SeriesStep.Unspecified)]
    public async Task HeatMapLayer_AsImporter_IsTheAnalystsSurfaceCellForCell(HeatMapMethod method, SeriesStep step)
    {
        await SeedHeatMapAsync();
        var request = HeatMapAround();
        request.Method = method;
        request.Step = step;

        var answer = await HeatMapTests.ComputeAsync(api.As(Role.Analyst), request);
        using var layer = await PullAsync(Role.Importer, "heat-map", Query(request));

        var root = layer.RootElement;
        var features = Features(layer);
        Assert.NotEmpty(answer.Cells);
        Assert.Equal(answer.Cells.Count, features.Count);
        Assert.Equal(answer.Cells.Count, root.GetProperty("total").GetInt64());
        var series = answer.Grid.Frames.Count > 1;
        Assert.Equal(step == SeriesStep.Month, series);
        var byId = features.ToDictionary(f => f.GetProperty("id").GetString()!);
        foreach (var (frame, cell) in answer.Cells)
        {
            var feature = byId[$"f{frame}-c{cell.Column}-r{cell.Row}"];
            var properties = feature.GetProperty("properties");
            Assert.Equal(cell.Value, properties.GetProperty("value").GetDouble());
            Assert.Equal(cell.Count, properties.GetProperty("count").GetInt64());
            Assert.Equal(cell.Class, properties.GetProperty("class").GetInt32());
            Assert.Equal(cell.Column, properties.GetProperty("column").GetInt32());
            Assert.Equal(cell.Row, properties.GetProperty("row").GetInt32());
            // The coarsened importer never sees a count below its minimum.
            Assert.True(cell.Count >= answer.Grid.MinCount, $"count {cell.Count} below {answer.Grid.MinCount}");
            Assert.Equal(series, properties.TryGetProperty("frame", out var index));
            if (series)
            {
                Assert.Equal(frame, index.GetInt32());
                Assert.Equal(answer.Grid.Frames[frame].From.ToDateTimeOffset(), properties.GetProperty("frame_from").GetDateTimeOffset());
                Assert.Equal(answer.Grid.Frames[frame].To.ToDateTimeOffset(), properties.GetProperty("frame_to").GetDateTimeOffset());
            }

            var ring = feature.GetProperty("geometry").GetProperty("coordinates")[0];
            Assert.Equal("Polygon", feature.GetProperty("geometry").GetProperty("type").GetString());
            Assert.Equal(cell.Ring.Count / 2 + 1, ring.GetArrayLength());
            for (var i = 0; i < cell.Ring.Count / 2; i++)
            {
                Assert.Equal(Math.Round(cell.Ring[2 * i], 6), ring[i][0].GetDouble());
                Assert.Equal(Math.Round(cell.Ring[(2 * i) + 1], 6), ring[i][1].GetDouble());
            }
        }

        Assert.Equal(answer.Grid.Unit, root.GetProperty("unit").GetString());
        Assert.Equal(answer.Grid.Projection, root.GetProperty("projection").GetString());
        Assert.Equal(answer.Grid.ClassBreaks, root.GetProperty("class_breaks").EnumerateArray().Select(b => b.GetDouble()));
        Assert.Equal(answer.Grid.MinCount, root.GetProperty("min_count").GetInt32());
        Assert.True(answer.Grid.Coarsened);
        Assert.True(root.GetProperty("coarsened").GetBoolean());
        Assert.Equal(answer.Grid.CellsInArea, root.GetProperty("cells_in_area").GetInt32());
        var frames = root.GetProperty("frames").EnumerateArray().ToList();
        Assert.Equal(answer.Grid.Frames.Count, frames.Count);
        for (var f = 0; f < frames.Count; f++)
        {
            var expected = answer.Grid.Frames[f];
            Assert.Equal(expected.From.ToDateTimeOffset(), frames[f].GetProperty("from").GetDateTimeOffset());
            Assert.Equal(expected.To.ToDateTimeOffset(), frames[f].GetProperty("to").GetDateTimeOffset());
            Assert.Equal(expected.Observations, frames[f].GetProperty("observations").GetInt64());
            Assert.Equal(expected.Cells, frames[f].GetProperty("cells").GetInt32());
            Assert.Equal(expected.WithheldCells, frames[f].GetProperty("withheld_cells").GetInt32());
            Assert.Equal(answer.Frame(f).Count(), frames[f].GetProperty("features").GetInt32());
        }

        Assert.Equal(answer.Grid.Frames.Sum(f => f.WithheldCells), root.GetProperty("withheld_cells").GetInt32());
    }

    [Fact]
    public async Task HotSpotsLayer_AsImporter_IsTheSignificantCellsOfTheAnalystsHotSpots()
    {
        await SeedHotSpotAsync();
        var request = HeatMapAround(west: 26.2, east: 26.9);
        var computed = request.Clone();
        computed.Method = HeatMapMethod.HotSpots;

        var answer = await HeatMapTests.ComputeAsync(api.As(Role.Analyst), computed);
        using var layer = await PullAsync(Role.Importer, "hot-spots", Query(request));

        var significant = answer.Cells.Where(c => c.Cell.HotSpot != 0).ToList();
        Assert.NotEmpty(significant);
        Assert.True(significant.Count < answer.Cells.Count, "some cells shown are not significant, and are left out");
        var byId = Features(layer).ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("properties"));
        Assert.Equal(significant.Count, byId.Count);
        foreach (var (frame, cell) in significant)
        {
            var properties = byId[$"f{frame}-c{cell.Column}-r{cell.Row}"];
            Assert.Equal(cell.Value, properties.GetProperty("value").GetDouble());
            Assert.Equal(cell.PValue, properties.GetProperty("p_value").GetDouble());
            Assert.Equal(cell.HotSpot, properties.GetProperty("hot_spot").GetInt32());
            Assert.Equal(Math.Abs(cell.HotSpot) switch { 3 => 99, 2 => 95, _ => 90 }, properties.GetProperty("confidence").GetInt32());
        }

        Assert.Equal("z-score", layer.RootElement.GetProperty("unit").GetString());
        Assert.Equal("HEAT_MAP_METHOD_HOT_SPOTS", layer.RootElement.GetProperty("parameters").GetProperty("method").GetString());
    }

    [Fact]
    public async Task HotSpotsLayer_WithIncludeEmpty_HasEveryCellTheAnswerShows()
    {
        await SeedHeatMapAsync();
        var request = HeatMapAround();
        request.IncludeEmpty = true;
        var computed = request.Clone();
        computed.Method = HeatMapMethod.HotSpots;

        var answer = await HeatMapTests.ComputeAsync(api.As(Role.Analyst), computed);
        using var layer = await PullAsync(Role.Importer, "hot-spots", Query(request));

        Assert.Equal(answer.Cells.Count, Features(layer).Count);
        Assert.Contains(Features(layer), f => f.GetProperty("properties").GetProperty("confidence").GetInt32() == 0);
    }

    [Fact]
    public async Task HeatMapLayer_CoarsenedImporterAskingForNoMinimum_GetsNoCountBelowItsRolesMinimum()
    {
        await api.SubmitReleasedAsync(Enumerable.Range(0, 3).Select(i => NewObservation($"lh-few-{i}", 26.0, 0.5, "2026-03-12T10:00:00Z")).ToArray());
        var request = HeatMapAround(west: 25.7, east: 26.3);
        request.MinCount = 0;
        request.IncludeEmpty = true;

        using var layer = await PullAsync(Role.Importer, "heat-map", Query(request));

        var root = layer.RootElement;
        var minimum = root.GetProperty("min_count").GetInt32();
        Assert.Equal(Core.Privacy.LocationCoarsening.DefaultMinimumAggregateCount, minimum);
        Assert.Equal(minimum, root.GetProperty("parameters").GetProperty("minCount").GetInt32());
        Assert.DoesNotContain(Features(layer), f => f.GetProperty("properties").GetProperty("count").GetInt64() < minimum);
        var frame = Assert.Single(root.GetProperty("frames").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, frame.GetProperty("observations").ValueKind);
        Assert.True(root.GetProperty("withheld_cells").GetInt32() >= 1);
    }

    /// <summary>The README's example of each layer's URL, exactly as printed there.</summary>
    public static TheoryData<string, string> ReadmeExamples() => new()
    {
        { "heat-map", ReadmeHeatMapUrl },
        { "hot-spots", "/feeds/layers/hot-spots?filter.area.shape.wkt=POLYGON((29%20-2,29.5%20-2,29.5%20-1.5,29%20-1.5,29%20-2))&filter.observedFrom=2026-01-01T00:00:00Z&filter.observedTo=2026-04-01T00:00:00Z&cellSizeMetres=2000&filter.affectedSexes=SEX_FEMALE&step=SERIES_STEP_MONTH" },
        { "bases", "/feeds/layers/bases?sector=north-kivu&at.year=2026&at.month=3&at.day=1" },
        { "coverage-gaps", "/feeds/layers/coverage-gaps?sector=north-kivu&reach.surgeTeamMetres=12000&minRisk=RISK_LEVEL_HIGH" },
        { "communities-at-risk", "/feeds/layers/communities-at-risk?sector=north-kivu" },
    };

    private const string ReadmeHeatMapUrl =
        "/feeds/layers/heat-map?filter.area.bbox.west=29&filter.area.bbox.south=-2&filter.area.bbox.east=29.5&filter.area.bbox.north=-1.5&filter.observedFrom=2026-01-01T00:00:00Z" +
        "&filter.observedTo=2026-04-01T00:00:00Z&cellSizeMetres=1000&method=HEAT_MAP_METHOD_KERNEL_DENSITY" +
        "&filter.categories=CATEGORY_THREAT_OF_PHYSICAL_VIOLENCE&filter.categories=CATEGORY_DISPLACEMENT";

    [Theory]
    [MemberData(nameof(ReadmeExamples))]
    public async Task ReadmeExample_IsAnsweredAsTheLayerItNames(string name, string url)
    {
        using var layer = await PullAsync(Role.Importer, url);

        Assert.Equal(name, layer.RootElement.GetProperty("layer").GetString());
        Assert.Equal(JsonValueKind.Object, layer.RootElement.GetProperty("parameters").ValueKind);
    }

    [Fact]
    public async Task HeatMapLayer_TheReadmeExampleUrl_RecordsExactlyTheRequestWithTheDefaultsTheServiceChose()
    {
        using var layer = await PullAsync(Role.Importer, ReadmeHeatMapUrl);

        var expected = new HeatMapRequest
        {
            Filter = new ObservationFilter
            {
                Area = new Area { Bbox = new BoundingBox { West = 29, South = -2, East = 29.5, North = -1.5 } },
                ObservedFrom = Time("2026-01-01T00:00:00Z"),
                ObservedTo = Time("2026-04-01T00:00:00Z"),
                Categories = { Category.ThreatOfPhysicalViolence, Category.Displacement },
                // Left out of the URL: the threat defaults leave discredited reports out, and say so.
                Verification = { VerificationStatus.Reported, VerificationStatus.Verified },
            },
            CellSizeMetres = 1000,
            Method = HeatMapMethod.KernelDensity,
            Shape = GridShape.Square,
            Classification = Classification.Quantile,
            Classes = 5,
            BandwidthMetres = 5000,
            MinCount = Core.Privacy.LocationCoarsening.DefaultMinimumAggregateCount,
        };
        var parameters = layer.RootElement.GetProperty("parameters");
        Assert.Equal(expected, Parser.Parse<HeatMapRequest>(parameters.GetRawText()));
        // Every field is written, those left at their defaults too.
        Assert.Equal(0, parameters.GetProperty("minSeverity").GetInt32());
        Assert.Equal("SERIES_STEP_UNSPECIFIED", parameters.GetProperty("step").GetString());
        Assert.EndsWith("Z", layer.RootElement.GetProperty("generated_at").GetString(), StringComparison.Ordinal);
    }

    // ---- coverage ----

    [Fact]
    public async Task BasesLayer_AsImporter_HasEveryOpenBaseWithTheTeamThePlannerSees()
    {
        await SeedCoverageAsync();
        var request = new CoverageRequest { At = At, Sector = Sector };

        var report = await GetCoverageAsync(api.As(Role.Planner), request);
        using var layer = await PullAsync(Role.Importer, "bases", Query(request));

        var features = Features(layer);
        Assert.Equal(report.Bases.Select(b => b.Base.Id), features.Select(f => f.GetProperty("id").GetString()));
        foreach (var (station, feature) in report.Bases.Zip(features))
        {
            var properties = feature.GetProperty("properties");
            Assert.Equal("Point", feature.GetProperty("geometry").GetProperty("type").GetString());
            Assert.Equal(station.Base.Location.Longitude, feature.GetProperty("geometry").GetProperty("coordinates")[0].GetDouble());
            Assert.Equal(station.Base.Location.Latitude, feature.GetProperty("geometry").GetProperty("coordinates")[1].GetDouble());
            Assert.Equal(station.Base.Name, properties.GetProperty("name").GetString());
            Assert.Equal(station.Team.ClaCount, properties.GetProperty("cla_count").GetInt32());
            Assert.Equal(station.Team.FemaleCount, properties.GetProperty("female_cla_count").GetInt32());
            Assert.Equal(station.Team.TemporaryDutyCount, properties.GetProperty("temporary_duty_count").GetInt32());
            Assert.Equal(station.Team.Staffed, properties.GetProperty("staffed").GetBoolean());
            Assert.Equal(station.Team.HasFemaleCla, properties.GetProperty("has_female_cla").GetBoolean());
            Assert.Equal(string.Join(',', station.Gaps.Select(Word)), properties.GetProperty("gaps").GetString());
            Assert.Equal(station.Gaps.Contains(TeamGap.NoCla), properties.GetProperty("gap_no_cla").GetBoolean());
            Assert.Equal(station.Gaps.Contains(TeamGap.BelowMinimum), properties.GetProperty("gap_below_minimum").GetBoolean());
            Assert.Equal(station.Gaps.Contains(TeamGap.NoFemaleCla), properties.GetProperty("gap_no_female_cla").GetBoolean());
            Assert.Equal(station.ReachMetres, properties.GetProperty("reach_metres").GetDouble());
        }

        var status = features.ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("properties").GetProperty("team_status").GetString());
        Assert.Equal("complete", status["lc-ob"]);
        Assert.Equal("below_minimum", status["lc-cob"]);
        Assert.Equal("no_cla", status["lc-tob"]);
        Assert.Equal("no_female_cla", status["lc-surge"]);
        var root = layer.RootElement;
        Assert.Equal("2026-03-01", root.GetProperty("at").GetString());
        Assert.Equal(report.BasesWithoutCla, root.GetProperty("bases_without_cla").GetInt32());
        Assert.Equal(report.BasesBelowMinimum, root.GetProperty("bases_below_minimum").GetInt32());
        Assert.Equal(report.TeamsWithoutFemaleCla, root.GetProperty("teams_without_female_cla").GetInt32());
        Assert.Equal(report.CommunitiesAtRisk, root.GetProperty("communities_at_risk").GetInt32());
        Assert.Equal(report.Bases.Count, root.GetProperty("total").GetInt32());
        // Counts only: no CLA's id leaves the service.
        Assert.DoesNotContain("cla-lc-", root.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CoverageGapsLayer_AsImporter_HasAFeaturePerTeamGapAndPerCommunityOutOfReach()
    {
        await SeedCoverageAsync();
        var request = new CoverageRequest { At = At, Sector = Sector };

        var report = await GetCoverageAsync(api.As(Role.Planner), request);
        using var layer = await PullAsync(Role.Importer, "coverage-gaps", Query(request));

        var expected = report.Bases.SelectMany(b => b.Gaps.Select(g => $"{b.Base.Id}/{Word(g)}"))
            .Concat(report.CommunitiesOutOfReach.Select(c => "community/" + c.CommunityId))
            .ToList();
        var features = Features(layer);
        Assert.Equal(expected, features.Select(f => f.GetProperty("id").GetString()));
        Assert.Equal(["lc-cob/below_minimum", "lc-cob/no_female_cla", "lc-surge/no_female_cla", "lc-tob/no_cla"], expected.Where(id => id.StartsWith("lc-", StringComparison.Ordinal)));
        var byId = features.ToDictionary(f => f.GetProperty("id").GetString()!);
        foreach (var community in report.CommunitiesOutOfReach)
        {
            var feature = byId["community/" + community.CommunityId];
            var properties = feature.GetProperty("properties");
            Assert.Equal("community_out_of_reach", properties.GetProperty("gap").GetString());
            Assert.Equal(community.NearestBaseId, properties.GetProperty("nearest_base_id").GetString());
            Assert.Equal(community.DistanceMetres, properties.GetProperty("distance_metres").GetDouble());
            Assert.Equal(community.Population, properties.GetProperty("population").GetInt64());
            Assert.Equal((int)community.RiskLevel, properties.GetProperty("risk_level_code").GetInt32());
            Assert.Equal(JsonValueKind.Null, properties.GetProperty("base_id").ValueKind);
        }

        Assert.Equal("Polygon", byId["community/lc-poly"].GetProperty("geometry").GetProperty("type").GetString());
        Assert.Equal("Point", byId["community/lc-far"].GetProperty("geometry").GetProperty("type").GetString());
        var teamGap = byId["lc-cob/below_minimum"].GetProperty("properties");
        Assert.Equal(1, teamGap.GetProperty("cla_count").GetInt32());
        Assert.Equal("company_operating_base", teamGap.GetProperty("base_kind").GetString());
        Assert.Equal(20_000, teamGap.GetProperty("reach_metres").GetDouble());
        Assert.Equal(JsonValueKind.Null, teamGap.GetProperty("community_id").ValueKind);
    }

    [Fact]
    public async Task CommunitiesLayer_AsImporter_HasEveryCommunityAtRiskWithItsReach()
    {
        await SeedCoverageAsync();
        var request = new CoverageRequest { At = At, Sector = Sector };

        var report = await GetCoverageAsync(api.As(Role.Planner), request);
        using var layer = await PullAsync(Role.Importer, "communities-at-risk", Query(request));

        var features = Features(layer);
        Assert.Equal(report.CommunitiesAtRisk, features.Count);
        Assert.Equal(["lc-far", "lc-near", "lc-poly", "lc-surge-near"], features.Select(f => f.GetProperty("id").GetString()));
        var outOfReach = report.CommunitiesOutOfReach.ToDictionary(c => c.CommunityId);
        foreach (var feature in features)
        {
            var properties = feature.GetProperty("properties");
            var id = properties.GetProperty("id").GetString()!;
            Assert.Equal(!outOfReach.ContainsKey(id), properties.GetProperty("within_reach").GetBoolean());
            if (outOfReach.TryGetValue(id, out var reach))
            {
                Assert.Equal(reach.NearestBaseId, properties.GetProperty("nearest_base_id").GetString());
                Assert.Equal(reach.DistanceMetres, properties.GetProperty("distance_metres").GetDouble());
                Assert.Equal(reach.Name, properties.GetProperty("name").GetString());
            }
        }

        var near = features.Single(f => f.GetProperty("id").GetString() == "lc-near").GetProperty("properties");
        Assert.Equal("lc-ob", near.GetProperty("nearest_base_id").GetString());
        Assert.Equal("high", near.GetProperty("risk_level").GetString());
        Assert.Equal(150, near.GetProperty("population").GetInt64());
    }

    [Fact]
    public async Task CoverageLayer_WithoutDateReachOrRisk_RecordsTheOnesTheServiceChose()
    {
        await SeedCoverageAsync();
        var now = Now();
        using var frozen = api.Clock.Freeze(now);

        using var layer = await PullAsync(Role.Importer, "bases", "sector=" + Sector);

        var root = layer.RootElement;
        var parameters = Parser.Parse<CoverageRequest>(root.GetProperty("parameters").GetRawText());
        Assert.Equal(new CoverageRequest
        {
            At = new CalendarDate { Year = now.Year, Month = now.Month, Day = now.Day },
            Sector = Sector,
            Reach = new ReachDistances { OperatingBaseMetres = 30_000, CompanyOperatingBaseMetres = 20_000, TemporaryOperatingBaseMetres = 15_000, SurgeTeamMetres = 10_000 },
            MinRisk = RiskLevel.Medium,
        }, parameters);
        Assert.Equal(now, root.GetProperty("generated_at").GetDateTimeOffset());
        Assert.Equal(now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), root.GetProperty("at").GetString());
        Assert.Equal("medium", root.GetProperty("min_risk").GetString());
        Assert.Equal(10_000, root.GetProperty("reach_metres").GetProperty("surge_team").GetDouble());
        Assert.Equal("bases", root.GetProperty("layer").GetString());
    }

    // ---- gender and age gaps ----

    [Fact]
    public async Task GroupGapsLayer_AsImporter_IsEveryGapCellOfTheAnalystsGroupGaps()
    {
        await SeedHeatMapAsync();
        await SeedCoverageAsync();
        var request = GroupGapsAround();

        var answer = await api.As(Role.Analyst).Coverage.GetGroupGapsAsync(request).ResponseAsync;
        using var layer = await PullAsync(Role.Importer, "group-gaps", Query(request));

        Assert.NotEmpty(answer.Cells);
        var byId = Features(layer).ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("properties"));
        Assert.Equal(answer.Cells.Count, byId.Count);
        foreach (var gap in answer.Cells)
        {
            var properties = byId[$"c{gap.Cell.Column}-r{gap.Cell.Row}"];
            Assert.Equal(gap.Cell.Value, properties.GetProperty("value").GetDouble());
            Assert.Equal(gap.Cell.Count, properties.GetProperty("count").GetInt64());
            Assert.Equal(gap.Cell.Class, properties.GetProperty("class").GetInt32());
            Assert.Equal(gap.NearestBaseId.Length == 0 ? null : gap.NearestBaseId, properties.GetProperty("nearest_base_id").GetString());
            Assert.Equal(string.Join(',', gap.CommunityIds), properties.GetProperty("community_ids").GetString());
            Assert.Equal(gap.CommunityIds.Count, properties.GetProperty("community_count").GetInt32());
        }

        Assert.Equal(answer.RequiresFemaleCla, layer.RootElement.GetProperty("requires_female_cla").GetBoolean());
        Assert.Equal(answer.ThreatenedCells, layer.RootElement.GetProperty("threatened_cells").GetInt32());
        Assert.Equal("group-gaps", layer.RootElement.GetProperty("layer").GetString());
    }

    // ---- every layer ----

    public static TheoryData<string> Layers() => ["heat-map", "hot-spots", "bases", "coverage-gaps", "communities-at-risk", "group-gaps"];

    [Theory]
    [MemberData(nameof(Layers))]
    public async Task PullLayer_OverGrpcAndHttp_GivesTheSameBytes(string name)
    {
        await SeedHeatMapAsync();
        await SeedCoverageAsync();
        var (request, query) = RequestOf(name);
        using var frozen = api.Clock.Freeze(Now());

        // A supervisor's layers rest on exact points, so the seeded clusters always make hot spots;
        // an importer's rest on coarse points whose displacement is drawn per test database.
        using var http = await GetAsync(api.TokenOf(Role.Supervisor), $"/feeds/layers/{name}?{query}");
        var httpBytes = await http.Content.ReadAsByteArrayAsync();
        var (grpcBytes, end) = await PullGrpcAsync(api.As(Role.Supervisor), request);

        Assert.Equal(HttpStatusCode.OK, http.StatusCode);
        Assert.Equal("application/geo+json", http.Content.Headers.ContentType!.MediaType);
        Assert.Equal(httpBytes, grpcBytes);
        using var document = JsonDocument.Parse(grpcBytes);
        Assert.Equal(end.Features, document.RootElement.GetProperty("total").GetInt64());
        Assert.True(end.Features > 0, $"the {name} layer of the test data is empty");
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public async Task PullLayer_EveryProperty_IsOfItsDictionarysTypeAndInItsOrder(string name)
    {
        await SeedHeatMapAsync();
        await SeedCoverageAsync();
        var (request, query) = RequestOf(name);
        if (request.LayerCase is PullLayerRequest.LayerOneofCase.HeatMap or PullLayerRequest.LayerOneofCase.HotSpots)
        {
            // A series, so that the frame fields are written too.
            query += "&step=SERIES_STEP_MONTH";
        }

        using var layer = await PullAsync(Role.Importer, $"/feeds/layers/{name}?{query}");

        var dictionary = DictionaryOf(name);
        var types = dictionary.ToDictionary(f => f.Name, f => f.Type);
        foreach (var feature in Features(layer))
        {
            var names = feature.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(dictionary.Select(f => f.Name).Where(names.Contains), names);
            Assert.Equal(feature.GetProperty("id").GetString(), feature.GetProperty("properties").GetProperty("id").GetString());
            foreach (var property in feature.GetProperty("properties").EnumerateObject())
            {
                var value = property.Value;
                var ok = value.ValueKind == JsonValueKind.Null || types[property.Name] switch
                {
                    "integer" => value.ValueKind == JsonValueKind.Number && !value.GetRawText().Contains('.', StringComparison.Ordinal) && !value.GetRawText().Contains('e', StringComparison.OrdinalIgnoreCase),
                    "real" => value.ValueKind == JsonValueKind.Number && (value.GetRawText().Contains('.', StringComparison.Ordinal) || value.GetRawText().Contains('E', StringComparison.OrdinalIgnoreCase)),
                    "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                    "datetime" => value.ValueKind == JsonValueKind.String && value.GetString()!.EndsWith('Z') && value.TryGetDateTimeOffset(out _),
                    _ => value.ValueKind == JsonValueKind.String,
                };
                Assert.True(ok, $"{name}: {property.Name} = {value.GetRawText()} is not a {types[property.Name]}");
            }
        }
    }

    [Theory]
    [InlineData("heat-map", "Polygon")]
    [InlineData("hot-spots", "Polygon")]
    [InlineData("bases", "Point")]
    // Team gaps at bases (points) beside communities at their points or polygons.
    [InlineData("coverage-gaps", "Unknown (any)")]
    [InlineData("communities-at-risk", "Unknown (any)")]
    [InlineData("group-gaps", "Polygon")]
    public async Task Ogrinfo_EachLayer_ReadsEveryFeatureAndTypesEveryField(string name, string geometry)
    {
        await SeedHeatMapAsync();
        await SeedCoverageAsync();
        var (_, query) = RequestOf(name);
        // A supervisor's layers: exact points, so the seeded clusters always make hot spots for GDAL to read.
        using var response = await GetAsync(api.TokenOf(Role.Supervisor), $"/feeds/layers/{name}?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var path = Path.Combine(_directory, name + ".geojson");
        await File.WriteAllBytesAsync(path, bytes);
        using var document = JsonDocument.Parse(bytes);

        var summary = await Ogrinfo.RunAsync("-ro", "-al", "-so", path);

        Assert.Contains($"Feature Count: {document.RootElement.GetProperty("total").GetInt64()}", summary, StringComparison.Ordinal);
        Assert.Contains($"Geometry: {geometry}", summary, StringComparison.Ordinal);
        var written = Features(document).SelectMany(f => f.GetProperty("properties").EnumerateObject())
            .Where(p => p.Value.ValueKind != JsonValueKind.Null).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var field in DictionaryOf(name).Where(f => written.Contains(f.Name)))
        {
            var gdal = field.Type switch
            {
                "integer" => "Integer",
                "real" => "Real",
                "boolean" => "Integer(Boolean)",
                "datetime" => "DateTime",
                _ => "String",
            };
            Assert.Contains($"{field.Name}: {gdal} (", summary, StringComparison.Ordinal);
        }

        // Loaded into PostGIS by ogr2ogr: every feature, each geometry equal to the document's
        // own read by PostGIS (ST_GeomFromGeoJSON), the id kept.
        var table = "layer_" + name.Replace('-', '_');
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(api.Database.ConnectionString);
        await GdalTool.RunAsync("ogr2ogr", "-f", "PostgreSQL",
            $"PG:host={connection.Host} port={connection.Port} user={connection.Username} dbname={connection.Database}",
            path, "-nln", table, "-lco", "GEOMETRY_NAME=geom", "-nlt", "GEOMETRY", "-overwrite");
        var features = Features(document).ToList();
        Assert.Equal((long)features.Count, await api.Database.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        foreach (var feature in features)
        {
            await using var same = api.Database.DataSource.CreateCommand(
                $"SELECT ST_Equals(geom, ST_SetSRID(ST_GeomFromGeoJSON($2), 4326)) FROM {table} WHERE id = $1");
            same.Parameters.AddWithValue(feature.GetProperty("id").GetString()!);
            same.Parameters.AddWithValue(feature.GetProperty("geometry").GetRawText());
            Assert.True(await same.ExecuteScalarAsync() is true, $"{name}: the geometry of {feature.GetProperty("id").GetString()} changed on the way into PostGIS");
        }
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public async Task NtsGeoJson_EachLayer_ReadsEveryFeatureAsWritten(string name)
    {
        await SeedHeatMapAsync();
        await SeedCoverageAsync();
        var (_, query) = RequestOf(name);

        var bytes = await PullBytesAsync(name, query);

        // Beside GDAL, NetTopologySuite's reader: same ids, geometries and property values as the document.
        var features = NtsGeoJson.ReadFeatureCollection(bytes);

        // Not held to be non-empty: which hot spots show depends on the database's coarsening key.
        using var document = JsonDocument.Parse(bytes);
        Assert.Equal(document.RootElement.GetProperty("total").GetInt64(), features.Count);
    }

    [Fact]
    public async Task NtsGeoJson_CommunitiesAtRiskAndBasesLayers_AreThePlacesAsRegistered()
    {
        await SeedCoverageAsync();
        var (_, query) = RequestOf("communities-at-risk");

        var communities = NtsGeoJson.ReadFeatureCollection(await PullBytesAsync("communities-at-risk", query));
        var bases = NtsGeoJson.ReadFeatureCollection(await PullBytesAsync("bases", query));

        // The locations as SeedCoverageAsync registers them: the polygon read back from PostGIS as a
        // NetTopologySuite geometry, written by our writer, read by the package, is the same polygon.
        foreach (var (id, wkt, withinReach) in new[]
        {
            ("lc-near", "POINT(30.1 0.05)", true),
            ("lc-surge-near", "POINT(29.55 -0.3)", true),
            ("lc-far", "POINT(31.5 1.2)", false),
            ("lc-poly", "POLYGON((30.5 -0.5, 30.6 -0.5, 30.6 -0.4, 30.5 -0.4, 30.5 -0.5))", false),
        })
        {
            var feature = communities[id];
            NtsGeoJson.AssertWithinWrittenRounding(Geo.Core.Spatial.ShapeReader.ReadWkt(wkt).Geometry!, feature.Geometry);
            Assert.Equal("Village " + id, feature.Attributes["name"]);
            Assert.Equal(150m, feature.Attributes["population"]);
            Assert.Equal(withinReach, feature.Attributes["within_reach"]);
        }

        Assert.DoesNotContain("lc-low", communities.Keys);
        foreach (var (id, longitude, latitude, clas, women) in new[]
        {
            ("lc-ob", 30.0, 0.1, 2m, 1m), ("lc-cob", 30.5, 0.5, 1m, 0m), ("lc-tob", 31.0, 0.0, 0m, 0m), ("lc-surge", 29.5, -0.3, 2m, 0m),
        })
        {
            var feature = bases[id];
            NtsGeoJson.AssertWithinWrittenRounding(Geo.Core.Spatial.ShapeReader.Factory.CreatePoint(new NetTopologySuite.Geometries.Coordinate(longitude, latitude)), feature.Geometry);
            Assert.Equal("Base " + id, feature.Attributes["name"]);
            Assert.Equal(clas, feature.Attributes["cla_count"]);
            Assert.Equal(women, feature.Attributes["female_cla_count"]);
        }
    }

    // ---- bad requests ----

    /// <summary>Parameters that do not read are refused before anything is checked; {base} stands for an area and a period, for checks of a whole request.</summary>
    [Theory]
    [InlineData("heat-map", "cellSize=1000", "cellSize")]
    [InlineData("heat-map", "cell_size_metres=1000", "cell_size_metres")]
    [InlineData("heat-map", "cellSizeMetres=ten", "cellSizeMetres")]
    [InlineData("heat-map", "cellSizeMetres=1000&cellSizeMetres=2000", "cellSizeMetres")]
    [InlineData("heat-map", "method=HEAT_MAP_METHOD_NOPE", "method")]
    [InlineData("heat-map", "categories=CATEGORY_DISPLACEMENT&categories=CATEGORY_NOPE", "categories")]
    [InlineData("heat-map", "includeEmpty=yes", "includeEmpty")]
    [InlineData("heat-map", "observedFrom=yesterday", "observedFrom")]
    [InlineData("heat-map", "weighting.halfLife=a-week", "weighting.halfLife")]
    [InlineData("heat-map", "area=somewhere", "area")]
    [InlineData("heat-map", "area.bbox=29", "area.bbox")]
    [InlineData("heat-map", "cellSizeMetres.value=1", "cellSizeMetres.value")]
    [InlineData("heat-map", "{base}&area.circle.radiusMetres=5000", "area.circle.radiusMetres")]
    [InlineData("heat-map", "{base}&cellSizeMetres=50", "cellSizeMetres")]
    [InlineData("heat-map", "{base}&cellSizeMetres=1000&bandwidthMetres=-5&method=HEAT_MAP_METHOD_KERNEL_DENSITY", "bandwidthMetres")]
    [InlineData("heat-map", "{base}&cellSizeMetres=1000&classes=11", "classes")]
    [InlineData("heat-map", "{base}&cellSizeMetres=1000&method=HEAT_MAP_METHOD_WEIGHTED_SUM", "weighting")]
    [InlineData("hot-spots", "{base}&cellSizeMetres=1000&method=HEAT_MAP_METHOD_COUNT", "method")]
    [InlineData("heat-map", "{base}&cellSizeMetres=1000&cellLayout=CELL_LAYOUT_PACKED", "cellLayout")]
    [InlineData("hot-spots", "{base}&cellSizeMetres=1000&cellLayout=CELL_LAYOUT_PACKED", "cellLayout")]
    [InlineData("heat-map", "cellLayout=CELL_LAYOUT_NOPE", "cellLayout")]
    [InlineData("bases", "reach.surgeTeamMetres=-5", "reach.surgeTeamMetres")]
    [InlineData("coverage-gaps", "minRisk=RISK_LEVEL_EXTREME", "minRisk")]
    [InlineData("communities-at-risk", "at.year=2026&at.month=13&at.day=1", "at")]
    [InlineData("communities-at-risk", "at=2026-03-01", "at")]
    public async Task PullLayer_BadParameter_Is400NamingTheParameter(string name, string parameters, string named)
    {
        var query = parameters.Replace("{base}", BboxAndPeriod, StringComparison.Ordinal);

        using var response = await GetAsync(api.TokenOf(Role.Importer), $"/feeds/layers/{name}?{query}");

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith(named + ": ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeatMapLayer_WithoutAnArea_Is400NamingIt()
    {
        using var response = await GetAsync(api.TokenOf(Role.Importer), "/feeds/layers/heat-map?observedFrom=2026-03-01T00:00:00Z&observedTo=2026-04-01T00:00:00Z&cellSizeMetres=1000");

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("area: is required", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeatMapLayer_TooManyCells_IsResourceExhaustedNamingTheCellSize()
    {
        using var response = await GetAsync(api.TokenOf(Role.Importer), "/feeds/layers/heat-map?area.bbox.west=20&area.bbox.south=-2&area.bbox.east=21.5&area.bbox.north=0&observedFrom=2026-03-01T00:00:00Z&observedTo=2026-04-01T00:00:00Z&cellSizeMetres=100");

        var problem = await ProblemAsync(response, HttpStatusCode.TooManyRequests);
        Assert.StartsWith("cellSizeMetres: ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullLayer_NoLayerChosen_IsInvalidArgumentNamingLayer()
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => PullGrpcAsync(api.As(Role.Importer), new PullLayerRequest()));

        Assert.StartsWith("layer: is required", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullLayer_BadFieldsOverGrpc_AreInvalidArgumentNamedUnderTheLayer()
    {
        var small = HeatMapAround();
        small.CellSizeMetres = 50;
        var counted = HeatMapAround();
        counted.Method = HeatMapMethod.Count;

        var cell = await FailsWith(StatusCode.InvalidArgument, () => PullGrpcAsync(api.As(Role.Importer), new PullLayerRequest { HeatMap = small }));
        var method = await FailsWith(StatusCode.InvalidArgument, () => PullGrpcAsync(api.As(Role.Importer), new PullLayerRequest { HotSpots = counted }));
        var reach = await FailsWith(StatusCode.InvalidArgument, () => PullGrpcAsync(api.As(Role.Importer),
            new PullLayerRequest { CoverageGaps = new CoverageRequest { Reach = new ReachDistances { SurgeTeamMetres = -5 } } }));
        // A layer's cells are GeoJSON polygons: the packed layout of HeatMaps.Compute is refused, not ignored.
        var packed = HeatMapAround();
        packed.CellLayout = CellLayout.Packed;
        var layout = await FailsWith(StatusCode.InvalidArgument, () => PullGrpcAsync(api.As(Role.Importer), new PullLayerRequest { HeatMap = packed }));
        var groupLayout = await FailsWith(StatusCode.InvalidArgument, () => PullGrpcAsync(api.As(Role.Importer),
            new PullLayerRequest { GroupGaps = new GroupGapsRequest { HeatMap = packed, Threshold = 1 } }));

        Assert.StartsWith("heat_map.cell_size_metres: ", cell, StringComparison.Ordinal);
        Assert.StartsWith("hot_spots.method: HEAT_MAP_METHOD_COUNT is not", method, StringComparison.Ordinal);
        Assert.StartsWith("coverage_gaps.reach.surge_team_metres: ", reach, StringComparison.Ordinal);
        Assert.StartsWith("heat_map.cell_layout: ", layout, StringComparison.Ordinal);
        Assert.StartsWith("group_gaps.heat_map.cell_layout: ", groupLayout, StringComparison.Ordinal);
    }

    // ---- who may pull ----

    [Theory]
    [MemberData(nameof(Layers))]
    public async Task PullLayer_WithoutATokenOrAsACpasFocalPoint_IsRefused(string name)
    {
        var (_, query) = RequestOf(name);
        using var anonymous = await _http.GetAsync(new Uri(api.Service.HttpEndpoint, $"/feeds/layers/{name}?{query}"));
        using var cpas = await GetAsync(api.TokenOf(Role.CpasFocalPoint), $"/feeds/layers/{name}?{query}");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, cpas.StatusCode);
    }

    [Fact]
    public async Task PullLayer_ImporterScopedToASector_SeesOnlyItsArea()
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "layers-east", Name = "East", Area = new Shape { Wkt = "POLYGON((40 0, 41 0, 41 1, 40 1, 40 0))" } }).ResponseAsync;
        foreach (var (id, longitude) in new[] { ("le-in", 40.5), ("le-out", 41.5) })
        {
            await api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base
            {
                Id = id, Name = "Base " + id, Kind = BaseKind.OperatingBase, Sector = "layers-east",
                Location = new GeoPoint { Longitude = longitude, Latitude = 0.5 }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
            }).ResponseAsync;
        }

        await api.SubmitReleasedAsync([
            .. Enumerable.Range(0, 10).Select(i => NewObservation($"le-in-{i}", 40.5, 0.5, "2026-03-10T10:00:00Z")),
            .. Enumerable.Range(0, 10).Select(i => NewObservation($"le-out-{i}", 41.5, 0.5, "2026-03-10T10:00:00Z")),
        ]);
        var token = await TestTokens.IssueAsync(api.Database.DataSource, Role.Importer, "importer-east", ["layers-east"]);
        var heatMap = HeatMapAround(west: 39.8, east: 42.2);
        var bases = "at.year=2026&at.month=3&at.day=1&sector=layers-east";

        using var scopedBases = await PullAsync(token, "bases", bases);
        using var allBases = await PullAsync(api.TokenOf(Role.Importer), "bases", bases);
        using var scopedCells = await PullAsync(token, "heat-map", Query(heatMap));
        using var allCells = await PullAsync(api.TokenOf(Role.Importer), "heat-map", Query(heatMap));

        Assert.Equal(["le-in"], Features(scopedBases).Select(f => f.GetProperty("id").GetString()));
        Assert.Equal(["le-in", "le-out"], Features(allBases).Select(f => f.GetProperty("id").GetString()));
        var inside = Enumerable.Range(0, 10).Select(i => IdOf($"le-in-{i}")).ToList();
        Assert.Equal(await api.ShownCountAsync(inside), Observations(scopedCells));
        Assert.Equal(await api.ShownCountAsync([.. inside, .. Enumerable.Range(0, 10).Select(i => IdOf($"le-out-{i}"))]), Observations(allCells));
        Assert.All(Features(scopedCells), f => Assert.True(f.GetProperty("geometry").GetProperty("coordinates")[0][0][0].GetDouble() < 41.1, "a cell beyond the scope"));

        static long Observations(JsonDocument layer) => layer.RootElement.GetProperty("frames")[0].GetProperty("observations").GetInt64();
    }

    // ---- seeds and helpers ----

    private const string BboxAndPeriod =
        "area.bbox.west=24.7&area.bbox.south=0.2&area.bbox.east=25.4&area.bbox.north=0.8&observedFrom=2026-03-01T00:00:00Z&observedTo=2026-05-01T00:00:00Z";

    /// <summary>A 5 km heat map over 24.7-25.4 E (or the longitudes given), 0.2-0.8 N, for March and April 2026.</summary>
    private static HeatMapRequest HeatMapAround(double west = 24.7, double east = 25.4) => new()
    {
        Filter = new ObservationFilter
        {
            Area = new Area { Bbox = new BoundingBox { West = west, South = 0.2, East = east, North = 0.8 } },
            ObservedFrom = Time("2026-03-01T00:00:00Z"),
            ObservedTo = Time("2026-05-01T00:00:00Z"),
        },
        CellSizeMetres = 5000,
    };

    /// <summary>Threats against women and girls on the heat map around 25 E, far from every base: each cell with one is a gap.</summary>
    private static GroupGapsRequest GroupGapsAround()
    {
        var heatMap = HeatMapAround();
        heatMap.Filter.AffectedSexes.Add(Sex.Female);
        return new GroupGapsRequest { HeatMap = heatMap, Threshold = 1, At = At };
    }

    /// <summary>
    /// 81 observations of March, 600 m apart on a 9 x 9 lattice around (26.55, 0.5): each in an
    /// anchor cell of its own, so that coarsened callers get 81 coarse points scattered over some
    /// 15 km, a hot spot whatever the database's coarsening key (a cluster reported at one spot is
    /// one coarse point, one cell, whose significance depends on where the key puts it).
    /// </summary>
    private Task<SubmitObservationsResponse> SeedHotSpotAsync() => api.SubmitReleasedAsync([
        .. Enumerable.Range(0, 81).Select(i => NewObservation($"lh-lattice-{i}", 26.53 + (i % 9 * 0.0054), 0.48 + (i / 9 * 0.0054), "2026-03-15T10:00:00Z")),
    ]);

    /// <summary>Clusters of 40 (March) and 20 (April) observations and a stray few: the same ids every time, so seeding again changes nothing.</summary>
    private Task<SubmitObservationsResponse> SeedHeatMapAsync() => api.SubmitReleasedAsync([
        .. Enumerable.Range(0, 40).Select(i => NewObservation($"lh-a-{i}", 25.0, 0.5, "2026-03-10T10:00:00Z")),
        .. Enumerable.Range(0, 20).Select(i => NewObservation($"lh-b-{i}", 25.2, 0.6, "2026-04-10T10:00:00Z")),
        .. Enumerable.Range(0, 3).Select(i => NewObservation($"lh-c-{i}", 24.85, 0.35, "2026-03-12T10:00:00Z")),
    ]);

    /// <summary>
    /// Four bases of every kind of team and five communities in sector layers-cov: lc-ob (a woman and
    /// a man, 30 km), lc-cob (one man), lc-tob (nobody), lc-surge (two men, 10 km); lc-near within
    /// lc-ob's reach, lc-surge-near within lc-surge's, lc-far and the polygon lc-poly out of reach,
    /// lc-low not at risk. Registered the same way every time, so seeding again changes nothing.
    /// </summary>
    private async Task SeedCoverageAsync()
    {
        await BaseAsync("lc-ob", BaseKind.OperatingBase, 30.0, 0.1);
        await BaseAsync("lc-cob", BaseKind.CompanyOperatingBase, 30.5, 0.5);
        await BaseAsync("lc-tob", BaseKind.TemporaryOperatingBase, 31.0, 0.0);
        await BaseAsync("lc-surge", BaseKind.SurgeTeam, 29.5, -0.3);
        await DeployAsync("lc-ob-1", "lc-ob", Sex.Female);
        await DeployAsync("lc-ob-2", "lc-ob", Sex.Male);
        await DeployAsync("lc-cob-1", "lc-cob", Sex.Male);
        await DeployAsync("lc-surge-1", "lc-surge", Sex.Male);
        await DeployAsync("lc-surge-2", "lc-surge", Sex.Male);
        await CommunityAsync("lc-near", "POINT(30.1 0.05)", RiskLevel.High);
        await CommunityAsync("lc-surge-near", "POINT(29.55 -0.3)", RiskLevel.High);
        await CommunityAsync("lc-far", "POINT(31.5 1.2)", RiskLevel.Critical);
        await CommunityAsync("lc-poly", "POLYGON((30.5 -0.5, 30.6 -0.5, 30.6 -0.4, 30.5 -0.4, 30.5 -0.5))", RiskLevel.Medium);
        await CommunityAsync("lc-low", "POINT(31.5 1.3)", RiskLevel.Low);
    }

    private Task<Base> BaseAsync(string id, BaseKind kind, double longitude, double latitude) =>
        api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base
        {
            Id = id, Name = "Base " + id, Kind = kind, Sector = Sector, AdminArea = "Beni", Unit = "BANBATT-1",
            Location = new GeoPoint { Longitude = longitude, Latitude = latitude }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
        }).ResponseAsync;

    private Task<ClaDeployment> DeployAsync(string id, string baseId, Sex sex) =>
        api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
        {
            Id = id, ClaId = "cla-" + id, Sex = sex, BaseId = baseId, From = new CalendarDate { Year = 2025, Month = 6, Day = 1 }, HomeLocality = "Lubero",
        }).ResponseAsync;

    private Task<Community> CommunityAsync(string id, string wkt, RiskLevel risk) =>
        api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community
        {
            Id = id, Name = "Village " + id, Sector = Sector, RiskLevel = risk, Location = new Shape { Wkt = wkt },
            Population = { new AffectedCount { Sex = Sex.Female, AgeGroup = AgeGroup.Adult, Count = 100 }, new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Adult, Count = 50 } },
        }).ResponseAsync;

    private static Task<CoverageReport> GetCoverageAsync(GeoAwarenessClient channel, CoverageRequest request) =>
        channel.Coverage.GetCoverageAsync(request).ResponseAsync;

    /// <summary>The request the tests pull each layer with, and the same as URL parameters.</summary>
    private static (PullLayerRequest Request, string Query) RequestOf(string name)
    {
        var heatMap = HeatMapAround();
        var coverage = new CoverageRequest { At = At, Sector = Sector };
        return name switch
        {
            "heat-map" => (new PullLayerRequest { HeatMap = heatMap }, Query(heatMap)),
            "hot-spots" => (new PullLayerRequest { HotSpots = heatMap }, Query(heatMap)),
            "bases" => (new PullLayerRequest { Bases = coverage }, Query(coverage)),
            "coverage-gaps" => (new PullLayerRequest { CoverageGaps = coverage }, Query(coverage)),
            "group-gaps" => (new PullLayerRequest { GroupGaps = GroupGapsAround() }, Query(GroupGapsAround())),
            _ => (new PullLayerRequest { CommunitiesAtRisk = coverage }, Query(coverage)),
        };
    }

    private static IReadOnlyList<FeedField> DictionaryOf(string name) => name switch
    {
        "heat-map" or "hot-spots" => HeatMapCellFields.All,
        "bases" => BaseFields.All,
        "coverage-gaps" => CoverageGapFields.All,
        "group-gaps" => GroupGapFields.All,
        _ => CommunityAtRiskFields.All,
    };

    private static string Word(TeamGap gap) => gap switch
    {
        TeamGap.NoCla => "no_cla",
        TeamGap.BelowMinimum => "below_minimum",
        _ => "no_female_cla",
    };

    /// <summary>
    /// A request as URL parameters, written independently of the service's reader: its proto3 JSON
    /// flattened, nested objects dotted, lists as repeated keys.
    /// </summary>
    private static string Query(IMessage request)
    {
        using var json = JsonDocument.Parse(JsonFormatter.Default.Format(request));
        var pairs = new List<string>();
        Flatten(json.RootElement, string.Empty, pairs);
        return string.Join('&', pairs);

        static void Flatten(JsonElement element, string prefix, List<string> pairs)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var member in element.EnumerateObject())
                    {
                        Flatten(member.Value, prefix.Length == 0 ? member.Name : $"{prefix}.{member.Name}", pairs);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Flatten(item, prefix, pairs);
                    }

                    break;
                default:
                    var text = element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
                    pairs.Add($"{prefix}={Uri.EscapeDataString(text)}");
                    break;
            }
        }
    }

    /// <summary>The present to the second: the clock is stopped where it is, never sent back (tokens and rate limits read it too).</summary>
    private static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private static List<JsonElement> Features(JsonDocument layer) => layer.RootElement.GetProperty("features").EnumerateArray().ToList();

    private Task<JsonDocument> PullAsync(Role role, string name, string query) => PullAsync(api.TokenOf(role), name, query);

    private Task<JsonDocument> PullAsync(Role role, string url) => PullUrlAsync(api.TokenOf(role), url);

    private Task<JsonDocument> PullAsync(string token, string name, string query) => PullUrlAsync(token, $"/feeds/layers/{name}?{query}");

    private async Task<JsonDocument> PullUrlAsync(string token, string url)
    {
        using var response = await GetAsync(token, url);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        return JsonDocument.Parse(body);
    }

    private async Task<byte[]> PullBytesAsync(string name, string query)
    {
        using var response = await GetAsync(api.TokenOf(Role.Importer), $"/feeds/layers/{name}?{query}");
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{name}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        return body;
    }

    private async Task<HttpResponseMessage> GetAsync(string token, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, url));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request);
    }

    private static async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        using var problem = JsonDocument.Parse(body);
        return problem.RootElement.GetProperty("problem").GetString()!;
    }

    private static async Task<(byte[] Document, FeedPageEnd End)> PullGrpcAsync(GeoAwarenessClient channel, PullLayerRequest request)
    {
        using var call = channel.Feeds.PullLayer(request);
        var document = new MemoryStream();
        FeedPageEnd? end = null;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            chunk.Geojson.WriteTo(document);
            end = chunk.End ?? end;
        }

        return (document.ToArray(), end ?? throw new InvalidOperationException("no end message"));
    }
}
