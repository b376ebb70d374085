using System.Globalization;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Cli.Pictures;
using Geo.Api;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Geo.Testing.Gdal;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary>
/// <c>geoaware heatmap</c> run as a process against the real service. Each test seeds its own
/// patch of the map (its own longitude), so tests of this class do not see each other's data.
/// The command pulls the heat-map layer feed; it runs with a supervisor's token, whose surface is
/// exact, so that the counts it draws are the counts seeded (an importer's are coarsened and
/// perturbed: LayerTests and the privacy tests hold those).
/// </summary>
public sealed class HeatmapCommandTests(ApiFixture api) : IClassFixture<ApiFixture>, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("heatmap-cli-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task GeoJson_IsByteForByteTheLayerFeedsAnswer_AndOgrinfoReadsIt()
    {
        await SeedAsync("hc-bytes", 30.0);
        var path = Path.Combine(_directory.FullName, "heat.geojson");
        var request = Around(30.0);
        request.Filter.AffectedSexes.Add(Sex.Female);
        request.Shape = GridShape.Hexagon;
        request.Classification = Classification.NaturalBreaks;
        request.Classes = 4;

        CliResult result;
        byte[] pulled;
        using (api.Clock.Freeze(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds())))
        {
            result = await RunAsync([.. Box(30.0), "--from", "2026-03-01", "--to", "2026-05-01", "--cell-metres", "5000", "--selector", "women-and-girls",
                "--grid", "hex", "--classes", "natural-breaks", "--class-count", "4", "--geojson", path]);
            pulled = await PullAsync(new PullLayerRequest { HeatMap = request });
        }

        Assert.True(result.ExitCode == 0, result.ToString());
        var written = await File.ReadAllBytesAsync(path);
        Assert.Equal(pulled, written);
        var total = JsonDocument.Parse(written).RootElement.GetProperty("total").GetInt64();
        Assert.True(total > 0, "the test's heat map has cells");
        Assert.Contains($"{path}: {total} cells", result.Output, StringComparison.Ordinal);
        var info = await Ogrinfo.RunAsync("-ro", "-al", "-so", path);
        Assert.Contains($"Feature Count: {total}", info, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory.FullName, "*.part"));
    }

    [Fact]
    public async Task Png_HottestCellsCentre_HasTheHottestClassColour_AndTheLegendIsDrawn()
    {
        await SeedAsync("hc-png", 31.0);
        var png = Path.Combine(_directory.FullName, "heat.png");
        var geoJson = Path.Combine(_directory.FullName, "heat.geojson");

        var result = await RunAsync([.. Box(31.0), "--from", "2026-03-01", "--to", "2026-05-01", "--cell-metres", "5000", "--png", png, "--geojson", geoJson, "--width", "1000", "--height", "700"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var picture = await HeatmapPng.ReadAsync(png);
        Assert.Equal((1000, 700, 8, 2), (picture.Width, picture.Height, picture.BitDepth, picture.ColourType));
        Assert.Equal(["IHDR", "IDAT", "IEND"], picture.Chunks);
        using var layer = JsonDocument.Parse(await File.ReadAllBytesAsync(geoJson));
        var classes = layer.RootElement.GetProperty("class_breaks").GetArrayLength() + 1;
        var cells = layer.RootElement.GetProperty("features").EnumerateArray().ToList();
        var hottest = cells.Max(c => c.GetProperty("properties").GetProperty("class").GetInt32());
        Assert.True(hottest > 1, "the cells fall in more than one class");
        var frame = HeatMapPicture.FrameOf([Ring(31.0)], 1000, 700);
        foreach (var cell in cells.Where(c => c.GetProperty("properties").GetProperty("class").GetInt32() == hottest))
        {
            var centre = Centre(cell, frame);
            Assert.Equal(HeatMapPicture.ClassColour(hottest, classes), picture[(int)centre.X, (int)centre.Y]);
        }

        var legendLeft = 1000 - HeatMapPicture.LegendWidth;
        Assert.True(picture.Count(HeatMapPicture.ClassColour(hottest, classes), legendLeft, 0, 1000, 700) >= 300, "the hottest class has its swatch in the legend");
        Assert.True(picture.Count(HeatMapPicture.Ink, legendLeft, 0, 1000, 700) >= 1000, "the legend's text is drawn");
    }

    [Fact]
    public async Task Png_HotSpots_ColouredBySignificance()
    {
        await SeedAsync("hc-hot", 32.0);
        var png = Path.Combine(_directory.FullName, "hot.png");
        var geoJson = Path.Combine(_directory.FullName, "hot.geojson");

        var result = await RunAsync([.. Box(32.0), "--from", "2026-03-01", "--to", "2026-05-01", "--cell-metres", "5000", "--method", "hot-spots", "--png", png, "--geojson", geoJson]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var layer = JsonDocument.Parse(await File.ReadAllBytesAsync(geoJson));
        Assert.Equal("hot-spots", layer.RootElement.GetProperty("layer").GetString());
        var hot = layer.RootElement.GetProperty("features").EnumerateArray().Where(c => c.GetProperty("properties").GetProperty("hot_spot").GetInt32() > 0).ToList();
        Assert.NotEmpty(hot);
        var picture = await HeatmapPng.ReadAsync(png);
        var frame = HeatMapPicture.FrameOf([Ring(32.0)], 1200, 800);
        foreach (var cell in hot)
        {
            var centre = Centre(cell, frame);
            Assert.Equal(HeatMapPicture.HotSpotColour(cell.GetProperty("properties").GetProperty("hot_spot").GetInt32()), picture[(int)centre.X, (int)centre.Y]);
        }
    }

    [Fact]
    public async Task SelectorAndPeriod_ChangeWhatIsCounted()
    {
        await SeedAsync("hc-who", 33.0);

        var womenAndGirls = await ObservationsAsync([.. Box(33.0), "--from", "2026-03-01", "--to", "2026-05-01", "--selector", "women-and-girls"]);
        var men = await ObservationsAsync([.. Box(33.0), "--from", "2026-03-01", "--to", "2026-05-01", "--selector", "men"]);
        var girls = await ObservationsAsync([.. Box(33.0), "--from", "2026-03-01", "--to", "2026-05-01", "--selector", "children", "--sex", "female"]);
        var april = await ObservationsAsync([.. Box(33.0), "--from", "2026-04-01", "--to", "2026-05-01"]);

        // 40 in March affect girls and men; 20 in April only men.
        Assert.Equal(40, womenAndGirls);
        Assert.Equal(60, men);
        Assert.Equal(40, girls);
        Assert.Equal(20, april);
    }

    [Fact]
    public async Task DefaultsAndOverrides_CountThreatsNotDiscredited_UnlessAskedAndEventsOnce()
    {
        // Four threats, two linked as one event; a community meeting; a discredited threat.
        string Id(string key) => IdOf($"hc-defaults-{key}");
        Observation At(string key, Category category = Category.ThreatOfPhysicalViolence)
        {
            var observation = NewObservation($"hc-defaults-{key}", 37.0, 0.5, "2026-03-10T10:00:00Z");
            observation.Category = category;
            return observation;
        }

        await api.SubmitAsync(At("t1"), At("t2"), At("t3"), At("t4"), At("meeting", Category.CommunityEngagement), At("false"));
        await api.As(Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = Id("false"), Verification = VerificationStatus.Discredited }).ResponseAsync;
        await api.As(Role.Supervisor).Observations.LinkEventAsync(new LinkEventRequest { Ids = { Id("t1"), Id("t2") } }).ResponseAsync;
        string[] map = [.. Box(37.0), "--from", "2026-03-01", "--to", "2026-05-01"];

        Assert.Equal(4, await ObservationsAsync(map));
        Assert.Equal(5, await ObservationsAsync([.. map, "--category", "all"]));
        Assert.Equal(5, await ObservationsAsync([.. map, "--include-discredited"]));
        Assert.Equal(6, await ObservationsAsync([.. map, "--category", "all", "--include-discredited"]));
        Assert.Equal(3, await ObservationsAsync([.. map, "--events"]));
        Assert.Equal(1, await ObservationsAsync([.. map, "--category", "community-engagement"]));
    }

    [Theory]
    [InlineData("--status", "reported", "--include-discredited: give it or --status, not both")]
    [InlineData("--category", "meetings", "--category: 'meetings' is not one of")]
    public async Task BadFilter_NamesTheOptionAndExits2(string option, string value, string message)
    {
        var result = await RunAsync([.. Box(38.0), "--to", "2026-05-01", option, value, "--include-discredited"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith($"geoaware: {message}", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bbox", "30,0.4,30.7", "--bbox: '30,0.4,30.7' is not four comma-separated numbers")]
    [InlineData("--bbox", "30.7,0.4,30,1", "--bbox: '30.7,0.4,30,1' is empty")]
    [InlineData("--cell-metres", "60000", "--cell-metres: 60000 is out of range 100..50000")]
    [InlineData("--selector", "elders", "--selector: 'elders' is not one of: all, women-and-girls")]
    [InlineData("--png", "/no/such/directory/heat.png", "--png: cannot write /no/such/directory/heat.png")]
    [InlineData("--geojson", "/proc/heat.geojson", "--geojson: cannot write /proc/heat.geojson")]
    [InlineData("--method", "weighted", "--method weighted: needs --weight")]
    [InlineData("--from", "2026-06-01", "--from: 2026-06-01T00:00:00Z is not before --to")]
    public async Task BadOption_NamesTheOptionAndExits2(string option, string value, string message)
    {
        string[] area = option == "--bbox" ? [] : Box(34.0);

        var result = await RunAsync([.. area, "--to", "2026-05-01", option, value]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith($"geoaware: {message}", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task NoArea_SaysBboxOrPolygonIsRequiredAndExits2()
    {
        var result = await RunAsync("--cell-metres", "1000");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("geoaware: --bbox or --polygon is required", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Polygon_FromAFileOfWkt_IsTheArea()
    {
        await SeedAsync("hc-poly", 35.0);
        var file = Path.Combine(_directory.FullName, "area.wkt");
        await File.WriteAllTextAsync(file, "POLYGON((34.7 0.2, 35.4 0.2, 35.4 0.8, 34.7 0.8, 34.7 0.2))");

        var observations = await ObservationsAsync("--polygon", "@" + file, "--from", "2026-03-01", "--to", "2026-05-01");

        Assert.Equal(60, observations);
    }

    [Fact]
    public async Task ServiceRefusal_GivesTheServicesFieldMessageAndExits1()
    {
        var result = await RunAsync("--bbox", "20,-2,24,2", "--cell-metres", "100", "--from", "2026-03-01", "--to", "2026-05-01");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.Contains("heat_map.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadToken_Exits4()
    {
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, "not-a-token", ["heatmap", .. Box(30.0)]);

        Assert.Equal(4, result.ExitCode);
        Assert.StartsWith("geoaware: the service refused the token", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACpasFocalPointsToken_IsRefusedTheLayerAndExits5()
    {
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.CpasFocalPoint), ["heatmap", .. Box(30.0)]);

        Assert.Equal(5, result.ExitCode);
        Assert.StartsWith("geoaware: permission denied", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAnalystsToken_ReadsTheHeatMapLayer()
    {
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Analyst), ["heatmap", .. Box(30.0), "--cell-metres", "5000"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Output);
        Assert.Equal("FeatureCollection", document.RootElement.GetProperty("type").GetString());
    }

    private static string[] Box(double longitude) =>
        ["--bbox", string.Create(CultureInfo.InvariantCulture, $"{longitude - 0.3},0.2,{longitude + 0.4},0.8")];

    private static AreaRing Ring(double longitude) =>
        new([(longitude - 0.3, 0.2), (longitude + 0.4, 0.2), (longitude + 0.4, 0.8), (longitude - 0.3, 0.8)]);

    /// <summary>The request the command should send for <see cref="Box"/> and 5 km cells, March and April 2026.</summary>
    private static HeatMapRequest Around(double longitude) => new()
    {
        Filter = new ObservationFilter
        {
            Area = new Area { Bbox = new BoundingBox { West = longitude - 0.3, South = 0.2, East = longitude + 0.4, North = 0.8 } },
            ObservedFrom = Time("2026-03-01T00:00:00Z"),
            ObservedTo = Time("2026-05-01T00:00:00Z"),
        },
        CellSizeMetres = 5000,
    };

    /// <summary>The centre of a cell's polygon (the mean of its corners) in the picture.</summary>
    private static PixelPoint Centre(JsonElement cell, MapFrame frame)
    {
        var corners = cell.GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray().SkipLast(1).ToList();
        return frame.ToPixel(corners.Average(c => c[0].GetDouble()), corners.Average(c => c[1].GetDouble()));
    }

    /// <summary>40 observations in March at (longitude, 0.5) affecting girls and men, and 20 in April at (longitude + 0.2, 0.6) affecting only men.</summary>
    private async Task SeedAsync(string prefix, double longitude)
    {
        var march = Enumerable.Range(0, 40).Select(i => NewObservation($"{prefix}-a-{i}", longitude, 0.5, "2026-03-10T10:00:00Z"));
        var april = Enumerable.Range(0, 20).Select(i =>
        {
            var observation = NewObservation($"{prefix}-b-{i}", longitude + 0.2, 0.6, "2026-04-10T10:00:00Z");
            observation.Affected.Clear();
            observation.Affected.Add(new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Adult, Count = 1 });
            return observation;
        });
        await api.SubmitAsync([.. march, .. april]);
    }

    private Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Supervisor), ["heatmap", .. args]);

    /// <summary>The observations of the heat map's single frame, read from the GeoJSON the command prints on stdout.</summary>
    private async Task<long> ObservationsAsync(params string[] args)
    {
        var result = await RunAsync([.. args, "--cell-metres", "5000"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var layer = JsonDocument.Parse(result.Output);
        return layer.RootElement.GetProperty("frames")[0].GetProperty("observations").GetInt64();
    }

    private async Task<byte[]> PullAsync(PullLayerRequest request)
    {
        using var call = api.As(Role.Supervisor).Feeds.PullLayer(request);
        using var document = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            chunk.Geojson.WriteTo(document);
        }

        return document.ToArray();
    }
}
