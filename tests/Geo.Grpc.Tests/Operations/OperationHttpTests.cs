using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Geo.Api.V1;
using Geo.Grpc.Operations;
using Geo.Grpc.Tests.Api;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Domain = Geo.Core.Domain;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Operations;

/// <summary>
/// The map's plan check over plain HTTP (POST /operations, POST /operations/{id}/check): a plan
/// drawn as GeoJSON is recorded and checked by the same use cases as gRPC, and the GeoJSON answer
/// says exactly what gRPC's CheckOperation says of the same plan to the same role; a liaison-only
/// site reaches a planner only as a count and a UN-CIMIC officer in full; each bad plan is 400
/// naming the field, nothing stored; every check audited; plans in no feed and no cache.
/// </summary>
public sealed class OperationHttpTests(OperationHttpTests.PlanFixture fixture) : IClassFixture<OperationHttpTests.PlanFixture>, IDisposable
{
    /// <summary>About 11 km along the equator's south, 1 km either side touched.</summary>
    internal const string RouteJson = """{"type":"LineString","coordinates":[[29.0,-1.0],[29.1,-1.0]]}""";

    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// A few sites either side of the route: a clinic (a flagged type), a notified school, a water
    /// tap, a liaison-only clinic and a liaison-only shelter in reach, one site far off; a community
    /// at risk and one at low risk in reach, one far off; a staffed base that reaches the one at risk;
    /// presence of a public and of a liaison-only organisation; threats of the last days.
    /// </summary>
    public sealed class PlanFixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new();

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            var liaison = Api.As(Role.HumanitarianLiaison).Civilian;
            var confirmed = new CalendarDate { Year = 2026, Month = 11, Day = 1 };
            foreach (var (id, name, type, longitude, latitude, sharing, notified) in new[]
            {
                ("fac-h-clinic", "Route clinic", FacilityType.Clinic, 29.05, -1.005, SharingLevel.Mission, false),
                ("fac-h-school", "Route school", FacilityType.School, 29.02, -1.003, SharingLevel.Public, true),
                ("fac-h-tap", "Route tap", FacilityType.WaterTap, 29.03, -0.999, SharingLevel.Mission, false),
                ("fac-h-hidden-clinic", "Hidden clinic", FacilityType.Clinic, 29.07, -1.002, SharingLevel.LiaisonOnly, false),
                ("fac-h-hidden-shelter", "Hidden shelter", FacilityType.HumanitarianPremises, 29.06, -0.996, SharingLevel.LiaisonOnly, false),
                ("fac-h-far", "Far school", FacilityType.School, 29.05, -1.10, SharingLevel.Mission, false),
            })
            {
                await liaison.CreateFacilityAsync(new Facility
                {
                    Id = id, Name = name, Type = type, Sharing = sharing, Status = FacilityStatus.Functional, LastConfirmedOn = id == "fac-h-tap" ? null : confirmed,
                    Location = Point(longitude, latitude),
                    Notification = notified ? new SiteNotification { NotifiedOn = new CalendarDate { Year = 2026, Month = 12, Day = 1 }, NotifiedTo = "parties via OCHA" } : null,
                });
            }

