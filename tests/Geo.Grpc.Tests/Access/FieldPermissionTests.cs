using System.Text.Json;
using Geo.Api.V1;
using Geo.Api;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Access;

/// <summary>
/// The permission table extended to fields: for every role, every method it may call is called
/// on a mission where every field is filled (an observation with notes, a reporter, an area, a
/// response and a release; a source; a referral; registry records; tokens and audit entries), and
/// every field of every message it receives that is not empty must be one the table grants that
/// role. A field or message missing from the table fails, so a new one needs a decision. The
/// feeds' GeoJSON properties are held to their data dictionaries the same way.
/// </summary>
public sealed class FieldPermissionTests(FieldPermissionTests.MissionFixture mission) : IClassFixture<FieldPermissionTests.MissionFixture>
{
    private static readonly Role[] Everyone = Enum.GetValues<Role>();

    /// <summary>The supervisor chain: the CLA (their own reports), supervisors, and the security focal point (security incidents).</summary>
    private static readonly Role[] Chain = [Role.Cla, Role.Supervisor, Role.SecurityFocalPoint];

    /// <summary>Whoever manages CLA deployments: the registry's CLA records stay with them.</summary>
    private static readonly Role[] Deployers = [Role.Supervisor, Role.Planner];

    /// <summary>Whoever reads planned operations (confidential): their re-check marks reach them alone.</summary>
    private static readonly Role[] PlanReaders = [Role.Supervisor, Role.Planner, Role.UnCimicOfficer];

