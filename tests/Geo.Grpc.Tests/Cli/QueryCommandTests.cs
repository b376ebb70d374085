using System.Text.Json;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Testing.Gdal;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary>geoaware query against the real service: areas, filters, every page streamed, and three output formats.</summary>
public sealed class QueryCommandTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Analyst), ["query", .. args]);

    private Task<CliResult> SupervisorAsync(params string[] args) => CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Supervisor), ["query", .. args]);

    /// <summary>Observations near (lon, -1.5), each test at its own longitude so that its bbox sees only its own.</summary>
    private async Task<string> SeedAsync(double longitude, params Observation[] observations)
    {
        foreach (var o in observations)
        {
            o.Location = new GeoPoint { Longitude = longitude + o.Location.Longitude - 29.22, Latitude = -1.5 + o.Location.Latitude + 1.68 };
        }

        await api.SubmitAsync(observations);
        return FormattableString.Invariant($"{longitude - 0.1},-1.6,{longitude + 0.1},-1.4");
    }

    [Fact]
    public async Task Table_ByDefault_ListsTheObservationsInTheBoxAndHowMany()
    {
        var box = await SeedAsync(20.0, ApiFixture.NewObservation("q-table-1"), ApiFixture.NewObservation("q-table-2", observedAt: "2026-03-02T10:00:00Z"));
        await api.SubmitAsync(ApiFixture.NewObservation("q-table-elsewhere", longitude: 10.0));

        var result = await RunAsync("--bbox", box);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Trim().Split('\n');
        Assert.StartsWith("observed at (UTC)", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^2026-03-01 10:00\s+" + ApiFixture.IdOf("q-table-1") + @"\s+threat_of_physical_violence\s+3\s+reported\s+6\b", lines[1]);
        Assert.Contains(ApiFixture.IdOf("q-table-2"), lines[2], StringComparison.Ordinal);
        Assert.Equal("2 observations", lines[^1]);
        Assert.DoesNotContain(ApiFixture.IdOf("q-table-elsewhere"), result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GeoJson_OverManyPages_IsOneFeatureCollectionThatOgrinfoReadsWhole()
    {
        var observations = Enumerable.Range(0, 7).Select(i => ApiFixture.NewObservation($"q-geojson-{i}", observedAt: $"2026-04-0{i + 1}T08:00:00Z")).ToArray();
        observations[3].Notes = "Names with \"quotes\", commas and é";
        var box = await SeedAsync(21.0, observations);
        var file = Path.Combine(Path.GetTempPath(), $"geoaware-query-{Guid.NewGuid():N}.geojson");
        try
        {
            var result = await RunAsync("--bbox", box, "--page-size", "2", "--format", "geojson", "--output", file);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Empty(result.Output);
            Assert.Contains("wrote 7 observations", result.Error, StringComparison.Ordinal);
            using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(file));
            Assert.Equal("FeatureCollection", document.RootElement.GetProperty("type").GetString());
            var ids = document.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToList();
            Assert.Equal(observations.Select(o => ApiFixture.IdOf(o.ClientId)), ids);
            var info = await Ogrinfo.RunAsync("-so", "-al", file);
            Assert.Contains("Feature Count: 7", info, StringComparison.Ordinal);
            Assert.Contains("Geometry: Point", info, StringComparison.Ordinal);
            Assert.Contains("affected_female_child: Integer", info, StringComparison.Ordinal);
            Assert.Contains("observed_at: DateTime", info, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Csv_IsRfc4180WithAHeaderAndQuotedText()
    {
        var tricky = ApiFixture.NewObservation("q-csv-2", observedAt: "2026-03-02T10:00:00Z");
        tricky.Notes = "Said \"leave now\", then left";
        var box = await SeedAsync(22.0, ApiFixture.NewObservation("q-csv-1"), tricky);

        // A supervisor's query: the CLA's notes reach only the supervisor chain.
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Supervisor), "query", "--bbox", box, "--format", "csv");
        var analyst = await RunAsync("--bbox", box, "--format", "csv");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Split("\r\n");
        Assert.Equal(4, lines.Length);
        Assert.Equal(string.Empty, lines[^1]);
        Assert.StartsWith("id,observed_at,reported_at,longitude,latitude,location_precision,category,severity,verification,affected_total,affected_female_child,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith(ApiFixture.IdOf("q-csv-1") + ",2026-03-01T10:00:00Z,", lines[1], StringComparison.Ordinal);
        Assert.Contains(",threat_of_physical_violence,3,reported,6,4,", lines[1], StringComparison.Ordinal);
        Assert.Contains(",\"Said \"\"leave now\"\", then left\",", lines[2], StringComparison.Ordinal);
        Assert.True(analyst.ExitCode == 0, analyst.ToString());
        Assert.DoesNotContain("leave now", analyst.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("cla-7f3a", analyst.Output, StringComparison.Ordinal);
        Assert.Equal(lines[0].Split(',').Length, lines[1].Split(',').Length);
    }

    [Fact]
    public async Task Filters_CircleGroupCategorySeverityAndPeriod_NarrowTheAnswer()
    {
        var girls = ApiFixture.NewObservation("q-filter-girls");
        var men = ApiFixture.NewObservation("q-filter-men");
        men.Affected.Clear();
        men.Affected.Add(new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Adult, Count = 3 });
        var mild = ApiFixture.NewObservation("q-filter-mild");
        mild.Severity = 1;
        var other = ApiFixture.NewObservation("q-filter-other");
        other.Category = Category.Displacement;
        var late = ApiFixture.NewObservation("q-filter-late", observedAt: "2026-09-01T10:00:00Z");
        var far = ApiFixture.NewObservation("q-filter-far", longitude: 29.32);
        await SeedAsync(23.0, girls, men, mild, other, late, far);

        // A supervisor's query: exact points and counts, so that a 5 km circle holds what was seeded
        // in it (a coarsened caller's points move 2 to 5 km and its counts carry noise).
        var result = await SupervisorAsync(
            "--near", "23.0,-1.5", "--radius", "5000", "--sex", "female", "--age", "child", "--category", "threat_of_physical_violence",
            "--min-severity", "2", "--from", "2026-01-01", "--to", "2026-06-01T00:00:00Z", "--format", "csv");
        var count = await SupervisorAsync("--near", "23.0,-1.5", "--radius", "5000", "--count");

        Assert.True(result.ExitCode == 0, result.ToString());
        var ids = result.Output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[0]);
        Assert.Equal([ApiFixture.IdOf("q-filter-girls")], ids);
        Assert.Equal("5", count.Output.Trim());
    }

    [Fact]
    public async Task PolygonFromAFileAndSummary_CountsByCategoryAndGroup_WithheldFromACoarsenedCaller()
    {
        var other = ApiFixture.NewObservation("q-summary-2");
        other.Category = Category.Displacement;
        await SeedAsync(24.0, ApiFixture.NewObservation("q-summary-1"), other);
        var file = Path.Combine(Path.GetTempPath(), $"geoaware-area-{Guid.NewGuid():N}.geojson");
        await File.WriteAllTextAsync(file, """{"type":"Polygon","coordinates":[[[23.9,-1.6],[24.1,-1.6],[24.1,-1.4],[23.9,-1.4],[23.9,-1.6]]]}""");
        try
        {
            var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Supervisor), "query", "--polygon", $"@{file}", "--summary");
            var coarsened = await RunAsync("--polygon", $"@{file}", "--summary");

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.StartsWith("2 observations, 12 people affected", result.Output, StringComparison.Ordinal);
            Assert.Matches(@"displacement\s+1\s+6", result.Output);
            Assert.Matches(@"female\s+child\s+2\s+8", result.Output);
            Assert.Equal("withheld: too few observations to show for this token", coarsened.Output.Trim());
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// --events: three reports of one incident (linked by a supervisor) and two of their own; each
    /// reports 4 girls and 2 men. The incident counts once, with its people once; a coarsened caller
    /// gets three events withheld.
    /// </summary>
    [Fact]
    public async Task CountAndSummary_WithEvents_CountLinkedReportsOnce()
    {
        var displaced = ApiFixture.NewObservation("q-events-own-2");
        displaced.Category = Category.Displacement;
        var box = await SeedAsync(27.0,
            ApiFixture.NewObservation("q-events-1"), ApiFixture.NewObservation("q-events-2"), ApiFixture.NewObservation("q-events-3"), ApiFixture.NewObservation("q-events-own-1"), displaced);
        await api.As(Role.Supervisor).Observations.LinkEventAsync(new LinkEventRequest { Ids = { ApiFixture.IdOf("q-events-1"), ApiFixture.IdOf("q-events-2"), ApiFixture.IdOf("q-events-3") } });

        var reports = await SupervisorAsync("--bbox", box, "--count");
        var events = await SupervisorAsync("--bbox", box, "--count", "--events");
        var summary = await SupervisorAsync("--bbox", box, "--summary", "--events");
        var coarsened = await RunAsync("--bbox", box, "--count", "--events");

        Assert.True(summary.ExitCode == 0, summary.ToString());
        Assert.Equal(("5", "3"), (reports.Output.Trim(), events.Output.Trim()));
        Assert.StartsWith("3 events of 5 observations, 18 people affected", summary.Output, StringComparison.Ordinal);
        Assert.Matches(@"category\s+events\s+observations\s+people affected", summary.Output);
        Assert.Matches(@"threat-of-physical-violence\s+2\s+4\s+12", summary.Output);
        Assert.Matches(@"displacement\s+1\s+1\s+6", summary.Output);
        Assert.Matches(@"female\s+child\s+3\s+5\s+12", summary.Output);
        Assert.Matches(@"male\s+adult\s+3\s+5\s+6", summary.Output);
        Assert.Equal("withheld: too few events to show for this token", coarsened.Output.Trim());
    }

    [Fact]
    public async Task Stream_CutByTheNetworkMidWay_IsResumedAfterTheLastWholePageWithNothingTwiceOrMissing()
    {
        var observations = Enumerable.Range(0, 40)
            .Select(i => ApiFixture.NewObservation($"q-cut-{i:D2}", observedAt: FormattableString.Invariant($"2026-05-{(i % 28) + 1:D2}T{i % 24:D2}:00:00Z")))
            .ToArray();
        var box = await SeedAsync(25.0, observations);
        var file = Path.Combine(Path.GetTempPath(), $"geoaware-cut-{Guid.NewGuid():N}.csv");
        // Pages of 3 are about a kilobyte each: the first connection drops some pages in.
        await using var proxy = new Geo.Testing.CuttingProxy(api.Service.GrpcEndpoint, cutAfterBytes: 6000);
        try
        {
            var result = await CliRunner.RunAsync(proxy.Address, api.TokenOf(Role.Supervisor),
                "query", "--bbox", box, "--page-size", "3", "--format", "csv", "--output", file);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("the stream broke after ", result.Error, StringComparison.Ordinal);
            Assert.Contains("wrote 40 observations", result.Error, StringComparison.Ordinal);
            Assert.True(proxy.Connections >= 2, $"{proxy.Connections} connection(s)");
            var ids = (await File.ReadAllLinesAsync(file)).Skip(1).Select(line => line.Split(',')[0]).ToList();
            Assert.Equal(observations.Select(o => ApiFixture.IdOf(o.ClientId)).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Stream_CutWithNoRetriesAllowed_FailsAsUnreachableAndLeavesNoFile()
    {
        var box = await SeedAsync(26.0, Enumerable.Range(0, 40).Select(i => ApiFixture.NewObservation($"q-cut-none-{i:D2}")).ToArray());
        var file = Path.Combine(Path.GetTempPath(), $"geoaware-cut-{Guid.NewGuid():N}.csv");
        await using var proxy = new Geo.Testing.CuttingProxy(api.Service.GrpcEndpoint, cutAfterBytes: 6000);

        var result = await CliRunner.RunAsync(proxy.Address, api.TokenOf(Role.Supervisor),
            "query", "--bbox", box, "--page-size", "3", "--format", "csv", "--output", file, "--retries", "0");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("cannot reach the service", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(file), "a broken download leaves no partial file");
    }

    [Theory]
    [InlineData("--bbox: '29,-1.8,29.4' is not four comma-separated numbers minLon,minLat,maxLon,maxLat", "--bbox", "29,-1.8,29.4")]
    [InlineData("--bbox: '29,-1.8,east,-1.4' is not four comma-separated numbers minLon,minLat,maxLon,maxLat", "--bbox", "29,-1.8,east,-1.4")]
    [InlineData("--category: 'fire' is not one of threat-of-physical-violence", "--category", "fire")]
    [InlineData("--sex: 'women' is not one of female, male, unknown", "--sex", "women")]
    [InlineData("--from: 'yesterday' is not a day (2026-10-01)", "--from", "yesterday")]
    [InlineData("--min-severity: '9' is not a whole number from 1 to 5", "--min-severity", "9")]
    [InlineData("--format: 'xml' is not one of table, geojson, csv", "--format", "xml")]
    [InlineData("--polygon: ", "--polygon", "POLYGON((29 -1, 30 -1")]
    [InlineData("--near: needs --radius metres", "--near", "29.2,-1.6")]
    [InlineData("--bbox, --polygon, --near: give at most one area", "--bbox", "29,-1.8,29.4,-1.4", "--near", "29.2,-1.6", "--radius", "10")]
    [InlineData("--count and --summary: give one of them", "--count", "--summary")]
    [InlineData("--events: only with --count or --summary", "--bbox", "29,-1.8,29.4,-1.4", "--events")]
    public async Task BadValue_NamesTheOptionAndExits2(string expected, params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task ServiceRefusal_ExitsWith1AndTheServicesFieldMessage()
    {
        var result = await RunAsync("--near", "29.2,-1.6", "--radius", "5000000");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("geoaware: INVALID_ARGUMENT: filter.area.circle.radius_metres: ", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
    }
}
