using System.Diagnostics;
using System.Globalization;
using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Tests.Api;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;
using Xunit;
using Xunit.Abstractions;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.ReadModel;

/// <summary>
/// Heat maps from the in-memory read model (issue 21) against the PostGIS path, the reference, on
/// one database: the same answers to randomised requests for every role (differential), writes seen
/// by the next call, late commits counted once, bursts of changes never seen half applied.
/// </summary>
public sealed class ReadModelTests(ReadModelFixture fixture, ITestOutputHelper output) : IClassFixture<ReadModelFixture>
{
    private static readonly Category[] Categories = [.. System.Enum.GetValues<Category>().Where(c => c != Category.Unspecified)];
    private static readonly VerificationStatus[] Statuses = [VerificationStatus.Reported, VerificationStatus.Verified, VerificationStatus.Discredited];
    private static readonly Sex[] Sexes = [Sex.Female, Sex.Male, Sex.Unknown];
    private static readonly AgeGroup[] Ages = [AgeGroup.Child, AgeGroup.Youth, AgeGroup.Adult, AgeGroup.Older];
    private static readonly Vulnerability[] Vulnerabilities = [.. System.Enum.GetValues<Vulnerability>().Where(v => v != Vulnerability.Unspecified)];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomisedRequests_EveryRole_ModelAnswersAsPostgisDoes(int seed)
    {
        var random = new Random(seed);
        var fromModel = 0;
        var eventsCompared = 0;
        foreach (var caller in fixture.Callers)
        {
            for (var i = 0; i < 8; i++)
            {
                var request = RandomRequest(random);
                var reference = await AnswerOrErrorAsync(caller.Postgis, request);
                var followed = await AnswerOrErrorAsync(caller.Followed, request);
                var loaded = await AnswerOrErrorAsync(caller.Loaded, request);
                var what = $"{caller.Name}, request {i} of seed {seed}: {request}";
                Same(reference, followed, what);
                Same(reference, loaded, what);
                if (reference.Answer is { } answer)
                {
                    Assert.Equal(0UL, answer.Grid.Watermark);
                    var circle = request.Filter.Area.Circle is not null;
                    Assert.True(circle == (followed.Answer!.Grid.Watermark == 0), $"the followed model served it: {what}");
                    Assert.True(circle == (loaded.Answer!.Grid.Watermark == 0), $"the loaded model served it: {what}");
                    fromModel += circle ? 0 : 1;
                }

                if (i % 2 == 0)
                {
                    // The same request counting events: the model holds no events, declines it, and PostGIS answers on every service alike.
                    var events = request.Clone();
                    events.CountEvents = true;
                    var eventsReference = await AnswerOrErrorAsync(caller.Postgis, events);
                    var eventsFollowed = await AnswerOrErrorAsync(caller.Followed, events);
                    var eventsLoaded = await AnswerOrErrorAsync(caller.Loaded, events);
                    Same(eventsReference, eventsFollowed, $"events, {what}");
                    Same(eventsReference, eventsLoaded, $"events, {what}");
                    Assert.All(new[] { eventsFollowed, eventsLoaded }, o => Assert.True(o.Answer is null || o.Answer.Grid.Watermark == 0, $"the model declined events: {what}"));
                    eventsCompared += eventsReference.Answer is null ? 0 : 1;
                }
            }
        }

        // Not a comparison of refusals: most requests were answered, by the model.
        output.WriteLine($"{fromModel} answers from the model compared, {eventsCompared} counting events");
        Assert.True(fromModel >= fixture.Callers.Count * 3, $"{fromModel} answers from the model");
        Assert.True(eventsCompared >= fixture.Callers.Count, $"{eventsCompared} answers counting events");
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public async Task RandomisedQueriesCountsAndSummaries_EveryRole_ModelAnswersAsPostgisDoes(int seed)
    {
        // Query pages are resumed from a token of the first page, on the other path: tokens keep their meaning.
        var random = new Random(seed);
        var rows = 0L;
        var resumed = 0;
        foreach (var caller in fixture.Callers)
        {
            for (var i = 0; i < 6; i++)
            {
                var filter = RandomRequest(random).Filter;
                if (i % 2 == 0)
                {
                    // Every other filter broad, so that queries run to several pages.
                    filter.Categories.Clear();
                    filter.Verification.Clear();
                    filter.Vulnerabilities.Clear();
                    filter.AffectedSexes.Clear();
                    filter.AffectedAgeGroups.Clear();
                    filter.MinSeverity = 0;
                }

                var what = $"{caller.Name}, filter {i} of seed {seed}: {filter}";
                foreach (var (path, client) in new[] { ("followed", caller.Followed), ("loaded", caller.Loaded) })
                {
                    Assert.Equal(await OutcomeOf(() => caller.Postgis.Observations.CountAsync(filter).ResponseAsync), await OutcomeOf(() => client.Observations.CountAsync(filter).ResponseAsync));
                    Assert.Equal(await OutcomeOf(() => caller.Postgis.Observations.SummarizeAsync(filter).ResponseAsync), await OutcomeOf(() => client.Observations.SummarizeAsync(filter).ResponseAsync));
                    var pageSize = random.Next(1, 4) * 37;
                    var reference = await OutcomeOf(() => QueryAsync(caller.Postgis, filter, pageSize, null));
                    var answer = await OutcomeOf(() => QueryAsync(client, filter, pageSize, null));
                    Assert.True(
                        reference.Error == answer.Error && (reference.Answer ?? []).SequenceEqual(answer.Answer ?? []),
                        $"{what} ({path}): PostGIS {reference.Error} {reference.Answer?.Sum(p => p.Observations.Count)} rows, model {answer.Error} {answer.Answer?.Sum(p => p.Observations.Count)} rows");
                    rows += answer.Answer?.Sum(p => p.Observations.Count) ?? 0;
                    if (answer is ({ Count: > 1 } pages, null))
                    {
                        resumed++;
                        var resumedOnPostgis = await QueryAsync(caller.Postgis, filter, pageSize, pages[0].NextPageToken);
                        var resumedOnModel = await QueryAsync(client, filter, pageSize, pages[0].NextPageToken);
                        Assert.Equal(pages.Skip(1).SelectMany(p => p.Observations), resumedOnModel.SelectMany(p => p.Observations));
                        Assert.Equal(resumedOnPostgis.SelectMany(p => p.Observations), resumedOnModel.SelectMany(p => p.Observations));
                    }
                }
            }
        }

        output.WriteLine($"{rows} query rows compared, {resumed} queries resumed");
        Assert.True(rows > 500 && resumed >= 2, $"{rows} query rows compared, {resumed} queries resumed");
    }

    private static async Task<List<ObservationPage>> QueryAsync(GeoAwarenessClient client, ObservationFilter filter, int pageSize, string? token)
    {
        using var call = client.Observations.Query(new QueryObservationsRequest { Filter = filter, PageSize = pageSize, PageToken = token ?? string.Empty });
        return await call.ResponseStream.ReadAllAsync().ToListAsync();
    }

    /// <summary>An answer, or the status a call ended with: both paths must give the same.</summary>
    private static async Task<(T? Answer, string? Error)> OutcomeOf<T>(Func<Task<T>> call)
        where T : class
    {
        try
        {
            return (await call(), null);
        }
        catch (RpcException e)
        {
            return (null, $"{e.StatusCode}: {e.Status.Detail}");
        }
    }

    [Fact]
    public async Task BoxEdge_PointWithinAFloatOfTheBox_CountedAsPostgisCountsIt()
    {
        // PostGIS's && compares single-precision boxes rounded outwards: a point 1e-7 degrees east of
        // the box's east edge (less than a float's step at 31 degrees) is in, one 1e-4 degrees east is out.
        await InsertAsync("rm-edge-in", 31.0000001, -0.95);
        await InsertAsync("rm-edge-out", 31.0001, -0.95);
        var request = new HeatMapRequest
        {
            Filter = new ObservationFilter
            {
                Area = new Area { Bbox = new BoundingBox { West = 30.9, South = -1.0, East = 31.0, North = -0.9 } },
                ObservedFrom = ApiFixture.Time("2026-07-01T00:00:00Z"),
                ObservedTo = ApiFixture.Time("2026-07-02T00:00:00Z"),
            },
            CellSizeMetres = 1000,
        };
        var caller = fixture.Callers[0];

        var reference = await AnswerOrErrorAsync(caller.Postgis, request);
        var model = await AnswerOrErrorAsync(caller.Followed, request);

        Same(reference, model, "the box's edge");
        Assert.Equal(1, model.Answer!.Grid.Frames.Single().Observations);
        Assert.NotEqual(0UL, model.Answer.Grid.Watermark);
    }

    [Fact]
    public async Task ThreatDefaults_EveryRole_ModelAnswersAsPostgis_AndAsTheDefaultsAskedByName()
    {
        // The seeded rows are of every category and status: the defaults leave out a good part of them.
        var defaulted = new HeatMapRequest
        {
            Filter = new ObservationFilter
            {
                Area = new Area { Bbox = new BoundingBox { West = 29.2, South = -1.9, East = 31.6, North = -0.1 } },
                ObservedFrom = ApiFixture.Time("2026-01-01T00:00:00Z"),
                ObservedTo = ApiFixture.Time("2026-07-01T00:00:00Z"),
            },
            CellSizeMetres = 10_000,
        };
        var named = defaulted.Clone();
        named.Filter.Categories.Add(Geo.Core.Domain.ThreatDefaults.Categories.Select(c => (Category)c));
        named.Filter.Verification.Add([VerificationStatus.Reported, VerificationStatus.Verified]);
        var everything = defaulted.Clone();
        everything.Filter.Categories.Add(Categories);
        everything.Filter.Verification.Add(Statuses);
        foreach (var caller in fixture.Callers)
        {
            var reference = await AnswerOrErrorAsync(caller.Postgis, defaulted);
            var model = await AnswerOrErrorAsync(caller.Loaded, defaulted);
            var byName = await AnswerOrErrorAsync(caller.Loaded, named);
            var all = await AnswerOrErrorAsync(caller.Loaded, everything);
            Same(reference, model, $"{caller.Name}: the defaults");
            if (model.Answer is not { } answer)
            {
                continue;
            }

            Assert.NotEqual(0UL, answer.Grid.Watermark);
            Assert.True(answer.Grid.AppliedFilter.CategoriesDefaulted && answer.Grid.AppliedFilter.VerificationDefaulted, caller.Name);
            // The same cells as the defaults asked for by name, saying only that they were not defaulted.
            var stated = byName.Answer!.Grid.Clone();
            stated.AppliedFilter.CategoriesDefaulted = true;
            stated.AppliedFilter.VerificationDefaulted = true;
            stated.Watermark = 0;
            Same(byName with { Answer = byName.Answer with { Grid = stated } }, model, $"{caller.Name}: the defaults by name");
            Assert.True(all.Answer!.Grid.Frames[0].Observations > answer.Grid.Frames[0].Observations, $"{caller.Name}: everything counts more");
        }
    }

    [Fact]
    public async Task Writes_AreInTheNextAnswer_AndTheWatermarkRises()
    {
        var supervisor = fixture.Followed.As(Role.Supervisor);
        var request = Around(31.5, -0.5, "2026-07-10T00:00:00Z");
        var before = await AnswerOrErrorAsync(supervisor, request);
        var submitted = ApiFixture.NewObservation("rm-write-1", 31.5, -0.5, "2026-07-10T06:00:00Z");

        var stored = await fixture.Followed.SubmitAsync(submitted);
        var after = await AnswerOrErrorAsync(supervisor, request);
        await supervisor.Observations.ReviewAsync(new ReviewObservationRequest { Id = stored.Ids.Single(), Verification = VerificationStatus.Discredited });
        var notDiscredited = request.Clone();
        notDiscredited.Filter.Verification.Add([VerificationStatus.Reported, VerificationStatus.Verified]);
        var afterReview = await AnswerOrErrorAsync(supervisor, notDiscredited);
        // Asked for by name: a request naming no status leaves discredited reports out.
        var everyStatus = request.Clone();
        everyStatus.Filter.Verification.Add([VerificationStatus.Reported, VerificationStatus.Verified, VerificationStatus.Discredited]);
        var discredited = await AnswerOrErrorAsync(supervisor, everyStatus);

        Assert.Equal(0, before.Answer!.Grid.Frames.Single().Observations);
        Assert.Equal(1, after.Answer!.Grid.Frames.Single().Observations);
        Assert.Equal(0, afterReview.Answer!.Grid.Frames.Single().Observations);
        Assert.Equal(1, discredited.Answer!.Grid.Frames.Single().Observations);
        Assert.True(before.Answer.Grid.Watermark > 0 && after.Answer.Grid.Watermark >= before.Answer.Grid.Watermark && afterReview.Answer.Grid.Watermark >= after.Answer.Grid.Watermark,
            $"watermarks {before.Answer.Grid.Watermark}, {after.Answer.Grid.Watermark}, {afterReview.Answer.Grid.Watermark}");

        // The watermark passes the review once it is settled: at once, unless a transaction elsewhere
        // on the cluster (another test class's) still holds every snapshot's xmin back.
        var watermark = afterReview.Answer.Grid.Watermark;
        for (var wait = Stopwatch.StartNew(); watermark <= after.Answer.Grid.Watermark && wait.Elapsed < TimeSpan.FromSeconds(60); await Task.Delay(100))
        {
            watermark = (await AnswerOrErrorAsync(supervisor, notDiscredited)).Answer!.Grid.Watermark;
        }

        Assert.True(watermark > after.Answer.Grid.Watermark, $"the watermark stayed at {watermark} after the review settled");
    }

    [Fact]
    public async Task LateCommit_ItsRowAppearsOnceItCommits_AndOnlyOnce()
    {
        var supervisor = fixture.Followed.As(Role.Supervisor);
        var request = Around(31.7, -0.5, "2026-07-11T00:00:00Z");
        await using var late = await fixture.Followed.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await late.BeginTransactionAsync();
        await InsertAsync("rm-late-1", 31.7, -0.5, "2026-07-11T03:00:00Z", late, transaction);

        // Committed after the late transaction began: on the map at once, as PostGIS has it.
        await InsertAsync("rm-late-2", 31.7, -0.5, "2026-07-11T04:00:00Z");
        var whileOpen = await AnswerOrErrorAsync(supervisor, request);
        var reference = await AnswerOrErrorAsync(fixture.Callers[0].Postgis, request);
        await transaction.CommitAsync();
        var afterCommit = await AnswerOrErrorAsync(supervisor, request);
        await fixture.Followed.SettledAsync();
        var settled = await AnswerOrErrorAsync(supervisor, request);

        Assert.Equal(1, whileOpen.Answer!.Grid.Frames.Single().Observations);
        Same(reference, whileOpen, "while the late transaction is open");
        Assert.Equal(2, afterCommit.Answer!.Grid.Frames.Single().Observations);
        Assert.Equal(2, settled.Answer!.Grid.Frames.Single().Observations);
    }

    [Fact]
    public async Task BurstOfReviews_WhileHeatMapsAreServed_EveryAnswerIsAWholeNumberOfTransactions()
    {
        // 12 transactions, each discrediting 250 observations of its own; every answer counts the
        // observations not discredited, so it must be 3,000 less a multiple of 250.
        const int PerTransaction = 250;
        const int Transactions = 12;
        await SeedAsync(PerTransaction * Transactions, "rm-burst", 0.7);
        var request = new HeatMapRequest
        {
            Filter = new ObservationFilter
            {
                Area = new Area { Bbox = new BoundingBox { West = 29, South = -2, East = 32, North = 0 } },
                ObservedFrom = ApiFixture.Time("2025-01-01T00:00:00Z"),
                ObservedTo = ApiFixture.Time("2025-02-01T00:00:00Z"),
                Verification = { VerificationStatus.Reported, VerificationStatus.Verified },
                // Every category by name: the seeded rows are of all of them, and the threat defaults would count some only.
                Categories = { Categories },
            },
            CellSizeMetres = 5000,
        };
        var supervisor = fixture.Followed.As(Role.Supervisor);
        var counts = new List<long>();
        using var done = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                counts.Add((await AnswerOrErrorAsync(supervisor, request)).Answer!.Grid.Frames.Single().Observations);
            }
        });

        for (var t = 0; t < Transactions; t++)
        {
            await using var command = fixture.Followed.Database.DataSource.CreateCommand(
                "UPDATE observations SET verification = 3, version = version + 1, updated_at = now(), change_xid = pg_current_xact_id() " +
                $"WHERE id LIKE 'rm-burst-%' AND (substring(id from 10)::int - 1) / {PerTransaction} = {t}");
            Assert.Equal(PerTransaction, await command.ExecuteNonQueryAsync());
            await Task.Delay(20);
        }

        await done.CancelAsync();
        await reading;
        var last = (await AnswerOrErrorAsync(supervisor, request)).Answer!.Grid.Frames.Single().Observations;

        Assert.True(counts.Count >= 3, $"{counts.Count} answers read during the burst");
        Assert.All(counts, count => Assert.True(count % PerTransaction == 0 && count is >= 0 and <= PerTransaction * Transactions, $"{count} is part of a transaction"));
        Assert.Equal(0, last);
    }

    [Fact]
    public async Task Ceiling_AModelThatWouldPassIt_IsNotLoaded_AndPostgisAnswers()
    {
        // 6,000 rows need about 360 KiB; the ceiling is 100 KiB.
        await using var capped = await Geo.Testing.Echo.GrpcTestServer.StartAsync(
            fixture.Followed.Database.ConnectionString, [.. ApiFixture.Settings, "--GeoAwareness:ReadModel:MaxMegabytes=0.1"]);
        using var client = new GeoAwarenessClient(capped.GrpcEndpoint, fixture.Followed.TokenOf(Role.Supervisor));
        var request = new HeatMapRequest
        {
            Filter = new ObservationFilter
            {
                Area = new Area { Bbox = new BoundingBox { West = 29, South = -2, East = 32, North = 0 } },
                ObservedFrom = ApiFixture.Time("2026-01-01T00:00:00Z"),
                ObservedTo = ApiFixture.Time("2026-07-01T00:00:00Z"),
            },
            CellSizeMetres = 5000,
        };

        // Given time to load, were it allowed to.
        await Task.Delay(500);
        var answer = await AnswerOrErrorAsync(client, request);
        var reference = await AnswerOrErrorAsync(fixture.Callers[0].Postgis, request);

        Same(reference, answer, "over the ceiling");
        Assert.Equal(0UL, answer.Answer!.Grid.Watermark);
        Assert.True(answer.Answer.Grid.Frames.Single().Observations > 1000);
    }

    /// <summary>A day at one place: a 0.1° box around it, 1 km cells.</summary>
    private static HeatMapRequest Around(double longitude, double latitude, string day) => new()
    {
        Filter = new ObservationFilter
        {
            Area = new Area { Bbox = new BoundingBox { West = longitude - 0.05, South = latitude - 0.05, East = longitude + 0.05, North = latitude + 0.05 } },
            ObservedFrom = ApiFixture.Time(day),
            ObservedTo = Timestamp.FromDateTimeOffset(ApiFixture.Time(day).ToDateTimeOffset().AddDays(1)),
        },
        CellSizeMetres = 1000,
    };

    private Task SeedAsync(int rows, string prefix, double seed) => ReadModelFixture.SeedAsync(fixture.Followed.Database, rows, seed, prefix).ContinueWith(
        async _ =>
        {
            // The seeded period is 2026; these are moved into January 2025, where nothing else is.
            await using var command = fixture.Followed.Database.DataSource.CreateCommand(
                $"UPDATE observations SET observed_at = timestamptz '2025-01-01' + (substring(id from {prefix.Length + 2})::int) * interval '1 minute', verification = 1, " +
                $"change_xid = pg_current_xact_id() WHERE id LIKE '{prefix}-%'");
            await command.ExecuteNonQueryAsync();
        },
        TaskScheduler.Default).Unwrap();

    private async Task InsertAsync(string id, double longitude, double latitude, string observedAt = "2026-07-01T12:00:00Z", NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        var sql = "INSERT INTO observations (id, reporter_id, observed_at, reported_at, location, location_precision, category, severity, affected, content_hash) " +
            "VALUES ($1, 'cla-edge', $2, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), 1, 1, 3, array_fill(0, ARRAY[12]), '\\x00'::bytea)";
        await using var command = connection is null ? fixture.Followed.Database.DataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = DateTimeOffset.Parse(observedAt, CultureInfo.InvariantCulture) });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = longitude });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = latitude });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A request drawn from every part of HeatMapRequest that the model decides: areas, periods (to the nanosecond), filters, grids, methods, weights, series.</summary>
    private static HeatMapRequest RandomRequest(Random random)
    {
        var filter = new ObservationFilter();
        var west = 29.1 + (random.NextDouble() * 2.2);
        var south = -1.95 + (random.NextDouble() * 1.6);
        var size = 0.05 + (random.NextDouble() * (random.Next(4) == 0 ? 1.5 : 0.5));
        switch (random.Next(10))
        {
            case < 6:
                filter.Area = new Area { Bbox = new BoundingBox { West = west, South = south, East = west + size, North = south + (size * 0.8) } };
                break;
            case < 9:
                string P(double u, double v) => string.Create(CultureInfo.InvariantCulture, $"{west + (u * size)} {south + (v * size)}");
                var hole = random.Next(2) == 0 ? $", ({P(0.4, 0.3)}, {P(0.55, 0.3)}, {P(0.55, 0.45)}, {P(0.4, 0.45)}, {P(0.4, 0.3)})" : string.Empty;
                filter.Area = new Area { Shape = new Shape { Wkt = $"POLYGON(({P(0, 0)}, {P(1, 0.1)}, {P(0.9, 0.9)}, {P(0.5, 0.4)}, {P(0.1, 1)}, {P(0, 0)}){hole})" } };
                break;
            default:
                filter.Area = new Area { Circle = new Circle { Center = new GeoPoint { Longitude = west, Latitude = south }, RadiusMetres = 5000 + (random.NextDouble() * 40000) } };
                break;
        }

        var from = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(random.Next(0, 150)).AddSeconds(random.Next(0, 86400));
        var to = from.AddDays(random.Next(7, 120)).AddSeconds(random.Next(0, 86400));
        filter.ObservedFrom = new Timestamp { Seconds = from.ToUnixTimeSeconds(), Nanos = random.Next(0, 1_000_000_000) };
        filter.ObservedTo = new Timestamp { Seconds = to.ToUnixTimeSeconds(), Nanos = random.Next(0, 1_000_000_000) };
        if (random.Next(3) == 0)
        {
            filter.Categories.Add(Categories.OrderBy(_ => random.Next()).Take(random.Next(1, 4)));
        }

        if (random.Next(4) == 0)
        {
            filter.MinSeverity = random.Next(2, 6);
        }

        if (random.Next(3) == 0)
        {
            filter.Verification.Add(Statuses.OrderBy(_ => random.Next()).Take(random.Next(1, 3)));
        }

        if (random.Next(3) == 0)
        {
            filter.AffectedSexes.Add(Sexes.OrderBy(_ => random.Next()).Take(random.Next(0, 2)));
            filter.AffectedAgeGroups.Add(Ages.OrderBy(_ => random.Next()).Take(random.Next(0, 3)));
        }

        if (random.Next(5) == 0)
        {
            filter.Vulnerabilities.Add(Vulnerabilities.OrderBy(_ => random.Next()).Take(random.Next(1, 3)));
        }

        if (random.Next(6) == 0)
        {
            filter.CommunityIds.Add([.. ReadModelFixture.Communities.OrderBy(_ => random.Next()).Take(random.Next(1, 3)), "rm-unregistered", "rm-no-such"]);
        }

        if (random.Next(8) == 0)
        {
            filter.BaseIds.Add(random.Next(3) == 0 ? ["rm-no-such"] : [ReadModelFixture.Bases[random.Next(ReadModelFixture.Bases.Length)]]);
        }

        var request = new HeatMapRequest
        {
            Filter = filter,
            CellSizeMetres = 400 + (random.NextDouble() * 4000),
            Shape = random.Next(5) == 0 ? GridShape.Hexagon : GridShape.Square,
            Method = (HeatMapMethod)random.Next(1, 5),
            MinCount = random.Next(4) == 0 ? random.Next(1, 4) : 0,
            IncludeEmpty = random.Next(10) == 0,
            Classification = random.Next(2) == 0 ? Classification.Quantile : Classification.NaturalBreaks,
        };
        if (request.Method != HeatMapMethod.HotSpots && random.Next(4) == 0)
        {
            request.Step = random.Next(2) == 0 ? SeriesStep.Week : SeriesStep.Month;
        }

        if (request.Method == HeatMapMethod.WeightedSum || random.Next(4) == 0)
        {
            request.Weighting = new Weighting { BySeverity = random.Next(2) == 0, ByPeople = random.Next(2) == 0 };
            if (random.Next(2) == 0)
            {
                request.Weighting.HalfLife = Duration.FromTimeSpan(TimeSpan.FromDays(random.Next(1, 30)));
            }
        }

        return request;
    }

    internal sealed record Outcome(HeatMapTests.Answer? Answer, StatusCode? Code, string? Detail);

    private static async Task<Outcome> AnswerOrErrorAsync(GeoAwarenessClient client, HeatMapRequest request)
    {
        try
        {
            return new Outcome(await HeatMapTests.ComputeAsync(client, request), null, null);
        }
        catch (RpcException e)
        {
            return new Outcome(null, e.StatusCode, e.Status.Detail);
        }
    }

    /// <summary>
    /// The same answer: the same grid, frames, totals and cells; counts, classes and hot-spot classes
    /// exactly; values, class breaks and p-values to 1e-9 relative (the model adds points in another
    /// order than PostgreSQL returns them, so sums of non-whole weights may differ in their last bits).
    /// </summary>
    private static void Same(Outcome expected, Outcome actual, string what)
    {
        Assert.True(expected.Code == actual.Code && expected.Detail == actual.Detail, $"{what}: PostGIS {expected.Code} {expected.Detail}, model {actual.Code} {actual.Detail}");
        if (expected.Answer is not { } reference)
        {
            return;
        }

        var answer = actual.Answer!;
        var grid = answer.Grid.Clone();
        var referenceGrid = reference.Grid.Clone();
        grid.Watermark = 0;
        Close(referenceGrid.ClassBreaks, grid.ClassBreaks, what + " (breaks)");
        grid.ClassBreaks.Clear();
        referenceGrid.ClassBreaks.Clear();
        Assert.True(referenceGrid.Equals(grid), $"{what}: grids {referenceGrid} and {grid}");
        Assert.Equal(reference.Cells.Count, answer.Cells.Count);
        var scale = Math.Max(1, reference.Cells.Select(c => Math.Abs(c.Cell.Value)).DefaultIfEmpty().Max());
        var ordered = answer.Cells.OrderBy(c => (c.Frame, c.Cell.Column, c.Cell.Row)).ToList();
        var expectedCells = reference.Cells.OrderBy(c => (c.Frame, c.Cell.Column, c.Cell.Row)).ToList();
        for (var k = 0; k < ordered.Count; k++)
        {
            var (frame, cell) = ordered[k];
            var (expectedFrame, expectedCell) = expectedCells[k];
            Assert.True(
                frame == expectedFrame && cell.Column == expectedCell.Column && cell.Row == expectedCell.Row && cell.Count == expectedCell.Count
                && cell.Class == expectedCell.Class && cell.HotSpot == expectedCell.HotSpot && Equals(cell.Centre, expectedCell.Centre) && cell.Ring.SequenceEqual(expectedCell.Ring)
                && Math.Abs(cell.Value - expectedCell.Value) <= 1e-9 * scale && Math.Abs(cell.PValue - expectedCell.PValue) <= 1e-9,
                $"{what}: cell {expectedCell} from PostGIS, {cell} from the model");
        }
    }

    private static void Close(Google.Protobuf.Collections.RepeatedField<double> expected, Google.Protobuf.Collections.RepeatedField<double> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        var scale = Math.Max(1, expected.Select(Math.Abs).DefaultIfEmpty().Max());
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-9 * scale, $"{what}: {expected[i]} and {actual[i]}");
        }
    }
}