            var planner = Api.As(Role.Planner).Registry;
            foreach (var (id, risk, longitude, latitude) in new[] { ("comm-h-near", RiskLevel.High, 29.04, -1.004), ("comm-h-low", RiskLevel.Low, 29.08, -0.998), ("comm-h-far", RiskLevel.High, 29.5, -1.5) })
            {
                await planner.CreateCommunityAsync(new Community
                {
                    Id = id, Name = "Village " + id[7..], RiskLevel = risk, Location = Point(longitude, latitude),
                    Population = { new AffectedCount { Sex = Sex.Female, AgeGroup = AgeGroup.Child, Count = 40 }, new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Adult, Count = 25 } },
                });
            }

            await planner.CreateBaseAsync(new Base
            {
                Id = "ob-h", Name = "OB Route", Kind = BaseKind.OperatingBase, Location = new GeoPoint { Longitude = 29.05, Latitude = -1.02 },
                OpenedOn = new CalendarDate { Year = 2025, Month = 1, Day = 1 },
            });
            foreach (var (cla, sex) in new[] { ("cla-h1", Sex.Female), ("cla-h2", Sex.Male) })
            {
                await Api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
                {
                    Id = "dep-" + cla, ClaId = cla, Sex = sex, BaseId = "ob-h", From = new CalendarDate { Year = 2025, Month = 1, Day = 1 },
                });
            }

            foreach (var (org, name, sharing, sector, longitude) in new[]
            {
                ("org-h-open", "Open NGO", SharingLevel.Public, Cluster.Education, 29.01),
                ("org-h-hidden", "Hidden NGO", SharingLevel.LiaisonOnly, Cluster.Health, 29.05),
            })
            {
                await liaison.CreateOrganisationAsync(new Organisation { Id = org, Name = name, Kind = OrganisationKind.NationalNgo, Sharing = sharing });
                await liaison.CreatePresenceAsync(new OperationalPresence
                {
                    Id = "pres-" + org, OrganisationId = org, Sector = sector, Activity = "Work", Location = Point(longitude, -1.0),
                    Start = new CalendarDate { Year = 2026, Month = 1, Day = 1 }, Status = PresenceStatus.Ongoing, Sharing = sharing,
                });
            }

            var now = DateTimeOffset.UtcNow;
            string At(int daysAgo) => now.AddDays(-daysAgo).ToString("O", CultureInfo.InvariantCulture);
            await Api.SubmitAsync(NewObservation("oph-threat-1", 29.03, -1.002, At(3)), NewObservation("oph-threat-2", 29.08, -1.004, At(8)), NewObservation("oph-old", 29.03, -1.002, At(90)));
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    private ApiFixture Api => fixture.Api;

    [Theory]
    [InlineData(Role.Planner)]
    [InlineData(Role.UnCimicOfficer)]
    public async Task APlanDrawnAsGeoJson_IsRecorded_AndItsCheckAnswersAsGrpcCheckOperationDoes(Role role)
    {
        var id = "op-h-same-" + role.ToString().ToLowerInvariant();
        var (created, plan) = await PostAsync(role, "/operations", Body(id));
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal((id, "route", 1, "unchecked", "patrol"), (Text(plan, "id"), Text(plan, "place"), plan!["version"]!.GetValue<int>(), Text(plan, "deconfliction"), Text(plan, "kind")));
        Assert.Equal($"/operations/{id}/check", Text(plan, "check"));
        var stored = await Api.As(role).Operations.GetOperationAsync(new GetByIdRequest { Id = id });
        Assert.Equal((PlannedOperation.PlaceOneofCase.Route, 1000, "BANBATT-2", ApiFixture.SubjectOf(role)), (stored.PlaceCase, stored.BufferMetres, stored.Unit, stored.CreatedBy));

        var (status, check) = await PostAsync(role, $"/operations/{id}/check", null);
        var grpc = await Api.As(role).Operations.CheckOperationAsync(new CheckOperationRequest { Id = id });

        Assert.Equal(HttpStatusCode.OK, status);
        AssertSameCheck(grpc, check!);
        // The seed's own answer, so that the comparison is not of two empty checks.
        var facilities = Features(check!, "facility");
        Assert.Contains("fac-h-clinic", facilities.Keys);
        Assert.Contains("fac-h-school", facilities.Keys);
        Assert.DoesNotContain("fac-h-far", facilities.Keys);
        Assert.True(facilities["fac-h-school"]["notified"]!.GetValue<bool>());
        Assert.Equal("unconfirmed", Text(facilities["fac-h-tap"], "confirmation"));
        Assert.Equal("flagged", Text(check!["properties"]!, "deconfliction"));
        var near = Features(check!, "community")["comm-h-near"];
        Assert.Equal(("high", 65), (Text(near, "risk_level"), near["population"]!.GetValue<int>()));
        Assert.Equal("ob-h", Text(Assert.Single(near["teams"]!.AsArray())!, "base_id"));
        Assert.Equal(2, check!["properties"]!["threats"]!.AsArray().Sum(t => t!["count"]!.GetValue<long>()));
        var footprint = Assert.Single(check!["features"]!.AsArray(), f => Text(f!["properties"]!, "layer") == "footprint")!;
        Assert.Equal("Polygon", Text(footprint["geometry"]!, "type"));
        Assert.Equal("LineString", Text(Assert.Single(check!["features"]!.AsArray(), f => Text(f!["properties"]!, "layer") == "plan")!["geometry"]!, "type"));
    }

    [Fact]
    public async Task ALiaisonOnlySite_ReachesAPlannerOnlyAsACount_AndAUnCimicOfficerInFull()
    {
        await PostAsync(Role.Planner, "/operations", Body("op-h-liaison"));

        var (_, planner) = await PostAsync(Role.Planner, "/operations/op-h-liaison/check", null);
        var (_, cimic) = await PostAsync(Role.UnCimicOfficer, "/operations/op-h-liaison/check", null);

        var plannerText = planner!.ToJsonString();
        Assert.DoesNotContain("fac-h-hidden", plannerText, StringComparison.Ordinal);
        Assert.DoesNotContain("Hidden", plannerText, StringComparison.Ordinal);
        Assert.Equal((2, 1), (planner!["properties"]!["facilities_withheld"]!.GetValue<int>(), planner["properties"]!["flagged_withheld"]!.GetValue<int>()));
        var health = Assert.Single(planner["properties"]!["presence"]!.AsArray(), p => Text(p!, "sector") == "Health")!;
        Assert.Equal((1, 1, 0), (health["records"]!.GetValue<int>(), health["organisations"]!.GetValue<int>(), health["organisation_names"]!.AsArray().Count));

        var facilities = Features(cimic!, "facility");
        Assert.Equal("Hidden clinic", Text(facilities["fac-h-hidden-clinic"], "name"));
        Assert.True(facilities["fac-h-hidden-clinic"]["flagged"]!.GetValue<bool>());
        Assert.Contains("fac-h-hidden-shelter", facilities.Keys);
        Assert.Equal((0, 0), (cimic!["properties"]!["facilities_withheld"]!.GetValue<int>(), cimic["properties"]!["flagged_withheld"]!.GetValue<int>()));
        Assert.Contains("fac-h-hidden-clinic", cimic["properties"]!["flagged_site_ids"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal(["Hidden NGO"], Assert.Single(cimic["properties"]!["presence"]!.AsArray(), p => Text(p!, "sector") == "Health")!["organisation_names"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    public static TheoryData<string, string, string> BadPlans() => new()
    {
        { "a route of one point", Body("op-h-bad", geometry: """{"type":"LineString","coordinates":[[29.0,-1.0],[29.0,-1.0]]}"""), "geometry: the route needs at least two distinct points" },
        { "a self-intersecting polygon", Body("op-h-bad", geometry: """{"type":"Polygon","coordinates":[[[29,-1],[29.1,-1.1],[29.1,-1],[29,-1.1],[29,-1]]]}"""), "geometry: the area is not a valid polygon (Self-intersection" },
        { "a buffer out of range", Body("op-h-bad", buffer: "60000"), "buffer_metres: 60000 is not between 0 and 50000" },
        { "a buffer that is no whole number", Body("op-h-bad", buffer: "12.5"), "buffer_metres: 12.5 is not a whole number" },
        { "a window ending before it starts", Body("op-h-bad", ends: "2026-12-20T05:00:00Z"), "ends_at: " },
        { "a time without its zone", Body("op-h-bad", starts: "2026-12-20T06:00:00"), "starts_at: '2026-12-20T06:00:00' is not a time with its zone" },
        { "malformed GeoJSON", Body("op-h-bad", geometry: """{"type":"LineString","coordinates":"along the road"}"""), "geometry: is not a valid GeoJSON geometry" },
        { "a geometry of the wrong type", Body("op-h-bad", geometry: """{"type":"Point","coordinates":[29.0,-1.0]}"""), "geometry: is a Point: a plan is a LineString (a route) or a Polygon or MultiPolygon (an area)" },
        { "a FeatureCollection of two", Body("op-h-bad", geometry: """{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":""" + RouteJson + """},{"type":"Feature","properties":{},"geometry":""" + RouteJson + """}]}"""), "geometry: a FeatureCollection must hold exactly one feature" },
        { "no geometry", Body("op-h-bad", geometry: "null"), "geometry: is required" },
        { "an unknown kind", Body("op-h-bad", kind: "raid"), "kind: 'raid' is not patrol, operation, movement" },
        { "an unknown field", Body("op-h-bad").Replace("\"name\"", "\"title\":\"x\",\"name\"", StringComparison.Ordinal), "title: is not a field of a plan" },
        { "a name that is no text (an unpaired surrogate)", Body("op-h-bad").Replace("Patrol along the road", "Patrol \\ud800", StringComparison.Ordinal), "name: " },
        { "a member name that is no text", Body("op-h-bad").Replace("\"unit\"", "\"\\udc00\":1,\"unit\"", StringComparison.Ordinal), "request: " },
        { "a NUL in the unit", Body("op-h-bad").Replace("BANBATT-2", "BAN\\u0000BATT", StringComparison.Ordinal), "unit: contains a NUL character" },
        { "a buffer beyond any number", Body("op-h-bad", buffer: "1e400"), "buffer_metres: 1e400 is not a whole number" },
        { "JSON nested past any geometry", Body("op-h-bad", geometry: new string('[', 200) + new string(']', 200)), "request: is not valid JSON" },
        { "malformed JSON", "{\"id\":\"op-h-bad\",", "request: is not valid JSON" },
        { "a JSON array", "[]", "request: is a JSON array" },
    };

    [Theory]
    [MemberData(nameof(BadPlans))]
    public async Task ABadPlan_Is400NamingTheField_AndNothingIsStored(string what, string body, string expected)
    {
        _ = what;
        var (status, answer) = await PostAsync(Role.Planner, "/operations", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("INVALID_ARGUMENT", Text(answer!, "status"));
        Assert.StartsWith(expected, Text(answer!, "problem"), StringComparison.Ordinal);
        await FailsWith(StatusCode.NotFound, () => Api.As(Role.Planner).Operations.GetOperationAsync(new GetByIdRequest { Id = "op-h-bad" }).ResponseAsync);
    }

    [Fact]
    public async Task APlanAsAnUploadedFeature_IsAnArea_AndAnIdTakenIs409()
    {
        var area = """{"type":"Feature","properties":{"name":"ignored"},"geometry":{"type":"Polygon","coordinates":[[[29.0,-1.02],[29.1,-1.02],[29.1,-0.98],[29.0,-0.98],[29.0,-1.02]]]}}""";

        var (created, plan) = await PostAsync(Role.UnCimicOfficer, "/operations", Body("op-h-area", geometry: area, buffer: "0"));
        var (again, refusal) = await PostAsync(Role.UnCimicOfficer, "/operations", Body("op-h-area", geometry: area, buffer: "0"));

        Assert.Equal((HttpStatusCode.Created, "area"), (created, Text(plan!, "place")));
        Assert.Equal(PlannedOperation.PlaceOneofCase.Area, (await Api.As(Role.UnCimicOfficer).Operations.GetOperationAsync(new GetByIdRequest { Id = "op-h-area" })).PlaceCase);
        Assert.Equal((HttpStatusCode.Conflict, "ALREADY_EXISTS"), (again, Text(refusal!, "status")));
        Assert.StartsWith("id: ", Text(refusal!, "problem"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?threat_days=400", "threat_days: 400 is not between 0 (30) and 365")]
    [InlineData("?threat_days=soon", "threat_days: 'soon' is not a whole number of days")]
    [InlineData("?days=7", "days: is not a parameter of POST /operations/{id}/check")]
    public async Task ACheckWithABadParameter_Is400NamingIt(string query, string expected)
    {
        await PostAsync(Role.Planner, "/operations", Body("op-h-params"));

        var (status, answer) = await PostAsync(Role.Planner, "/operations/op-h-params/check" + query, null);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(expected, Text(answer!, "problem"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Role.Analyst)]
    [InlineData(Role.HumanitarianLiaison)]
    [InlineData(Role.Importer)]
    public async Task ARoleWithoutTheRight_IsRefused_AndLearnsNothingAboutThePlan(Role role)
    {
        await PostAsync(Role.Planner, "/operations", Body("op-h-secret"));

        var (known, knownAnswer) = await PostAsync(role, "/operations/op-h-secret/check", null);
        var (unknown, unknownAnswer) = await PostAsync(role, "/operations/op-h-nosuch/check", null);
        var (create, _) = await PostAsync(role, "/operations", Body("op-h-" + role.ToString().ToLowerInvariant()));

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (known, unknown, create));
        Assert.Equal(Text(unknownAnswer, "problem").Replace("op-h-nosuch", "ID", StringComparison.Ordinal), Text(knownAnswer, "problem").Replace("op-h-secret", "ID", StringComparison.Ordinal));
        Assert.DoesNotContain("Patrol", knownAnswer!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryCheckOverHttp_IsAudited_NeverCached_AndPlansAreInNoFeed()
    {
        await PostAsync(Role.Planner, "/operations", Body("op-h-audit"));
        const string Count = "SELECT count(*) FROM audit_log WHERE target_kind = 'operation' AND target_id = 'op-h-audit' AND action = 'operation.check'";
        var before = await Api.Database.ScalarAsync<long>(Count);

        using var request = Request(Role.Supervisor, "/operations/op-h-audit/check", null);
        using var response = await _http.SendAsync(request);
        using var feed = Request(Role.Importer, "/feeds/layers/operations", null);
        feed.Method = HttpMethod.Get;
        using var layer = await _http.SendAsync(feed);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType!.MediaType);
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.Equal(before + 1, await Api.Database.ScalarAsync<long>(Count));
        Assert.Equal(1, await Api.Database.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'operation.create' AND target_id = 'op-h-audit'"));
        Assert.Equal(HttpStatusCode.NotFound, layer.StatusCode);
    }

    [Fact]
    public async Task APlanOutsideAScopedSupervisorsArea_IsNotFound_AsAnUnknownId()
    {
        await PostAsync(Role.Planner, "/operations", Body("op-h-scoped"));
        await Api.As(Role.Planner).Registry.PutSectorAsync(new Sector { Id = "far-h", Name = "Far", Area = new Shape { Wkt = "POLYGON((31 -3,32 -3,32 -2,31 -2,31 -3))" } });
        var token = await Geo.Testing.TestTokens.IssueAsync(Api.Database.DataSource, Role.Supervisor, "supervisor-far-h", ["far-h"]);

        var (status, answer) = await PostAsync(token, "/operations/op-h-scoped/check", null);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.StartsWith("id: no operation 'op-h-scoped'", Text(answer!, "problem"), StringComparison.Ordinal);
    }

    // ---- the comparison with gRPC ----

    /// <summary>Everything gRPC's OperationCheck says, said the same way by the GeoJSON answer (words for codes, the same rounding).</summary>
    private static void AssertSameCheck(OperationCheck grpc, JsonNode geojson)
    {
        Assert.Equal("FeatureCollection", Text(geojson, "type"));
        Assert.Equal(OperationCheckGeoJson.Layer, Text(geojson, "layer"));
        var summary = geojson["properties"]!;
        Assert.Equal(grpc.OperationId, Text(summary, "operation_id"));
        Assert.Equal(OperationMapping.Word((Domain.DeconflictionState)grpc.Deconfliction), Text(summary, "deconfliction"));
        Assert.Equal(grpc.FacilitiesWithheld, summary["facilities_withheld"]!.GetValue<int>());
        Assert.Equal(grpc.FlaggedWithheld, summary["flagged_withheld"]!.GetValue<int>());
        Assert.Equal(grpc.FlaggedSiteIds, summary["flagged_site_ids"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal(grpc.ThreatDays, summary["threat_days"]!.GetValue<int>());
        Assert.Equal(
            grpc.Threats.Select(t => (Geo.Exporters.Feeds.FeedCodes.Category((Domain.ObservationCategory)t.Category), t.Count)),
            summary["threats"]!.AsArray().Select(t => (Text(t!, "category"), t!["count"]!.GetValue<long>())));
        Assert.Equal(
            grpc.Presence.Select(p => (Geo.Exporters.Hxl.ThreeWWords.Of((Domain.Cluster)p.Sector), p.Records, p.Organisations, string.Join("|", p.OrganisationNames))),
            summary["presence"]!.AsArray().Select(p => (Text(p!, "sector"), p!["records"]!.GetValue<int>(), p["organisations"]!.GetValue<int>(),
                string.Join("|", p["organisation_names"]!.AsArray().Select(n => n!.GetValue<string>())))));

        var facilities = Features(geojson, "facility");
        Assert.Equal(grpc.Facilities.Count, summary["facilities"]!.GetValue<int>());
        Assert.Equal(grpc.Facilities.Select(f => f.Id), facilities.Keys);
        foreach (var f in grpc.Facilities)
        {
            var p = facilities[f.Id];
            Assert.Equal(
                (f.Name, Domain.FacilityTags.HxlType((Domain.FacilityType)f.Type), OperationMapping.Word((Domain.FacilityStatus)f.Status),
                    OperationMapping.Word((Domain.Confirmation)f.Confirmation), f.DistanceMetres, f.Notified, grpc.FlaggedSiteIds.Contains(f.Id)),
                (Text(p, "name"), Text(p, "type"), Text(p, "status"), Text(p, "confirmation"), p["distance_metres"]!.GetValue<double>(), p["notified"]!.GetValue<bool>(),
                    p["flagged"]!.GetValue<bool>()));
        }

        var communities = Features(geojson, "community");
        Assert.Equal(grpc.Communities.Count, summary["communities"]!.GetValue<int>());
        Assert.Equal(grpc.Communities.Select(c => c.Id), communities.Keys);
        foreach (var c in grpc.Communities)
        {
            var p = communities[c.Id];
            Assert.Equal(
                (c.Name, Geo.Exporters.Feeds.FeedCodes.RiskLevel((Domain.RiskLevel)c.RiskLevel), c.DistanceMetres, c.Population.Sum(n => n.Count)),
                (Text(p, "name"), Text(p, "risk_level"), p["distance_metres"]!.GetValue<double>(), p["population"]!.GetValue<int>()));
            Assert.Equal(
                c.Population.Select(n => (Geo.Exporters.Feeds.FeedCodes.Sex((Domain.Sex)n.Sex), Geo.Exporters.Feeds.FeedCodes.Age((Domain.AgeGroup)n.AgeGroup), n.Count)),
                p["population_by_group"]!.AsArray().Select(n => (Text(n!, "sex"), Text(n!, "age_group"), n!["count"]!.GetValue<int>())));
            Assert.Equal(
                c.Teams.Select(t => (t.BaseId, t.BaseName, t.DistanceMetres, t.ClaCount, t.HasFemaleCla)),
                p["teams"]!.AsArray().Select(t => (Text(t!, "base_id"), Text(t!, "base_name"), t!["distance_metres"]!.GetValue<double>(), t["cla_count"]!.GetValue<int>(),
                    t["has_female_cla"]!.GetValue<bool>())));
        }

        // Nothing else: a footprint, the plan, and the places the check touched.
        Assert.Equal(2 + grpc.Facilities.Count + grpc.Communities.Count, geojson["features"]!.AsArray().Count);
    }

    /// <summary>The properties of the answer's features of one layer, by id, in the answer's order.</summary>
    private static Dictionary<string, JsonNode> Features(JsonNode geojson, string layer) =>
        geojson["features"]!.AsArray().Select(f => f!["properties"]!).Where(p => Text(p, "layer") == layer).ToDictionary(p => Text(p, "id"), p => p, StringComparer.Ordinal);

    private static string Text(JsonNode? node, string name) =>
        (node ?? throw new ArgumentNullException(nameof(node)))[name]?.GetValue<string>() ?? throw new KeyNotFoundException($"no string {name} in {node.ToJsonString()}");

    // ---- requests ----

    internal static string Body(
        string id, string geometry = RouteJson, string buffer = "1000", string kind = "patrol", string starts = "2026-12-20T06:00:00Z", string ends = "2026-12-20T18:00:00Z") =>
        $$$"""{"id":"{{{id}}}","name":"Patrol along the road","kind":"{{{kind}}}","unit":"BANBATT-2","buffer_metres":{{{buffer}}},"starts_at":"{{{starts}}}","ends_at":"{{{ends}}}","geometry":{{{geometry}}}}""";

    private HttpRequestMessage Request(Role role, string path, string? body) => Request(Api.TokenOf(role), path, body);

    private HttpRequestMessage Request(string token, string path, string? body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Api.Service.HttpEndpoint, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return request;
    }

    private Task<(HttpStatusCode Status, JsonNode? Answer)> PostAsync(Role role, string path, string? body) => PostAsync(Api.TokenOf(role), path, body);

    private async Task<(HttpStatusCode Status, JsonNode? Answer)> PostAsync(string token, string path, string? body)
    {
        using var request = Request(token, path, body);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private static Shape Point(double longitude, double latitude) => new() { Point = new GeoPoint { Longitude = longitude, Latitude = latitude } };
}
