using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Alerts;

/// <summary>
/// Alerts as the people who must act on them rely on them: which observations open one (once),
/// what each role sees of them and may do, the lifecycle and its audit, the response recorded as
/// the observation's, the nearest presence recorded at opening, escalation, and bad requests.
/// Each test works in an area of its own (a longitude of its own).
/// </summary>
public sealed class AlertTests(AlertTests.AlertFixture fixture) : IClassFixture<AlertTests.AlertFixture>
{
    private ApiFixture Api => fixture.Api;

    public sealed class AlertFixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new(["--GeoAwareness:Alerts:SweepSeconds=0.1"], null);

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            // A staffed base near every test's area, and an unstaffed one a little further.
            await Api.As(Role.Planner).Registry.CreateBaseAsync(new Base
            {
                Id = "al-base", Name = "Base Alpha", Kind = BaseKind.CompanyOperatingBase, Sector = "al", AdminArea = "Beni", Unit = "BATT-1",
                Location = new GeoPoint { Longitude = 35.0, Latitude = -1.45 }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
            });
            await Api.As(Role.Planner).Registry.CreateBaseAsync(new Base
            {
                Id = "al-far", Name = "Base Far", Kind = BaseKind.CompanyOperatingBase, Sector = "al", AdminArea = "Beni", Unit = "BATT-1",
                Location = new GeoPoint { Longitude = 35.5, Latitude = -1.45 }, OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
            });
            foreach (var (id, sex) in new[] { ("al-d1", Sex.Female), ("al-d2", Sex.Male) })
            {
                await Api.As(Role.Supervisor).Registry.CreateDeploymentAsync(new ClaDeployment
                {
                    Id = id, ClaId = "cla-" + id, Sex = sex, BaseId = "al-base", From = new CalendarDate { Year = 2025, Month = 6, Day = 1 }, HomeLocality = "Lubero",
                });
            }
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    [Fact]
    public async Task AnEarlyWarning_OpensOneAlert_WithTheNearestPresenceAtThatMoment_AndReplayingOpensNoOther()
    {
        var warning = Observation("a1-ew", 35.01, Category.EarlyWarningAlert, 5);
        await Api.SubmitAsync(warning);
        await Api.SubmitAsync(warning);

        var alert = await WithNearestAsync(Role.Supervisor, IdOf("a1-ew"));
        Assert.Equal(AlertKind.EarlyWarning, alert.Kind);
        Assert.Equal(AlertState.Open, alert.State);
        Assert.Equal(5, alert.Severity);
        Assert.Equal(TimeSpan.FromMinutes(15), alert.AcknowledgeBy.ToDateTimeOffset() - alert.OpenedAt.ToDateTimeOffset());
        // Responding is due 24 h after what it reports was observed: the EW-RESPONSE-24H indicator's clock.
        Assert.InRange((alert.RespondBy.ToDateTimeOffset() - warning.ObservedAt.ToDateTimeOffset() - TimeSpan.FromHours(24)).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        Assert.Equal(["al-base", "al-far"], alert.Nearest.Select(n => n.Base.Id).Take(2));
        Assert.True(alert.Nearest[0].Team.Staffed);
        Assert.InRange(alert.Nearest[0].DistanceMetres, 5_000, 6_000);
        Assert.Single(await ListAsync(Role.Supervisor, Box(35.01)));
    }

    [Theory]
    [InlineData(3, false)]
    [InlineData(4, true)]
    [InlineData(5, true)]
    public async Task AThreat_OpensAnAlertFromTheConfiguredSeverity(int severity, bool opens)
    {
        var key = $"a2-{severity}";
        await Api.SubmitAsync(Observation(key, 35.02, Category.ThreatOfPhysicalViolence, severity));

        var listed = await ListAsync(Role.Supervisor, Box(35.02));
        Assert.Equal(opens, listed.Any(a => a.ObservationId == IdOf(key)));
        if (opens)
        {
            Assert.Equal(AlertKind.SevereThreat, listed.Single(a => a.ObservationId == IdOf(key)).Kind);
        }
    }

    [Fact]
    public async Task AnOldObservation_OpensNoAlert_AnImportOfHistoryIsNotAThreatToActOn()
    {
        var old = Observation("a2-old", 35.025, Category.EarlyWarningAlert, 5);
        old.ObservedAt = Timestamp(DateTimeOffset.UtcNow.AddHours(-73));
        await Api.SubmitAsync(old);

        Assert.DoesNotContain(await ListAsync(Role.Supervisor, Box(35.025)), a => a.ObservationId == IdOf("a2-old"));
    }

    [Fact]
    public async Task TheLifecycle_AcknowledgeRespondClose_EachOnceByWhomAndWhen_Audited_AndTheResponseIsTheObservations()
    {
        await Api.SubmitAsync(Observation("a3", 35.03, Category.EarlyWarningAlert, 4));
        var opened = Assert.Single(await ListAsync(Role.Supervisor, Box(35.03)));
        var alerts = Api.As(Role.Supervisor).Alerts;

        var acknowledged = await alerts.AcknowledgeAsync(new AlertRequest { Id = opened.Id, ExpectedVersion = opened.Version });
        Assert.Equal(AlertState.Acknowledged, acknowledged.State);
        Assert.Equal(SubjectOf(Role.Supervisor), acknowledged.AcknowledgedBySubject);
        Assert.StartsWith("id: the alert is already acknowledged", await FailsWith(StatusCode.FailedPrecondition,
            () => alerts.AcknowledgeAsync(new AlertRequest { Id = opened.Id }).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("expected_version:", await FailsWith(StatusCode.Aborted,
            () => alerts.RespondAsync(new RespondToAlertRequest { Id = opened.Id, ExpectedVersion = opened.Version, Response = "patrol" }).ResponseAsync), StringComparison.Ordinal);

        var responded = await alerts.RespondAsync(new RespondToAlertRequest { Id = opened.Id, ExpectedVersion = acknowledged.Version, Response = "Patrol sent at 14:05" });
        Assert.Equal(AlertState.Responded, responded.State);
        Assert.Equal("Patrol sent at 14:05", responded.Response);
        var observation = await Api.Channel.Observations.GetAsync(new GetObservationRequest { Id = IdOf("a3") });
        Assert.Equal("Patrol sent at 14:05", observation.Response.Actions);
        Assert.Equal(responded.RespondedAt, observation.Response.At);

        var closed = await alerts.CloseAsync(new CloseAlertRequest { Id = opened.Id, Note = "community informed" });
        Assert.Equal(AlertState.Closed, closed.State);
        Assert.Equal("community informed", closed.ClosingNote);
        Assert.StartsWith("id: the alert is already closed", await FailsWith(StatusCode.FailedPrecondition,
            () => alerts.CloseAsync(new CloseAlertRequest { Id = opened.Id }).ResponseAsync), StringComparison.Ordinal);
        Assert.Empty(await ListAsync(Role.Supervisor, Box(35.03)));
        Assert.Single(await ListAsync(Role.Supervisor, Box(35.03), AlertState.Closed));

        var audited = await Api.Database.ScalarAsync<long>(
            $"SELECT count(DISTINCT action) FROM audit_log WHERE target_id = '{opened.Id}' AND action IN ('alert.acknowledge', 'alert.respond', 'alert.close')");
        Assert.Equal(3, audited);
    }

    [Fact]
    public async Task AReviewWithAResponse_AnswersTheAlertToo()
    {
        await Api.SubmitAsync(Observation("a4", 35.04, Category.EarlyWarningAlert, 3));
        await Api.Channel.Observations.ReviewAsync(new ReviewObservationRequest
        {
            Id = IdOf("a4"), Verification = VerificationStatus.Verified, Response = new Response { Actions = "Village visited", At = Time("2026-12-01T10:00:00Z") },
        });

        var alert = Assert.Single(await ListAsync(Role.Supervisor, Box(35.04)));
        Assert.Equal(AlertState.Responded, alert.State);
        Assert.Equal("Village visited", alert.Response);
        Assert.Equal(Time("2026-12-01T10:00:00Z"), alert.RespondedAt);
    }

    [Fact]
    public async Task AsAnalyst_AlertsComeWithACoarsePointAndNoNearestBases_AnalystsAcknowledgeButDoNotRespond()
    {
        await Api.SubmitAsync(Observation("a5", 35.05, Category.EarlyWarningAlert, 5));
        await WithNearestAsync(Role.Supervisor, IdOf("a5"));

        var seen = Assert.Single(await ListAsync(Role.Analyst, Box(35.05, 0.1)), a => a.ObservationId == IdOf("a5"));
        Assert.False(seen.Location.Longitude == 35.05 && seen.Location.Latitude == -1.5, "the exact point left the service");
        // Attack: the nearest bases ranked by distance from the exact point would place it (in the
        // region where that ranking holds) even without distances. A coarsened caller gets none.
        Assert.Empty(seen.Nearest);

        var analyst = Api.As(Role.Analyst).Alerts;
        Assert.Equal(AlertState.Acknowledged, (await analyst.AcknowledgeAsync(new AlertRequest { Id = seen.Id })).State);
        await FailsWith(StatusCode.PermissionDenied, () => analyst.RespondAsync(new RespondToAlertRequest { Id = seen.Id, Response = "x" }).ResponseAsync);
        await FailsWith(StatusCode.PermissionDenied, () => analyst.CloseAsync(new CloseAlertRequest { Id = seen.Id }).ResponseAsync);
    }

    [Fact]
    public async Task ASecurityIncidentAgainstACla_ReachesOnlyTheChainAndTheSecurityFocalPoint()
    {
        await Api.SubmitAsync(Observation("a6", 35.06, Category.SecurityIncidentAgainstCla, 2));

        var incident = Assert.Single(await ListAsync(Role.Supervisor, Box(35.06)));
        Assert.Equal(AlertKind.SecurityIncidentAgainstCla, incident.Kind);
        Assert.Equal(incident.Id, Assert.Single(await ListAsync(Role.SecurityFocalPoint, Box(35.06))).Id);
        Assert.DoesNotContain(await ListAsync(Role.Analyst, Box(35.06, 0.1)), a => a.Id == incident.Id);
        // Not found, as for an alert that does not exist: the analyst learns nothing.
        Assert.Equal($"id: no alert '{incident.Id}'", await FailsWith(StatusCode.NotFound,
            () => Api.As(Role.Analyst).Alerts.GetAlertAsync(new AlertRequest { Id = incident.Id }).ResponseAsync));
        Assert.Equal(AlertState.Responded, (await Api.As(Role.SecurityFocalPoint).Alerts.RespondAsync(
            new RespondToAlertRequest { Id = incident.Id, Response = "CLA relocated" })).State);
        // The security focal point sees incidents and nothing else.
        await Api.SubmitAsync(Observation("a6-ew", 35.06, Category.EarlyWarningAlert, 5));
        Assert.DoesNotContain(await ListAsync(Role.SecurityFocalPoint, Box(35.06), AlertState.Open, AlertState.Responded), a => a.ObservationId == IdOf("a6-ew"));
    }

    [Theory]
    [InlineData(Role.Cla)]
    [InlineData(Role.Planner)]
    [InlineData(Role.Importer)]
    [InlineData(Role.CpasFocalPoint)]
    [InlineData(Role.ReferralSection)]
    [InlineData(Role.Administrator)]
    public async Task ARoleWithoutAlerts_IsRefusedEveryCall(Role role)
    {
        var alerts = Api.As(role).Alerts;
        await FailsWith(StatusCode.PermissionDenied, async () =>
        {
            using var call = alerts.ListAlerts(new ListAlertsRequest());
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        await FailsWith(StatusCode.PermissionDenied, () => alerts.GetAlertAsync(new AlertRequest { Id = "alert-x" }).ResponseAsync);
        await FailsWith(StatusCode.PermissionDenied, () => alerts.AcknowledgeAsync(new AlertRequest { Id = "alert-x" }).ResponseAsync);
    }

    [Fact]
    public async Task BadRequests_AreRefusedNamingTheField()
    {
        var alerts = Api.Channel.Alerts;
        Assert.StartsWith("states[0]", await FailsWith(StatusCode.InvalidArgument, () => ListAsync(alerts, new ListAlertsRequest { States = { (AlertState)9 } })), StringComparison.Ordinal);
        Assert.StartsWith("kinds[0]", await FailsWith(StatusCode.InvalidArgument, () => ListAsync(alerts, new ListAlertsRequest { Kinds = { (AlertKind)9 } })), StringComparison.Ordinal);
        Assert.StartsWith("min_age_seconds", await FailsWith(StatusCode.InvalidArgument, () => ListAsync(alerts, new ListAlertsRequest { MinAgeSeconds = -1 })), StringComparison.Ordinal);
        Assert.StartsWith("area.bbox", await FailsWith(StatusCode.InvalidArgument,
            () => ListAsync(alerts, new ListAlertsRequest { Area = new Area { Bbox = new BoundingBox { West = 10, East = 11, South = 0, North = 95 } } })), StringComparison.Ordinal);
        Assert.Equal("id: is required", await FailsWith(StatusCode.InvalidArgument, () => alerts.GetAlertAsync(new AlertRequest()).ResponseAsync));
        Assert.Equal("id: no alert 'alert-none'", await FailsWith(StatusCode.NotFound, () => alerts.GetAlertAsync(new AlertRequest { Id = "alert-none" }).ResponseAsync));
        Assert.Equal("response: is required", await FailsWith(StatusCode.InvalidArgument, () => alerts.RespondAsync(new RespondToAlertRequest { Id = "alert-none" }).ResponseAsync));
        Assert.StartsWith("note: is 2001 characters", await FailsWith(StatusCode.InvalidArgument,
            () => alerts.CloseAsync(new CloseAlertRequest { Id = "alert-none", Note = new string('x', 2001) }).ResponseAsync), StringComparison.Ordinal);
    }

    /// <summary>An observation of an hour ago, or of <paramref name="ago"/> (only recent ones open alerts).</summary>
    internal static Observation Observation(string key, double longitude, Category category, int severity, TimeSpan? ago = null)
    {
        var observation = NewObservation(key, longitude, -1.5, DateTimeOffset.UtcNow.Subtract(ago ?? TimeSpan.FromHours(1)).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        observation.Category = category;
        observation.Severity = severity;
        return observation;
    }

    private static Google.Protobuf.WellKnownTypes.Timestamp Timestamp(DateTimeOffset at) => Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at);

    private static Area Box(double longitude, double half = 0.004) =>
        new() { Bbox = new BoundingBox { West = longitude - half, East = longitude + half, South = -1.5 - half, North = -1.5 + half } };

    private Task<List<Alert>> ListAsync(Role role, Area area, params AlertState[] states) => ListAsync(role, area, false, states);

    private Task<List<Alert>> ListAsync(Role role, Area area, bool escalatedOnly, params AlertState[] states)
    {
        var request = new ListAlertsRequest { Area = area, EscalatedOnly = escalatedOnly };
        request.States.AddRange(states);
        return ListAsync(Api.As(role).Alerts, request);
    }

    private Task<List<Alert>> ListAsync(Role role, Area area, bool escalatedOnly) => ListAsync(role, area, escalatedOnly, []);

    private static async Task<List<Alert>> ListAsync(Geo.Api.V1.Alerts.AlertsClient alerts, ListAlertsRequest request)
    {
        using var call = alerts.ListAlerts(request);
        return await call.ResponseStream.ReadAllAsync().ToListAsync();
    }

    /// <summary>The alert of <paramref name="observationId"/> once the service has recorded its nearest presence (just after it opens).</summary>
    private async Task<Alert> WithNearestAsync(Role role, string observationId) =>
        await EventuallyAsync(
            async () => await Api.As(role).Alerts.GetAlertAsync(new AlertRequest { Id = "alert-" + observationId }),
            a => a.Nearest.Count > 0);

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
