using Geo.Api;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Exporters.Feeds;
using Grpc.Core;
using Google.Protobuf;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// The SAGE observation feed over HTTP and gRPC, as an importer pulls it. Run alone: the feed
/// delivers only what no transaction still open anywhere in the cluster could precede, and the
/// other test classes share the cluster, so their transactions would hold back what these tests
/// expect to see at once.
/// </summary>
[Collection(AloneOnTheCluster.Name)]
public sealed class FeedTests(ApiFixture api) : IClassFixture<ApiFixture>, IDisposable
{
    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Pull_AsImporter_GivesEveryFieldOfTheDictionaryAndNothingElse()
    {
        var observation = NewObservation("dict-1", 29.31, -1.71);
        observation.Vulnerabilities.Add(Vulnerability.InternallyDisplaced);
        await api.SubmitReleasedAsync(observation);

        var feature = (await PullAllAsync(Role.Importer)).Single(f => Id(f) == IdOf("dict-1"));

        var properties = feature.GetProperty("properties");
        Assert.Equal(ObservationFields.All.Select(f => f.Name), properties.EnumerateObject().Select(p => p.Name));
        Assert.Equal("threat_of_physical_violence", properties.GetProperty("category").GetString());
        Assert.Equal(4, properties.GetProperty("affected_female_child").GetInt32());
        Assert.Equal(2, properties.GetProperty("affected_male_adult").GetInt32());
        Assert.Equal(6, properties.GetProperty("affected_total").GetInt32());
        Assert.True(properties.GetProperty("vulnerable_idps").GetBoolean());
        Assert.Equal("draft", properties.GetProperty("status").GetString());
        Assert.Equal("In review", properties.GetProperty("status_label").GetString());
        Assert.Equal("2026-03-01T10:00:00Z", properties.GetProperty("observed_at").GetString());
        Assert.Equal($"/feeds/observations/{IdOf("dict-1")}", properties.GetProperty("url").GetString());
        var text = feature.GetRawText();
        Assert.DoesNotContain("cla-7f3a", text, StringComparison.Ordinal);
        Assert.DoesNotContain("water point", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_AsImporter_LocationsAreCoarsenedAndSaySo()
    {
        await api.SubmitReleasedAsync(NewObservation("coarse-1", 29.4, -1.9));

        var feature = (await PullAllAsync(Role.Importer)).Single(f => Id(f) == IdOf("coarse-1"));
        var coordinates = feature.GetProperty("geometry").GetProperty("coordinates");

        Assert.True(feature.GetProperty("properties").GetProperty("location_coarsened").GetBoolean());
        Assert.Equal("approximate", feature.GetProperty("properties").GetProperty("location_precision").GetString());
        Assert.Equal(2, feature.GetProperty("properties").GetProperty("where_prec").GetInt32());
        Assert.False(coordinates[0].GetDouble() == 29.4 && coordinates[1].GetDouble() == -1.9, "the exact point left the service");
    }

    [Fact]
    public async Task Pull_ARecordUnreleasedThenVerifiedThenDiscredited_FirstComesWhenVerifiedAndLastAsATombstone()
    {
        await api.SubmitAsync(NewObservation("life-1"));
        await api.SettledAsync();
        var (unreleased, cursor) = await PullPageAsync(Role.Importer, null, 50_000);

        await Review(IdOf("life-1"), VerificationStatus.Verified);
        await api.SettledAsync();
        var (verified, cursor2) = await PullPageAsync(Role.Importer, cursor, 50_000);
        await Review(IdOf("life-1"), VerificationStatus.Discredited);
        await api.SettledAsync();
        var (discredited, _) = await PullPageAsync(Role.Importer, cursor2, 50_000);

        // Nothing leaves before a supervisor has looked at it; verifying releases it.
        Assert.DoesNotContain(unreleased, f => Id(f) == IdOf("life-1"));
        var v2 = Assert.Single(verified).GetProperty("properties");
        Assert.Equal(2, v2.GetProperty("version").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, v2.GetProperty("released_at").ValueKind);
        Assert.Equal("published", v2.GetProperty("status").GetString());
        var tombstone = Assert.Single(discredited);
        Assert.Equal(JsonValueKind.Null, tombstone.GetProperty("geometry").ValueKind);
        Assert.True(tombstone.GetProperty("properties").GetProperty("tombstone").GetBoolean());
        Assert.Equal("archived", tombstone.GetProperty("properties").GetProperty("status").GetString());
        Assert.Equal(3, tombstone.GetProperty("properties").GetProperty("version").GetInt64());
        Assert.False(tombstone.GetProperty("properties").TryGetProperty("severity", out _));
    }

    [Fact]
    public async Task Pull_WithTheETagOfAnUnchangedPage_Is304AndAfterAWriteIs200()
    {
        await api.SubmitReleasedAsync(NewObservation("etag-1"));
        // Any transaction in the cluster (an autovacuum's analyze of the rows written just before)
        // may hold rows back for a moment; once they are out, the page stays as it is.
        var first = await GetAsync(Role.Importer, "/feeds/observations?limit=10");
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var settled = await GetAsync(Role.Importer, "/feeds/observations?limit=10");
            if (settled.Headers.ETag!.Tag == first.Headers.ETag!.Tag)
            {
                break;
            }

            first.Dispose();
            first = await GetAsync(Role.Importer, "/feeds/observations?limit=10");
            await Task.Delay(100);
        }

        var etag = first.Headers.ETag!;

        using var again = await GetAsync(Role.Importer, "/feeds/observations?limit=10", etag.Tag);
        await api.SubmitReleasedAsync(NewObservation("etag-2"));
        using var changed = await GetAsync(Role.Importer, "/feeds/observations?limit=10", etag.Tag);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("application/geo+json", first.Content.Headers.ContentType!.MediaType);
        first.Dispose();
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag.Tag, changed.Headers.ETag!.Tag);
    }

