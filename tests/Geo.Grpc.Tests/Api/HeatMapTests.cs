using Geo.Api.V1;
using Geo.Api;
using Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using NetTopologySuite.Geometries;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// HeatMaps.Compute end to end over gRPC on PostGIS. Each test works in its own patch of the
/// map (its own longitude), so tests of this class do not see each other's observations.
/// </summary>
public sealed class HeatMapTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    internal sealed record Answer(HeatMapGrid Grid, List<(int Frame, HeatMapCell Cell)> Cells)
    {
        public IEnumerable<HeatMapCell> Frame(int frame) => Cells.Where(c => c.Frame == frame).Select(c => c.Cell);
    }

    internal static async Task<Answer> ComputeAsync(GeoAwarenessClient channel, HeatMapRequest request)
    {
        using var call = channel.HeatMaps.Compute(request);
        HeatMapGrid? grid = null;
        var cells = new List<(int, HeatMapCell)>();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            if (chunk.Grid is not null)
            {
                Assert.Null(grid);
                grid = chunk.Grid;
            }
            else
            {
                Assert.NotNull(grid);
                cells.AddRange(chunk.Cells.Cells.Select(c => (chunk.Cells.Frame, c)));
            }
        }

        return new Answer(grid ?? throw new InvalidOperationException("no grid"), cells);
    }

    /// <summary>A request over a 0.2° box around (longitude, 0.5) for March 2026, 1 km squares, counts.</summary>
    internal static HeatMapRequest Around(double longitude, double cellMetres = 1000) => new()
    {
        Filter = new ObservationFilter
        {
            Area = new Area { Bbox = new BoundingBox { West = longitude - 0.1, South = 0.4, East = longitude + 0.1, North = 0.6 } },
            ObservedFrom = Time("2026-03-01T00:00:00Z"),
            ObservedTo = Time("2026-04-01T00:00:00Z"),
        },
        CellSizeMetres = cellMetres,
    };

    private static Polygon RingPolygon(HeatMapCell cell)
    {
        var coordinates = new List<Coordinate>();
        for (var i = 0; i < cell.Ring.Count; i += 2)
        {
            coordinates.Add(new Coordinate(cell.Ring[i], cell.Ring[i + 1]));
        }

        coordinates.Add(coordinates[0]);
        return Factory.CreatePolygon(coordinates.ToArray());
    }

    private static Observation At(string id, double longitude, double latitude, string observedAt = "2026-03-10T10:00:00Z") =>
        NewObservation(id, longitude, latitude, observedAt);

    [Fact]
    public async Task Count_SquareCells_EachObservationInTheCellWhosePolygonHoldsIt()
    {
        await api.SubmitAsync(At("hm-count-1", 20.0, 0.5), At("hm-count-2", 20.0, 0.5), At("hm-count-3", 20.0, 0.5), At("hm-count-4", 20.05, 0.52), At("hm-count-5", 20.05, 0.52));

        var answer = await ComputeAsync(api.Channel, Around(20.0));

        Assert.Equal(5, answer.Grid.Frames.Single().Observations);
        Assert.Equal("observations", answer.Grid.Unit);
        Assert.StartsWith("+proj=laea", answer.Grid.Projection, StringComparison.Ordinal);
        var cells = answer.Frame(0).OrderByDescending(c => c.Value).ToList();
        Assert.Equal([3.0, 2.0], cells.Select(c => c.Value));
        Assert.Equal([3L, 2L], cells.Select(c => c.Count));
        Assert.True(RingPolygon(cells[0]).Contains(Factory.CreatePoint(new Coordinate(20.0, 0.5))));
        Assert.True(RingPolygon(cells[1]).Contains(Factory.CreatePoint(new Coordinate(20.05, 0.52))));
        Assert.All(cells, c => Assert.Equal(8, c.Ring.Count));
        Assert.All(cells, c => Assert.True(RingPolygon(c).Shell.IsCCW, "exterior ring counter-clockwise"));
        // Cells of 1 km: a square kilometre on the ellipsoid; the spherical ring area (equatorial
        // radius) reads about 0.7% more near the equator.
        var ring = RingPolygon(cells[0]).Shell.Coordinates.Select(c => new Core.Spatial.GeoPoint(c.X, c.Y)).ToList();
        Assert.InRange(Core.Spatial.Geodesy.RingAreaSquareMetres(ring), 0.99e6, 1.01e6);
    }

    [Fact]
    public async Task Count_ObservationsOnTheBoundariesOfTheParallelReaders_AreCountedOnce()
    {
        // The fixture reads heat maps with one connection per core (up to 4), each over an equal
        // span of the period: observations at every such boundary for 2, 3 and 4 readers, at the
        // period's start (counted) and at its end (not counted).
        string[] times =
        [
            "2026-03-01T00:00:00Z", "2026-03-08T18:00:00Z", "2026-03-11T08:00:00Z", "2026-03-16T12:00:00Z",
            "2026-03-21T16:00:00Z", "2026-03-24T06:00:00Z", "2026-04-01T00:00:00Z",
        ];
        await api.SubmitAsync(times.Select((t, i) => At($"hm-slices-{i}", 19.0, 0.5, t)).ToArray());
        // Readers are one per page of the table here (HeatMapPagesPerReader=1): some filler
        // outside the area makes sure there are pages enough for every core, whatever ran before.
        await api.SubmitAsync(Enumerable.Range(0, 200).Select(i => At($"hm-slices-filler-{i}", 19.5, 0.5)).ToArray());
        Assert.True(await api.Database.ScalarAsync<long>("SELECT pg_relation_size('observations') / 8192") >= 4);

        var answer = await ComputeAsync(api.Channel, Around(19.0));

        Assert.Equal(6, answer.Grid.Frames.Single().Observations);
        var cell = Assert.Single(answer.Frame(0));
        Assert.Equal(6L, cell.Count);
    }

    [Fact]
    public async Task Count_Hexagons_SixCornersAndTheRightCell()
    {
        await api.SubmitAsync(At("hm-hex-1", 21.0, 0.5), At("hm-hex-2", 21.0, 0.5), At("hm-hex-3", 21.03, 0.47));
        var request = Around(21.0);
        request.Shape = GridShape.Hexagon;

        var answer = await ComputeAsync(api.Channel, request);

        var cells = answer.Frame(0).OrderByDescending(c => c.Value).ToList();
        Assert.Equal([2.0, 1.0], cells.Select(c => c.Value));
        Assert.All(cells, c => Assert.Equal(12, c.Ring.Count));
        Assert.True(RingPolygon(cells[0]).Contains(Factory.CreatePoint(new Coordinate(21.0, 0.5))));
        Assert.True(RingPolygon(cells[1]).Contains(Factory.CreatePoint(new Coordinate(21.03, 0.47))));
        Assert.Equal(1.5 * 1000, answer.Grid.ColumnStepMetres, 6);
    }

    [Fact]
    public async Task GroupSelector_GirlsAndOlderMen_CountsOnlyObservationsAffectingThem()
    {
        var girls = At("hm-sel-girls", 22.0, 0.5);
        var men = At("hm-sel-men", 22.0, 0.5);
        men.Affected.Clear();
        men.Affected.Add(new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Adult, Count = 3 });
        await api.SubmitAsync(girls, men);
        var girlsOnly = Around(22.0);
        girlsOnly.Filter.AffectedSexes.Add(Sex.Female);
        girlsOnly.Filter.AffectedAgeGroups.Add(AgeGroup.Child);
        var olderMen = Around(22.0);
        olderMen.Filter.AffectedSexes.Add(Sex.Male);
        olderMen.Filter.AffectedAgeGroups.Add(AgeGroup.Older);

        var forGirls = await ComputeAsync(api.Channel, girlsOnly);
        var forOlderMen = await ComputeAsync(api.Channel, olderMen);

        Assert.Equal(1, forGirls.Grid.Frames[0].Observations);
        Assert.Equal(1.0, forGirls.Frame(0).Single().Value);
        Assert.Equal(0, forOlderMen.Grid.Frames[0].Observations);
        Assert.Empty(forOlderMen.Cells);
        Assert.Empty(forOlderMen.Grid.ClassBreaks);
    }

    [Fact]
    public async Task WeightedSum_SeverityPeopleAndHalfLife_Multiply()
    {
        // Severity 3; 4 girls and 2 men affected; observed one day before the period's end.
        await api.SubmitAsync(At("hm-weight-1", 23.0, 0.5, "2026-03-31T00:00:00Z"));
        var request = Around(23.0);
        request.Method = HeatMapMethod.WeightedSum;
        request.Filter.AffectedSexes.Add(Sex.Female);
        request.Weighting = new Weighting { BySeverity = true, ByPeople = true, HalfLife = Duration.FromTimeSpan(TimeSpan.FromDays(1)) };

        var answer = await ComputeAsync(api.Channel, request);

        Assert.Equal("weight", answer.Grid.Unit);
        Assert.Equal(3 * 4 * 0.5, answer.Frame(0).Single().Value, 9);
        Assert.Equal(1, answer.Frame(0).Single().Count);
    }

    [Fact]
    public async Task Series_Weeks_OneFramePerWeekOnOneScale()
    {
        await api.SubmitAsync(
            At("hm-week-1", 24.0, 0.5, "2026-03-02T10:00:00Z"),
            At("hm-week-2", 24.0, 0.5, "2026-03-09T10:00:00Z"), At("hm-week-3", 24.0, 0.5, "2026-03-10T10:00:00Z"),
            At("hm-week-4", 24.05, 0.5, "2026-03-29T10:00:00Z"));
        var request = Around(24.0);
        request.Step = SeriesStep.Week;

        var answer = await ComputeAsync(api.Channel, request);

        // 1 March + 7 days ... to 1 April: four whole weeks and three days.
        Assert.Equal(5, answer.Grid.Frames.Count);
        Assert.Equal([1L, 2L, 0L, 0L, 1L], answer.Grid.Frames.Select(f => f.Observations));
        for (var i = 1; i < answer.Grid.Frames.Count; i++)
        {
            Assert.Equal(answer.Grid.Frames[i - 1].To, answer.Grid.Frames[i].From);
        }

        Assert.Equal(2.0, answer.Frame(1).Single().Value);
        Assert.Empty(answer.Frame(2));
        Assert.True(answer.Frame(1).Single().Class > answer.Frame(0).Single().Class, "one colour scale across frames");
    }

    [Fact]
    public async Task Series_Months_CalendarMonthsWithPartialEnds()
    {
        await api.SubmitAsync(At("hm-month-1", 25.0, 0.5, "2026-01-20T10:00:00Z"), At("hm-month-2", 25.0, 0.5, "2026-02-20T10:00:00Z"));
        var request = Around(25.0);
        request.Filter.ObservedFrom = Time("2026-01-15T00:00:00Z");
        request.Filter.ObservedTo = Time("2026-03-10T00:00:00Z");
        request.Step = SeriesStep.Month;

        var answer = await ComputeAsync(api.Channel, request);

        Assert.Equal(["2026-01-15", "2026-02-01", "2026-03-01"], answer.Grid.Frames.Select(f => f.From.ToDateTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(Time("2026-03-10T00:00:00Z"), answer.Grid.Frames[^1].To);
        Assert.Equal([1L, 1L, 0L], answer.Grid.Frames.Select(f => f.Observations));
    }

    [Fact]
    public async Task KernelDensity_FarFromTheEdges_KeepsTheMassAndPeaksAtTheObservations()
    {
        await api.SubmitAsync(Enumerable.Range(0, 10).Select(i => At($"hm-kde-{i}", 26.0, 0.5)).ToArray());
        var request = Around(26.0);
        request.Method = HeatMapMethod.KernelDensity;
        request.BandwidthMetres = 3000;

        var answer = await ComputeAsync(api.Channel, request);

        var cells = answer.Frame(0).ToList();
        Assert.Equal("observations per km2", answer.Grid.Unit);
        Assert.Equal(3000, answer.Grid.BandwidthMetres);
        Assert.Equal(10, cells.Sum(c => c.Value * 1.0), 6);
        var peak = cells.MaxBy(c => c.Value)!;
        Assert.True(RingPolygon(peak).Contains(Factory.CreatePoint(new Coordinate(26.0, 0.5))));
        Assert.All(cells, c => Assert.Equal(10, c.Count));
        Assert.True(cells.Count > 20, $"the density spreads over the cells within 3 km, got {cells.Count}");
    }

    [Fact]
    public async Task HotSpots_ADenseCluster_IsHotAtNinetyNinePercent()
    {
        var observations = new List<Observation>();
        for (var i = 0; i < 40; i++)
        {
            observations.Add(At($"hm-hot-{i}", 27.0 + (i % 2 * 0.004), 0.5));
        }

        // A thin background, so that the statistic has a variance to measure against.
        for (var i = 0; i < 30; i++)
        {
            observations.Add(At($"hm-cold-{i}", 26.92 + (i % 6 * 0.03), 0.42 + (i / 6 * 0.03)));
        }

        await api.SubmitAsync(observations.ToArray());
        var request = Around(27.0);
        request.Method = HeatMapMethod.HotSpots;
        request.DistanceBandMetres = 1500;

        var answer = await ComputeAsync(api.Channel, request);

        Assert.Equal("z-score", answer.Grid.Unit);
        var hottest = answer.Frame(0).MaxBy(c => c.Value)!;
        Assert.True(RingPolygon(hottest).Buffer(0.01).Contains(Factory.CreatePoint(new Coordinate(27.0, 0.5))));
        Assert.Equal(3, hottest.HotSpot);
        Assert.True(hottest.PValue < 0.01, $"p = {hottest.PValue}");
        Assert.Contains(answer.Frame(0), c => c.HotSpot == 0);
    }

    [Fact]
    public async Task MinCount_CellsBelowIt_AreWithheldAndCounted()
    {
        await api.SubmitAsync(At("hm-min-1", 28.0, 0.5), At("hm-min-2", 28.0, 0.5), At("hm-min-3", 28.05, 0.5));
        var request = Around(28.0);
        request.MinCount = 2;

        var answer = await ComputeAsync(api.Channel, request);

        Assert.Equal(2.0, answer.Frame(0).Single().Value);
        Assert.Equal(1, answer.Grid.Frames[0].WithheldCells);
        Assert.Equal(1, answer.Grid.Frames[0].Cells);
    }

    [Fact]
    public async Task Classes_NaturalBreaksAndQuantiles_BreakWhereEachSays()
    {
        // Cells of 1, 2, 3, 4, 5 and 30 observations in two classes: the median splits after 3,
        // natural breaks set the outlier apart (after 5). The two disagree on the cells of 4 and
        // 5, so the classification asked for is proved to be the one applied.
        var observations = new List<Observation>();
        var cellsAt = new[] { (29.0, 1), (29.02, 2), (29.04, 3), (29.06, 4), (29.08, 5), (29.1, 30) };
        foreach (var (longitude, count) in cellsAt)
        {
            for (var i = 0; i < count; i++)
            {
                observations.Add(At($"hm-jenks-{longitude}-{i}", longitude, 0.5));
            }
        }

        await api.SubmitAsync(observations.ToArray());
        var jenks = Around(29.05);
        jenks.Classification = Classification.NaturalBreaks;
        jenks.Classes = 2;
        var quantiles = Around(29.05);
        quantiles.Classification = Classification.Quantile;
        quantiles.Classes = 2;

        var byJenks = await ComputeAsync(api.Channel, jenks);
        var byQuantiles = await ComputeAsync(api.Channel, quantiles);

        Assert.Equal(Classification.NaturalBreaks, byJenks.Grid.Classification);
        Assert.Equal([5.0], byJenks.Grid.ClassBreaks);
        Assert.Equal([1, 1, 1, 1, 1, 2], byJenks.Frame(0).OrderBy(c => c.Value).Select(c => c.Class));
        Assert.Equal(Classification.Quantile, byQuantiles.Grid.Classification);
        Assert.Equal([3.0], byQuantiles.Grid.ClassBreaks);
        Assert.Equal([1, 1, 1, 2, 2, 2], byQuantiles.Frame(0).OrderBy(c => c.Value).Select(c => c.Class));
        Assert.Equal([1.0, 2, 3, 4, 5, 30], byJenks.Frame(0).Select(c => c.Value).Order());
    }

    [Fact]
    public async Task Analyst_SeesCoarsenedSurfaceWithTheConfiguredMinimum()
    {
        // Reported at one spot, the 120 share one coarse point: one cell, its count perturbed by the
        // keys of the 120, at least the analyst's minimum.
        const int observations = 120;
        await api.SubmitAsync(Enumerable.Range(0, observations).Select(i => At($"hm-analyst-{i}", 30.0, 0.5)).ToArray());
        var request = Around(30.0, 5000);
        request.Filter.Area.Bbox = new BoundingBox { West = 29.6, South = 0.1, East = 30.4, North = 0.9 };

        var analyst = await ComputeAsync(api.As(Role.Analyst), request);
        var supervisor = await ComputeAsync(api.As(Role.Supervisor), request);

        Assert.True(analyst.Grid.Coarsened);
        Assert.False(supervisor.Grid.Coarsened);
        Assert.True(analyst.Grid.MinCount > 1, $"minimum count {analyst.Grid.MinCount}");
        // Cells first: with none returned, the checks over the cells below would pass on nothing.
        Assert.NotEmpty(analyst.Frame(0));
        Assert.All(analyst.Frame(0), c => Assert.True(c.Count >= analyst.Grid.MinCount));
        Assert.Equal(observations, supervisor.Frame(0).Single().Value);
        var shown = Assert.Single(analyst.Frame(0));
        Assert.Equal((double)(await api.ShownCountAsync(Enumerable.Range(0, observations).Select(i => IdOf($"hm-analyst-{i}")).ToList()))!, shown.Value);
    }

    /// <summary>One submitted observation's attributes that the heat-map filters look at, and the cell (0..3) it is in.</summary>
    private sealed record Filtered(int Cell, Category Category, int Severity, VerificationStatus Verification, Vulnerability[] Vulnerabilities);

    [Fact]
    public async Task Filters_CategorySeverityVerificationAndVulnerabilities_CountOnlyTheObservationsThatMatch()
    {
        // Mixed attributes over four cells 2 km apart, so that every filter keeps a different
        // number in each cell; Read copies each filter field by hand, and this proves each copy.
        var random = new Random(36);
        Category[] categories = [Category.ThreatOfPhysicalViolence, Category.ArmedGroupMovement, Category.Displacement, Category.EarlyWarningAlert];
        VerificationStatus[] statuses = [VerificationStatus.Reported, VerificationStatus.Verified, VerificationStatus.Discredited];
        var vulnerabilities = System.Enum.GetValues<Vulnerability>().Where(v => v != Vulnerability.Unspecified).ToArray();
        var submitted = Enumerable.Range(0, 60).Select(i => new Filtered(
            i % 4, categories[random.Next(categories.Length)], random.Next(1, 6), statuses[random.Next(statuses.Length)],
            vulnerabilities.Where(_ => random.NextDouble() < 0.3).ToArray())).ToList();
        var observations = submitted.Select((o, i) =>
        {
            var observation = At($"hm-filter-{i}", 32.0 + (o.Cell * 0.02), 0.5);
            observation.Category = o.Category;
            observation.Severity = o.Severity;
            observation.Vulnerabilities.Add(o.Vulnerabilities);
            return observation;
        }).ToArray();
        await api.SubmitAsync(observations);
        for (var i = 0; i < submitted.Count; i++)
        {
            if (submitted[i].Verification != VerificationStatus.Reported)
            {
                await api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf($"hm-filter-{i}"), Verification = submitted[i].Verification }).ResponseAsync;
            }
        }

        var filters = new (string Name, Action<HeatMapRequest> Ask, Func<Filtered, bool> Keeps)[]
        {
            ("none", _ => { }, _ => true),
            ("one category", r => r.Filter.Categories.Add(Category.ArmedGroupMovement), o => o.Category == Category.ArmedGroupMovement),
            ("two categories", r => r.Filter.Categories.Add([Category.Displacement, Category.EarlyWarningAlert]),
                o => o.Category is Category.Displacement or Category.EarlyWarningAlert),
            ("minimum severity 4", r => r.Filter.MinSeverity = 4, o => o.Severity >= 4),
            ("verified", r => r.Filter.Verification.Add(VerificationStatus.Verified), o => o.Verification == VerificationStatus.Verified),
            ("reported or discredited", r => r.Filter.Verification.Add([VerificationStatus.Reported, VerificationStatus.Discredited]),
                o => o.Verification is VerificationStatus.Reported or VerificationStatus.Discredited),
            ("refugees", r => r.Filter.Vulnerabilities.Add(Vulnerability.Refugees), o => o.Vulnerabilities.Contains(Vulnerability.Refugees)),
            ("displaced or minorities", r => r.Filter.Vulnerabilities.Add([Vulnerability.InternallyDisplaced, Vulnerability.Minorities]),
                o => o.Vulnerabilities.Contains(Vulnerability.InternallyDisplaced) || o.Vulnerabilities.Contains(Vulnerability.Minorities)),
            ("all four at once", r =>
            {
                r.Filter.Categories.Add([Category.ThreatOfPhysicalViolence, Category.ArmedGroupMovement]);
                r.Filter.MinSeverity = 2;
                r.Filter.Verification.Add([VerificationStatus.Reported, VerificationStatus.Verified]);
                r.Filter.Vulnerabilities.Add([Vulnerability.Refugees, Vulnerability.PersonsWithDisabilities, Vulnerability.JournalistsAndActivists]);
            }, o => o.Category is Category.ThreatOfPhysicalViolence or Category.ArmedGroupMovement && o.Severity >= 2
                && o.Verification != VerificationStatus.Discredited
                && o.Vulnerabilities.Intersect([Vulnerability.Refugees, Vulnerability.PersonsWithDisabilities, Vulnerability.JournalistsAndActivists]).Any()),
        };
        var distinctCounts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, ask, keeps) in filters)
        {
            var request = Around(32.0);
            ask(request);

            var answer = await ComputeAsync(api.Channel, request);

            // A request that names no status leaves discredited reports out (the threat defaults).
            var defaulted = request.Filter.Verification.Count == 0;
            var expected = Enumerable.Range(0, 4).Select(cell => submitted.Count(o => o.Cell == cell && keeps(o) && !(defaulted && o.Verification == VerificationStatus.Discredited))).ToArray();
            var actual = new int[4];
            foreach (var cell in answer.Frame(0))
            {
                // The cell of the observations at 32.0 + 0.02 k: whose polygon holds that point.
                var k = Enumerable.Range(0, 4).Single(k => RingPolygon(cell).Contains(Factory.CreatePoint(new Coordinate(32.0 + (k * 0.02), 0.5))));
                actual[k] = (int)cell.Value;
            }

            Assert.True(expected.SequenceEqual(actual), $"{name}: expected [{string.Join(", ", expected)}] per cell, got [{string.Join(", ", actual)}]");
            Assert.Equal(expected.Sum(), answer.Grid.Frames[0].Observations);
            distinctCounts.Add(string.Join(",", expected));
        }

        // Each filter keeps a different set of counts, so a filter ignored would not pass as another.
        Assert.Equal(filters.Length, distinctCounts.Count);
    }

    [Theory]
    [InlineData("cell_size_metres", 50.0, "cell_size_metres")]
    [InlineData("cell_size_metres", 60_000.0, "cell_size_metres")]
    [InlineData("classes", 11.0, "classes")]
    [InlineData("bandwidth_metres", -5.0, "bandwidth_metres")]
    [InlineData("distance_band_metres", 1e9, "distance_band_metres")]
    [InlineData("min_count", -1.0, "min_count")]
    public async Task BadNumbers_AreInvalidArgumentNamingTheField(string field, double value, string named)
    {
        var request = Around(31.0);
        switch (field)
        {
            case "cell_size_metres": request.CellSizeMetres = value; break;
            case "classes": request.Classes = (int)value; break;
            case "bandwidth_metres": request.BandwidthMetres = value; break;
            case "distance_band_metres": request.DistanceBandMetres = value; break;
            default: request.MinCount = (int)value; break;
        }

        var detail = await FailsWith(StatusCode.InvalidArgument, () => ComputeAsync(api.Channel, request));

        Assert.StartsWith(named + ":", detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// A client of the release before the filter was embedded sends the observations in the
    /// deprecated fields 1 to 9: it gets the same map, recorded as the service read it.
    /// </summary>
    [Fact]
    public async Task DeprecatedFilterFields_GiveTheSameMapAsTheFilter()
    {
        await api.SubmitAsync(At("hm-old-1", 33.0, 0.5), At("hm-old-2", 33.01, 0.51), At("hm-old-3", 33.05, 0.45));
        var current = Around(33.0);
        current.Filter.Categories.Add(Category.ThreatOfPhysicalViolence);
        var old = current.Clone();
#pragma warning disable CS0612 // The deprecated fields, as an old client sets them.
        old.Area = current.Filter.Area;
        old.ObservedFrom = current.Filter.ObservedFrom;
        old.ObservedTo = current.Filter.ObservedTo;
        old.Categories.Add(Category.ThreatOfPhysicalViolence);
#pragma warning restore CS0612
        old.Filter = null;

        var fromFilter = await ComputeAsync(api.Channel, current);
        var fromOldFields = await ComputeAsync(api.Channel, old);

        // The watermark is the database's, which other tests' writes move between the two calls.
        fromOldFields.Grid.Watermark = fromFilter.Grid.Watermark;
        Assert.Equal(fromFilter.Grid, fromOldFields.Grid);
        Assert.Equal(fromFilter.Cells, fromOldFields.Cells);
        Assert.Equal(3, fromFilter.Grid.Frames[0].Observations);
    }

    [Fact]
    public async Task FilterAndDeprecatedFieldsTogether_AreInvalidArgumentNamingTheFilter()
    {
        var both = Around(33.0);
#pragma warning disable CS0612 // A client mixing the two ways is refused rather than guessed at.
        both.MinSeverity = 3;
#pragma warning restore CS0612

        var detail = await FailsWith(StatusCode.InvalidArgument, () => ComputeAsync(api.Channel, both));

        Assert.Equal("filter: give the observations either as filter or in the deprecated fields area ... vulnerabilities, not both", detail);
    }

    [Fact]
    public async Task BadRequests_AreInvalidArgumentNamingTheField()
    {
        var noArea = Around(31.0);
        noArea.Filter.Area = null;
        var circle = Around(31.0);
        circle.Filter.Area = new Area { Circle = new Circle { Center = new GeoPoint { Longitude = 31, Latitude = 0.5 }, RadiusMetres = 1000 } };
        var inverted = Around(31.0);
        (inverted.Filter.ObservedFrom, inverted.Filter.ObservedTo) = (inverted.Filter.ObservedTo, inverted.Filter.ObservedFrom);
        var noPeriod = Around(31.0);
        noPeriod.Filter.ObservedFrom = null;
        var unknownSex = Around(31.0);
        unknownSex.Filter.AffectedSexes.Add((Sex)9);
        var unknownAge = Around(31.0);
        unknownAge.Filter.AffectedAgeGroups.Add((AgeGroup)7);
        var unweighted = Around(31.0);
        unweighted.Method = HeatMapMethod.WeightedSum;
        var badHalfLife = Around(31.0);
        badHalfLife.Weighting = new Weighting { HalfLife = Duration.FromTimeSpan(TimeSpan.FromDays(-1)) };
        var unknownMethod = Around(31.0);
        unknownMethod.Method = (HeatMapMethod)17;

        foreach (var (request, field) in new[]
        {
            (noArea, "filter.area"), (circle, "filter.area.circle"), (inverted, "filter.observed_to"), (noPeriod, "filter.observed_from"),
            (unknownSex, "filter.affected_sexes[0]"), (unknownAge, "filter.affected_age_groups[0]"), (unweighted, "weighting"),
            (badHalfLife, "weighting.half_life"), (unknownMethod, "method"),
        })
        {
            var detail = await FailsWith(StatusCode.InvalidArgument, () => ComputeAsync(api.Channel, request));
            Assert.StartsWith(field + ":", detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TooManyCells_IsResourceExhaustedWithTheCount()
    {
        var request = Around(31.0, 100);
        request.Filter.Area.Bbox = new BoundingBox { West = 30, South = 0, East = 32, North = 2 };

        var detail = await FailsWith(StatusCode.ResourceExhausted, () => ComputeAsync(api.Channel, request));

        Assert.Contains("cells, above the maximum of 200,000", detail, StringComparison.Ordinal);
        Assert.Matches(@"makes [\d,]+ cells", detail);
    }

    [Fact]
    public async Task TooManyFrames_IsResourceExhausted()
    {
        var request = Around(31.0, 100);
        request.Filter.ObservedFrom = Time("2000-01-01T00:00:00Z");
        request.Step = SeriesStep.Week;

        var detail = await FailsWith(StatusCode.ResourceExhausted, () => ComputeAsync(api.Channel, request));

        Assert.StartsWith("step:", detail, StringComparison.Ordinal);
    }
}
