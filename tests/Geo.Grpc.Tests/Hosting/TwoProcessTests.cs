using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Geo.Grpc.Tests.Watch;
using Grpc.Core;
using Xunit;
using Xunit.Abstractions;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Hosting;

/// <summary>
/// Several service processes on one database (issue 23, part 4): two processes of the production
/// executable behind one client that alternates between them. What one process learns or writes,
/// the other must honour: a token revoked through one is refused by the other, a feed paged across
/// both delivers every record once, in order, and the same observation ingested through both at
/// once is stored once. Run alone on the cluster: the feed delivers nothing that a transaction
/// still open anywhere on it could precede.
/// </summary>
[Collection(AloneOnTheCluster.Name)]
public sealed class TwoProcessTests(TwoProcesses fixture, ITestOutputHelper output) : IClassFixture<TwoProcesses>
{
    private const string WhoAmI = "/geoawareness.v1.Access/WhoAmI";
    private const string PullObservations = "/geoawareness.v1.Feeds/PullObservations";
    private const string Ingest = "/geoawareness.v1.Observations/Ingest";
    private const string Submit = "/geoawareness.v1.Observations/Submit";
    private const string Release = "/geoawareness.v1.Observations/Release";

    [Fact]
    public async Task Token_IssuedAndRevokedThroughA_WorksOnBThenIsRefusedByBAndA()
    {
        using var admin = new GeoAwarenessClient(new Uri($"http://127.0.0.1:{fixture.Processes[0].GrpcPort}"), fixture.AdministratorToken);
        var issued = await admin.Access.IssueTokenAsync(new IssueTokenRequest { Role = Geo.Api.V1.Role.Supervisor, Subject = "two-process-supervisor", ValidDays = 1 });
        var client = fixture.Alternating(issued.Token);
        var okBefore = await fixture.ServedAsync(WhoAmI);
        var refusedBefore = await fixture.ServedAsync(WhoAmI, "UNAUTHENTICATED");

        // A, B, A, B, A: issued through A, the token works on B at once (B reads it from the database), and both keep it cached.
        for (var call = 0; call < 5; call++)
        {
            var (process, served) = client.Next();
            var me = await process.Access.WhoAmIAsync(new WhoAmIRequest()).ResponseAsync;
            Assert.Equal(("two-process-supervisor", Geo.Api.V1.Role.Supervisor), (me.Subject, me.Role));
            Assert.Equal(call % 2, served);
        }

        var revoked = await admin.Access.RevokeTokenAsync(new RevokeTokenRequest { Id = issued.Info.Id }).ResponseAsync;
        Assert.NotNull(revoked.RevokedAt);

        // B cached the token for ten minutes; only the database's notification can tell it. The
        // notification arrives after the revocation commits, beside the answer to the revoking
        // call, so B's refusal is awaited (10 s at most), and the calls it still accepted counted.
        var (b, next) = client.Next();
        Assert.Equal(1, next);
        var acceptedByB = 0;
        while (await StatusOfWhoAmIAsync(b) != StatusCode.Unauthenticated && acceptedByB < 100)
        {
            acceptedByB++;
            await Task.Delay(100);
        }

        output.WriteLine($"calls B accepted after the revocation through A had committed: {acceptedByB}");
        Assert.True(acceptedByB < 100, "B still accepted the token revoked through A 10 s after the revocation, though the notification should have reached it");

        // Refused from now on, by both, call after call.
        for (var call = 0; call < 4; call++)
        {
            var (process, _) = client.Next();
            Assert.Equal(StatusCode.Unauthenticated, await StatusOfWhoAmIAsync(process));
        }

        // What each process itself says it served: the calls really went to both, alternately.
        var ok = await fixture.ServedSinceAsync(okBefore, WhoAmI, [3, 2 + acceptedByB]);
        var refused = await fixture.ServedSinceAsync(refusedBefore, WhoAmI, [2, 3], "UNAUTHENTICATED");
        Assert.Equal([3, 2 + acceptedByB], ok);
        Assert.Equal([2, 3], refused);
    }

