using System.Globalization;
using Geo.Api;
using Geo.Api.V1;
using FeedPosition = Geo.Core.Domain.FeedPosition;
using Geo.Exporters.Feeds;
using Geo.Grpc.Tests.Api;
using Geo.Testing.Echo;
using Grpc.Core;
using Npgsql;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Watch;

/// <summary>
/// Observations.Watch as its users rely on it: what is pushed and to whom, exactly once in feed
/// order across reconnects, restarts and slow readers, and every malformed request refused by
/// field. Each test watches an area of its own (a box around its own longitude), so that what
/// another test submitted never reaches it. Alone on the cluster: deliveries wait for the feed's
/// watermark, which any open transaction of another test class would hold back.
/// </summary>
[Collection(AloneOnTheCluster.Name)]
public sealed class WatchTests(WatchTests.WatchFixture fixture) : IClassFixture<WatchTests.WatchFixture>
{
    private ApiFixture Api => fixture.Api;

    public sealed class WatchFixture : IAsyncLifetime
    {
        public static readonly string[] WatchSettings =
        [
            "--GeoAwareness:Watch:HeartbeatSeconds=0.2",
            "--GeoAwareness:Watch:MaxBacklog=10",
            "--GeoAwareness:Watch:MaxCatchUp=5000",
        ];

        public ApiFixture Api { get; } = new(WatchSettings, null);

        public Task InitializeAsync() => Api.InitializeAsync();

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    [Fact]
    public async Task Watch_ASubmittedObservation_IsPushedOnceAsQueryShowsIt_AndNothingOutsideTheArea()
    {
        await using var watch = Open(Role.Supervisor, Filter(30.1));
        await watch.QuietForAsync(1);

        await Api.SubmitAsync(NewObservation("w1-in", 30.1, -1.5), NewObservation("w1-out", 30.15, -1.5));

        var pushed = await watch.NextChangeAsync();
        Assert.Equal(IdOf("w1-in"), pushed.Observation.Id);
        var queried = Assert.Single(await Api.QueryAllAsync(Filter(30.1)));
        Assert.Equal(queried, pushed.Observation);
        Assert.Empty(await watch.QuietForAsync(3));
    }

    [Fact]
    public async Task Watch_Filters_OnlyWhatMatchesCategorySeverityAndGroupIsPushed()
    {
        var filter = Filter(30.2);
        filter.MinSeverity = 4;
        filter.Categories.Add(Category.EarlyWarningAlert);
        filter.AffectedSexes.Add(Sex.Female);
        await using var watch = Open(Role.Supervisor, filter);
        await watch.QuietForAsync(1);

        var low = NewObservation("w2-low", 30.2, -1.5);
        low.Category = Category.EarlyWarningAlert;
        var otherCategory = NewObservation("w2-category", 30.2, -1.5);
        otherCategory.Severity = 5;
        var men = NewObservation("w2-men", 30.2, -1.5);
        men.Category = Category.EarlyWarningAlert;
        men.Severity = 5;
        men.Affected.Clear();
        men.Affected.Add(new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Adult, Count = 3 });
        var match = NewObservation("w2-match", 30.2, -1.5);
        match.Category = Category.EarlyWarningAlert;
        match.Severity = 5;
        await Api.SubmitAsync(low, otherCategory, men, match);

        Assert.Equal([IdOf("w2-match")], await watch.NextIdsAsync(1));
        Assert.Empty(await watch.QuietForAsync(3));
    }

    [Fact]
    public async Task Watch_ResumedFromAnEventsCursor_GetsEveryLaterChangeOnceInCommitOrder()
    {
        string cursor;
        await using (var first = Open(Role.Supervisor, Filter(30.3)))
        {
            await first.QuietForAsync(1);
            await Api.SubmitAsync(NewObservation("w3-a", 30.3, -1.5));
            var a = await first.NextChangeAsync();
            Assert.Equal(IdOf("w3-a"), a.Observation.Id);
            cursor = a.Cursor;
        }

        // While no one watches: three commits, one of them changing an observation already pushed.
        await Api.SubmitAsync(NewObservation("w3-b", 30.3, -1.5));
        await Api.SubmitAsync(NewObservation("w3-c", 30.3, -1.5));
        await Review(IdOf("w3-a"), VerificationStatus.Verified);

        await using var resumed = Open(Role.Supervisor, Filter(30.3), cursor);
        var changes = new List<WatchEvent>();
        for (var i = 0; i < 3; i++)
        {
            changes.Add(await resumed.NextChangeAsync());
        }

        Assert.Equal([IdOf("w3-b"), IdOf("w3-c"), IdOf("w3-a")], changes.Select(c => c.Observation.Id));
        Assert.Equal(2, changes[2].Observation.Version);
        Assert.Empty(await resumed.QuietForAsync(3));
    }

