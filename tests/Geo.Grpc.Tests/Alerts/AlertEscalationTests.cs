using Geo.Api.V1;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Alerts;

/// <summary>
/// Escalation in real time, with limits of a second or two (severity 5: 1.2 s to acknowledge
/// from opening; 3 s to respond from the observation): an alert nobody acknowledges is escalated once, one nobody answers too, and an
/// acknowledged one is not escalated for it. Each escalation is audited.
/// </summary>
public sealed class AlertEscalationTests(AlertEscalationTests.EscalationFixture fixture) : IClassFixture<AlertEscalationTests.EscalationFixture>
{
    public sealed class EscalationFixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new(
        [
            "--GeoAwareness:Alerts:SweepSeconds=0.1",
            "--GeoAwareness:Alerts:AcknowledgeMinutes:5=0.02",
            "--GeoAwareness:Alerts:AcknowledgeMinutes:4=60",
            "--GeoAwareness:Alerts:RespondHours=0.000833",
            "--GeoAwareness:Watch:HeartbeatSeconds=0.2",
        ], null);

        public Task InitializeAsync() => Api.InitializeAsync();

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    [Fact]
    public async Task AnAlertNobodyAcknowledges_IsEscalated_ThenForNoResponse_EachOnce_AndAudited()
    {
        var observation = AlertTests.Observation("e1", 36.01, Category.EarlyWarningAlert, 5, TimeSpan.Zero);
        await fixture.Api.SubmitAsync(observation);
        var alerts = fixture.Api.Channel.Alerts;

        var unacknowledged = await EventuallyAsync(() => alerts.GetAlertAsync(new AlertRequest { Id = "alert-" + IdOf("e1") }).ResponseAsync, a => a.EscalatedUnacknowledgedAt is not null);
        Assert.Null(unacknowledged.EscalatedUnansweredAt);
        var unanswered = await EventuallyAsync(() => alerts.GetAlertAsync(new AlertRequest { Id = "alert-" + IdOf("e1") }).ResponseAsync, a => a.EscalatedUnansweredAt is not null);
        Assert.Equal(unacknowledged.EscalatedUnacknowledgedAt, unanswered.EscalatedUnacknowledgedAt);

        using var call = alerts.ListAlerts(new ListAlertsRequest { EscalatedOnly = true });
        Assert.Contains(await call.ResponseStream.ReadAllAsync().ToListAsync(), a => a.ObservationId == IdOf("e1"));
        await Task.Delay(500);
        Assert.Equal(2, await fixture.Api.Database.ScalarAsync<long>($"SELECT count(*) FROM audit_log WHERE target_id = 'alert-{IdOf("e1")}' AND action = 'alert.escalate'"));
    }

    [Fact]
    public async Task AnAcknowledgedAlert_IsNotEscalatedForIt()
    {
        var observation = AlertTests.Observation("e2", 36.02, Category.EarlyWarningAlert, 4, TimeSpan.Zero);
        await fixture.Api.SubmitAsync(observation);
        var alerts = fixture.Api.As(Role.Analyst).Alerts;
        var acknowledged = await alerts.AcknowledgeAsync(new AlertRequest { Id = "alert-" + IdOf("e2") });

        // Past the response limit: escalated for that, and only for that.
        var unanswered = await EventuallyAsync(() => alerts.GetAlertAsync(new AlertRequest { Id = acknowledged.Id }).ResponseAsync, a => a.EscalatedUnansweredAt is not null);
        Assert.Null(unanswered.EscalatedUnacknowledgedAt);
    }

    [Fact]
    public async Task Watches_AreToldOfAnAlertOpeningAndEscalating_InTheirArea_AsTheirCallerMaySeeIt()
    {
        var box = new Area { Bbox = new BoundingBox { West = 36.02, East = 36.04, South = -1.51, North = -1.49 } };
        var wide = new Area { Bbox = new BoundingBox { West = 35.93, East = 36.13, South = -1.6, North = -1.4 } };
        await using var supervisor = new Watch.WatchStream(fixture.Api.As(Role.Supervisor).Observations, new WatchRequest { Filter = new ObservationFilter { Area = box } });
        await using var analyst = new Watch.WatchStream(fixture.Api.As(Role.Analyst).Observations, new WatchRequest { Filter = new ObservationFilter { Area = wide } });
        await using var elsewhere = new Watch.WatchStream(fixture.Api.As(Role.Supervisor).Observations,
            new WatchRequest { Filter = new ObservationFilter { Area = new Area { Bbox = new BoundingBox { West = 36.5, East = 36.6, South = -1.6, North = -1.4 } } } });
        await Task.WhenAll(supervisor.QuietForAsync(1), analyst.QuietForAsync(1), elsewhere.QuietForAsync(1));

        await fixture.Api.SubmitAsync(AlertTests.Observation("e3", 36.03, Category.EarlyWarningAlert, 5, TimeSpan.Zero));
        var id = "alert-" + IdOf("e3");

        var opened = await supervisor.NextAlertAsync(a => a.Id == id);
        Assert.Equal(AlertState.Open, opened.State);
        Assert.Equal(36.03, opened.Location.Longitude);
        var escalated = await supervisor.NextAlertAsync(a => a.Id == id && a.EscalatedUnacknowledgedAt is not null);
        Assert.Equal(AlertKind.EarlyWarning, escalated.Kind);

        var coarse = await analyst.NextAlertAsync(a => a.Id == id && a.EscalatedUnacknowledgedAt is not null);
        Assert.False(coarse.Location.Longitude == 36.03 && coarse.Location.Latitude == -1.5, "the exact point left the service");
        Assert.Empty(coarse.Nearest);
        Assert.DoesNotContain(elsewhere.AlertsSoFar(), a => a.Id == id);

        // An incident against a CLA: the chain hears of it, an analyst never.
        await fixture.Api.SubmitAsync(AlertTests.Observation("e3-incident", 36.03, Category.SecurityIncidentAgainstCla, 3));
        var incident = "alert-" + IdOf("e3-incident");
        await supervisor.NextAlertAsync(a => a.Id == incident);
        await analyst.QuietForAsync(5);
        Assert.DoesNotContain(analyst.AlertsSoFar(), a => a.Id == incident);
    }

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

            await Task.Delay(100, timeout.Token);
        }
    }
}
