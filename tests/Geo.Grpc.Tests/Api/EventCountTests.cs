using Geo.Api.V1;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// The events switch of Observations.Count and Summarize (issue 22 item 4): linked reports of one
/// incident count once, as their earliest report, as heat maps count them. The exact numbers with
/// and without the switch, the refusals of the listings, what each role gets, and the attacks a
/// coarsened caller could try by setting events against reports or one area against another.
/// Each test works in its own patch of the map.
/// </summary>
public sealed class EventCountTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private Observations.ObservationsClient Supervisor => api.As(Role.Supervisor).Observations;

    /// <summary>
    /// Submits <paramref name="observations"/> at (<paramref name="longitude"/>, 0.5) unless they
    /// carry a place of their own, reported a day after 2 March 2026 one minute apart in the order
    /// given, and returns their ids.
    /// </summary>
    private async Task<string[]> SubmitAsync(double longitude, params Observation[] observations)
    {
        for (var i = 0; i < observations.Length; i++)
        {
            observations[i].Location ??= new GeoPoint { Longitude = longitude, Latitude = 0.5 };
            observations[i].ReportedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 3, 3, 10, i, 0, TimeSpan.Zero));
        }

        await api.SubmitAsync(observations);
        return [.. observations.Select(o => IdOf(o.ClientId))];
    }

    /// <summary>A threat of physical violence observed on 2 March 2026, affecting <paramref name="affected"/> (sex, age group, count), placed by <see cref="SubmitAsync"/>.</summary>
    private static Observation Report(string id, Category category = Category.ThreatOfPhysicalViolence, params (Sex Sex, AgeGroup Age, int Count)[] affected)
    {
        var observation = NewObservation(id, observedAt: "2026-03-02T10:00:00Z");
        observation.Location = null;
        observation.Category = category;
        if (affected.Length > 0)
        {
            observation.Affected.Clear();
            observation.Affected.AddRange(affected.Select(a => new AffectedCount { Sex = a.Sex, AgeGroup = a.Age, Count = a.Count }));
        }

        return observation;
    }

    private Task<ObservationEvent> LinkAsync(params string[] ids) => Supervisor.LinkEventAsync(new LinkEventRequest { Ids = { ids } }).ResponseAsync;

    /// <summary>The observations of March 2026 in a box of 0.6 degrees around (<paramref name="longitude"/>, 0.5), events counted or not.</summary>
    private static ObservationFilter Around(double longitude, bool events, double half = 0.3) => new()
    {
        Area = new Area { Bbox = new BoundingBox { West = longitude - half, South = 0.5 - half, East = longitude + half, North = 0.5 + half } },
        ObservedFrom = Time("2026-03-01T00:00:00Z"),
        ObservedTo = Time("2026-04-01T00:00:00Z"),
        CountEvents = events,
    };

    /// <summary>
    /// Three reports of one incident (a threat told twice and a displacement, the first threat
    /// reported first) and two observations of their own (a threat and an armed group movement).
    /// </summary>
    private async Task<string[]> ThreeReportsAndTwoOthersAsync(double longitude, string prefix)
    {
        var ids = await SubmitAsync(longitude,
            Report($"{prefix}-a1", Category.ThreatOfPhysicalViolence, (Sex.Female, AgeGroup.Child, 4), (Sex.Male, AgeGroup.Adult, 2)),
            Report($"{prefix}-a2", Category.Displacement, (Sex.Female, AgeGroup.Child, 5)),
            Report($"{prefix}-a3", Category.ThreatOfPhysicalViolence, (Sex.Female, AgeGroup.Adult, 3)),
            Report($"{prefix}-b", Category.ThreatOfPhysicalViolence, (Sex.Female, AgeGroup.Child, 4), (Sex.Male, AgeGroup.Adult, 2)),
            Report($"{prefix}-c", Category.ArmedGroupMovement, (Sex.Male, AgeGroup.Youth, 1)));
        await LinkAsync(ids[2], ids[0], ids[1]);
        return ids;
    }

    [Fact]
    public async Task Count_ThreeReportsOfOneIncidentAndTwoOthers_FiveReportsThreeEvents()
    {
        await ThreeReportsAndTwoOthersAsync(50, "ec-count");

        var reports = await Supervisor.CountAsync(Around(50, events: false)).ResponseAsync;
        var events = await Supervisor.CountAsync(Around(50, events: true)).ResponseAsync;

        Assert.Equal(5, reports.Observations);
        Assert.Equal(0, reports.Events);
        Assert.Equal(5, events.Observations);
        Assert.Equal(3, events.Events);
        Assert.False(events.Withheld);
    }

    [Fact]
    public async Task Summarize_WithTheSwitch_EachEventOnceAsItsEarliestReport_ByCategoryAndGroup_PeopleNotCountedTwice()
    {
        await ThreeReportsAndTwoOthersAsync(51, "ec-sum");

        var reports = await Supervisor.SummarizeAsync(Around(51, events: false)).ResponseAsync;
        var events = await Supervisor.SummarizeAsync(Around(51, events: true)).ResponseAsync;

        // Reports: every observation and every person it records.
        Assert.Equal((5L, 0L, 21L), (reports.Observations, reports.Events, reports.PeopleAffected));
        Assert.Equal(
            new Dictionary<Category, (long, long, long)>
            {
                [Category.ThreatOfPhysicalViolence] = (3, 0, 15), [Category.Displacement] = (1, 0, 5), [Category.ArmedGroupMovement] = (1, 0, 1),
            },
            reports.ByCategory.ToDictionary(c => c.Category, c => (c.Observations, c.Events, c.PeopleAffected)));
        // Events: the incident counts once, as its first report (a threat: 4 girls, 2 men), so the
        // displacement told of it later and the 5 and 3 people its other reports record are not added.
        Assert.Equal((5L, 3L, 13L), (events.Observations, events.Events, events.PeopleAffected));
        Assert.Equal(
            new Dictionary<Category, (long, long, long)>
            {
                [Category.ThreatOfPhysicalViolence] = (3, 2, 12), [Category.Displacement] = (1, 0, 0), [Category.ArmedGroupMovement] = (1, 1, 1),
            },
            events.ByCategory.ToDictionary(c => c.Category, c => (c.Observations, c.Events, c.PeopleAffected)));
        Assert.Equal(events.Events, events.ByCategory.Sum(c => c.Events));
        var groups = events.ByGroup.ToDictionary(g => (g.Sex, g.AgeGroup), g => (g.Observations, g.Events, g.People));
        Assert.Equal((3L, 2L, 8L), groups[(Sex.Female, AgeGroup.Child)]);
        Assert.Equal((2L, 2L, 4L), groups[(Sex.Male, AgeGroup.Adult)]);
        Assert.Equal((1L, 0L, 0L), groups[(Sex.Female, AgeGroup.Adult)]);
        Assert.Equal((1L, 1L, 1L), groups[(Sex.Male, AgeGroup.Youth)]);
        Assert.All(events.ByGroup.Where(g => g.Observations == 0), g => Assert.Equal((0L, 0L), (g.Events, g.People)));
        Assert.False(events.Withheld || events.ByCategory.Any(c => c.Withheld) || events.ByGroup.Any(g => g.Withheld));
        var girls = reports.ByGroup.Single(g => (g.Sex, g.AgeGroup) == (Sex.Female, AgeGroup.Child));
        Assert.Equal((3L, 0L, 13L), (girls.Observations, girls.Events, girls.People));
    }

    [Fact]
    public async Task CountAndSummarize_AFilterNarrowingTheReports_TheEventCountsAsItsEarliestReportThatMatches()
    {
        await ThreeReportsAndTwoOthersAsync(52, "ec-narrow");
        var displacements = Around(52, events: true);
        displacements.Categories.Add(Category.Displacement);
        var girls = Around(52, events: true);
        girls.AffectedSexes.Add(Sex.Female);
        girls.AffectedAgeGroups.Add(AgeGroup.Child);

        var displaced = await Supervisor.SummarizeAsync(displacements).ResponseAsync;
        var ofGirls = await Supervisor.CountAsync(girls).ResponseAsync;

        // The displacement is the incident's only report that matches: the event counts as it, with its 5 girls.
        Assert.Equal((1L, 1L, 5L), (displaced.Observations, displaced.Events, displaced.PeopleAffected));
        Assert.Equal((3L, 2L), (ofGirls.Observations, ofGirls.Events));
    }

    [Fact]
    public async Task QueryWatchAndWebhooks_CountEvents_AreInvalidArgumentNamingTheField()
    {
        var filter = Around(53, events: true);

        var query = await FailsWith(StatusCode.InvalidArgument, async () =>
        {
            using var call = Supervisor.Query(new QueryObservationsRequest { Filter = filter });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        var watch = await FailsWith(StatusCode.InvalidArgument, async () =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var call = Supervisor.Watch(new WatchRequest { Filter = filter }, cancellationToken: timeout.Token);
            await call.ResponseStream.MoveNext(timeout.Token);
        });

        // A webhook delivers what a watch would: its watch refuses the switch alike.
        var hook = await FailsWith(StatusCode.InvalidArgument, () => api.As(Role.Administrator).Webhooks.CreateWebhookAsync(new CreateWebhookRequest
        {
            Name = "events", Url = "https://hooks.example.org/events", TokenId = Geo.Testing.TestTokens.IdOf(api.TokenOf(Role.Analyst)), Watch = new WatchRequest { Filter = filter },
        }).ResponseAsync);

        Assert.StartsWith("filter.count_events: counts events in Observations.Count and Summarize only", query, StringComparison.Ordinal);
        Assert.StartsWith("filter.count_events: ", watch, StringComparison.Ordinal);
        Assert.StartsWith("watch.filter.count_events: ", hook, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeatMapsGroupGapsAndLayers_TheFiltersSwitch_AreInvalidArgumentPointingToTheirOwn()
    {
        var map = new HeatMapRequest { Filter = Around(54, events: true), CellSizeMetres = 20000 };

        var compute = await FailsWith(StatusCode.InvalidArgument, () => HeatMapTests.ComputeAsync(api.Channel, map));
        var gaps = await FailsWith(StatusCode.InvalidArgument, () => api.Channel.Coverage.GetGroupGapsAsync(new GroupGapsRequest { HeatMap = map, Threshold = 1 }).ResponseAsync);
        var layer = await FailsWith(StatusCode.InvalidArgument, async () =>
        {
            using var call = api.Channel.Feeds.PullLayer(new PullLayerRequest { HeatMap = map });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });

        Assert.StartsWith("filter.count_events: ", compute, StringComparison.Ordinal);
        Assert.Contains("their request's own count_events", compute, StringComparison.Ordinal);
        Assert.StartsWith("heat_map.filter.count_events: ", gaps, StringComparison.Ordinal);
        Assert.StartsWith("heat_map.filter.count_events: ", layer, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every role, and tokens scoped to the east half of the patch: three reports of one incident
    /// (the first west of the border, the two later east of it) and six of their own (three each
    /// side). Exact callers get the numbers; coarsened ones the same counts with their keyed noise,
    /// withheld when the events are fewer than five; no answer carries an event id.
    /// </summary>
    [Fact]
    public async Task CountAndSummarize_EveryRoleAndScopedTokens_TheNumbersEachMayHave_AndNoEventId()
    {
        Observation At(string id, double longitude)
        {
            var report = Report(id);
            report.Location = new GeoPoint { Longitude = longitude, Latitude = 0.5 };
            return report;
        }

        var ids = await SubmitAsync(60,
            At("ec-role-a1", 59.9), At("ec-role-a2", 60.1), At("ec-role-a3", 60.1),
            At("ec-role-w1", 59.9), At("ec-role-w2", 59.9), At("ec-role-w3", 59.9), At("ec-role-e1", 60.1), At("ec-role-e2", 60.1), At("ec-role-e3", 60.1));
        var linked = await LinkAsync(ids[0], ids[1], ids[2]);
        await api.As(Role.Planner).Registry.PutSectorAsync(new Sector { Id = "ec-east", Name = "East", Area = new Shape { Wkt = "POLYGON((60 0, 61 0, 61 1, 60 1, 60 0))" } }).ResponseAsync;
        using var eastSupervisor = await api.ChannelForAsync(Role.Supervisor, "ec-east-sup", ["ec-east"]);
        using var eastAnalyst = await api.ChannelForAsync(Role.Analyst, "ec-east-analyst", ["ec-east"]);
        var filter = Around(60, events: true);
        // The event counts as its first report; east of the border, where a1 is not seen, as a2.
        var representatives = ids.Where((_, i) => i is 0 or >= 3).ToList();
        var east = ids.Where((_, i) => i is 1 or 2 or >= 6).ToList();

        var expected = new Dictionary<Role, (long? Reports, long? Events)>
        {
            [Role.Supervisor] = (9, 7),
            [Role.Analyst] = (await api.ShownCountAsync(ids), await api.ShownCountAsync(representatives)),
            [Role.Planner] = (await api.ShownCountAsync(ids), await api.ShownCountAsync(representatives)),
            [Role.UnCimicOfficer] = (await api.ShownCountAsync(ids), await api.ShownCountAsync(representatives)),
            // A CLA counts its own reports (none of these), the security focal point incidents against CLAs only.
            [Role.Cla] = (0, 0),
            [Role.SecurityFocalPoint] = (0, 0),
        };
        foreach (var role in System.Enum.GetValues<Role>())
        {
            var client = api.As(role).Observations;
            var (count, summary) = (await Try(() => client.CountAsync(filter).ResponseAsync), await Try(() => client.SummarizeAsync(filter).ResponseAsync));
            if (!expected.TryGetValue(role, out var numbers))
            {
                Assert.True(count is null && summary is null, $"{role} may count or summarise");
                continue;
            }

            // Planners and UN-CIMIC officers summarise but do not count (they read no observation one by one).
            Assert.True(summary is not null, $"{role} may not summarise");
            Assert.True(count is not null == role is not (Role.Planner or Role.UnCimicOfficer), $"{role}: count {count}");
            Assert.Equal(numbers, Shown(summary.Withheld, summary.Observations, summary.Events));
            if (count is not null)
            {
                Assert.Equal(numbers, Shown(count.Withheld, count.Observations, count.Events));
            }

            Assert.DoesNotContain("evt-", $"{count}{summary}", StringComparison.Ordinal);
            Assert.DoesNotContain(linked.EventId, $"{count}{summary}", StringComparison.Ordinal);
        }

        var eastExact = await eastSupervisor.Observations.CountAsync(filter).ResponseAsync;
        var eastCoarse = await eastAnalyst.Observations.CountAsync(filter).ResponseAsync;
        var eastCoarseReports = await eastAnalyst.Observations.CountAsync(Around(60, events: false)).ResponseAsync;

        // East of the border: a2 and a3 (the event, as a2), and three of their own.
        Assert.Equal((5L, 4L), (eastExact.Observations, eastExact.Events));
        // Five reports east, but four events: below the minimum, withheld in both units.
        Assert.Equal(await api.ShownCountAsync(east), eastCoarseReports.Observations);
        Assert.True(eastCoarse.Withheld);
        Assert.Equal((0L, 0L), (eastCoarse.Observations, eastCoarse.Events));

        static (long?, long?) Shown(bool withheld, long reports, long events) => withheld ? (null, null) : (reports, events);

        static async Task<T?> Try<T>(Func<Task<T>> call)
            where T : class
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// The attack: a coarsened analyst asks for counts with and without the switch, over areas and
    /// periods that hold one incident told six times or leave it out, and sets the answers against
    /// each other and against the heat maps of the same areas. Every figure is the heat map's (its
    /// frame total, as reports and as events), so the switch on Count teaches nothing the heat
    /// maps' switch does not; and where the incident stands alone it is withheld in both units.
    /// </summary>
    [Fact]
    public async Task Differencing_WithAndWithoutTheSwitch_AcrossAreasAndPeriods_GivesTheHeatMapsFiguresAndWithholdsALoneIncident()
    {
        // The incident: six reports at 70.0 on 2 March; five others at 70.3 on 20 March.
        var incident = await SubmitAsync(70.0, [.. Enumerable.Range(0, 6).Select(i => Report($"ec-attack-i{i}"))]);
        await LinkAsync(incident);
        var others = Enumerable.Range(0, 5).Select(i =>
        {
            var report = NewObservation($"ec-attack-o{i}", 70.3, 0.5, "2026-03-20T10:00:00Z");
            report.ReportedAt = Time("2026-03-21T10:00:00Z");
            return report;
        }).ToArray();
        await api.SubmitAsync(others);
        var analyst = api.As(Role.Analyst);

        var asked = new List<(string Name, ObservationFilter Filter)>
        {
            ("both", Around(70.15, events: false, half: 0.4)),
            ("the incident's spot", Around(70.0, events: false, half: 0.15)),
            ("the others' spot", Around(70.3, events: false, half: 0.15)),
        };
        var firstHalf = Around(70.15, events: false, half: 0.4);
        firstHalf.ObservedTo = Time("2026-03-15T00:00:00Z");
        asked.Add(("the incident's fortnight", firstHalf));
        var counts = new Dictionary<string, (CountResponse Reports, CountResponse Events)>();
        foreach (var (name, filter) in asked)
        {
            var events = filter.Clone();
            events.CountEvents = true;
            var byReport = await analyst.Observations.CountAsync(filter).ResponseAsync;
            var byEvent = await analyst.Observations.CountAsync(events).ResponseAsync;
            var summary = await analyst.Observations.SummarizeAsync(events).ResponseAsync;
            var mapOfReports = await HeatMapTests.ComputeAsync(analyst, new HeatMapRequest { Filter = filter, CellSizeMetres = 50000 });
            var mapOfEvents = await HeatMapTests.ComputeAsync(analyst, new HeatMapRequest { Filter = filter, CellSizeMetres = 50000, CountEvents = true });

            Assert.True(mapOfEvents.Grid.Coarsened);
            Assert.True(mapOfReports.Grid.Frames[0].Observations == (byReport.Withheld ? 0 : byReport.Observations), $"{name}: reports");
            Assert.True(mapOfEvents.Grid.Frames[0].Observations == (byEvent.Withheld ? 0 : byEvent.Events), $"{name}: events");
            Assert.True(byEvent.Withheld == summary.Withheld && byEvent.Events == summary.Events && byEvent.Observations == summary.Observations, $"{name}: summary {summary}");
            if (byEvent.Withheld)
            {
                Assert.True(byEvent.Observations == 0 && byEvent.Events == 0 && summary.ByCategory.Count == 0, $"{name}: {byEvent}");
            }

            counts[name] = (byReport, byEvent);
        }

        // Alone, the incident shows as six reports, but as one event it is withheld, reports and all.
        Assert.Equal(await api.ShownCountAsync(incident), counts["the incident's spot"].Reports.Observations);
        Assert.True(counts["the incident's spot"].Events.Withheld);
        Assert.True(counts["the incident's fortnight"].Events.Withheld);
        // With the others it is one event of six, each figure with its own keyed noise, as on the heat map.
        var otherIds = others.Select(o => IdOf(o.ClientId)).ToList();
        Assert.Equal(await api.ShownCountAsync([incident[0], .. otherIds]), counts["both"].Events.Events);
        Assert.Equal(await api.ShownCountAsync([.. incident, .. otherIds]), counts["both"].Events.Observations);
        Assert.Equal(await api.ShownCountAsync(otherIds), counts["the others' spot"].Events.Events);
    }

    /// <summary>
    /// The breakdown attack: without the switch a small category is withheld with a second one; with
    /// it, other categories may be small. A part shown in one answer but not the other would let a
    /// caller take the total less the others across the two: a part small in either unit is
    /// withheld in both, so the switch shows no category the plain summary hides.
    /// </summary>
    [Fact]
    public async Task Summarize_CategoriesWithAndWithoutTheSwitch_NoPartLeftAloneToSubtract()
    {
        // Threats: ten reports of two incidents; displacements: three; armed group movements: six.
        var threats = await SubmitAsync(80, [.. Enumerable.Range(0, 10).Select(i => Report($"ec-parts-t{i}"))]);
        await SubmitAsync(80, [.. Enumerable.Range(0, 3).Select(i => Report($"ec-parts-d{i}", Category.Displacement))]);
        await SubmitAsync(80, [.. Enumerable.Range(0, 6).Select(i => Report($"ec-parts-m{i}", Category.ArmedGroupMovement))]);
        await LinkAsync(threats[..5]);
        await LinkAsync(threats[5..]);
        var analyst = api.As(Role.Analyst).Observations;

        var plain = await analyst.SummarizeAsync(Around(80, events: false)).ResponseAsync;
        var switched = await analyst.SummarizeAsync(Around(80, events: true)).ResponseAsync;

        // Plainly: displacements withheld (3), and the movements with them (the smallest shown).
        Assert.Equal([Category.ThreatOfPhysicalViolence], plain.ByCategory.Where(c => !c.Withheld).Select(c => c.Category));
        // As events: threats are two (withheld), displacements three; the movements (six events) are
        // withheld too, being withheld as reports: else their six and the plain answer's threats
        // would give the displacements away as the total less the two.
        Assert.False(switched.Withheld);
        Assert.All(switched.ByCategory, c => Assert.True(c.Withheld && c.Observations == 0 && c.Events == 0 && c.PeopleAffected == 0, $"{c}"));
        var shown = plain.ByCategory.Concat(switched.ByCategory).Where(c => !c.Withheld).Select(c => c.Category).ToHashSet();
        Assert.NotEqual(1, plain.ByCategory.Count(c => !shown.Contains(c.Category)));
    }
}
