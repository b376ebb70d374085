using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Testing.Browser;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Xunit;
using Xunit.Abstractions;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Map;

/// <summary>
/// The map page's controls for daily work, in headless Chromium against the real service: the
/// filters (category, verification, minimum severity, period), each checked against the same layer
/// pulled over HTTP with the filter the test expects; the time slider over a monthly series, whose
/// colour scale stays the one the service classed every frame on; and the observation layer, which
/// for each role holds exactly what that role's own Observations/Query gives. The mission: two
/// bases and a community, and four clusters of reports: threats (reported), community meetings,
/// threats a supervisor discredited, and severity-5 early warnings, spread over five months.
/// </summary>
public sealed class MapDailyWorkTests(ApiFixture api, ITestOutputHelper output) : IClassFixture<ApiFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly DateTime Today = DateTime.UtcNow.Date;

    private static readonly string[] Threats = MapTestPage.ThreatCategories;

    /// <summary>geoawareness.v1.Category by number, from 1.</summary>
    private static readonly string[] AllCategories =
    [
        "CATEGORY_THREAT_OF_PHYSICAL_VIOLENCE", "CATEGORY_ARMED_GROUP_MOVEMENT", "CATEGORY_DISPLACEMENT", "CATEGORY_EARLY_WARNING_ALERT",
        "CATEGORY_COMMUNITY_ENGAGEMENT", "CATEGORY_INFORMATION_HARM", "CATEGORY_SECURITY_INCIDENT_AGAINST_CLA", "CATEGORY_OTHER",
    ];

    private static readonly string[] NotDiscredited = MapTestPage.NotDiscredited;

    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task MapPage_Filters_EachChangesWhatIsDrawnAsTheSameRequestOverTheApi()
    {
        await SeedAsync();
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();
        // A supervisor's counts are exact: each filter's count is its clusters' size.
        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + api.TokenOf(Role.Supervisor)));
        await LoadedAsync(page, 0);

        // By default threats and alerts, community meetings and discredited reports left out; the page says so.
        var threats = await DrawnAsTheApiAsync(page, Threats, NotDiscredited, 1);
        var applied = (await page.EvaluateAsync("document.getElementById('applied-filter').textContent")).GetString()!;
        output.WriteLine("the page says: " + applied);
        Assert.Contains("threat of physical violence", applied, StringComparison.Ordinal);
        Assert.DoesNotContain("community engagement", applied, StringComparison.Ordinal);
        Assert.DoesNotContain("discredited", applied, StringComparison.Ordinal);
        Assert.Equal("(4 of 8)", (await page.EvaluateAsync("document.getElementById('categories-summary').textContent")).GetString());
        Assert.Equal(Ids("threat").Count + Ids("alert").Count, threats);

        // Community engagement alone: the meetings, and nothing else.
        await CheckAsync(page, "categories", Threats.Select(c => (c, false)).Append(("CATEGORY_COMMUNITY_ENGAGEMENT", true)));
        var meetings = await DrawnAsTheApiAsync(page, ["CATEGORY_COMMUNITY_ENGAGEMENT"], NotDiscredited, 1);
        Assert.Equal(Ids("meeting").Count, meetings);
        Assert.Contains("community engagement", (await page.EvaluateAsync("document.getElementById('applied-filter').textContent")).GetString(), StringComparison.Ordinal);

        // Threats again, discredited ones in too.
        await CheckAsync(page, "categories", Threats.Select(c => (c, true)).Append(("CATEGORY_COMMUNITY_ENGAGEMENT", false)));
        await CheckAsync(page, "verification", [("VERIFICATION_STATUS_DISCREDITED", true)]);
        var withDiscredited = await DrawnAsTheApiAsync(page, Threats, [.. NotDiscredited, "VERIFICATION_STATUS_DISCREDITED"], 1);
        Assert.Equal(Ids("threat").Count + Ids("alert").Count + Ids("discredited").Count, withDiscredited);

        // Severity 5 or more: the alerts alone.
        await CheckAsync(page, "verification", [("VERIFICATION_STATUS_DISCREDITED", false)]);
        await ChooseAsync(page, "min-severity", "5");
        var severe = await DrawnAsTheApiAsync(page, Threats, NotDiscredited, 5);
        Assert.Equal(Ids("alert").Count, severe);
        Assert.Contains("severity 5 or more", (await page.EvaluateAsync("document.getElementById('applied-filter').textContent")).GetString(), StringComparison.Ordinal);

        // The period: the last 40 days hold the newest alerts only.
        await ChooseAsync(page, "from", Date(Today.AddDays(-40)));
        var recent = await DrawnAsTheApiAsync(page, Threats, NotDiscredited, 5);
        Assert.Equal(Ids("alert", i => ObservedAt(i) >= Today.AddDays(-40)).Count, recent);

        // No category at all is never sent as "any": the page says what to do and draws nothing.
        await CheckAsync(page, "categories", Threats.Select(c => (c, false)), expectError: true);
        Assert.Contains("Choose at least one category", (await page.EvaluateAsync("window.geoMap.error")).GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await page.EvaluateAsync("window.geoMap.counts.heat")).GetInt32());
    }

    [Fact]
    public async Task MapPage_TimeSlider_StepsMonthlyFramesOnOneFixedScale()
    {
        await SeedAsync();
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();
        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + api.TokenOf(Role.Analyst)));
        await LoadedAsync(page, 0);
        await ChooseAsync(page, "from", Date(Today.AddMonths(-6)));
        await ChooseAsync(page, "step", "SERIES_STEP_MONTH");

        using var series = await PullAsync(Role.Analyst, "heat-map", await HeatMapQueryAsync(page, Threats, NotDiscredited, 1, "SERIES_STEP_MONTH"));
        var frames = series.RootElement.GetProperty("frames");
        Assert.True(frames.GetArrayLength() >= 6, $"{frames.GetArrayLength()} frames");
        var breaks = series.RootElement.GetProperty("class_breaks").EnumerateArray().Select(b => b.GetDouble()).ToList();
        var scale = (await page.EvaluateAsync("window.geoMap.scale.text")).GetString()!;
        output.WriteLine("the legend: " + scale);
        Assert.Contains("one scale for every frame", scale, StringComparison.Ordinal);
        Assert.Equal(breaks, (await page.EvaluateAsync("window.geoMap.scale.breaks")).EnumerateArray().Select(b => b.GetDouble()).ToList());
        Assert.Equal(frames.GetArrayLength(), (await page.EvaluateAsync("window.geoMap.frame.count")).GetInt32());

        var framesWithCells = 0;
        for (var frame = 0; frame < frames.GetArrayLength(); frame++)
        {
            if (frame > 0)
            {
                await page.EvaluateAsync("document.getElementById('frame-next').click()");
            }

            Assert.Equal(frame, (await page.EvaluateAsync("window.geoMap.frame.index")).GetInt32());
            var expected = series.RootElement.GetProperty("features").EnumerateArray()
                .Where(f => f.GetProperty("properties").GetProperty("frame").GetInt32() == frame)
                .Select(f => $"{f.GetProperty("properties").GetProperty("id").GetString()}:{f.GetProperty("properties").GetProperty("class").GetInt32()}")
                .Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, await DrawnCellsAsync(page));
            framesWithCells += expected.Count > 0 ? 1 : 0;
            // The legend is the one scale of the series, whatever frame is shown.
            Assert.Equal(scale, (await page.EvaluateAsync("window.geoMap.scale.text")).GetString());
            var from = frames[frame].GetProperty("from").GetString()![..10];
            Assert.Contains(from, (await page.EvaluateAsync("document.getElementById('frame-dates').textContent")).GetString(), StringComparison.Ordinal);
        }

        Assert.True(framesWithCells >= 3, $"only {framesWithCells} frames hold cells");

        // Play steps on by itself; pause stops it.
        var before = (await page.EvaluateAsync("window.geoMap.frame.index")).GetInt32();
        await page.EvaluateAsync("document.getElementById('frame-play').click()");
        await page.WaitForAsync($"window.geoMap.frame.index !== {before}", Patience, "the next frame while playing");
        await page.EvaluateAsync("document.getElementById('frame-play').click()");
        Assert.False((await page.EvaluateAsync("window.geoMap.playing")).GetBoolean());
        Assert.Equal("Play", (await page.EvaluateAsync("document.getElementById('frame-play').textContent")).GetString());
    }

    [Theory]
    [InlineData(Role.Supervisor)]
    [InlineData(Role.Analyst)]
    public async Task MapPage_ObservationLayer_HoldsExactlyWhatTheRolesOwnQueryGives(Role role)
    {
        await SeedAsync();
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();
        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + api.TokenOf(role)));
        await LoadedAsync(page, 0);

        var layer = await page.EvaluateAsync("window.geoMap.observations");
        Assert.False(layer.GetProperty("refused").GetBoolean());
        var request = layer.GetProperty("request");
        var expected = await QueryAsync(role, FilterOf(request, Threats, NotDiscredited, 1));
        Assert.Equal(Ids("threat").Count + Ids("alert").Count, expected.Count);
        var points = layer.GetProperty("points").EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!, StringComparer.Ordinal);
        Assert.Equal(expected.Select(o => o.Id).Order(StringComparer.Ordinal), points.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Count, (await page.EvaluateAsync("window.geoMap.counts.observations")).GetInt32());
        Assert.Equal(expected.Count, (await page.EvaluateAsync("window.geoMapLayers.observations.getLayers().length")).GetInt32());
        foreach (var observation in expected)
        {
            var point = points[observation.Id];
            Assert.Equal(observation.Location.Longitude, point.GetProperty("longitude").GetDouble());
            Assert.Equal(observation.Location.Latitude, point.GetProperty("latitude").GetDouble());
            AssertSameFields(observation, point.GetProperty("fields"));
        }

        // The analyst's points are coarse: none of them is where the supervisor's is.
        if (role == Role.Analyst)
        {
            var exact = (await QueryAsync(Role.Supervisor, FilterOf(request, Threats, NotDiscredited, 1))).ToDictionary(o => o.Id, StringComparer.Ordinal);
            Assert.All(expected, o => Assert.NotEqual((exact[o.Id].Location.Longitude, exact[o.Id].Location.Latitude), (o.Location.Longitude, o.Location.Latitude)));
        }

        // A click's details: the fields this role receives, the CLA's id and notes to the chain alone.
        await page.EvaluateAsync(
            "(() => { const g = window.geoMapLayers.observations; const m = g.getLayers()[0]; g.zoomToShowLayer(m, () => m.openPopup()); })()");
        await page.WaitForAsync("document.querySelector('.leaflet-popup-content')", Patience, "the observation's popup");
        var popup = (await page.EvaluateAsync("document.querySelector('.leaflet-popup-content').innerText")).GetString()!;
        output.WriteLine($"{role}'s popup: {popup}");
        Assert.Contains("severity", popup, StringComparison.Ordinal);
        Assert.Equal(role == Role.Supervisor, popup.Contains("reporter_id", StringComparison.Ordinal));
        Assert.Equal(role == Role.Supervisor, popup.Contains("notes", StringComparison.Ordinal));
        Assert.DoesNotContain("source", popup, StringComparison.OrdinalIgnoreCase);
        if (role == Role.Analyst)
        {
            await SaveScreenshotAsync(page, "map-observation-popup.png");
        }
    }

    [Theory]
    [InlineData(Role.Planner)]
    [InlineData(Role.UnCimicOfficer)]
    public async Task MapPage_ObservationLayer_ForARoleThatMayNotReadObservations_IsANoteNotAnError(Role role)
    {
        await SeedAsync();
        var refusal = await FailsWith(StatusCode.PermissionDenied, () => QueryAsync(role, new ObservationFilter()));
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();
        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + api.TokenOf(role)));
        await LoadedAsync(page, 0);

        Assert.Equal(JsonValueKind.Null, (await page.EvaluateAsync("window.geoMap.error")).ValueKind);
        Assert.True((await page.EvaluateAsync("document.getElementById('error').hidden")).GetBoolean());
        Assert.True((await page.EvaluateAsync("window.geoMap.observations.refused")).GetBoolean());
        Assert.Equal(0, (await page.EvaluateAsync("window.geoMap.observations.points.length")).GetInt32());
        Assert.Equal(0, (await page.EvaluateAsync("window.geoMapLayers.observations.getLayers().length")).GetInt32());
        var note = (await page.EvaluateAsync("document.getElementById('observations-note').textContent")).GetString()!;
        output.WriteLine($"{role}: {note} (the service: {refusal})");
        Assert.Contains("PERMISSION_DENIED", note, StringComparison.Ordinal);
        Assert.True((await page.EvaluateAsync("document.querySelector('#toggles input[data-layer=observations]').disabled")).GetBoolean());
        Assert.True((await page.EvaluateAsync("window.geoMap.counts.bases")).GetInt32() > 0);
    }

    // ---- the page ----

    private static Task LoadedAsync(BrowserPage page, int before) =>
        page.WaitForAsync($"window.geoMap && window.geoMap.loads > {before} && !window.geoMap.loading", Patience, "window.geoMap");

    /// <summary>Sets a control as a user would, then waits for the page's next load and the count in view that follows it.</summary>
    private static async Task ChooseAsync(BrowserPage page, string control, string value)
    {
        var (loads, counts) = await LoadsAndCountsAsync(page);
        await page.EvaluateAsync(
            $"(() => {{ const e = document.getElementById('{control}'); e.value = {JsonSerializer.Serialize(value)}; e.dispatchEvent(new Event('change', {{ bubbles: true }})); }})()");
        await LoadedAsync(page, loads);
        Assert.Equal(JsonValueKind.Null, (await page.EvaluateAsync("window.geoMap.error")).ValueKind);
        await page.WaitForAsync($"window.geoMap.inViewCounts > {counts}", Patience, "the count in view");
    }

    private static async Task<(int Loads, int Counts)> LoadsAndCountsAsync(BrowserPage page)
    {
        var state = await page.EvaluateAsync("({ loads: window.geoMap.loads, counts: window.geoMap.inViewCounts })");
        return (state.GetProperty("loads").GetInt32(), state.GetProperty("counts").GetInt32());
    }

    /// <summary>Ticks or clears boxes of a filter as a user would, then waits for the page's next load.</summary>
    private static async Task CheckAsync(BrowserPage page, string box, IEnumerable<(string Name, bool Checked)> choices, bool expectError = false)
    {
        var (loads, counts) = await LoadsAndCountsAsync(page);
        foreach (var (name, isChecked) in choices)
        {
            await page.EvaluateAsync(
                $"(() => {{ const e = document.querySelector('#{box} input[data-name=\"{name}\"]'); e.checked = {(isChecked ? "true" : "false")}; e.dispatchEvent(new Event('change', {{ bubbles: true }})); }})()");
        }

        await LoadedAsync(page, loads);
        Assert.Equal(expectError, (await page.EvaluateAsync("window.geoMap.error")).ValueKind != JsonValueKind.Null);
        if (!expectError)
        {
            await page.WaitForAsync($"window.geoMap.inViewCounts > {counts}", Patience, "the count in view");
        }
    }

    private static async Task<List<string>> DrawnCellsAsync(BrowserPage page) =>
        (await page.EvaluateAsync("window.geoMap.drawnCells")).EnumerateArray().Select(c => c.GetString()!).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Asserts the page drew the heat map's cells (id and class) that the same layer gives over
    /// HTTP for the page's area and period with the filter <b>the test</b> expects, and that the
    /// count in view is Observations/Count's for it; returns the observations the heat map counted.
    /// </summary>
    private async Task<long?> DrawnAsTheApiAsync(BrowserPage page, string[] categories, string[] verification, int minSeverity)
    {
        using var layer = await PullAsync(Role.Supervisor, "heat-map", await HeatMapQueryAsync(page, categories, verification, minSeverity, null));
        var expected = layer.RootElement.GetProperty("features").EnumerateArray()
            .Select(f => $"{f.GetProperty("properties").GetProperty("id").GetString()}:{f.GetProperty("properties").GetProperty("class").GetInt32()}")
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, await DrawnCellsAsync(page));

        await page.WaitForAsync("window.geoMap.inView && window.geoMap.inView.observations !== undefined", Patience, "the count in view");
        // The count asked with the filter the test expects, not an earlier one.
        Assert.Equal(
            categories.Select(c => Array.IndexOf(AllCategories, c) + 1).Order(),
            (await page.EvaluateAsync("window.geoMap.inView.categories")).EnumerateArray().Select(c => c.GetInt32()).Order());
        var view = await page.EvaluateAsync("window.geoMap.inView");
        var count = await api.As(Role.Supervisor).Observations.CountAsync(FilterOf(view, categories, verification, minSeverity));
        Assert.Equal(count.Observations, view.GetProperty("observations").GetInt64());

        var observations = layer.RootElement.GetProperty("frames")[0].GetProperty("observations");
        return observations.ValueKind == JsonValueKind.Null ? null : observations.GetInt64();
    }

    private static async Task<List<(string, string)>> HeatMapQueryAsync(BrowserPage page, string[] categories, string[] verification, int minSeverity, string? step)
    {
        var controls = await page.EvaluateAsync(
            "({ area: window.geoMap.area, from: document.getElementById('from').value, to: document.getElementById('to').value })");
        var area = controls.GetProperty("area");
        var to = DateTime.ParseExact(controls.GetProperty("to").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var query = new List<(string, string)>
        {
            ("filter.area.bbox.west", area.GetProperty("west").GetRawText()),
            ("filter.area.bbox.south", area.GetProperty("south").GetRawText()),
            ("filter.area.bbox.east", area.GetProperty("east").GetRawText()),
            ("filter.area.bbox.north", area.GetProperty("north").GetRawText()),
            ("filter.observedFrom", controls.GetProperty("from").GetString() + "T00:00:00Z"),
            ("filter.observedTo", Date(to.AddDays(1)) + "T00:00:00Z"),
            ("cellSizeMetres", area.GetProperty("cellSizeMetres").GetRawText()),
        };
        query.AddRange(categories.Select(c => ("filter.categories", c)));
        query.AddRange(verification.Select(v => ("filter.verification", v)));
        if (minSeverity > 1)
        {
            query.Add(("filter.minSeverity", minSeverity.ToString(CultureInfo.InvariantCulture)));
        }

        if (step is not null)
        {
            query.Add(("step", step));
        }

        return query;
    }

    private Task<JsonDocument> PullAsync(Role role, string layer, IEnumerable<(string Name, string Value)> parameters) =>
        MapTestPage.PullLayerAsync(_http, api.Service.HttpEndpoint, api.TokenOf(role), layer, parameters);

    /// <summary>The page's box and period (west, south, east, north, from, to, sex, age) with the filter the test expects.</summary>
    private static ObservationFilter FilterOf(JsonElement view, string[] categories, string[] verification, int minSeverity)
    {
        var filter = MapTestPage.BoxAndPeriodOf(view);
        filter.MinSeverity = minSeverity > 1 ? minSeverity : 0;
        filter.Categories.AddRange(categories.Select(c => (Category)CommonReflection.Descriptor.FindTypeByName<EnumDescriptor>("Category").FindValueByName(c).Number));
        filter.Verification.AddRange(verification.Select(v => (VerificationStatus)CommonReflection.Descriptor.FindTypeByName<EnumDescriptor>("VerificationStatus").FindValueByName(v).Number));
        Assert.Equal(string.Empty, view.GetProperty("sex").GetString());
        Assert.Equal(string.Empty, view.GetProperty("age").GetString());
        return filter;
    }

    private async Task<List<Observation>> QueryAsync(Role role, ObservationFilter filter)
    {
        using var call = api.As(role).Observations.Query(new QueryObservationsRequest { Filter = filter, PageSize = 5000 });
        var observations = new List<Observation>();
        await foreach (var page in call.ResponseStream.ReadAllAsync())
        {
            observations.AddRange(page.Observations);
        }

        return observations;
    }

    /// <summary>The page holds a field exactly when the answer sets it, with the same value (scalars, times, groups).</summary>
    private static void AssertSameFields(Observation observation, JsonElement fields)
    {
        var set = new List<string>();
        foreach (var field in Observation.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(observation);
            var present = field.IsRepeated ? ((System.Collections.IList)value).Count > 0
                : field.FieldType == FieldType.Message ? value is not null
                : !Equals(value, DefaultOf(field));
            if (!present)
            {
                continue;
            }

            set.Add(field.Name);
            Assert.True(fields.TryGetProperty(field.Name, out var shown), $"{observation.Id}: the page lacks {field.Name}");
            switch (value)
            {
                case string text:
                    Assert.Equal(text, shown.GetString());
                    break;
                case int or long:
                    Assert.Equal(Convert.ToInt64(value, CultureInfo.InvariantCulture), shown.GetInt64());
                    break;
                case System.Enum:
                    Assert.Equal((int)value, shown.GetInt32());
                    break;
                case Timestamp at:
                    Assert.Equal(at.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture), shown.GetString());
                    break;
                case GeoPoint point:
                    Assert.Equal([point.Longitude, point.Latitude], shown.EnumerateArray().Select(c => c.GetDouble()));
                    break;
                default:
                    if (field.Name == "affected")
                    {
                        Assert.Equal(
                            observation.Affected.Select(a => $"{(int)a.Sex}/{(int)a.AgeGroup}/{a.Count}"),
                            shown.EnumerateArray().Select(a => $"{a[0].GetInt32()}/{a[1].GetInt32()}/{a[2].GetInt32()}"));
                    }

                    break;
            }
        }

        Assert.Equal(set.Order(StringComparer.Ordinal), fields.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    private static object DefaultOf(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => string.Empty,
        FieldType.Bytes => ByteString.Empty,
        FieldType.Bool => false,
        FieldType.Double => 0d,
        FieldType.Float => 0f,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 0L,
        FieldType.UInt64 or FieldType.Fixed64 => 0UL,
        FieldType.UInt32 or FieldType.Fixed32 => 0U,
        FieldType.Enum => System.Enum.ToObject(field.EnumType.ClrType, 0),
        _ => 0,
    };

    private Task SaveScreenshotAsync(BrowserPage page, string name) => MapTestPage.SaveScreenshotAsync(page, name, output);

    private static string Date(DateTime day) => MapTestPage.Date(day);

    // ---- the mission ----

    /// <summary>When the i-th of a cluster's 30 reports was made: every five days from three days ago.</summary>
    private static DateTime ObservedAt(int i) => Today.AddDays(-(3 + (i * 5))).AddHours(11);

    private static List<string> Ids(string cluster, Func<int, bool>? which = null) =>
        Enumerable.Range(0, 30).Where(i => which?.Invoke(i) ?? true).Select(i => IdOf($"dw-{cluster}-{i}")).ToList();

    /// <summary>
    /// Two bases and a community at risk (so the page has an area), then four clusters of 30:
    /// threats (reported, severity 3), community meetings, threats discredited by a supervisor, and
    /// early warnings of severity 5, each cluster at its own place, over the last five months.
    /// Seeding again changes nothing.
    /// </summary>
    private async Task SeedAsync()
    {
        var planner = api.As(Role.Planner).Registry;
        if ((await planner.ListBasesAsync(new ListRequest { PageSize = 10 })).Bases.Any(b => b.Id == "dw-ob"))
        {
            return;
        }

        foreach (var (id, longitude, latitude) in new[] { ("dw-ob", 27.0, -2.0), ("dw-cob", 27.8, -1.4) })
        {
            await planner.CreateBaseAsync(new Base
            {
                Id = id, Name = "Base " + id, Kind = BaseKind.OperatingBase, Sector = "daily", AdminArea = "Beni", Unit = "BANBATT-2",
                Location = new GeoPoint { Longitude = longitude, Latitude = latitude }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
            });
        }

        await planner.CreateCommunityAsync(new Community
        {
            Id = "dw-village", Name = "Village dw", Sector = "daily", RiskLevel = RiskLevel.High, Location = new Shape { Wkt = "POINT(27.3 -1.7)" },
        });

        Observation Made(string cluster, int i, double longitude, double latitude, Category category, int severity)
        {
            var observation = NewObservation($"dw-{cluster}-{i}", longitude, latitude, ObservedAt(i).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            observation.Category = category;
            observation.Severity = severity;
            return observation;
        }

        await api.SubmitAsync([
            .. Enumerable.Range(0, 30).Select(i => Made("threat", i, 27.1, -1.9, Category.ThreatOfPhysicalViolence, 3)),
            .. Enumerable.Range(0, 30).Select(i => Made("meeting", i, 27.6, -1.5, Category.CommunityEngagement, 2)),
            .. Enumerable.Range(0, 30).Select(i => Made("discredited", i, 26.8, -1.5, Category.ArmedGroupMovement, 3)),
            .. Enumerable.Range(0, 30).Select(i => Made("alert", i, 27.5, -2.2, Category.EarlyWarningAlert, 5)),
        ]);
        foreach (var id in Ids("discredited"))
        {
            await api.As(Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = id, Verification = VerificationStatus.Discredited });
        }
    }
}