    [Fact]
    public async Task PullObservations_OverGrpc_GivesTheSameBytesAsHttpAndHonoursIfNoneMatch()
    {
        await api.SubmitReleasedAsync(NewObservation("grpc-1"), NewObservation("grpc-2", 29.5));
        // Pulled until both see the same state of the feed (rows held back by another transaction
        // of the cluster may come out between two pulls; the ETags say when).
        byte[] httpBytes = [], bytes = [];
        string httpTag = string.Empty;
        FeedPageEnd end = new();
        for (var attempt = 0; attempt < 50 && (attempt == 0 || httpTag != end.Etag); attempt++)
        {
            using var http = await GetAsync(Role.Importer, "/feeds/observations?limit=3");
            httpBytes = await http.Content.ReadAsByteArrayAsync();
            httpTag = http.Headers.ETag!.Tag.Trim('"');
            (bytes, end) = await PullGrpcAsync(new PullObservationsRequest { Limit = 3 });
        }

        var (unchanged, notModified) = await PullGrpcAsync(new PullObservationsRequest { Limit = 3, IfNoneMatch = end.Etag });

        Assert.Equal(httpTag, end.Etag);
        Assert.Equal(httpBytes, bytes);
        Assert.True(notModified.NotModified);
        Assert.Empty(unchanged);
        using var document = JsonDocument.Parse(bytes);
        Assert.Equal(end.NextCursor, document.RootElement.GetProperty("next_cursor").GetString());
        Assert.Equal(end.Features, document.RootElement.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task PullAll_ThenFromItsCursor_GivesOnlyWhatCameAfterTheExport()
    {
        await api.SubmitReleasedAsync(NewObservation("export-before-1"), NewObservation("export-before-2", 29.6));
        using var export = await GetAsync(Role.Importer, "/feeds/observations?all=true");
        using var document = JsonDocument.Parse(await export.Content.ReadAsByteArrayAsync());
        var cursor = document.RootElement.GetProperty("next_cursor").GetString();

        await api.SubmitReleasedAsync(NewObservation("export-after-1"));
        var after = new List<string>();
        for (var attempt = 0; attempt < 50 && !after.Contains(IdOf("export-after-1")); attempt++)
        {
            var (features, next) = await PullPageAsync(Role.Importer, cursor, 1000);
            after.AddRange(features.Select(Id));
            cursor = next;
        }

        Assert.Contains(IdOf("export-before-1"), document.RootElement.GetProperty("features").EnumerateArray().Select(Id));
        Assert.False(document.RootElement.GetProperty("more").GetBoolean());
        string[] ours = [IdOf("export-before-1"), IdOf("export-before-2"), IdOf("export-after-1")];
        Assert.Equal([IdOf("export-after-1")], after.Where(ours.Contains));
    }

    [Fact]
    public async Task PullOne_ByTheUrlOfItsFeature_GivesThatRecordAndAnUnknownIdIs404()
    {
        await api.SubmitReleasedAsync(NewObservation("one-1"));

        using var found = await GetAsync(Role.Importer, $"/feeds/observations/{IdOf("one-1")}");
        using var missing = await GetAsync(Role.Importer, "/feeds/observations/no-such-thing");

        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        using var document = JsonDocument.Parse(await found.Content.ReadAsByteArrayAsync());
        Assert.Equal(IdOf("one-1"), Id(Assert.Single(document.RootElement.GetProperty("features").EnumerateArray())));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("id:", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/feeds/observations?cursor=nonsense", "cursor:")]
    [InlineData("/feeds/observations?cursor=c1.%21%21", "cursor:")]
    [InlineData("/feeds/observations?limit=-1", "limit:")]
    [InlineData("/feeds/observations?limit=50001", "limit:")]
    [InlineData("/feeds/observations?limit=ten", "limit:")]
    [InlineData("/feeds/observations?all=maybe", "all:")]
    [InlineData("/feeds/observations?all=true&limit=10", "limit:")]
    [InlineData("/feeds/observations?limit=1&limit=2", "limit:")]
    public async Task Pull_BadParameters_Is400NamingTheParameter(string path, string field)
    {
        using var response = await GetAsync(Role.Importer, path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("INVALID_ARGUMENT", problem.RootElement.GetProperty("status").GetString());
        Assert.StartsWith(field, problem.RootElement.GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullObservations_BadCursorOverGrpc_IsInvalidArgumentNamingIt()
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => PullGrpcAsync(new PullObservationsRequest { Cursor = "c1.AAAA" }));

        Assert.StartsWith("cursor:", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_CursorAheadOfTheFeed_IsOutOfRangeOverGrpcAnd400OverHttp()
    {
        // What an importer holds after the database was restored from an older backup, or failed
        // over to a standby that had not received the last writes.
        var ahead = FeedCursor.Format(new Geo.Core.Domain.FeedPosition(1UL << 40, "obs-0"));

        var detail = await FailsWith(StatusCode.OutOfRange, () => PullGrpcAsync(new PullObservationsRequest { Cursor = ahead }));
        using var response = await GetAsync(Role.Importer, $"/feeds/observations?cursor={ahead}");

        Assert.StartsWith("cursor: is ahead of the feed", detail, StringComparison.Ordinal);
        Assert.Contains("pull again from a cursor received before then, or from the start", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("OUT_OF_RANGE", problem.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Pull_WithoutATokenOrAsAnAnalyst_IsRefused()
    {
        using var anonymous = await _http.GetAsync(new Uri(api.Service.HttpEndpoint, "/feeds/observations"));
        using var analyst = await GetAsync(Role.Analyst, "/feeds/observations");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Forbidden, analyst.StatusCode);
    }

    [Fact]
    public async Task Pull_ManyConcurrentWritersAndReviewsWithAReaderPagingAllTheWhile_DeliversEveryVersionExactlyOnce()
    {
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, byte>();
        var (_, start) = await PullPageAsync(Role.Importer, null, 50_000);
        var submitters = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var batch = 0; batch < 15; batch++)
            {
                var ids = Enumerable.Range(0, 1 + ((w + batch) % 4)).Select(i => $"x{w}-{batch}-{i}").ToArray();
                await api.SubmitReleasedAsync(ids.Select(id => NewObservation(id, 29 + (w * 0.1), -1.5)).ToArray());
                foreach (var id in ids)
                {
                    acknowledged[IdOf(id)] = 0;
                }
            }
        }));
        // Streams commit every 10 observations (ApiFixture): sent 3 at a time with pauses, each
        // commit's transaction starts long before it ends, while the submitters' commit in between.
        var streams = Enumerable.Range(0, 2).Select(s => Task.Run(async () =>
        {
            using var call = api.Channel.Observations.Ingest();
            var ids = new List<string>();
            for (var message = 0; message < 12; message++)
            {
                var request = new IngestRequest();
                var batch = Enumerable.Range(0, 3).Select(i => $"s{s}-{message}-{i}").ToArray();
                request.Observations.AddRange(batch.Select(id => NewObservation(id, 30 + (s * 0.1), -1.5)));
                await call.RequestStream.WriteAsync(request, CancellationToken.None);
                ids.AddRange(batch);
                await Task.Delay(40);
            }

            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
            // Nothing leaves before its supervisor releases it: released one by one, while the others write.
            await api.ReleaseAsync(ids.Select(id => IdOf(id)).ToArray());
            ids.ForEach(id => acknowledged[IdOf(id)] = 0);
        }));
        var reviewer = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                var known = acknowledged.Keys.ToArray();
                if (known.Length > 0)
                {
                    await Review(known[i * 7 % known.Length], i % 5 == 4 ? VerificationStatus.Discredited : VerificationStatus.Verified);
                }

                await Task.Delay(30);
            }
        });
        var writers = Task.WhenAll([.. submitters, .. streams, reviewer]);

        var delivered = new List<(string Id, long Version)>();
        var cursor = start;
        var pages = 0;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var done = writers.IsCompleted;
            var (features, next) = await PullPageAsync(Role.Importer, cursor, 25);
            pages++;
            delivered.AddRange(features.Select(f => (Id(f), f.GetProperty("properties").GetProperty("version").GetInt64())));
            cursor = next;
            var all = acknowledged.Keys.All(id => delivered.Any(d => d.Id == id));
            if ((done && features.Count == 0 && all) || DateTime.UtcNow > deadline)
            {
                break;
            }
        }

        await writers;
        Assert.True(pages > 5, $"the reader paged only {pages} times");
        Assert.Empty(delivered.GroupBy(d => d).Where(g => g.Count() > 1).Select(g => g.Key));
        var ours = delivered.Where(d => acknowledged.ContainsKey(d.Id)).ToList();
        Assert.Equal(acknowledged.Keys.Order(StringComparer.Ordinal), ours.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal));
        foreach (var (id, versions) in ours.GroupBy(d => d.Id).Select(g => (g.Key, g.Select(d => d.Version).ToList())))
        {
            var stored = await api.Database.ScalarAsync<long>($"SELECT version FROM observations WHERE id = '{id}'");
            Assert.Equal(stored, versions[^1]);
            Assert.Equal(versions.Order(), versions);
        }
    }

