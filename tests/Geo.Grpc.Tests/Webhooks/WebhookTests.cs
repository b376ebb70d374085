using System.Text;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Testing;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Webhooks;

/// <summary>
/// Outbound webhooks against a receiver on 127.0.0.1: what arrives (as the hook's token sees it,
/// signed, keyed, in order), what happens when the receiver fails in each way a network can, and
/// what never leaves. Each test watches its own area, one degree from the others.
/// </summary>
public sealed class WebhookTests(WebhookTests.HookFixture fixture) : IClassFixture<WebhookTests.HookFixture>
{
    public sealed class HookFixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new(
        [
            "--GeoAwareness:Webhooks:TimeoutSeconds=2",
            "--GeoAwareness:Webhooks:FirstRetrySeconds=0.05",
            "--GeoAwareness:Webhooks:MaxRetrySeconds=0.2",
            "--GeoAwareness:Webhooks:SuspendAfterFailures=6",
            "--GeoAwareness:Webhooks:LeaseSeconds=5",
            "--GeoAwareness:Webhooks:PollSeconds=0.1",
            "--GeoAwareness:Webhooks:BatchSize=3",
        ], null);

        internal HookReceiver Receiver { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            Receiver = await HookReceiver.StartAsync();
        }

        public async Task DisposeAsync()
        {
            await Receiver.DisposeAsync();
            await Api.DisposeAsync();
        }
    }

    private ApiFixture Api => fixture.Api;

    private HookReceiver Receiver => fixture.Receiver;

    private Geo.Api.V1.Webhooks.WebhooksClient Admin => Api.As(Role.Administrator).Webhooks;

    [Fact]
    public async Task AHook_DeliversWhatMatches_InFeedOrder_Signed_Keyed_AndAsItsTokenSeesIt()
    {
        var filter = new ObservationFilter { Area = Around(30) };
        filter.Categories.Add(Category.ThreatOfPhysicalViolence);
        var created = await CreateAsync("ordered", filter);
        Assert.StartsWith("whsec_", created.Secret, StringComparison.Ordinal);

        var observations = Enumerable.Range(0, 7).Select(i => Near($"h1-{i}", 30, i)).ToArray();
        observations[2].Category = Category.EarlyWarningAlert;
        observations[5].Location.Longitude = 35.5;
        await Api.SubmitAsync(observations[..4]);
        await Api.SubmitAsync(observations[4..]);
        var expected = FeedOrder([IdOf("h1-0"), IdOf("h1-1"), IdOf("h1-3")], [IdOf("h1-4"), IdOf("h1-6")]);

        var events = await Receiver.AcknowledgedAsync("ordered", e => e.Count >= expected.Count);
        Assert.Equal(expected, events.Select(e => e.Observation.Id));
        foreach (var received in Receiver.To("ordered"))
        {
            Assert.True(received.SignedWith(created.Secret), "the signature does not verify as the README says it should");
            Assert.False(received.SignedWith(created.Secret + "x"));
            Assert.Equal(received.Event.Cursor, received.IdempotencyKey);
            Assert.Equal(created.Webhook.Id, received.Hook);
        }

        // An analyst's token: coarse points, no reporter, no CLA's notes.
        Assert.All(events, e => Assert.Empty(e.Observation.ReporterId));
        Assert.All(events, e => Assert.Empty(e.Observation.Notes));
        Assert.DoesNotContain(events, e => e.Observation.Location.Longitude == 30 + (0.01 * 0) && e.Observation.Location.Latitude == -1.5);
        var keys = events.Select(e => Geo.Exporters.Feeds.FeedCursor.Parse(e.Cursor).Position).ToList();
        Assert.Equal(keys.Order(), keys);

        var hook = await EventuallyAsync(() => Admin.GetWebhookAsync(new WebhookRequest { Id = created.Webhook.Id }).ResponseAsync, h => h.Delivered == expected.Count);
        Assert.Equal(WebhookState.Active, hook.State);
        Assert.True(Geo.Exporters.Feeds.FeedCursor.Parse(hook.Cursor).Position >= keys[^1], "the hook's cursor is behind what it delivered");
        var log = await Admin.ListDeliveriesAsync(new ListDeliveriesRequest { Id = created.Webhook.Id });
        Assert.Equal(expected.Count, log.Deliveries.Count);
        Assert.All(log.Deliveries, d => Assert.True(d.Delivered && d.HttpStatus == 204 && d.Attempt == 1 && d.EventKind == "observation"));
    }

    [Fact]
    public async Task AReceiverThatAnswers500_TimesOut_OrClosesTheConnection_GetsTheSameEventAgain_BeforeAnyLater_AndEachTryIsLogged()
    {
        var created = await CreateAsync("flaky", new ObservationFilter { Area = Around(31) });
        Receiver.Script("flaky", Answer.ServerError, Answer.Close, Answer.Hang, Answer.ServerError);
        await Api.SubmitAsync(Near("h2-0", 31, 0), Near("h2-1", 31, 1));

        var events = await Receiver.AcknowledgedAsync("flaky", e => e.Count >= 2);
        Assert.Equal(FeedOrder([IdOf("h2-0"), IdOf("h2-1")]), events.Select(e => e.Observation.Id));
        var tries = Receiver.To("flaky");
        Assert.Equal([Answer.ServerError, Answer.Close, Answer.Hang, Answer.ServerError, Answer.Ok, Answer.Ok], tries.Select(r => r.Answer));
        Assert.All(tries.Take(5), r => Assert.Equal(tries[0].IdempotencyKey, r.IdempotencyKey));

        var log = (await Admin.ListDeliveriesAsync(new ListDeliveriesRequest { Id = created.Webhook.Id })).Deliveries.Reverse().ToList();
        Assert.Equal([1, 2, 3, 4, 5, 1], log.Select(d => d.Attempt));
        Assert.Equal(500, log[0].HttpStatus);
        Assert.Contains("500", log[0].Error, StringComparison.Ordinal);
        Assert.Equal(0, log[1].HttpStatus);
        Assert.NotEmpty(log[1].Error);
        Assert.Contains("no answer within 2 s", log[2].Error, StringComparison.Ordinal);
        Assert.True(log[4].Delivered);
        var hook = await Admin.GetWebhookAsync(new WebhookRequest { Id = created.Webhook.Id });
        Assert.Equal(0, hook.ConsecutiveFailures);
        Assert.Equal(WebhookState.Active, hook.State);
    }

    [Fact]
    public async Task AHookThatKeepsFailing_IsSuspended_SaysWhy_ThenResumesFromItsCursor_WithNothingLost()
    {
        var created = await CreateAsync("down", new ObservationFilter { Area = Around(32) });
        Receiver.Always("down", Answer.ServerError);
        await Api.SubmitAsync(Near("h3-0", 32, 0), Near("h3-1", 32, 1));

        var suspended = await EventuallyAsync(() => Admin.GetWebhookAsync(new WebhookRequest { Id = created.Webhook.Id }).ResponseAsync, h => h.State == WebhookState.Suspended);
        Assert.Contains("failed 6 times in a row", suspended.StateReason, StringComparison.Ordinal);
        Assert.Contains("HTTP 500", suspended.StateReason, StringComparison.Ordinal);
        var tried = Receiver.To("down").Count;
        Assert.Equal(6, tried);
        await Task.Delay(500);
        Assert.Equal(tried, Receiver.To("down").Count);

        Receiver.Always("down", Answer.Ok);
        var resumed = await Admin.ResumeWebhookAsync(new WebhookRequest { Id = created.Webhook.Id });
        Assert.Equal(WebhookState.Active, resumed.State);
        Assert.Equal(0, resumed.ConsecutiveFailures);
        var events = await Receiver.AcknowledgedAsync("down", e => e.Count >= 2);
        Assert.Equal(FeedOrder([IdOf("h3-0"), IdOf("h3-1")]), events.Select(e => e.Observation.Id));
    }

    [Fact]
    public async Task AReceiverThatHangs_DelaysNoOtherHook()
    {
        await CreateAsync("stuck", new ObservationFilter { Area = Around(33) });
        await CreateAsync("healthy", new ObservationFilter { Area = Around(33) });
        Receiver.Always("stuck", Answer.Hang);
        await Api.SubmitAsync(Near("h4-0", 33, 0), Near("h4-1", 33, 1), Near("h4-2", 33, 2), Near("h4-3", 33, 3));

        // All four reach the healthy hook while the stuck one's first try is still held open.
        await Receiver.AcknowledgedAsync("healthy", e => e.Count >= 4 || (e.Count < 4 && Receiver.To("stuck").Count > 1));
        Assert.Equal(4, Receiver.Acknowledged("healthy").Count);
        // The stuck hook's first try may reach the receiver after the healthy hook's four (both
        // hooks start at the same commit): once it has, it is the only one, held open.
        var stuck = await EventuallyAsync(() => Task.FromResult(Receiver.To("stuck")), tries => tries.Count >= 1);
        Assert.Single(stuck);
        Receiver.Always("stuck", Answer.Ok);
    }

    [Fact]
    public async Task ADiscreditedObservation_IsDeliveredAsAWithdrawal_WithNothingOfWhatItSaid()
    {
        await CreateAsync("withdrawn", new ObservationFilter { Area = Around(34) });
        await Api.SubmitAsync(Near("h5", 34, 0));
        await Receiver.AcknowledgedAsync("withdrawn", e => e.Count >= 1);
        await Api.Channel.Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf("h5"), Verification = VerificationStatus.Discredited });

        var events = await Receiver.AcknowledgedAsync("withdrawn", e => e.Count >= 2);
        Assert.Equal(IdOf("h5"), events[1].Withdrawn.Id);
        Assert.Null(events[1].Observation);
        var body = Encoding.UTF8.GetString(Receiver.To("withdrawn")[^1].Body);
        Assert.DoesNotContain("location", body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("withdrawn", (await Admin.ListDeliveriesAsync(new ListDeliveriesRequest { Id = (await HookNamed("withdrawn")).Id, Limit = 1 })).Deliveries.Single().EventKind);
    }

    [Fact]
    public async Task SecurityIncidentsAgainstClas_AndWhatIsNotReleased_NeverLeaveByAHook()
    {
        await CreateAsync("analyst", new ObservationFilter { Area = Around(35) });
        await CreateAsync("importer", new ObservationFilter { Area = Around(35) }, Role.Importer);
        var incident = Near("h6-incident", 35, 0);
        incident.Category = Category.SecurityIncidentAgainstCla;
        await Api.SubmitAsync(incident, Near("h6-kept", 35, 1));
        await Api.SubmitReleasedAsync(Near("h6-released", 35, 2));

        var analyst = await Receiver.AcknowledgedAsync("analyst", e => e.Count >= 2);
        var importer = await Receiver.AcknowledgedAsync("importer", e => e.Count >= 1);
        // Whatever settled after the last one has been passed over by now: nothing more will come.
        await Api.SubmitReleasedAsync(Near("h6-last", 35, 3));
        await Receiver.AcknowledgedAsync("importer", e => e.Count >= 2);
        // Three observations, one of them twice (released: changed); wait for all three.
        await Receiver.AcknowledgedAsync("analyst", e => e.Select(x => x.Observation.Id).Distinct().Count() >= 3);

        // Releasing changes an observation: the analyst's hook gets it again, as a watch would.
        Assert.Equal(
            new[] { IdOf("h6-kept"), IdOf("h6-last"), IdOf("h6-released") }.Order(StringComparer.Ordinal),
            Receiver.Acknowledged("analyst").Select(e => e.Observation.Id).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal([IdOf("h6-released"), IdOf("h6-last")], Receiver.Acknowledged("importer").Select(e => e.Observation.Id));
        Assert.DoesNotContain(Receiver.All, r => Encoding.UTF8.GetString(r.Body).Contains(IdOf("h6-incident"), StringComparison.Ordinal));
    }

    /// <summary>
    /// Planned operations are confidential: a plan marked for a re-check in a hook's area never
    /// leaves by the hook (a live watch of a planner in the same area gets it: OperationRecheckWatchTests).
    /// </summary>
    [Fact]
    public async Task APlanMarkedForARecheckInAHooksArea_NeverLeavesByTheHook()
    {
        var operations = Api.As(Role.Planner).Operations;
        await operations.CreateOperationAsync(new PlannedOperation
        {
            Id = "op-hooked", Name = "Patrol by the hook", Kind = OperationKind.Patrol, Route = new Shape { Wkt = "LINESTRING(38.95 -1.5, 39.05 -1.5)" }, BufferMetres = 2000,
            StartsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(5)),
            EndsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(6)),
        });
        await operations.CheckOperationAsync(new CheckOperationRequest { Id = "op-hooked" });
        var created = await CreateAsync("plans", new ObservationFilter { Area = Around(39) });

        await Api.As(Role.HumanitarianLiaison).Civilian.CreateFacilityAsync(new Facility
        {
            Id = "fac-hooked", Name = "Clinic by the road", Type = FacilityType.Clinic, Sharing = SharingLevel.Public,
            Location = new Shape { Point = new GeoPoint { Longitude = 39.0, Latitude = -1.505 } },
        });
        Assert.True((await operations.GetOperationAsync(new GetByIdRequest { Id = "op-hooked" })).NeedsRecheck);
        await Api.SubmitAsync(Near("h10-after", 39, 0));

        // The mark settled before the observation: had the hook carried it, it would have come first.
        var events = await Receiver.AcknowledgedAsync("plans", e => e.Count >= 1);
        Assert.Equal([IdOf("h10-after")], events.Select(e => e.Observation?.Id));
        Assert.All(Receiver.To("plans"), r => Assert.DoesNotContain("op-hooked", Encoding.UTF8.GetString(r.Body), StringComparison.Ordinal));
        Assert.All(Receiver.To("plans"), r => Assert.Equal(WatchEvent.EventOneofCase.Observation, r.Event.EventCase));
        var log = await Admin.ListDeliveriesAsync(new ListDeliveriesRequest { Id = created.Webhook.Id });
        Assert.All(log.Deliveries, d => Assert.Equal("observation", d.EventKind));
    }

    [Theory]
    [InlineData(Role.Supervisor)]
    [InlineData(Role.SecurityFocalPoint)]
    [InlineData(Role.Cla)]
    [InlineData(Role.Planner)]
    [InlineData(Role.UnCimicOfficer)]
    [InlineData(Role.Administrator)]
    [InlineData(Role.CpasFocalPoint)]
    [InlineData(Role.ReferralSection)]
    public async Task AHook_MayNotActForATokenThatReadsCaseDetailsOrIncidents_OrNoObservations(Role role)
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => Admin.CreateWebhookAsync(new CreateWebhookRequest
        {
            Name = "n", Url = Receiver.Url("never"), TokenId = TestTokens.IdOf(Api.TokenOf(role)), Watch = new WatchRequest(),
        }).ResponseAsync);
        Assert.StartsWith($"token_id: is a {role} token", detail, StringComparison.Ordinal);
        Assert.Empty(Receiver.To("never"));
    }

    [Theory]
    [InlineData("name", "", "u", "a", "{}", "name: must have 1 to 200")]
    [InlineData("url", "n", "ftp://127.0.0.1/x", "a", "{}", "url: 'ftp://127.0.0.1/x' is not an absolute http or https URL")]
    [InlineData("relative url", "n", "/hooks/x", "a", "{}", "url: '/hooks/x' is not an absolute")]
    [InlineData("user info", "n", "http://me:pw@127.0.0.1/x", "a", "{}", "url: carries a user name or password")]
    [InlineData("fragment", "n", "http://127.0.0.1/x#y", "a", "{}", "url: has a fragment")]
    [InlineData("no token", "n", "u", "", "{}", "token_id: is required")]
    [InlineData("unknown token", "n", "u", "tok-nosuch", "{}", "token_id: no valid token 'tok-nosuch'")]
    [InlineData("no watch", "n", "u", "a", null, "watch: is required")]
    [InlineData("category", "n", "u", "a", "{\"filter\":{\"categories\":[99]}}", "watch.filter.categories[0]")]
    [InlineData("sector", "n", "u", "a", "{\"sectorId\":\"nosuch\"}", "watch.sector_id: no sector 'nosuch'")]
    [InlineData("cursor", "n", "u", "a", "{\"cursor\":\"garbage\"}", "watch.cursor: is not a cursor")]
    [InlineData("future cursor", "n", "u", "a", "{\"cursor\":\"c1.QAAAAAAAAAA\"}", "watch.cursor: is ahead of the feed")]
    public async Task CreateWebhook_BadInput_IsRefused_NamingTheField(string what, string name, string url, string token, string? watch, string expected)
    {
        _ = what;
        var request = new CreateWebhookRequest
        {
            Name = name,
            Url = url == "u" ? Receiver.Url("bad") : url,
            TokenId = token == "a" ? TestTokens.IdOf(Api.TokenOf(Role.Analyst)) : token,
            Watch = watch is null ? null : WatchRequest.Parser.ParseJson(watch),
        };

        var detail = await FailsWith(StatusCode.InvalidArgument, () => Admin.CreateWebhookAsync(request).ResponseAsync);

        Assert.Contains(expected, detail, StringComparison.Ordinal);
        Assert.DoesNotContain((await Admin.ListWebhooksAsync(new ListWebhooksRequest())).Webhooks, h => h.Url.EndsWith("/bad", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownOrMalformedIds_AndLimits_AreRefused_NamingTheField()
    {
        Assert.StartsWith("id: no webhook 'hook-nosuch'", await FailsWith(StatusCode.NotFound, () => Admin.GetWebhookAsync(new WebhookRequest { Id = "hook-nosuch" }).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("id: ", await FailsWith(StatusCode.InvalidArgument, () => Admin.PauseWebhookAsync(new WebhookRequest()).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("id: no webhook", await FailsWith(StatusCode.NotFound, () => Admin.DeleteWebhookAsync(new WebhookRequest { Id = "hook-x" }).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("id: no webhook", await FailsWith(StatusCode.NotFound, () => Admin.ListDeliveriesAsync(new ListDeliveriesRequest { Id = "hook-x" }).ResponseAsync), StringComparison.Ordinal);
        Assert.StartsWith("limit: ", await FailsWith(StatusCode.InvalidArgument, () => Admin.ListDeliveriesAsync(new ListDeliveriesRequest { Id = "hook-x", Limit = -1 }).ResponseAsync), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APausedHook_DeliversNothing_UntilResumed_ThenEverythingFromItsCursor()
    {
        var created = await CreateAsync("paused", new ObservationFilter { Area = Around(36) });
        var paused = await Admin.PauseWebhookAsync(new WebhookRequest { Id = created.Webhook.Id });
        Assert.Equal(WebhookState.Paused, paused.State);
        Assert.Contains("paused by", paused.StateReason, StringComparison.Ordinal);
        await Api.SubmitAsync(Near("h7-0", 36, 0), Near("h7-1", 36, 1));
        await Api.SettledAsync();
        await Task.Delay(500);
        Assert.Empty(Receiver.To("paused"));

        await Admin.ResumeWebhookAsync(new WebhookRequest { Id = created.Webhook.Id });
        var events = await Receiver.AcknowledgedAsync("paused", e => e.Count >= 2);
        Assert.Equal(FeedOrder([IdOf("h7-0"), IdOf("h7-1")]), events.Select(e => e.Observation.Id));
    }

    [Fact]
    public async Task TheSecret_IsShownOnce_RotatingItSignsWithTheNewOne_AndEveryChangeIsAudited()
    {
        var created = await CreateAsync("rotated", new ObservationFilter { Area = Around(37) });
        var listed = await Admin.ListWebhooksAsync(new ListWebhooksRequest());
        var got = await Admin.GetWebhookAsync(new WebhookRequest { Id = created.Webhook.Id });
        Assert.DoesNotContain(created.Secret, Google.Protobuf.JsonFormatter.Default.Format(listed), StringComparison.Ordinal);
        Assert.DoesNotContain(created.Secret, Google.Protobuf.JsonFormatter.Default.Format(got), StringComparison.Ordinal);

        var rotated = await Admin.RotateWebhookSecretAsync(new WebhookRequest { Id = created.Webhook.Id });
        Assert.NotEqual(created.Secret, rotated.Secret);
        await Api.SubmitAsync(Near("h8", 37, 0));
        var received = (await WaitForAsync("rotated")).Single();
        Assert.True(received.SignedWith(rotated.Secret));
        Assert.False(received.SignedWith(created.Secret));

        await Admin.PauseWebhookAsync(new WebhookRequest { Id = created.Webhook.Id });
        await Admin.ResumeWebhookAsync(new WebhookRequest { Id = created.Webhook.Id });
        var deleted = await Admin.DeleteWebhookAsync(new WebhookRequest { Id = created.Webhook.Id });
        Assert.Equal(created.Webhook.Id, deleted.Id);
        await FailsWith(StatusCode.NotFound, () => Admin.GetWebhookAsync(new WebhookRequest { Id = created.Webhook.Id }).ResponseAsync);
        var audit = await Api.Database.ScalarAsync<string>(
            $"SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE target_kind = 'webhook' AND target_id = '{created.Webhook.Id}'");
        Assert.Equal("webhook.create,webhook.rotate_secret,webhook.pause,webhook.resume,webhook.delete", audit);
    }

    [Fact]
    public async Task AHookWhoseTokenIsRevoked_IsSuspended_AndDeliversNothingMore()
    {
        var issued = await Api.As(Role.Administrator).Access.IssueTokenAsync(new IssueTokenRequest { Role = Geo.Api.V1.Role.Analyst, Subject = "gateway", Note = "hook" });
        var created = await Admin.CreateWebhookAsync(new CreateWebhookRequest
        {
            Name = "revoked", Url = Receiver.Url("revoked"), TokenId = issued.Info.Id, Watch = new WatchRequest { Filter = new ObservationFilter { Area = Around(38) } },
        });
        await Api.SubmitAsync(Near("h9-0", 38, 0));
        await Receiver.AcknowledgedAsync("revoked", e => e.Count >= 1);

        await Api.As(Role.Administrator).Access.RevokeTokenAsync(new RevokeTokenRequest { Id = issued.Info.Id });
        await Api.SubmitAsync(Near("h9-1", 38, 1));
        var suspended = await EventuallyAsync(() => Admin.GetWebhookAsync(new WebhookRequest { Id = created.Webhook.Id }).ResponseAsync, h => h.State == WebhookState.Suspended);
        Assert.Contains("revoked or has expired", suspended.StateReason, StringComparison.Ordinal);
        Assert.Single(Receiver.To("revoked"));
    }

    /// <summary>The feed's order: batch by batch (one transaction each), by id within one.</summary>
    private static List<string> FeedOrder(params string[][] batches) => [.. batches.SelectMany(b => b.Order(StringComparer.Ordinal))];

    private async Task<List<Received>> WaitForAsync(string path)
    {
        await Receiver.AcknowledgedAsync(path, e => e.Count >= 1);
        return Receiver.To(path);
    }

    private async Task<Webhook> HookNamed(string name) =>
        (await Admin.ListWebhooksAsync(new ListWebhooksRequest())).Webhooks.Single(h => h.Name == name);

    private async Task<CreatedWebhook> CreateAsync(string path, ObservationFilter filter, Role role = Role.Analyst) =>
        await Admin.CreateWebhookAsync(new CreateWebhookRequest
        {
            Name = path, Url = Receiver.Url(path), TokenId = TestTokens.IdOf(Api.TokenOf(role)), Watch = new WatchRequest { Filter = filter },
        });

    /// <summary>A box of 0.6 degrees around (<paramref name="longitude"/>, -1.5): wide enough that coarsening never moves a point out of it.</summary>
    private static Area Around(double longitude) =>
        new() { Bbox = new BoundingBox { West = longitude - 0.3, East = longitude + 0.3, South = -1.8, North = -1.2 } };

    private static Observation Near(string key, double longitude, int step) => NewObservation(key, longitude + (0.01 * step), -1.5);

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