    /// <summary>
    /// message -> field -> the roles that may receive it filled. Fields that say where a report
    /// is (location, area) are granted to every reader because every reader gets a location: the
    /// roles outside the chain get the coarse one (AveragingAttackTests, DoNoHarmAttackTests).
    /// </summary>
    private static readonly Dictionary<string, Dictionary<string, Role[]>> Table = Build(
    [
        ("Observation", Everyone, ["id", "observed_at", "reported_at", "location", "location_precision", "category", "severity", "affected", "vulnerabilities",
            "community_id", "base_id", "summary", "verification", "response", "version", "received_at", "released_at"]),
        ("Observation", Chain, ["reporter_id", "notes", "released_by", "area"]),
        // Grouping coarsened reports of one incident would narrow down where it happened: the reviewers alone.
        ("Observation", [Role.Supervisor], ["event_id"]),
        ("ObservationEvent", [Role.Supervisor], ["event_id", "observation_ids", "changed"]),
        ("ObservationPage", Everyone, ["observations", "next_page_token"]),
        ("WatchEvent", Everyone, ["cursor", "observation", "withdrawn", "heartbeat", "alert"]),
        ("WatchEvent", PlanReaders, ["operation_recheck"]),
        ("OperationRecheck", PlanReaders, ["operation_id", "name", "reason", "marked_at"]),
        // The mission's mark is caused by a liaison-only site: named to UN-CIMIC officers alone.
        ("OperationRecheck", [Role.UnCimicOfficer], ["site_id"]),
        ("WithdrawnObservation", Everyone, ["id", "version", "changed_at"]),
        ("Heartbeat", Everyone, ["at"]),
        ("Alert", Everyone, ["id", "observation_id", "kind", "severity", "location", "state", "opened_at", "acknowledge_by", "respond_by", "acknowledged_at",
            "acknowledged_by_subject", "responded_at", "responded_by_subject", "response", "closed_at", "closed_by_subject", "closing_note",
            "escalated_unacknowledged_at", "escalated_unanswered_at", "nearest", "version"]),
        ("ObservationHistory", [Role.Supervisor], ["reviews"]),
        ("Review", [Role.Supervisor], ["verification", "response", "reviewer_id", "reviewed_at", "note"]),
        ("Response", Everyone, ["actions", "at"]),
        ("CountResponse", Everyone, ["observations", "withheld"]),
        ("ObservationSummary", Everyone, ["observations", "people_affected", "withheld", "by_category", "by_group"]),
        ("CategoryCount", Everyone, ["category", "observations", "people_affected", "withheld"]),
        ("GroupCount", Everyone, ["sex", "age_group", "observations", "people", "withheld"]),
        ("SourceList", [Role.Supervisor], ["sources"]),
        ("Source", [Role.Supervisor], ["id", "observation_id", "kind", "description", "contact", "recorded_by"]),
        ("Referral", [Role.ReferralSection], ["id", "section", "contact_details", "submitted_by", "submitted_at"]),
        ("GeoPoint", Everyone, ["longitude", "latitude"]),
        ("Shape", Everyone, ["point", "wkt", "geojson"]),
        ("AffectedCount", Everyone, ["sex", "age_group", "count"]),
        ("CalendarDate", Everyone, ["year", "month", "day"]),
        ("Sector", Everyone, ["id", "name", "area", "version"]),
        ("ListSectorsResponse", Everyone, ["sectors"]),
        ("Community", Everyone, ["id", "name", "location", "centroid", "admin_area", "sector", "population", "risk_level", "has_protection_plan", "has_protection_committee",
            "has_can_focal_point", "version"]),
        ("ListCommunitiesResponse", Everyone, ["communities", "next_page_token"]),
        ("Base", Everyone, ["id", "name", "kind", "unit", "sector", "location", "opened_on", "closed_on", "admin_area", "version"]),
        ("ListBasesResponse", Everyone, ["bases", "next_page_token"]),
        ("ClaDeployment", Deployers, ["id", "cla_id", "sex", "base_id", "from", "to", "temporary_duty", "home_locality", "home_community_id", "flags", "version"]),
        ("ListDeploymentsResponse", Deployers, ["deployments", "next_page_token"]),
        ("NearestPresenceResponse", Everyone, ["bases"]),
        ("BasePresence", Everyone, ["base", "distance_metres", "team"]),
        ("ClaTeam", Everyone, ["cla_count", "female_count", "temporary_duty_count", "staffed", "has_female_cla"]),
        ("HeatMapChunk", Everyone, ["grid", "cells"]),
        ("HeatMapGrid", Everyone, ["cell_size_metres", "projection", "origin_x", "origin_y", "column_step_metres", "row_step_metres", "columns", "rows",
            "cells_in_area", "frames", "class_breaks", "unit", "bandwidth_metres", "distance_band_metres", "min_count", "coarsened", "shape", "method", "classification", "watermark",
            "applied_filter"]),
        ("AppliedFilter", Everyone, ["categories", "verification", "categories_defaulted", "verification_defaulted", "counted"]),
        ("HeatMapFrame", Everyone, ["from", "to", "observations", "cells", "withheld_cells"]),
        ("HeatMapCells", Everyone, ["frame", "cells", "columns", "rows", "values", "counts", "classes", "p_values", "hot_spots"]),
        ("HeatMapCell", Everyone, ["column", "row", "value", "count", "class", "p_value", "hot_spot", "centre", "ring"]),
        ("HeatMapRequest", Everyone, null),
        ("CoverageReport", Everyone, null),
        ("BaseCoverage", Everyone, null),
        ("TeamGap", Everyone, null),
        ("CommunityReach", Everyone, null),
        ("ReachDistances", Everyone, null),
        ("GroupGapsReport", Everyone, null),
        ("GroupGapCell", Everyone, null),
        ("GroupGapCommunity", Everyone, null),
        ("PlanDeploymentReport", Everyone, null),
        ("ClosedTeamGap", Everyone, null),
        // A saved plan: its changes are the planners' product, but a move names CLA deployments,
        // which reach only those who manage them (the others get withheld_count).
        ("SavedPlan", Everyone, ["name", "plan", "saved_by", "saved_at", "report"]),
        ("ListPlansResponse", Everyone, ["plans"]),
        ("ComparePlansResponse", Everyone, ["left", "right"]),
        ("ExportPlanResponse", Everyone, ["geojson"]),
        ("PlanDeploymentRequest", Everyone, ["coverage", "teams", "group_gaps", "changes"]),
        ("CoverageRequest", Everyone, null),
        ("PlannedTeam", Everyone, null),
        ("PlanChange", Everyone, ["open_base", "close_base", "deploy_team", "move_clas", "add_clas"]),
        ("OpenBase", Everyone, ["base", "clas"]),
        ("CloseBase", Everyone, ["base_id"]),
        ("DeployTeam", Everyone, ["base", "clas"]),
        ("AddClas", Everyone, ["base_id", "clas"]),
        ("MoveClas", Everyone, ["from_base_id", "to_base_id", "withheld_count"]),
        ("MoveClas", Deployers, ["deployment_ids"]),
        ("IndicatorReport", Everyone, null),
        ("IndicatorUnit", Everyone, null),
        ("IndicatorValue", Everyone, null),
        ("IndicatorDefinition", Everyone, null),
        ("Disaggregated", Everyone, null),
        // The estimate is aggregates and the civilian records each role reads in full (CivilEstimateTests).
        ("CivilEstimate", Everyone, null),
        ("BoundingBox", Everyone, null),
        ("CivilSituation", Everyone, null),
        ("RiskCount", Everyone, null),
        ("CommunityBrief", Everyone, null),
        ("CivilianActors", Everyone, null),
        ("SectorActors", Everyone, null),
        ("FacilityCount", Everyone, null),
        ("ThreatPicture", Everyone, null),
        ("ThreatChange", Everyone, null),
        ("GroupThreatChange", Everyone, null),
        ("HotSpot", Everyone, null),
        ("CoverageGaps", Everyone, null),
        ("BaseBrief", Everyone, null),
        ("GroupGapBrief", Everyone, null),
        ("CivilWorks", Everyone, null),
        ("CivilWorksCount", Everyone, null),
        ("Finding", Everyone, null),
        ("EstimateRule", Everyone, null),
        ("WithheldSection", Everyone, null),
        ("FigureSource", Everyone, null),
        ("TokenInfo", Everyone, ["id", "role", "subject", "sectors", "area", "referral_section", "expires_at", "issued_by", "issued_at", "note", "revoked_at"]),
        ("AuditEntry", [Role.Administrator], ["id", "at", "actor", "action", "target_kind", "target_id", "details"]),
    ]);