    [Fact]
    public async Task Pull_ByAnImporterScopedToASector_GivesNothingFromOutsideIt_OverHttpAndGrpc()
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "feed-west", Name = "West", Area = new Shape { Wkt = "POLYGON((33 0, 34 0, 34 1, 33 1, 33 0))" } }).ResponseAsync;
        await api.SubmitReleasedAsync(NewObservation("feed-in-west", 33.5, 0.5), NewObservation("feed-east", 34.5, 0.5));
        var token = await Geo.Testing.TestTokens.IssueAsync(api.Database.DataSource, Role.Importer, "importer-west", ["feed-west"]);
        async Task<(HttpStatusCode Status, List<string> Ids)> HttpAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await _http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (response.StatusCode, []);
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
            return (response.StatusCode, document.RootElement.GetProperty("features").EnumerateArray().Select(Id).ToList());
        }

        // Rows show in the feed once no older transaction of the cluster is still running.
        var all = await HttpAsync("/feeds/observations?all=true");
        for (var attempt = 0; attempt < 50 && !all.Ids.Contains(IdOf("feed-in-west")); attempt++)
        {
            await Task.Delay(100);
            all = await HttpAsync("/feeds/observations?all=true");
        }

        var inside = await HttpAsync($"/feeds/observations/{IdOf("feed-in-west")}");
        var outside = await HttpAsync($"/feeds/observations/{IdOf("feed-east")}");
        var missing = await HttpAsync($"/feeds/observations/{IdOf("feed-never")}");
        using var channel = new GeoAwarenessClient(api.Service.GrpcEndpoint, token);
        using var call = channel.Feeds.PullObservations(new PullObservationsRequest { All = true });
        var document = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            chunk.Geojson.WriteTo(document);
        }

        using var pulled = JsonDocument.Parse(document.ToArray());
        var overGrpc = pulled.RootElement.GetProperty("features").EnumerateArray().Select(Id).ToList();

        Assert.Equal([IdOf("feed-in-west")], all.Ids);
        Assert.Equal([IdOf("feed-in-west")], overGrpc);
        Assert.Equal([IdOf("feed-in-west")], inside.Ids);
        Assert.Equal(HttpStatusCode.NotFound, outside.Status);
        Assert.Equal(missing.Status, outside.Status);
    }

    private async Task Review(string id, VerificationStatus status) =>
        await api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = id, Verification = status }).ResponseAsync;

    private static string Id(JsonElement feature) => feature.GetProperty("id").GetString()!;

    private async Task<List<JsonElement>> PullAllAsync(Role role)
    {
        // Settled changes only: another test class's open transaction can hold the last ones back.
        await api.SettledAsync();
        using var response = await GetAsync(role, "/feeds/observations?all=true");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        return document.RootElement.GetProperty("features").EnumerateArray().Select(f => f.Clone()).ToList();
    }

    private async Task<(List<JsonElement> Features, string NextCursor)> PullPageAsync(Role role, string? cursor, int limit)
    {
        var query = $"/feeds/observations?limit={limit}" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
        using var response = await GetAsync(role, query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        var features = document.RootElement.GetProperty("features").EnumerateArray().Select(f => f.Clone()).ToList();
        return (features, document.RootElement.GetProperty("next_cursor").GetString()!);
    }

    private async Task<HttpResponseMessage> GetAsync(Role role, string path, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.TokenOf(role));
        if (ifNoneMatch is not null)
        {
            request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(ifNoneMatch));
        }

        return await _http.SendAsync(request);
    }

    private Task<(byte[] Document, FeedPageEnd End)> PullGrpcAsync(PullObservationsRequest request) => FeedPages.PullAsync(api.As(Role.Importer), request);
}
