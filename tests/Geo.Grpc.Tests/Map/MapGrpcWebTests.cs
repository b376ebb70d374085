using System.Globalization;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Testing;
using Geo.Testing.Browser;
using Xunit;
using Xunit.Abstractions;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Map;

/// <summary>
/// The map page calling the gRPC API itself, through gRPC-Web written by hand in its script
/// (map/grpc-web.js), in headless Chromium against the real service: Access/WhoAmI says whose the
/// pasted token is (or why it is refused), and Observations/Count how many observations are in
/// the map's view for the period and group chosen. The mission: two bases, 12 reports about girls
/// and 8 about men between them, and one report far out of view.
/// </summary>
public sealed class MapGrpcWebTests(ApiFixture api, ITestOutputHelper output) : IClassFixture<ApiFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly DateTime Today = DateTime.UtcNow.Date;

    [Fact]
    public async Task MapPage_Live_ShowsANewAlertAndItsObservationWithoutReloading_AndAcknowledgesIt()
    {
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();
        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + api.TokenOf(Role.Supervisor)));
        await page.WaitForAsync("window.geoMap && window.geoMap.live && window.geoMap.live.watching", Patience, "the page's live watch");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await api.SubmitAsync(Alerts.AlertTests.Observation("map-live", 27.5, Category.EarlyWarningAlert, 5));
        var submitted = clock.ElapsedMilliseconds;
        var id = "alert-" + IdOf("map-live");
        await page.WaitForAsync($"document.querySelector('#alerts li[data-id=\"{id}\"]') !== null", Patience, "the alert in the page's panel");
        output.WriteLine($"the new alert was in the page's panel {clock.ElapsedMilliseconds} ms after Submit was sent ({submitted} ms to commit)");
        await page.WaitForAsync($"window.geoMap.live.observations.includes('{IdOf("map-live")}')", Patience, "the new observation on the map");
        Assert.Equal("open", (await page.EvaluateAsync($"document.querySelector('#alerts li[data-id=\"{id}\"]').dataset.state")).GetString());

        await page.EvaluateAsync($"document.querySelector('#alerts button[data-acknowledge=\"{id}\"]').click()");
        await page.WaitForAsync($"document.querySelector('#alerts li[data-id=\"{id}\"]').dataset.state === 'acknowledged'", Patience, "the acknowledgement on the page");
        var stored = await api.Channel.Alerts.GetAlertAsync(new AlertRequest { Id = id });
        Assert.Equal(AlertState.Acknowledged, stored.State);
        Assert.Equal(SubjectOf(Role.Supervisor), stored.AcknowledgedBySubject);
    }

    [Fact]
    public async Task MapPage_ValidToken_ShowsItsSubjectAndRoleFromWhoAmIOverGrpcWeb()
    {
        await SeedAsync();
        // A subject nothing but this token knows: the page can only have it from the service.
        var subject = "gw-" + Guid.NewGuid().ToString("N")[..12];
        var token = await TestTokens.IssueAsync(api.Database.DataSource, Role.Supervisor, subject);
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();

        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + token));
        await page.WaitForAsync("window.geoMap && window.geoMap.callerChecks > 0", Patience, "window.geoMap");

        var shown = await TextAsync(page, "caller");
        output.WriteLine("the page says: " + shown);
        Assert.Matches($"^Token of {subject} \\(supervisor\\), valid until \\d{{4}}-\\d{{2}}-\\d{{2}}$", shown);
        Assert.Equal("valid", (await page.EvaluateAsync("document.getElementById('caller').dataset.state")).GetString());
        var caller = await page.EvaluateAsync("window.geoMap.caller");
        Assert.Equal(TestTokens.IdOf(token), caller.GetProperty("id").GetString());
        Assert.Equal(subject, caller.GetProperty("subject").GetString());
        // Asked of the gRPC method, on the page's own origin (the HTTP/1.1 listener), by fetch.
        var calls = await page.EvaluateAsync(
            "performance.getEntriesByType('resource').filter(e => e.initiatorType === 'fetch').map(e => e.name)");
        Assert.Contains(new Uri(api.Service.HttpEndpoint, "/geoawareness.v1.Access/WhoAmI").ToString(), calls.EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("revoked")]
    [InlineData("unknown")]
    public async Task MapPage_RefusedToken_ShowsUnauthenticatedFromWhoAmIOverGrpcWeb(string which)
    {
        var subject = "gw-" + which + "-" + Guid.NewGuid().ToString("N")[..8];
        var token = "gat_not-a-token";
        if (which == "revoked")
        {
            token = await TestTokens.IssueAsync(api.Database.DataSource, Role.Analyst, subject);
            await api.As(Role.Administrator).Access.RevokeTokenAsync(new RevokeTokenRequest { Id = TestTokens.IdOf(token) });
        }

        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();

        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + Uri.EscapeDataString(token)));
        await page.WaitForAsync("window.geoMap && window.geoMap.callerChecks > 0", Patience, "window.geoMap");

        var shown = await TextAsync(page, "caller");
        output.WriteLine("the page says: " + shown);
        Assert.StartsWith("Token refused: UNAUTHENTICATED: ", shown, StringComparison.Ordinal);
        Assert.Equal("refused", (await page.EvaluateAsync("document.getElementById('caller').dataset.state")).GetString());
        Assert.Equal("UNAUTHENTICATED", (await page.EvaluateAsync("window.geoMap.caller.code")).GetString());
        var everything = (await page.EvaluateAsync("document.body.innerText")).GetString()!;
        Assert.DoesNotContain(subject, everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapPage_ObservationsInView_CountedOverGrpcWebAsTheControlsSay()
    {
        await SeedAsync();
        var token = api.TokenOf(Role.Supervisor);
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();

        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + token));
        await page.WaitForAsync("window.geoMap && window.geoMap.inViewCounts > 0 && !window.geoMap.loading", Patience, "window.geoMap");

        // Everyone, the default year: both clusters, and not the report far out of view.
        Assert.Equal(20, await CountInViewAsync(page, string.Empty, string.Empty));
        // Women and girls: the girls.
        await ChooseAsync(page, "sex", "SEX_FEMALE");
        Assert.Equal(12, await CountInViewAsync(page, "SEX_FEMALE", string.Empty));
        // Adult women: nobody.
        await ChooseAsync(page, "age", "AGE_GROUP_ADULT");
        Assert.Equal(0, await CountInViewAsync(page, "SEX_FEMALE", "AGE_GROUP_ADULT"));
        // Adults of any sex: the men.
        await ChooseAsync(page, "sex", string.Empty);
        Assert.Equal(8, await CountInViewAsync(page, string.Empty, "AGE_GROUP_ADULT"));
        // Adults, in a period that ends 30 days ago: the men's two oldest reports.
        await ChooseAsync(page, "to", Today.AddDays(-30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Assert.Equal(2, await CountInViewAsync(page, string.Empty, "AGE_GROUP_ADULT"));
    }

    [Fact]
    public async Task MapPage_PlannerToken_CountInViewShowsPermissionDenied()
    {
        await SeedAsync();
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();

        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map#token=" + api.TokenOf(Role.Planner)));
        await page.WaitForAsync("window.geoMap && window.geoMap.inViewCounts > 0 && window.geoMap.callerChecks > 0", Patience, "window.geoMap");

        // The planner sees every layer and who it is, but may not count observations.
        Assert.StartsWith($"Token of {SubjectOf(Role.Planner)} (planner), valid until ", await TextAsync(page, "caller"), StringComparison.Ordinal);
        Assert.Equal("PERMISSION_DENIED", (await page.EvaluateAsync("window.geoMap.inView.code")).GetString());
        Assert.StartsWith("Observations in view: not counted, this role does not read observations (PERMISSION_DENIED: ", await TextAsync(page, "in-view"), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await page.EvaluateAsync("window.geoMap.error")).ValueKind);
    }

    /// <summary>
    /// The page's gRPC-Web client on answers the service gives it rarely or never (fetch replaced
    /// for these calls, on a page opened without a token, which fetches nothing of its own): an
    /// error in the trailer frame with a percent-encoded UTF-8 message, a proxy's HTML error page, a
    /// body cut inside a frame, no status at all; and its protobuf writer read back by its reader.
    /// </summary>
    [Fact]
    public async Task GrpcWebScript_AnswersBeyondTheServicesUsualOnes_BecomeTheRightStatus()
    {
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await browser.OpenPageAsync();
        await page.NavigateAsync(new Uri(api.Service.HttpEndpoint, "/map"));
        await page.WaitForAsync("window.geoMap && window.geoMap.loads > 0 && window.GrpcWeb", Patience, "window.geoMap");

        var results = await page.EvaluateAsync("""
            (async () => {
              const text = (s) => new TextEncoder().encode(s);
              const frame = (flags, bytes) => {
                const out = new Uint8Array(5 + bytes.length);
                out[0] = flags;
                new DataView(out.buffer).setUint32(1, bytes.length);
                out.set(bytes, 5);
                return out;
              };
              const join = (...parts) => Uint8Array.from(parts.flatMap((p) => [...p]));
              const grpcWeb = { 'content-type': 'application/grpc-web+proto' };
              const answers = {
                message: () => new Response(join(frame(0, Uint8Array.of(0x1a, 3, 0x61, 0x62, 0x63)), frame(0x80, text('grpc-status:0\r\n'))), { headers: grpcWeb }),
                trailerError: () => new Response(join(frame(0x80, text('Grpc-Status: 7\r\ngrpc-message: caf%C3%A9 closed\r\n'))), { headers: grpcWeb }),
                proxyPage: () => new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }),
                cut: () => new Response(Uint8Array.of(0, 0, 0, 0, 9, 1), { headers: grpcWeb }),
                noStatus: () => new Response(frame(0, new Uint8Array(0)), { headers: grpcWeb }),
              };
              const real = window.fetch;
              const results = {};
              try {
                for (const [name, answer] of Object.entries(answers)) {
                  window.fetch = async () => answer();
                  try {
                    results[name] = 'OK ' + (await GrpcWeb.unary('/geoawareness.v1.Access/WhoAmI', new Uint8Array(0))).string(3);
                  } catch (e) {
                    results[name] = e.message;
                  }
                }
              } finally {
                window.fetch = real;
              }
              const written = new GrpcWeb.Writer().uint(1, 2 ** 40 + 5).double(2, -1.5).string(3, 'café').message(4, GrpcWeb.timestamp(new Date('2026-03-01T10:00:00.250Z'))).finish();
              const read = new GrpcWeb.Fields(written);
              results.roundTrip = [read.number(1), new DataView(read.last(2).buffer, read.last(2).byteOffset).getFloat64(0, true), read.string(3),
                GrpcWeb.readTimestamp(read.message(4)).toISOString()].join(' ');
              return results;
            })()
            """);

        Assert.Equal("OK abc", results.GetProperty("message").GetString());
        Assert.Equal("PERMISSION_DENIED: café closed", results.GetProperty("trailerError").GetString());
        Assert.Equal("UNAVAILABLE: HTTP 502", results.GetProperty("proxyPage").GetString());
        Assert.Equal("INTERNAL: the response ends inside a frame of 9 bytes", results.GetProperty("cut").GetString());
        Assert.Equal("INTERNAL: the answer ended with no grpc-status", results.GetProperty("noStatus").GetString());
        Assert.Equal("1099511627781 -1.5 café 2026-03-01T10:00:00.250Z", results.GetProperty("roundTrip").GetString());
    }

    // ---- the page ----

    private static async Task<string> TextAsync(BrowserPage page, string id) =>
        (await page.EvaluateAsync($"document.getElementById('{id}').textContent")).GetString()!;

    /// <summary>Sets a control as a user would and waits for the layers and then the count it changes.</summary>
    private static async Task ChooseAsync(BrowserPage page, string control, string value)
    {
        var before = (await page.EvaluateAsync("window.geoMap.inViewCounts")).GetInt32();
        await page.EvaluateAsync(
            $"(() => {{ const e = document.getElementById('{control}'); e.value = {JsonSerializer.Serialize(value)}; e.dispatchEvent(new Event('change', {{ bubbles: true }})); }})()");
        await page.WaitForAsync($"window.geoMap.inViewCounts > {before} && !window.geoMap.loading", Patience, "window.geoMap");
    }

    /// <summary>
    /// The count the page shows, after checking that it is the count the service gives over gRPC for
    /// the filter the page asked with (its view, period and group), and that the group is the one chosen.
    /// </summary>
    private async Task<long> CountInViewAsync(BrowserPage page, string sex, string age)
    {
        var view = await page.EvaluateAsync("window.geoMap.inView");
        Assert.False(view.TryGetProperty("error", out var error), $"the count failed: {error}");
        Assert.Equal(sex, view.GetProperty("sex").GetString());
        Assert.Equal(age, view.GetProperty("age").GetString());
        var filter = MapTestPage.BoxAndPeriodOf(view);
        // The page's threat filter, sent explicitly with every count: the threat and alert categories, not discredited reports.
        Assert.Equal([1, 2, 3, 4], view.GetProperty("categories").EnumerateArray().Select(c => c.GetInt32()));
        Assert.Equal([1, 2], view.GetProperty("verification").EnumerateArray().Select(c => c.GetInt32()));
        filter.Categories.AddRange([Category.ThreatOfPhysicalViolence, Category.ArmedGroupMovement, Category.Displacement, Category.EarlyWarningAlert]);
        filter.Verification.AddRange([VerificationStatus.Reported, VerificationStatus.Verified]);
        if (sex.Length > 0)
        {
            filter.AffectedSexes.Add(sex switch { "SEX_FEMALE" => Sex.Female, "SEX_MALE" => Sex.Male, _ => Sex.Unknown });
        }

        if (age.Length > 0)
        {
            filter.AffectedAgeGroups.Add(age switch { "AGE_GROUP_CHILD" => AgeGroup.Child, "AGE_GROUP_ADULT" => AgeGroup.Adult, _ => AgeGroup.Older });
        }

        var expected = await api.As(Role.Supervisor).Observations.CountAsync(filter);
        var shown = view.GetProperty("observations").GetInt64();
        Assert.Equal(expected.Observations, shown);
        Assert.Equal($"Observations in view: {shown} (the period and group chosen)", await TextAsync(page, "in-view"));
        return shown;
    }

    // ---- the mission ----

    /// <summary>
    /// Two bases; between them 12 reports about girls, 3 to 58 days ago, and 8 about men, 2 to 37 days
    /// ago, every 5 days; one about girls far to the east. Seeding again changes nothing.
    /// </summary>
    private async Task SeedAsync()
    {
        await BaseAsync("gw-ob", 27.0, -2.0);
        await BaseAsync("gw-cob", 27.4, -1.8);
        await api.SubmitAsync([
            .. Enumerable.Range(0, 12).Select(i => Observed($"gw-girls-{i}", 27.1, -1.9, Today.AddDays(-(3 + (i * 5))), Sex.Female, AgeGroup.Child)),
            .. Enumerable.Range(0, 8).Select(i => Observed($"gw-men-{i}", 27.3, -1.95, Today.AddDays(-(2 + (i * 5))), Sex.Male, AgeGroup.Adult)),
            Observed("gw-far", 31.0, -1.9, Today.AddDays(-10), Sex.Female, AgeGroup.Child),
        ]);
    }

    private static Observation Observed(string id, double longitude, double latitude, DateTime day, Sex sex, AgeGroup age)
    {
        var observation = NewObservation(id, longitude, latitude, day.AddHours(9).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        observation.Affected.Clear();
        observation.Affected.Add(new AffectedCount { Sex = sex, AgeGroup = age, Count = 2 });
        return observation;
    }

    private Task<Base> BaseAsync(string id, double longitude, double latitude) =>
        api.As(Role.Planner).Registry.CreateBaseAsync(new Base
        {
            Id = id, Name = "Base " + id, Kind = BaseKind.OperatingBase, Sector = "map-grpc-web", AdminArea = "Beni", Unit = "BANBATT-2",
            Location = new GeoPoint { Longitude = longitude, Latitude = latitude }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
        }).ResponseAsync;
}