    [Fact]
    public async Task PullObservations_PagedAlternatelyAcrossBothWithWritesBetweenPages_DeliversEveryReleasedObservationOnceInOrder()
    {
        var supervisorToken = await fixture.TokenAsync(Role.Supervisor, "feed-supervisor");
        var importerToken = await fixture.TokenAsync(Role.Importer, "feed-importer");
        GeoAwarenessClient[] supervisors = [fixture.Client(0, supervisorToken), fixture.Client(1, supervisorToken)];
        var releaser = fixture.Alternating(supervisorToken);
        var importer = fixture.Alternating(importerToken);

        // 600 observations, through both processes at once, and released alternately through both.
        var ingested = await Task.WhenAll(IngestAsync(supervisors[0], "feed-a", 300, 29.30), IngestAsync(supervisors[1], "feed-b", 300, 29.40));
        Assert.All(ingested, response => Assert.Equal(300, response.Stored));
        var ids = Enumerable.Range(0, 300).SelectMany(i => new[] { IdOf($"feed-a-{i:D4}", "feed-supervisor"), IdOf($"feed-b-{i:D4}", "feed-supervisor") }).ToList();
        var releasesBefore = await fixture.ServedAsync(Release);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var i = worker; i < ids.Count; i += 4)
            {
                await releaser.Next().Client.Observations.ReleaseAsync(new ReleaseObservationRequest { Id = ids[i], Summary = "Released for SAGE" }).ResponseAsync;
            }
        })));
        var releases = await fixture.ServedSinceAsync(releasesBefore, Release, [300, 300]);
        Assert.Equal([300, 300], releases);
        await fixture.SettledAsync();

        // Paged 25 at a time, each page from the other process than the one before, with its cursor;
        // three times, new observations are written and released through the process that serves
        // the next page, between two pages.
        var pullsBefore = await fixture.ServedAsync(PullObservations);
        var delivered = new List<string>();
        var pages = new int[2];
        var late = new List<string>();
        var cursor = string.Empty;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var (client, process) = importer.Next();
            var (features, end) = await PullPageAsync(client, cursor, 25);
            pages[process]++;
            Assert.True(features.Count <= 25, $"a page of 25 held {features.Count}");
            delivered.AddRange(features);
            cursor = end.NextCursor;
            var page = pages.Sum();
            if (page % 6 == 3 && late.Count < 3 * 7)
            {
                var other = supervisors[1 - process];
                var prefix = $"feed-late{late.Count / 7}";
                Assert.Equal(7, (await IngestAsync(other, prefix, 7, 29.5)).Stored);
                foreach (var i in Enumerable.Range(0, 7))
                {
                    var id = IdOf($"{prefix}-{i:D4}", "feed-supervisor");
                    await other.Observations.ReleaseAsync(new ReleaseObservationRequest { Id = id }).ResponseAsync;
                    late.Add(id);
                }
            }

            if (!end.More)
            {
                if (late.Count == 3 * 7 && features.Count == 0 && delivered.Count >= ids.Count + late.Count)
                {
                    break;
                }

                // Caught up with the head: wait until what was written since is deliverable.
                await fixture.SettledAsync();
            }
        }

        // Every released observation once, in the feed's order (the transaction that released it,
        // then its id), whichever process served the page; none missing, none twice.
        var released = await ReleasedInFeedOrderAsync();
        Assert.Equal(ids.Count + late.Count, released.Count);
        Assert.Empty(delivered.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Empty(released.Except(delivered));
        Assert.Equal(released, delivered);
        Assert.Equal(ids.Concat(late).Order(StringComparer.Ordinal), delivered.Order(StringComparer.Ordinal));
        Assert.True(pages.Sum() > 24, $"only {pages.Sum()} pages");
        Assert.Equal(pages.Select(p => (long)p), await fixture.ServedSinceAsync(pullsBefore, PullObservations, [pages[0], pages[1]]));

        // Both processes coarsen with the key the database keeps: a full export is the same document, byte for byte.
        var fromA = await FeedPages.PullAsync(fixture.Client(0, importerToken), new PullObservationsRequest { All = true });
        var fromB = await FeedPages.PullAsync(fixture.Client(1, importerToken), new PullObservationsRequest { All = true });
        Assert.Equal(fromA.Document, fromB.Document);
        Assert.Equal(released.Order(StringComparer.Ordinal), FeedPages.Ids(fromA.Document).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Ingest_ToBothAtOnceWithTheSameKeysInEitherOrder_StoresEachOnceAndBothCountTheSame()
    {
        var token = await fixture.TokenAsync(Role.Supervisor, "ingest-supervisor");
        GeoAwarenessClient[] processes = [fixture.Client(0, token), fixture.Client(1, token)];
        var ingestsBefore = await fixture.ServedAsync(Ingest);
        var submitsBefore = await fixture.ServedAsync(Submit);
        var expected = new Dictionary<string, Observation>(StringComparer.Ordinal);
        Observation Kept(Observation observation)
        {
            expected[IdOf(observation.ClientId, "ingest-supervisor")] = observation;
            return observation;
        }

        // Two streams, one to each process: 40 messages of 10, half of each message keys of its
        // own, half keys the other stream sends too, with the same content, B's in the reverse
        // order. Sent in step, message m to both before m + 1 to either (commits of 10: a message
        // each), so that the two processes' commits of the same keys run against each other.
        IngestRequest[] Stream(string own, bool reversed) => Enumerable.Range(0, 40).Select(m =>
        {
            var message = new IngestRequest();
            foreach (var i in Enumerable.Range(m * 5, 5))
            {
                message.Observations.Add(Kept(NewObservation($"{own}-{i:D4}", 31.0 + (i * 0.001), -1.5)));
                var shared = NewObservation($"shared-{i:D4}", 31.2 + (i * 0.0002), -1.5);
                shared.Severity = 1 + (i % 5);
                message.Observations.Add(Kept(shared));
            }

            if (reversed)
            {
                var backwards = message.Observations.Reverse().ToList();
                message.Observations.Clear();
                message.Observations.AddRange(backwards);
            }

            return message;
        }).ToArray();

        IngestRequest[][] streams = [Stream("only-a", reversed: false), Stream("only-b", reversed: true)];
        using var toA = processes[0].Observations.Ingest();
        using var toB = processes[1].Observations.Ingest();
        for (var m = 0; m < 40; m++)
        {
            await Task.WhenAll(toA.RequestStream.WriteAsync(streams[0][m], CancellationToken.None), toB.RequestStream.WriteAsync(streams[1][m], CancellationToken.None));
        }

        await Task.WhenAll(toA.RequestStream.CompleteAsync(), toB.RequestStream.CompleteAsync());
        var responses = await Task.WhenAll(toA.ResponseAsync, toB.ResponseAsync);

        Assert.All(responses, r => Assert.Equal(400, r.Received));
        Assert.Equal(600, responses.Sum(r => r.Stored));
        Assert.Equal(200, responses.Sum(r => r.AlreadyStored));
        // Each shared key was stored by exactly one of the two, and reported as already stored by the other.
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"shared-{i:D4}"), responses.SelectMany(r => r.AlreadyStoredIds).Order(StringComparer.Ordinal));
        output.WriteLine($"shared keys of the streams found already stored: {responses[0].AlreadyStored} by A, {responses[1].AlreadyStored} by B");

        // Whole batches of the same 500 keys, to both at once, in opposite orders: both succeed,
        // and between them store each key once (a deadlock here was UNKNOWN to one of them).
        var submitted = new long[2];
        for (var round = 0; round < 8; round++)
        {
            var batch = Enumerable.Range(0, 500).Select(i => Kept(NewObservation($"batch{round}-{i:D4}", 31.0 + (i * 0.00001), -1.45))).ToList();
            var ascending = new SubmitObservationsRequest { Observations = { batch } };
            var descending = new SubmitObservationsRequest { Observations = { Enumerable.Reverse(batch) } };
            var answers = await Task.WhenAll(
                Task.Run(() => processes[0].Observations.SubmitAsync(ascending).ResponseAsync),
                Task.Run(() => processes[1].Observations.SubmitAsync(descending).ResponseAsync));
            Assert.Equal(500, answers.Sum(a => a.Stored));
            Assert.Equal(batch.Select(o => o.ClientId).Order(StringComparer.Ordinal), answers.SelectMany(a => a.AlreadyStoredIds).Order(StringComparer.Ordinal));
            Assert.Equal(answers[0].Ids.Order(StringComparer.Ordinal), answers[1].Ids.Order(StringComparer.Ordinal));
            submitted[0]++;
            submitted[1]++;
        }

        var ingests = await fixture.ServedSinceAsync(ingestsBefore, Ingest, [1, 1]);
        var submits = await fixture.ServedSinceAsync(submitsBefore, Submit, submitted);
        Assert.Equal([1L, 1L], ingests);
        Assert.Equal(submitted, submits);
        await AssertStoredOnceAndCountedAlikeAsync(processes, expected, new BoundingBox { West = 30.9, East = 31.3, South = -1.6, North = -1.4 });
    }

    [Fact]
    public async Task Submit_TheSameKeysWithOtherContentToBothAtOnce_StoresOneWholeAndRefusesTheOther()
    {
        var token = await fixture.TokenAsync(Role.Supervisor, "clash-supervisor");
        GeoAwarenessClient[] processes = [fixture.Client(0, token), fixture.Client(1, token)];
        var expected = new Dictionary<string, Observation>(StringComparer.Ordinal);

        // Twenty keys, each submitted to both at once with other content: one is stored, the other
        // is ALREADY_EXISTS, and the database holds the content of the one that was stored.
        var single = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => ClashAsync(processes, p =>
        {
            var observation = NewObservation($"clash-{i:D4}", 33.0 + (i * 0.001) + (p * 0.0005), -1.5);
            observation.Severity = p == 0 ? 2 : 4;
            return [observation];
        })));
        foreach (var outcome in single)
        {
            Assert.Equal([StatusCode.OK, StatusCode.AlreadyExists], outcome.Select(o => o.Status).Order());
            var stored = Assert.Single(outcome.Single(o => o.Status == StatusCode.OK).Batch);
            expected[IdOf(stored.ClientId, "clash-supervisor")] = stored;
        }

        // Batches of the same 500 keys with other content (other places), to both at once: one
        // batch is stored whole, nothing of the other. The places order the keys differently in
        // the two merges, so PostgreSQL may find them deadlocked and roll one back: that caller
        // hears ABORTED ("retry"), never UNKNOWN, and its retry is ALREADY_EXISTS.
        var aborted = 0;
        for (var round = 0; round < 8; round++)
        {
            var outcome = await ClashAsync(processes, p => Enumerable.Range(0, 500)
                .Select(i => NewObservation($"clashing-batch{round}-{i:D4}", 33.0 + ((p == 0 ? i : 499 - i) * 0.004) + (p * 0.001), -1.6))
                .ToList());
            var stored = Assert.Single(outcome, o => o.Status == StatusCode.OK);
            var refused = Assert.Single(outcome, o => o.Status != StatusCode.OK);
            Assert.Contains(refused.Status, new[] { StatusCode.AlreadyExists, StatusCode.Aborted });
            if (refused.Status == StatusCode.Aborted)
            {
                aborted++;
                Assert.Contains("retry the call", refused.Detail, StringComparison.Ordinal);
                var retry = await Assert.ThrowsAsync<RpcException>(() => processes[refused.Process].Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { refused.Batch } }).ResponseAsync);
                Assert.Equal(StatusCode.AlreadyExists, retry.StatusCode);
            }

            stored.Batch.ForEach(o => expected[IdOf(o.ClientId, "clash-supervisor")] = o);
        }

        output.WriteLine($"batches rolled back by a deadlock and answered ABORTED: {aborted} of 8");
        await AssertStoredOnceAndCountedAlikeAsync(processes, expected, new BoundingBox { West = 32.9, East = 35.1, South = -1.7, North = -1.4 });
    }

    /// <summary>The batch <paramref name="batchOf"/> gives for each process, submitted to both at once, and how each call ended.</summary>
    private static async Task<List<(int Process, List<Observation> Batch, StatusCode Status, string Detail)>> ClashAsync(
        GeoAwarenessClient[] processes, Func<int, List<Observation>> batchOf)
    {
        var batches = Enumerable.Range(0, 2).Select(batchOf).ToList();
        var calls = Enumerable.Range(0, 2)
            .Select(p => Task.Run(() => processes[p].Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { batches[p] } }).ResponseAsync))
            .ToList();
        var outcomes = new List<(int, List<Observation>, StatusCode, string)>();
        for (var p = 0; p < 2; p++)
        {
            try
            {
                await calls[p];
                outcomes.Add((p, batches[p], StatusCode.OK, string.Empty));
            }
            catch (RpcException e)
            {
                outcomes.Add((p, batches[p], e.StatusCode, e.Status.Detail));
            }
        }

        return outcomes;
    }

    /// <summary>
    /// The database holds each of <paramref name="expected"/> once, with the content sent; both
    /// processes count and query <paramref name="box"/> alike, and as the database holds it.
    /// </summary>
    private async Task AssertStoredOnceAndCountedAlikeAsync(GeoAwarenessClient[] processes, Dictionary<string, Observation> expected, BoundingBox box)
    {
        var rows = await StoredAsync(expected.Keys);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), rows.Select(r => r.Id));
        foreach (var row in rows)
        {
            var sent = expected[row.Id];
            Assert.Equal((sent.Location.Longitude, sent.Location.Latitude, sent.Severity, sent.Notes), (row.Longitude, row.Latitude, row.Severity, row.Notes));
        }

        var area = new ObservationFilter { Area = new Area { Bbox = box } };
        var counts = await Task.WhenAll(processes.Select(p => p.Observations.CountAsync(area).ResponseAsync));
        Assert.Equal(Enumerable.Repeat((long)expected.Count, 2), counts.Select(c => c.Observations));
        var severe = new ObservationFilter(area) { MinSeverity = 4 };
        var severeCounts = await Task.WhenAll(processes.Select(p => p.Observations.CountAsync(severe).ResponseAsync));
        Assert.Equal(Enumerable.Repeat((long)expected.Values.Count(o => o.Severity >= 4), 2), severeCounts.Select(c => c.Observations));
        var queried = await Task.WhenAll(processes.Select(p => QueryIdsAsync(p, area)));
        Assert.Equal(queried[0], queried[1]);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), queried[0].Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Watch_OnEachProcess_GetsWhatWasWrittenThroughEitherOnce()
    {
        var token = await fixture.TokenAsync(Role.Supervisor, "watch-supervisor");
        GeoAwarenessClient[] processes = [fixture.Client(0, token), fixture.Client(1, token)];
        var filter = new ObservationFilter { Area = new Area { Bbox = new BoundingBox { West = 32.0, East = 32.1, South = -1.6, North = -1.4 } } };
        await using var onA = new WatchStream(processes[0].Observations, new WatchRequest { Filter = filter });
        await using var onB = new WatchStream(processes[1].Observations, new WatchRequest { Filter = filter });
        await onA.QuietForAsync(1);
        await onB.QuietForAsync(1);

        await processes[0].Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { NewObservation("watched-through-a", 32.05, -1.5) } });
        var first = await onB.NextIdsAsync(1);
        await processes[1].Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { NewObservation("watched-through-b", 32.06, -1.5) } });

        string[] both = [IdOf("watched-through-a", "watch-supervisor"), IdOf("watched-through-b", "watch-supervisor")];
        Assert.Equal([both[0]], first);
        Assert.Equal([both[1]], await onB.NextIdsAsync(1));
        Assert.Equal(both, await onA.NextIdsAsync(2));
        Assert.Empty(await onA.QuietForAsync(3));
        Assert.Empty(await onB.QuietForAsync(3));
    }

    private static async Task<StatusCode> StatusOfWhoAmIAsync(GeoAwarenessClient client)
    {
        try
        {
            await client.Access.WhoAmIAsync(new WhoAmIRequest()).ResponseAsync;
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    /// <summary>One Ingest stream of <paramref name="count"/> observations under "{prefix}-{i:D4}", in messages of 10, spread east of <paramref name="longitude"/>.</summary>
    private static Task<IngestResponse> IngestAsync(GeoAwarenessClient client, string prefix, int count, double longitude) =>
        IngestAsync(client, Enumerable.Range(0, (count + 9) / 10).Select(m =>
        {
            var message = new IngestRequest();
            message.Observations.AddRange(Enumerable.Range(m * 10, Math.Min(10, count - (m * 10))).Select(i => NewObservation($"{prefix}-{i:D4}", longitude + (i * 0.0002), -1.5)));
            return message;
        }).ToArray());

    private static async Task<IngestResponse> IngestAsync(GeoAwarenessClient client, IngestRequest[] messages)
    {
        using var call = client.Observations.Ingest();
        foreach (var message in messages)
        {
            await call.RequestStream.WriteAsync(message, CancellationToken.None);
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    private static async Task<(List<string> Ids, FeedPageEnd End)> PullPageAsync(GeoAwarenessClient client, string cursor, int limit)
    {
        var (document, end) = await FeedPages.PullAsync(client, new PullObservationsRequest { Cursor = cursor, Limit = limit });
        var ids = FeedPages.Ids(document);
        Assert.Equal(end.Features, ids.Count);
        return (ids, end);
    }

    private static async Task<List<string>> QueryIdsAsync(GeoAwarenessClient client, ObservationFilter filter)
    {
        using var call = client.Observations.Query(new QueryObservationsRequest { Filter = filter, PageSize = 100 });
        var ids = new List<string>();
        await foreach (var page in call.ResponseStream.ReadAllAsync())
        {
            ids.AddRange(page.Observations.Select(o => o.Id));
        }

        return ids;
    }

    /// <summary>The released observations, in the feed's order.</summary>
    private async Task<List<string>> ReleasedInFeedOrderAsync()
    {
        await using var command = fixture.Database.DataSource.CreateCommand("SELECT id FROM observations WHERE released_at IS NOT NULL ORDER BY change_xid, id");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private async Task<List<(string Id, double Longitude, double Latitude, int Severity, string Notes)>> StoredAsync(IEnumerable<string> ids)
    {
        await using var command = fixture.Database.DataSource.CreateCommand(
            "SELECT id, ST_X(location), ST_Y(location), severity, notes FROM observations WHERE id = ANY($1) ORDER BY id COLLATE \"C\"");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = ids.ToArray() });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, double, double, int, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetInt16(3), reader.GetString(4)));
        }

        return rows;
    }
}