    [Fact]
    public async Task Watch_ResumedFromAHeartbeatsCursor_GetsWhatCameAfterIt_AndTheCursorWorksInTheFeed()
    {
        string cursor;
        await using (var quiet = Open(Role.Supervisor, Filter(30.4)))
        {
            await quiet.QuietForAsync(2);
            cursor = quiet.Cursor;
        }

        await Api.SubmitReleasedAsync(NewObservation("w4-after", 30.4, -1.5));

        await using var resumed = Open(Role.Supervisor, Filter(30.4), cursor);
        Assert.Equal([IdOf("w4-after")], await resumed.NextIdsAsync(1));
        Assert.Empty(await resumed.QuietForAsync(3));
        // One notion of position: the feed, pulled from the same cursor, starts at the same change.
        var page = await Api.As(Role.Importer).Feeds.PullObservations(new PullObservationsRequest { Cursor = cursor, All = true }).ResponseStream.ReadAllAsync().ToListAsync();
        var geoJson = string.Concat(page.Select(c => c.Geojson.ToStringUtf8()));
        Assert.Contains(IdOf("w4-after"), geoJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_AsAnalyst_GetsCoarsePointsWithoutReporterOrNotes_AndNeverASecurityIncident()
    {
        await using var analyst = Open(Role.Analyst, Filter(30.5, 0.1));
        await using var supervisor = Open(Role.Supervisor, Filter(30.5, 0.1));
        await using var security = Open(Role.SecurityFocalPoint, Filter(30.5, 0.1));
        await Task.WhenAll(analyst.QuietForAsync(1), supervisor.QuietForAsync(1), security.QuietForAsync(1));

        var incident = NewObservation("w5-incident", 30.5, -1.5);
        incident.Category = Category.SecurityIncidentAgainstCla;
        await Api.SubmitAsync(NewObservation("w5-threat", 30.5, -1.5));
        await Api.SubmitAsync(incident);

        var seen = (await analyst.NextChangeAsync()).Observation;
        Assert.Equal(IdOf("w5-threat"), seen.Id);
        Assert.Empty(seen.ReporterId);
        Assert.Empty(seen.Notes);
        Assert.False(seen.Location.Longitude == 30.5 && seen.Location.Latitude == -1.5, "the exact point left the service");
        Assert.NotEqual(LocationPrecision.Exact, seen.LocationPrecision);
        var queried = (await Api.As(Role.Analyst).Observations.Query(new QueryObservationsRequest { Filter = Filter(30.5, 0.1) }).ResponseStream.ReadAllAsync().ToListAsync())
            .SelectMany(p => p.Observations).Single(o => o.Id == seen.Id);
        Assert.Equal(queried, seen);
        Assert.Empty(await analyst.QuietForAsync(3));

        Assert.Equal([IdOf("w5-threat"), IdOf("w5-incident")], await supervisor.NextIdsAsync(2));
        var incidentSeen = (await security.NextChangeAsync()).Observation;
        Assert.Equal(IdOf("w5-incident"), incidentSeen.Id);
        Assert.Equal("cla-7f3a", incidentSeen.ReporterId);
        Assert.Empty(await security.QuietForAsync(3));
        // Every read of an incident against a CLA is audited, pushed ones too.
        Assert.True(await Api.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM audit_log WHERE action = 'security_incident.read' AND actor = '{SubjectOf(Role.SecurityFocalPoint)}' AND details::text LIKE '%{IdOf("w5-incident")}%'") >= 1);
    }

    [Fact]
    public async Task Watch_AsAScopedAnalyst_NothingOutsideTheSectorIsPushed_AndAnAreaOutsideIsRefusedWithoutSayingWhatIsThere()
    {
        await Api.As(Role.Planner).Registry.PutSectorAsync(new Sector
        {
            Id = "w6-sector", Name = "W6", Area = new Shape { Wkt = "POLYGON((31.0 -1.65, 31.3 -1.65, 31.3 -1.35, 31.0 -1.35, 31.0 -1.65))" },
        });
        using var scoped = await Api.ChannelForAsync(Role.Analyst, "w6-analyst", ["w6-sector"]);

        var outside = await FailsWith(StatusCode.PermissionDenied, () => Drain(scoped, new WatchRequest { Filter = Filter(32.5) }));
        Assert.StartsWith("filter.area: lies wholly outside the area of the token", outside, StringComparison.Ordinal);

        await using var watch = new WatchStream(scoped.Observations, new WatchRequest { Filter = Filter(31.15, 0.4) });
        await watch.QuietForAsync(1);
        await Api.SubmitAsync(NewObservation("w6-out", 31.45, -1.5), NewObservation("w6-in", 31.15, -1.5));
        Assert.Equal([IdOf("w6-in")], await watch.NextIdsAsync(1));
        Assert.Empty(await watch.QuietForAsync(3));

        // The whole sector by its id.
        await using var bySector = new WatchStream(scoped.Observations, new WatchRequest { SectorId = "w6-sector" });
        await bySector.QuietForAsync(1);
        await Api.SubmitAsync(NewObservation("w6-in-2", 31.15, -1.45));
        Assert.Equal([IdOf("w6-in-2")], await bySector.NextIdsAsync(1));
    }

    /// <summary>Planners and UN-CIMIC officers read no observations but do watch: for their plans' re-check marks (OperationRecheckWatchTests).</summary>
    [Theory]
    [InlineData(Role.Importer)]
    [InlineData(Role.CpasFocalPoint)]
    [InlineData(Role.ReferralSection)]
    [InlineData(Role.Administrator)]
    [InlineData(Role.HumanitarianLiaison)]
    public async Task Watch_ByARoleThatReadsNeitherObservationsNorPlans_IsPermissionDenied(Role role)
    {
        await FailsWith(StatusCode.PermissionDenied, () => Drain(Api.As(role), new WatchRequest { Filter = Filter(30.65) }));
    }

    [Fact]
    public async Task Watch_AsACla_OnlyItsOwnObservations()
    {
        using var cla = await Api.ChannelForAsync(Role.Cla, "w7-cla");
        using var otherCla = await Api.ChannelForAsync(Role.Cla, "w7-other");
        await using var watch = new WatchStream(cla.Observations, new WatchRequest { Filter = Filter(30.7) });
        await watch.QuietForAsync(1);

        await otherCla.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { WithReporter(NewObservation("w7-theirs", 30.7, -1.5), "w7-other") } });
        await cla.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { WithReporter(NewObservation("w7-mine", 30.7, -1.5), "w7-cla") } });