    /// <summary>The feeds' properties: the observation feed's are its data dictionary, nothing more.</summary>
    private static readonly HashSet<string> FeedProperties = [.. Geo.Exporters.Feeds.ObservationFields.All.Select(f => f.Name)];

    public static TheoryData<Role> Roles()
    {
        var data = new TheoryData<Role>();
        foreach (var role in Everyone)
        {
            data.Add(role);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task EveryFieldEveryRoleReceives_IsOneTheTableGrantsIt(Role role)
    {
        var channel = mission.Api.As(role);
        var received = new List<(string Method, IMessage Message)>();
        foreach (var (path, request) in MissionFixture.Requests())
        {
            received.AddRange((await CallAsync(channel, path, request)).Select(m => (path, m)));
        }

        var problems = new List<string>();
        foreach (var (method, message) in received)
        {
            Walk(message, method, role, problems);
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Distinct()));
        // Something was received: a role that may read nothing is the administrator alone... and even it reads tokens.
        Assert.NotEmpty(received);
    }

    [Fact]
    public async Task TheObservationFeed_CarriesOnlyItsDictionarysFields_AndNeverWhatIdentifiesACla()
    {
        using var http = new HttpClient();
        using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(mission.Api.Service.HttpEndpoint, "/feeds/observations?all=true"));
        get.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", mission.Api.TokenOf(Role.Importer));
        using var response = await http.SendAsync(get);
        response.EnsureSuccessStatusCode();
        var bytes = await response.Content.ReadAsByteArrayAsync();
        using var document = JsonDocument.Parse(bytes);
        var features = document.RootElement.GetProperty("features").EnumerateArray().ToList();
        var ours = features.Where(f => f.GetProperty("id").GetString() == IdOf(MissionFixture.Key)).ToList();
        Assert.Single(ours);
        var names = features.SelectMany(f => f.GetProperty("properties").EnumerateObject().Select(p => p.Name)).ToHashSet();
        Assert.Subset(FeedProperties, names);
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain(MissionFixture.Notes, text, StringComparison.Ordinal);
        Assert.DoesNotContain(MissionFixture.Reporter, text, StringComparison.Ordinal);
        Assert.Contains(MissionFixture.Summary, text, StringComparison.Ordinal);
    }

