using Geo.Api.V1;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// One incident told by several CLAs (issue 22): a supervisor links their observations as reports
/// of one event, and aggregates asked to count events count it once, at its earliest report. Who
/// may link, what each role sees of the link, the refusals, and the attack a coarsened caller
/// could try by setting events against reports. Each test works in its own patch of the map.
/// </summary>
public sealed class EventLinkTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private Observations.ObservationsClient Supervisor => api.As(Role.Supervisor).Observations;

    /// <summary>Submits observations at one spot, reported a day after they were observed and one minute apart in the order given, and returns their ids.</summary>
    private async Task<string[]> SubmitAsync(string prefix, double longitude, int count, double latitude = 0.5, string observedAt = "2026-03-02T10:00:00Z")
    {
        var observations = Enumerable.Range(0, count).Select(i =>
        {
            var observation = NewObservation($"{prefix}-{i}", longitude, latitude, observedAt);
            observation.ReportedAt = Timestamp(DateTimeOffset.Parse(observedAt, System.Globalization.CultureInfo.InvariantCulture).AddDays(1).AddMinutes(i));
            return observation;
        }).ToArray();
        await api.SubmitAsync(observations);
        return [.. observations.Select(o => IdOf(o.ClientId))];
    }

    private static Google.Protobuf.WellKnownTypes.Timestamp Timestamp(DateTimeOffset at) => Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at);

    private Task<ObservationEvent> LinkAsync(params string[] ids) => Supervisor.LinkEventAsync(new LinkEventRequest { Ids = { ids } }).ResponseAsync;

    private static HeatMapRequest Around(double longitude, HeatMapMethod method = HeatMapMethod.Count, bool events = true, double latitude = 0.5) => new()
    {
        Filter = new ObservationFilter
        {
            Area = new Area { Bbox = new BoundingBox { West = longitude - 0.05, South = latitude - 0.05, East = longitude + 0.05, North = latitude + 0.05 } },
            ObservedFrom = Time("2026-02-01T00:00:00Z"),
            ObservedTo = Time("2026-04-01T00:00:00Z"),
        },
        CellSizeMetres = 20000,
        Method = method,
        CountEvents = events,
    };

    [Theory]
    [InlineData(HeatMapMethod.Count)]
    [InlineData(HeatMapMethod.WeightedSum)]
    [InlineData(HeatMapMethod.KernelDensity)]
    [InlineData(HeatMapMethod.HotSpots)]
    public async Task Compute_ThreeReportsOfOneEvent_CountOnceWithTheEventsSwitch(HeatMapMethod method)
    {
        var longitude = 10 + (int)method;
        var ids = await SubmitAsync($"ev-{method}", longitude, 5);
        await LinkAsync(ids[0], ids[1], ids[2]);
        var events = Around(longitude, method);
        var reports = Around(longitude, method, events: false);
        if (method == HeatMapMethod.WeightedSum)
        {
            events.Weighting = new Weighting { BySeverity = true };
            reports.Weighting = new Weighting { BySeverity = true };
        }

        var byEvent = await HeatMapTests.ComputeAsync(api.Channel, events);
        var byReport = await HeatMapTests.ComputeAsync(api.Channel, reports);

        Assert.Equal(3, byEvent.Grid.Frames[0].Observations);
        Assert.Equal(5, byReport.Grid.Frames[0].Observations);
        Assert.Equal(CountedUnit.Events, byEvent.Grid.AppliedFilter.Counted);
        Assert.Equal(CountedUnit.Reports, byReport.Grid.AppliedFilter.Counted);
        if (method is HeatMapMethod.Count or HeatMapMethod.WeightedSum)
        {
            Assert.Equal(method == HeatMapMethod.Count ? 3 : 9, byEvent.Cells.Sum(c => c.Cell.Value));
            Assert.Equal(method == HeatMapMethod.Count ? "events" : "weight", byEvent.Grid.Unit);
        }
    }

    [Fact]
    public async Task Compute_WeeklySeries_AnEventCountsInTheWeekOfItsEarliestReport()
    {
        // The first report (3 March) tells of 2 March, the two later ones (11 March) of 10 March: one event, in the first week.
        var later = await SubmitAsync("ev-week-b", 20, 2, observedAt: "2026-03-10T10:00:00Z");
        var first = await SubmitAsync("ev-week-a", 20, 1, observedAt: "2026-03-02T10:00:00Z");
        await LinkAsync([.. later, .. first]);
        var request = Around(20);
        request.Filter.ObservedFrom = Time("2026-03-02T00:00:00Z");
        request.Filter.ObservedTo = Time("2026-03-16T00:00:00Z");
        request.Step = SeriesStep.Week;

        var answer = await HeatMapTests.ComputeAsync(api.Channel, request);

        Assert.Equal([1L, 0L], answer.Grid.Frames.Select(f => f.Observations));
    }

    [Fact]
    public async Task GetGroupGaps_WithTheEventsSwitch_JudgesEventsAgainstTheThreshold()
    {
        var ids = await SubmitAsync("ev-gaps", 21, 3);
        await LinkAsync(ids);
        var heatMap = Around(21);
        heatMap.Filter.AffectedSexes.Add(Sex.Female);

        var byEvent = await api.Channel.Coverage.GetGroupGapsAsync(new GroupGapsRequest { HeatMap = heatMap, Threshold = 2 }).ResponseAsync;
        heatMap.CountEvents = false;
        var byReport = await api.Channel.Coverage.GetGroupGapsAsync(new GroupGapsRequest { HeatMap = heatMap, Threshold = 2 }).ResponseAsync;

        Assert.Equal(0, byEvent.ThreatenedCells);
        Assert.Equal(CountedUnit.Events, byEvent.Grid.AppliedFilter.Counted);
        Assert.Equal(3, Assert.Single(byReport.Cells).Cell.Count);
    }

    /// <summary>
    /// The attack: a coarsened analyst sets the events count against the reports count of the same
    /// cell. Six reports of one incident show as a cell of reports (six is above the minimum of
    /// five), but as events the cell rests on one event: it is withheld, and so is the frame's
    /// total, so the analyst never learns that a single incident happened there, nor where.
    /// </summary>
    [Fact]
    public async Task Differencing_EventsAgainstReports_ASingleIncidentToldSixTimes_StaysWithheld()
    {
        var ids = await SubmitAsync("ev-attack", 22, 6);
        await LinkAsync(ids);
        var analyst = api.As(Role.Analyst);

        var reports = await HeatMapTests.ComputeAsync(analyst, Around(22, events: false));
        var events = await HeatMapTests.ComputeAsync(analyst, Around(22));
        var asked = Around(22);
        asked.MinCount = 1;
        var askedLower = await HeatMapTests.ComputeAsync(analyst, asked);

        Assert.True(reports.Grid.Coarsened);
        Assert.NotEmpty(reports.Cells);
        foreach (var answer in (HeatMapTests.Answer[])[events, askedLower])
        {
            Assert.Empty(answer.Cells);
            Assert.True(answer.Grid.Frames[0].WithheldCells > 0);
            Assert.Equal(0, answer.Grid.Frames[0].Observations);
            Assert.True(answer.Grid.MinCount >= 5);
        }
    }

    [Fact]
    public async Task LinkAndUnlink_EveryRole_OnlyTheSupervisorMayAndTheRestArePermissionDenied()
    {
        var ids = await SubmitAsync("ev-roles", 23, 2);
        foreach (var role in System.Enum.GetValues<Role>().Where(r => r != Role.Supervisor))
        {
            var client = api.As(role).Observations;
            await FailsWith(StatusCode.PermissionDenied, () => client.LinkEventAsync(new LinkEventRequest { Ids = { ids } }).ResponseAsync);
            await FailsWith(StatusCode.PermissionDenied, () => client.UnlinkEventAsync(new UnlinkEventRequest { Id = ids[0] }).ResponseAsync);
        }

        var linked = await LinkAsync(ids);
        var unlinked = await Supervisor.UnlinkEventAsync(new UnlinkEventRequest { Id = ids[0] }).ResponseAsync;

        Assert.True(linked.Changed);
        Assert.StartsWith("evt-", linked.EventId, StringComparison.Ordinal);
        Assert.Equal(ids.Order(StringComparer.Ordinal), linked.ObservationIds);
        Assert.True(unlinked.Changed);
        Assert.Equal(string.Empty, unlinked.EventId);
        Assert.Empty(unlinked.ObservationIds);
    }

    [Fact]
    public async Task EventId_EveryRoleThatReadsTheObservation_OnlyTheSupervisorReceivesIt()
    {
        var ids = await SubmitAsync("ev-sight", 24, 2);
        var linked = await LinkAsync(ids);
        var filter = new ObservationFilter { Area = Around(24).Filter.Area };

        foreach (var role in System.Enum.GetValues<Role>())
        {
            Observation got;
            try
            {
                got = await api.As(role).Observations.GetAsync(new GetObservationRequest { Id = ids[0] }).ResponseAsync;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.PermissionDenied or StatusCode.NotFound)
            {
                continue;
            }

            var listed = new List<Observation>();
            using (var call = api.As(role).Observations.Query(new QueryObservationsRequest { Filter = filter }))
            {
                await foreach (var page in call.ResponseStream.ReadAllAsync())
                {
                    listed.AddRange(page.Observations);
                }
            }

            var expected = role == Role.Supervisor ? linked.EventId : string.Empty;
            Assert.True(expected == got.EventId, $"{role}: Get gave event '{got.EventId}'");
            Assert.All(listed, o => Assert.True(expected == o.EventId, $"{role}: Query gave event '{o.EventId}'"));
        }
    }

    [Fact]
    public async Task Link_Again_ChangesNothingAndIsAuditedOnce_AndMovesTheVersionOnce()
    {
        var ids = await SubmitAsync("ev-again", 25, 3);
        var before = await Supervisor.GetAsync(new GetObservationRequest { Id = ids[0] }).ResponseAsync;

        var first = await LinkAsync(ids);
        var again = await LinkAsync(ids[2], ids[0]);
        var after = await Supervisor.GetAsync(new GetObservationRequest { Id = ids[0] }).ResponseAsync;
        var audit = await Access.AccessCalls.ReadAllAsync(api.As(Role.Administrator).Access.QueryAudit(new QueryAuditRequest { TargetKind = "event", TargetId = first.EventId }));

        Assert.True(first.Changed);
        Assert.False(again.Changed);
        Assert.Equal(first.EventId, again.EventId);
        Assert.Equal(before.Version + 1, after.Version);
        var entry = Assert.Single(audit);
        Assert.Equal("observation.link_event", entry.Action);
        Assert.Equal(SubjectOf(Role.Supervisor), entry.Actor);
        Assert.Contains(ids[1], entry.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Link_TwoEvents_MergeIntoOne_AndUnlinkingLeavesTheRest()
    {
        var ids = await SubmitAsync("ev-merge", 26, 4);
        var left = await LinkAsync(ids[0], ids[1]);
        var right = await LinkAsync(ids[2], ids[3]);

        var merged = await LinkAsync(ids[1], ids[2]);
        var out0 = await Supervisor.UnlinkEventAsync(new UnlinkEventRequest { Id = ids[0] }).ResponseAsync;
        var outAgain = await Supervisor.UnlinkEventAsync(new UnlinkEventRequest { Id = ids[0] }).ResponseAsync;

        Assert.Equal(new[] { left.EventId, right.EventId }.Min(StringComparer.Ordinal), merged.EventId);
        Assert.Equal(ids.Order(StringComparer.Ordinal), merged.ObservationIds);
        Assert.Equal(merged.EventId, out0.EventId);
        Assert.Equal(ids.Skip(1).Order(StringComparer.Ordinal), out0.ObservationIds);
        Assert.False(outAgain.Changed);
        var audit = await Access.AccessCalls.ReadAllAsync(api.As(Role.Administrator).Access.QueryAudit(new QueryAuditRequest { TargetKind = "event", TargetId = merged.EventId }));
        Assert.Contains(audit, e => e.Action == "observation.unlink_event");
    }

    [Fact]
    public async Task Unlink_OneOfTwo_DissolvesTheEvent()
    {
        var ids = await SubmitAsync("ev-dissolve", 27, 2);
        await LinkAsync(ids);

        var unlinked = await Supervisor.UnlinkEventAsync(new UnlinkEventRequest { Id = ids[1] }).ResponseAsync;
        var other = await Supervisor.GetAsync(new GetObservationRequest { Id = ids[0] }).ResponseAsync;

        Assert.True(unlinked.Changed);
        Assert.Equal(string.Empty, unlinked.EventId);
        Assert.Equal(string.Empty, other.EventId);
    }

    [Fact]
    public async Task Link_BadRequests_NameTheField()
    {
        var ids = await SubmitAsync("ev-bad", 28, 2);

        var one = await FailsWith(StatusCode.InvalidArgument, () => LinkAsync(ids[0]));
        var itself = await FailsWith(StatusCode.InvalidArgument, () => LinkAsync(ids[0], ids[1], ids[0]));
        var unknown = await FailsWith(StatusCode.NotFound, () => LinkAsync(ids[0], "obs-no-such"));
        var empty = await FailsWith(StatusCode.InvalidArgument, () => Supervisor.UnlinkEventAsync(new UnlinkEventRequest()).ResponseAsync);
        var unlinkUnknown = await FailsWith(StatusCode.NotFound, () => Supervisor.UnlinkEventAsync(new UnlinkEventRequest { Id = "obs-no-such" }).ResponseAsync);

        Assert.StartsWith("ids: has 1 ids", one, StringComparison.Ordinal);
        Assert.StartsWith("ids[2]: repeats ids[0]: an observation cannot be linked to itself", itself, StringComparison.Ordinal);
        Assert.StartsWith("ids[1]: no observation 'obs-no-such'", unknown, StringComparison.Ordinal);
        Assert.StartsWith("id:", empty, StringComparison.Ordinal);
        Assert.StartsWith("id: no observation", unlinkUnknown, StringComparison.Ordinal);
        Assert.Equal(string.Empty, (await Supervisor.GetAsync(new GetObservationRequest { Id = ids[0] }).ResponseAsync).EventId);
    }

    [Fact]
    public async Task Link_AcrossAreas_AScopedSupervisor_CannotReachWhatItsTokenDoesNotSee()
    {
        await api.As(Role.Planner).Registry.PutSectorAsync(new Sector { Id = "ev-west", Name = "West", Area = new Shape { Wkt = "POLYGON((40 0, 41 0, 41 1, 40 1, 40 0))" } }).ResponseAsync;
        var inside = await SubmitAsync("ev-in", 40.5, 2);
        var outside = await SubmitAsync("ev-out", 42.5, 1);
        using var scoped = await api.ChannelForAsync(Role.Supervisor, "ev-west-sup", ["ev-west"]);

        // An observation outside its area is as absent as one that does not exist.
        var across = await FailsWith(StatusCode.NotFound, () => scoped.Observations.LinkEventAsync(new LinkEventRequest { Ids = { inside[0], outside[0] } }).ResponseAsync);
        // Inside, but already in an event with a report outside its area: refused, nothing changed.
        await LinkAsync(inside[1], outside[0]);
        var reaching = await FailsWith(StatusCode.PermissionDenied, () => scoped.Observations.LinkEventAsync(new LinkEventRequest { Ids = { inside[0], inside[1] } }).ResponseAsync);
        var unlinking = await FailsWith(StatusCode.PermissionDenied, () => scoped.Observations.UnlinkEventAsync(new UnlinkEventRequest { Id = inside[1] }).ResponseAsync);

        Assert.StartsWith("ids[1]: no observation", across, StringComparison.Ordinal);
        Assert.StartsWith("ids[1]:", reaching, StringComparison.Ordinal);
        Assert.StartsWith("id:", unlinking, StringComparison.Ordinal);
        Assert.Equal(string.Empty, (await Supervisor.GetAsync(new GetObservationRequest { Id = inside[0] }).ResponseAsync).EventId);
        Assert.NotEqual(string.Empty, (await Supervisor.GetAsync(new GetObservationRequest { Id = inside[1] }).ResponseAsync).EventId);
    }
}