        Assert.Equal([IdOf("w7-mine", "w7-cla")], await watch.NextIdsAsync(1));
        Assert.Empty(await watch.QuietForAsync(3));
    }

    [Fact]
    public async Task Watch_ADiscreditedObservation_ComesAsAWithdrawalWithNothingOfWhatItSaid_EvenToAWatchOfVerifiedOnes()
    {
        var verified = Filter(30.8);
        verified.Verification.Add(VerificationStatus.Verified);
        await using var watch = Open(Role.Supervisor, verified);
        await watch.QuietForAsync(1);

        await Api.SubmitAsync(NewObservation("w8", 30.8, -1.5));
        await Review(IdOf("w8"), VerificationStatus.Verified);
        // The watch sees the verified version before it is discredited: were both reviews committed
        // before the hub read them, the feed would rightly give the latest version alone.
        var first = await watch.NextChangeAsync();
        Assert.Equal(VerificationStatus.Verified, first.Observation.Verification);
        await Review(IdOf("w8"), VerificationStatus.Discredited);

        var withdrawn = await watch.NextChangeAsync();
        Assert.Equal(WatchEvent.EventOneofCase.Withdrawn, withdrawn.EventCase);
        Assert.Equal(IdOf("w8"), withdrawn.Withdrawn.Id);
        Assert.Equal(3, withdrawn.Withdrawn.Version);
        Assert.Empty(await watch.QuietForAsync(3));
    }

    [Theory]
    [InlineData("x", "cursor: is not a cursor this feed gave out")]
    [InlineData("c1.!!!", "cursor: is not a cursor this feed gave out")]
    public async Task Watch_AMalformedCursor_IsInvalidArgumentNamingIt(string cursor, string expected)
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => Drain(Api.Channel, new WatchRequest { Filter = Filter(30.85), Cursor = cursor }));
        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_ACursorFromTheFuture_IsOutOfRange()
    {
        var future = FeedCursor.Format(new FeedPosition(1UL << 40, "obs-0"));
        var detail = await FailsWith(StatusCode.OutOfRange, () => Drain(Api.Channel, new WatchRequest { Filter = Filter(30.85), Cursor = future }));
        Assert.StartsWith("cursor: is ahead of the feed", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_BadFilterValues_AreInvalidArgumentNamingTheField()
    {
        var unknownCategory = Filter(30.85);
        unknownCategory.Categories.Add((Category)999);
        Assert.StartsWith("filter.categories", await FailsWith(StatusCode.InvalidArgument, () => Drain(Api.Channel, new WatchRequest { Filter = unknownCategory })), StringComparison.Ordinal);
        Assert.StartsWith("sector_id: give either sector_id or filter.area", await FailsWith(StatusCode.InvalidArgument,
            () => Drain(Api.Channel, new WatchRequest { Filter = Filter(30.85), SectorId = "anything" })), StringComparison.Ordinal);
        Assert.StartsWith("sector_id: no sector 'nowhere'", await FailsWith(StatusCode.InvalidArgument,
            () => Drain(Api.Channel, new WatchRequest { SectorId = "nowhere" })), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_AReaderThatFallsBehind_IsEndedWithTheCursorToResumeFrom_AndResumingLosesAndRepeatsNothing()
    {
        const int Count = 1000;
        var ids = new List<string>();
        await using (var slow = new WatchStream(Api.Channel.Observations, new WatchRequest { Filter = Filter(30.9) }, read: false))
        {
            // The first heartbeat says the watch is in place before anything is submitted.
            Assert.True(await slow.Call.ResponseStream.MoveNext(CancellationToken.None));
            for (var batch = 0; batch < Count / 500; batch++)
            {
                await Api.SubmitAsync(Enumerable.Range(batch * 500, 500).Select(i => NewObservation($"w9-{i:D4}", 30.9, -1.5)).ToArray());
            }

            var ended = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                using var timeout = new CancellationTokenSource(WatchStream.Bound);
                while (await slow.Call.ResponseStream.MoveNext(timeout.Token))
                {
                    var change = slow.Call.ResponseStream.Current;
                    if (change.Observation is { } observation)
                    {
                        ids.Add(observation.Id);
                    }
                }
            });
            Assert.Equal(StatusCode.ResourceExhausted, ended.StatusCode);
            Assert.Contains("GeoAwareness:Watch:MaxBacklog", ended.Status.Detail, StringComparison.Ordinal);
            var resume = ended.Trailers.GetValue("geoawareness-resume-cursor");
            Assert.False(string.IsNullOrEmpty(resume));

            // A resumed watch may fall behind too, while the hub still hands out the burst (on a
            // loaded machine it has not read it all yet): the client resumes again, as told.
            for (var attempt = 0; ids.Count < Count && attempt < 20; attempt++)
            {
                await using var again = new WatchStream(Api.Channel.Observations, new WatchRequest { Filter = Filter(30.9), Cursor = resume }, read: false);
                try
                {
                    using var timeout = new CancellationTokenSource(WatchStream.Bound);
                    while (ids.Count < Count && await again.Call.ResponseStream.MoveNext(timeout.Token))
                    {
                        resume = again.Call.ResponseStream.Current.Cursor;
                        if (again.Call.ResponseStream.Current.Observation is { } observation)
                        {
                            ids.Add(observation.Id);
                        }
                    }
                }
                catch (RpcException behind) when (behind.StatusCode == StatusCode.ResourceExhausted)
                {
                    resume = behind.Trailers.GetValue("geoawareness-resume-cursor");
                }
            }

            await using var resumed = Open(Role.Supervisor, Filter(30.9), resume!);
            Assert.Empty(await resumed.QuietForAsync(3));
        }

        Assert.Equal(Enumerable.Range(0, Count).Select(i => IdOf($"w9-{i:D4}")).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Watch_WhileAnotherTransactionIsHeldOpen_LaterCommitsWaitAndThenComeOnce()
    {
        await using var watch = Open(Role.Supervisor, Filter(30.95));
        await watch.QuietForAsync(1);
        await using (var holder = new NpgsqlConnection(Api.Database.ConnectionString))
        {
            await holder.OpenAsync();
            await using var transaction = await holder.BeginTransactionAsync();
            await using (var take = new NpgsqlCommand("SELECT pg_current_xact_id()", holder, transaction))
            {
                await take.ExecuteScalarAsync();
            }

            await Api.SubmitAsync(NewObservation("w10", 30.95, -1.5));
            // Committed, but a transaction older than it still runs: not settled, not pushed.
            Assert.Empty(await watch.QuietForAsync(5));
            await transaction.RollbackAsync();
        }

        Assert.Equal([IdOf("w10")], await watch.NextIdsAsync(1));
        Assert.Empty(await watch.QuietForAsync(3));
    }

    [Fact]
    public async Task Watch_OnAnotherServiceProcess_GetsWhatThisOneCommitted_AndAClientResumesAcrossARestart()
    {
        string cursor;
        await using (var other = await GrpcTestServer.StartAsync(Api.Database.ConnectionString, [.. Settings, .. WatchFixture.WatchSettings]))
        {
            using var client = new GeoAwarenessClient(other.GrpcEndpoint, Api.TokenOf(Role.Supervisor));
            await using var watch = new WatchStream(client.Observations, new WatchRequest { Filter = Filter(29.9) });
            await watch.QuietForAsync(1);
            await Api.SubmitAsync(NewObservation("w11-a", 29.9, -1.5));
            var a = await watch.NextChangeAsync();
            Assert.Equal(IdOf("w11-a"), a.Observation.Id);
            cursor = a.Cursor;
        }

        // That process is gone; commits go on through this one.
        await Api.SubmitAsync(NewObservation("w11-b", 29.9, -1.5));
        await Api.SubmitAsync(NewObservation("w11-c", 29.9, -1.5));

        await using var restarted = await GrpcTestServer.StartAsync(Api.Database.ConnectionString, [.. Settings, .. WatchFixture.WatchSettings]);
        using var again = new GeoAwarenessClient(restarted.GrpcEndpoint, Api.TokenOf(Role.Supervisor));
        await using var resumed = new WatchStream(again.Observations, new WatchRequest { Filter = Filter(29.9), Cursor = cursor });
        Assert.Equal([IdOf("w11-b"), IdOf("w11-c")], await resumed.NextIdsAsync(2));
        Assert.Empty(await resumed.QuietForAsync(3));
    }

    [Fact]
    public async Task Watch_Idle_SendsHeartbeatsThatKeepTheCursor()
    {
        await using var watch = Open(Role.Supervisor, Filter(29.8));
        Assert.Empty(await watch.QuietForAsync(5));
        Assert.True(watch.Heartbeats >= 5);
        Assert.StartsWith("c1.", watch.Cursor, StringComparison.Ordinal);
    }

    /// <summary>A filter of a box 0.02° wide (or <paramref name="halfWidth"/>) around (<paramref name="longitude"/>, -1.5).</summary>
    internal static ObservationFilter Filter(double longitude, double halfWidth = 0.01) => new()
    {
        Area = new Area { Bbox = new BoundingBox { West = longitude - halfWidth, East = longitude + halfWidth, South = -1.5 - halfWidth, North = -1.5 + halfWidth } },
    };

    private WatchStream Open(Role role, ObservationFilter filter, string cursor = "") =>
        new(Api.As(role).Observations, new WatchRequest { Filter = filter, Cursor = cursor });

    private static Observation WithReporter(Observation observation, string reporter)
    {
        observation.ReporterId = reporter;
        return observation;
    }

    /// <summary>Opens a watch and reads it until it ends (a refused one ends at once).</summary>
    private static async Task Drain(GeoAwarenessClient client, WatchRequest request)
    {
        using var timeout = new CancellationTokenSource(WatchStream.Bound);
        using var call = client.Observations.Watch(request, cancellationToken: timeout.Token);
        await foreach (var _ in call.ResponseStream.ReadAllAsync(timeout.Token))
        {
        }
    }

    private async Task Review(string id, VerificationStatus status) =>
        await Api.Channel.Observations.ReviewAsync(new ReviewObservationRequest { Id = id, Verification = status }).ResponseAsync;
}