    private static void Walk(IMessage message, string method, Role role, List<string> problems)
    {
        var descriptor = message.Descriptor;
        if (!Table.TryGetValue(descriptor.Name, out var fields))
        {
            problems.Add($"{method} gives {role} a {descriptor.Name}, which the table does not list");
            return;
        }

        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(message);
            if (!IsSet(field, value, message))
            {
                continue;
            }

            if (fields.TryGetValue("*", out var any) && any.Contains(role))
            {
                // Every field of this message is the caller's product (coverage, indicators): its contents are walked all the same.
            }
            else if (!fields.TryGetValue(field.Name, out var roles))
            {
                problems.Add($"{method} gives {role} {descriptor.Name}.{field.Name}, which the table does not list");
                continue;
            }
            else if (!roles.Contains(role))
            {
                problems.Add($"{method} gives {role} {descriptor.Name}.{field.Name}, which the table grants only {string.Join(", ", roles)}");
                continue;
            }

            if (field.FieldType == FieldType.Message)
            {
                var children = field.IsRepeated ? ((System.Collections.IEnumerable)value).Cast<IMessage>() : [(IMessage)value];
                foreach (var child in children)
                {
                    if (child.Descriptor.File.Package == "google.protobuf")
                    {
                        continue;
                    }

                    Walk(child, method, role, problems);
                }
            }
        }
    }

    private static bool IsSet(FieldDescriptor field, object? value, IMessage message) => value switch
    {
        null => false,
        System.Collections.ICollection list => list.Count > 0,
        string text => text.Length > 0,
        ByteString bytes => bytes.Length > 0,
        bool flag => flag,
        IMessage => true,
        Enum code => Convert.ToInt32(code, System.Globalization.CultureInfo.InvariantCulture) != 0,
        _ when field.RealContainingOneof is { } oneof => oneof.Accessor.GetCaseFieldDescriptor(message) == field,
        _ => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture) != 0,
    };

    /// <summary>What one call gives the role: every response message, or none when the role may not call it (or the call is refused).</summary>
    private static async Task<List<IMessage>> CallAsync(GeoAwarenessClient channel, string path, IMessage request)
    {
        var method = MethodOf(path);
        var status = await AccessCalls.StatusOfAsync(channel, method, request);
        if (status.StatusCode != StatusCode.OK)
        {
            Assert.True(status.StatusCode is StatusCode.PermissionDenied or StatusCode.NotFound, $"{path}: {status}");
            return [];
        }

        // A watch never ends: what it pushes in a few seconds (from the feed's start, every change) is what it gives.
        return await AccessCalls.ResponsesAsync(channel, method, request, method.Name == "Watch" ? TimeSpan.FromSeconds(3) : null);
    }

    private static MethodDescriptor MethodOf(string path)
    {
        var (service, name) = (path.Split('/')[1], path.Split('/')[2]);
        return new[] { Registry.Descriptor, Observations.Descriptor, Geo.Api.V1.Alerts.Descriptor, Referrals.Descriptor, Presence.Descriptor, HeatMaps.Descriptor, Coverage.Descriptor, Indicators.Descriptor, Geo.Api.V1.Access.Descriptor, Geo.Api.V1.CivilEstimates.Descriptor, Geo.Api.V1.Plans.Descriptor }
            .Single(s => s.FullName == service).FindMethodByName(name);
    }

    private static Dictionary<string, Dictionary<string, Role[]>> Build(IEnumerable<(string Message, Role[] Roles, string[]? Fields)> rows)
    {
        var table = new Dictionary<string, Dictionary<string, Role[]>>(StringComparer.Ordinal);
        foreach (var (message, roles, fields) in rows)
        {
            var entry = table.TryGetValue(message, out var found) ? found : table[message] = new(StringComparer.Ordinal);
            foreach (var field in fields ?? ["*"])
            {
                entry[field] = roles;
            }
        }

        return table;
    }

    /// <summary>A mission where every field the API can return is filled.</summary>
    public sealed class MissionFixture : IAsyncLifetime
    {
        public const string Key = "fields-1";
        public const string Notes = "The teacher by the market told me at night";
        public const string Reporter = "cla-fields-reporter";
        public const string Summary = "Armed men reported near the market; patrol sent";

        public ApiFixture Api { get; } = new();

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            await Api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "fields", Name = "Fields", Area = new Shape { Wkt = "POLYGON((29 -2, 30 -2, 30 -1, 29 -1, 29 -2))" } }).ResponseAsync;
            await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateCommunityAsync(new Community
            {
                Id = "fields-village", Name = "Village", Sector = "fields", AdminArea = "Nord-Kivu", RiskLevel = RiskLevel.High, HasProtectionPlan = true,
                HasProtectionCommittee = true, HasCanFocalPoint = true, Location = new Shape { Wkt = "POINT(29.5 -1.5)" },
                Population = { new AffectedCount { Sex = Sex.Female, AgeGroup = AgeGroup.Child, Count = 40 } },
            }).ResponseAsync;
            await Api.As(Geo.Core.Access.Role.Planner).Registry.CreateBaseAsync(new Base
            {
                Id = "fields-base", Name = "Base", Kind = BaseKind.OperatingBase, Unit = "BATT", Sector = "fields", AdminArea = "Nord-Kivu",
                Location = new GeoPoint { Longitude = 29.45, Latitude = -1.5 }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
            }).ResponseAsync;
            await Api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
            {
                Id = "fields-deployment", ClaId = Reporter, Sex = Sex.Female, BaseId = "fields-base", From = new CalendarDate { Year = 2025, Month = 1, Day = 1 },
                TemporaryDuty = true, HomeLocality = "Nord-Kivu", HomeCommunityId = "fields-village",
            }).ResponseAsync;
            var observation = NewObservation(Key, 29.5, -1.5, "2026-03-10T10:00:00Z");
            observation.ReporterId = Reporter;
            observation.Notes = Notes;
            observation.Area = new Shape { Wkt = "POLYGON((29.49 -1.51, 29.51 -1.51, 29.51 -1.49, 29.49 -1.49, 29.49 -1.51))" };
            observation.CommunityId = "fields-village";
            observation.BaseId = "fields-base";
            observation.Vulnerabilities.Add(Vulnerability.InternallyDisplaced);
            var others = Enumerable.Range(0, 6).Select(i => NewObservation($"fields-other-{i}", 29.5, -1.5, "2026-03-10T10:00:00Z")).ToArray();
            await Api.SubmitAsync([observation, .. others]);
            await Api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest
            {
                Id = IdOf(Key), Verification = VerificationStatus.Verified, Note = "seen by the patrol",
                Response = new Response { Actions = "Patrol sent", At = Time("2026-03-10T12:00:00Z") },
            }).ResponseAsync;
            await Api.As(Geo.Core.Access.Role.Supervisor).Observations.ReleaseAsync(new ReleaseObservationRequest { Id = IdOf(Key), Summary = Summary }).ResponseAsync;
            // Told by two CLAs: one event, so that every observation read carries its event id where the role may see it.
            await Api.As(Geo.Core.Access.Role.Supervisor).Observations.LinkEventAsync(new LinkEventRequest { Ids = { IdOf(Key), IdOf("fields-other-0") } }).ResponseAsync;
            // An early warning of an hour ago opens an alert, which is answered and closed: every field of an alert is filled.
            var warning = NewObservation("fields-warning", 29.5, -1.5, DateTimeOffset.UtcNow.AddHours(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            warning.Category = Category.EarlyWarningAlert;
            warning.Severity = 5;
            await Api.SubmitAsync(warning);
            var alerts = Api.As(Geo.Core.Access.Role.Supervisor).Alerts;
            await alerts.RespondAsync(new RespondToAlertRequest { Id = "alert-" + IdOf("fields-warning"), Response = "Patrol sent" }).ResponseAsync;
            await alerts.CloseAsync(new CloseAlertRequest { Id = "alert-" + IdOf("fields-warning"), Note = "community informed" }).ResponseAsync;
            await Api.SettledAsync();
            await Api.As(Geo.Core.Access.Role.Supervisor).Observations.RecordSourceAsync(new Source
            {
                ClientId = "fields-source", ObservationId = IdOf(Key), Kind = SourceKind.CommunityLeader, Description = "the teacher", Contact = "+243 000",
            }).ResponseAsync;
            await Api.As(Role.Cla).Referrals.SubmitAsync(new Referral
            {
                ClientId = "fields-referral", Section = ReferralSection.WomenProtection, ContactDetails = "via the health centre",
            }).ResponseAsync;
            // A checked plan, then a liaison-only clinic opened in its reach: a re-check mark for the watches.
            await Api.As(Role.Planner).Operations.CreateOperationAsync(new PlannedOperation
            {
                Id = "fields-patrol", Name = "Patrol", Kind = OperationKind.Patrol, Route = new Shape { Wkt = "LINESTRING(29.6 -1.6, 29.7 -1.6)" }, BufferMetres = 2000,
                StartsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(5)),
                EndsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(6)),
            }).ResponseAsync;
            await Api.As(Role.Planner).Operations.CheckOperationAsync(new CheckOperationRequest { Id = "fields-patrol" }).ResponseAsync;
            await Api.As(Role.HumanitarianLiaison).Civilian.CreateFacilityAsync(new Facility
            {
                Id = "fields-clinic", Name = "Clinic", Type = FacilityType.Clinic, Sharing = SharingLevel.LiaisonOnly,
                Location = new Shape { Point = new GeoPoint { Longitude = 29.65, Latitude = -1.605 } },
            }).ResponseAsync;
            // A saved plan that moves the named CLA to a new post: the move's deployment id is the CLA's whereabouts.
            await Api.As(Role.Planner).Plans.SavePlanAsync(new SavePlanRequest
            {
                Name = "fields-plan",
                Plan = new PlanDeploymentRequest
                {
                    Coverage = new CoverageRequest { At = new CalendarDate { Year = 2026, Month = 3, Day = 15 } },
                    Changes =
                    {
                        new PlanChange { OpenBase = new OpenBase { Base = new Base { Id = "fields-post", Name = "Post", Kind = BaseKind.TemporaryOperatingBase, Location = new GeoPoint { Longitude = 29.55, Latitude = -1.5 } }, Clas = { Sex.Male } } },
                        new PlanChange { MoveClas = new MoveClas { FromBaseId = "fields-base", ToBaseId = "fields-post", DeploymentIds = { "fields-deployment" } } },
                    },
                },
            }).ResponseAsync;
        }

        public Task DisposeAsync() => Api.DisposeAsync();

        /// <summary>Every method that gives data back, with a request that finds the mission's records.</summary>
        public static IEnumerable<(string Path, IMessage Request)> Requests()
        {
            var march = new ObservationFilter { ObservedFrom = Time("2026-03-01T00:00:00Z"), ObservedTo = Time("2026-04-01T00:00:00Z") };
            var box = new Area { Bbox = new BoundingBox { West = 29.2, South = -1.8, East = 29.8, North = -1.2 } };
            var heatMap = new HeatMapRequest { Filter = new ObservationFilter { Area = box, ObservedFrom = march.ObservedFrom, ObservedTo = march.ObservedTo }, CellSizeMetres = 10_000 };
            var at = new CalendarDate { Year = 2026, Month = 3, Day = 15 };
            var id = IdOf(Key);
            return
            [
                ("/geoawareness.v1.Observations/Get", new GetObservationRequest { Id = id }),
                ("/geoawareness.v1.Observations/Query", new QueryObservationsRequest { Filter = march }),
                ("/geoawareness.v1.Observations/Count", march),
                ("/geoawareness.v1.Observations/Summarize", march),
                ("/geoawareness.v1.Alerts/ListAlerts", new ListAlertsRequest { States = { AlertState.Open, AlertState.Acknowledged, AlertState.Responded, AlertState.Closed } }),
                ("/geoawareness.v1.Observations/Watch", new WatchRequest { Cursor = Geo.Exporters.Feeds.FeedCursor.Format(Geo.Core.Domain.FeedPosition.Start) }),
                ("/geoawareness.v1.Observations/GetHistory", new GetObservationRequest { Id = id }),
                ("/geoawareness.v1.Observations/GetSources", new GetObservationRequest { Id = id }),
                ("/geoawareness.v1.Observations/Release", new ReleaseObservationRequest { Id = id, Summary = Summary }),
                ("/geoawareness.v1.Referrals/List", new ListReferralsRequest { Section = ReferralSection.WomenProtection }),
                ("/geoawareness.v1.Registry/GetCommunity", new GetByIdRequest { Id = "fields-village" }),
                ("/geoawareness.v1.Registry/ListCommunities", new ListRequest()),
                ("/geoawareness.v1.Registry/GetBase", new GetByIdRequest { Id = "fields-base" }),
                ("/geoawareness.v1.Registry/ListBases", new ListRequest()),
                ("/geoawareness.v1.Registry/GetDeployment", new GetByIdRequest { Id = "fields-deployment" }),
                ("/geoawareness.v1.Registry/ListDeployments", new ListDeploymentsRequest()),
                ("/geoawareness.v1.Registry/ListSectors", new ListSectorsRequest()),
                ("/geoawareness.v1.Presence/NearestPresence", new NearestPresenceRequest { Point = new GeoPoint { Longitude = 29.5, Latitude = -1.5 } }),
                ("/geoawareness.v1.HeatMaps/Compute", heatMap),
                ("/geoawareness.v1.HeatMaps/Compute", new HeatMapRequest { Filter = heatMap.Filter, CellSizeMetres = 10_000, CountEvents = true }),
                ("/geoawareness.v1.Observations/LinkEvent", new LinkEventRequest { Ids = { id, IdOf("fields-other-0") } }),
                // The packed layout, with the hot-spot columns filled: the same numbers, walked field by field.
                ("/geoawareness.v1.HeatMaps/Compute", new HeatMapRequest { Filter = heatMap.Filter, CellSizeMetres = 10_000, Method = HeatMapMethod.HotSpots, CellLayout = CellLayout.Packed }),
                ("/geoawareness.v1.Coverage/GetCoverage", new CoverageRequest { At = at }),
                ("/geoawareness.v1.Coverage/GetGroupGaps", new GroupGapsRequest { HeatMap = heatMap, Threshold = 1, At = at }),
                ("/geoawareness.v1.Coverage/PlanDeployment", new PlanDeploymentRequest { Coverage = new CoverageRequest { At = at }, Teams = { new PlannedTeam { BaseId = "fields-base", ClaCount = 2, FemaleCount = 1 } } }),
                ("/geoawareness.v1.Plans/GetPlan", new GetPlanRequest { Name = "fields-plan" }),
                ("/geoawareness.v1.Plans/ListPlans", new ListPlansRequest()),
                ("/geoawareness.v1.Plans/ComparePlans", new ComparePlansRequest { Left = "fields-plan" }),
                ("/geoawareness.v1.Plans/ExportPlan", new ExportPlanRequest { Name = "fields-plan", Layer = PlanLayer.Bases }),
                ("/geoawareness.v1.Indicators/Compute", new IndicatorRequest { Period = "2026-03", Level = IndicatorLevel.Mission }),
                ("/geoawareness.v1.CivilEstimates/GetCivilEstimate", new CivilEstimateRequest { Bbox = box.Bbox, Period = "2026-03" }),
                ("/geoawareness.v1.Access/WhoAmI", new WhoAmIRequest()),
                ("/geoawareness.v1.Access/ListTokens", new ListTokensRequest()),
                ("/geoawareness.v1.Access/QueryAudit", new QueryAuditRequest()),
            ];
        }
    }
}
