using Geo.Core.Domain;
using Geo.Core.HeatMaps;
using Xunit;

namespace Geo.Core.Tests.HeatMaps;

public sealed class StatisticsTests
{
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(1.959963984540054 / 1.4142135623730951, 0.05)]
    [InlineData(2.5, 0.0004069520174449590)]
    [InlineData(4.0, 1.541725790028002e-08)]
    [InlineData(6.0, 2.151973671249892e-17)]
    public void Erfc_MatchesReferenceValues(double x, double expected)
    {
        Assert.Equal(expected, StandardNormal.Erfc(x), expected * 1e-12);
    }

    [Fact]
    public void FalseDiscoveryThreshold_IsBenjaminiHochberg()
    {
        double[] sorted = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216];

        // 0.05 · k / 10: the largest k with p(k) ≤ it is 2 (0.008 ≤ 0.01; 0.039 > 0.015 …).
        Assert.Equal(0.008, HotSpots.FalseDiscoveryThreshold(sorted, 0.05));
        Assert.Equal(-1, HotSpots.FalseDiscoveryThreshold([0.5, 0.9], 0.05));
    }

    [Fact]
    public void FalseDiscoveryThreshold_OnlyTheSmallestOfAllTests_IsTheThresholdOfAll()
    {
        var random = new Random(3);
        for (var round = 0; round < 200; round++)
        {
            // Many small p-values in some rounds, few in others; ties included.
            var share = random.NextDouble();
            var all = Enumerable.Range(0, random.Next(1, 400))
                .Select(_ => random.NextDouble() < share ? Math.Round(random.NextDouble() * 0.02, 4) : random.NextDouble())
                .Order().ToList();
            foreach (var alpha in (double[])[0.01, 0.05, 0.10])
            {
                List<double> smallest = [.. all.Where(p => p <= 0.10)];

                Assert.Equal(HotSpots.FalseDiscoveryThreshold(all, alpha), HotSpots.FalseDiscoveryThreshold(smallest, alpha, all.Count));
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => HotSpots.FalseDiscoveryThreshold([0.01, 0.02], 0.05, tests: 1));
    }

    [Fact]
    public void Quantiles_SelectedNotSorted_AreTheSortedValuesAtTheirRanks_AnyOrderAnyTies()
    {
        var random = new Random(9);
        for (var round = 0; round < 300; round++)
        {
            var count = round < 100 ? random.Next(1, 40) : random.Next(1, 60_000);
            var distinct = random.Next(1, 2 * count);
            var values = Enumerable.Range(0, count).Select(_ => (double)random.Next(distinct) * (random.NextDouble() < 0.5 ? 1 : 0.25)).ToArray();
            switch (round % 5)
            {
                case 1: Array.Sort(values); break;
                case 2: Array.Sort(values); Array.Reverse(values); break;
                case 3: Array.Fill(values, 7.5); break;
                case 4: values = [.. values.Order().Where((_, i) => i % 2 == 0), .. values.Order().Where((_, i) => i % 2 == 1).Reverse()]; break;
            }

            var classes = random.Next(1, 11);
            var sorted = values.Order().ToArray();
            double[] expected = [.. Enumerable.Range(1, classes - 1).Select(i => sorted[Math.Clamp((int)Math.Ceiling((double)i * sorted.Length / classes) - 1, 0, sorted.Length - 1)])];

            Assert.Equal(expected, ClassBreaks.Compute(values, classes, ClassificationMethod.Quantile));
        }
    }

    [Fact]
    public void Quantiles_SplitIntoEqualShares()
    {
        var breaks = ClassBreaks.Compute([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5, ClassificationMethod.Quantile);

        Assert.Equal([2.0, 4, 6, 8], breaks);
        Assert.Equal(1, ClassBreaks.ClassOf(1, breaks));
        Assert.Equal(1, ClassBreaks.ClassOf(2, breaks));
        Assert.Equal(3, ClassBreaks.ClassOf(5, breaks));
        Assert.Equal(5, ClassBreaks.ClassOf(10, breaks));
    }

    [Fact]
    public void NaturalBreaks_FindTheGaps()
    {
        var breaks = ClassBreaks.Compute([1, 1, 2, 2, 3, 20, 21, 22, 50, 52], 3, ClassificationMethod.NaturalBreaks);

        Assert.Equal([3.0, 22], breaks);
    }

    [Fact]
    public void NaturalBreaks_FewerValuesThanClasses_RepeatTheMaximum()
    {
        Assert.Equal([1.0, 5, 5], ClassBreaks.Compute([1, 5], 4, ClassificationMethod.NaturalBreaks));
        Assert.Empty(ClassBreaks.Compute([], 4, ClassificationMethod.NaturalBreaks));
    }

    [Theory]
    [InlineData(GridShape.Square)]
    [InlineData(GridShape.Hexagon)]
    public void Convolution_ByFft_EqualsTheDirectSum(GridShape shape)
    {
        var grid = CellGrid.Covering(shape, 1000, 0, 0, 40_000, 30_000);
        var random = new Random(11);
        var input = new double[grid.Count];
        for (var i = 0; i < 200; i++)
        {
            input[random.Next(grid.Count)] += random.Next(1, 5);
        }

        var stencil = grid.Neighbourhood(4500, strict: true).Select(s => (s.Da, s.Db, 1 - (s.Distance / 4500))).ToArray();

        var direct = LatticeConvolution.Apply(grid, input, stencil, forceFft: false);
        var fft = LatticeConvolution.Apply(grid, input, stencil, forceFft: true);

        for (var i = 0; i < grid.Count; i++)
        {
            Assert.Equal(direct[i], fft[i], 1e-9);
        }
    }

    [Fact]
    public void Convolution_OnSquares_IsTheCellByCellScatter_AnyStencilAnyFill()
    {
        // Squares are convolved a row at a time, four cells a lane: held here to the definition,
        // out(c + da, r + db) += in(c, r) · w, with a lopsided stencil (a sign slip would show),
        // 37 columns (runs that end in a tail), busy rows, empty rows and steps leaving the grid.
        var grid = CellGrid.Covering(GridShape.Square, 1000, 0, 0, 37_000, 23_000);
        var random = new Random(5);
        var input = new double[grid.Count];
        for (var i = 0; i < input.Length; i++)
        {
            var row = i / grid.Columns;
            input[i] = row % 5 == 2 ? 0 : random.Next(0, 3) * random.NextDouble();
        }

        (int Da, int Db, double Weight)[] stencil = [(0, 0, 0.5), (3, 1, 0.25), (-2, 0, 1.5), (1, -4, 0.125), (36, 0, 2), (0, 30, 3), (-5, -2, 0.75)];
        var expected = new double[grid.Count];
        for (var row = 0; row < grid.Rows; row++)
        {
            for (var column = 0; column < grid.Columns; column++)
            {
                foreach (var (da, db, weight) in stencil)
                {
                    var (c, r) = (column + da, row + db);
                    if (c >= 0 && c < grid.Columns && r >= 0 && r < grid.Rows)
                    {
                        expected[grid.IndexOf(c, r)] += input[grid.IndexOf(column, row)] * weight;
                    }
                }
            }
        }

        var convolved = LatticeConvolution.Apply(grid, input, stencil, forceFft: false);

        for (var i = 0; i < grid.Count; i++)
        {
            Assert.Equal(expected[i], convolved[i], 1e-12);
        }
    }

    [Fact]
    public void KernelDensity_KeepsTheMassAndSpreadsByDistance()
    {
        var grid = CellGrid.Covering(GridShape.Square, 1000, 0, 0, 41_000, 41_000);
        var mass = new double[grid.Count];
        mass[grid.IndexOf(20, 20)] = 7;

        var density = KernelDensity.Density(grid, mass, 5000);

        Assert.Equal(7, density.Sum(), 9);
        Assert.True(density[grid.IndexOf(20, 20)] > density[grid.IndexOf(21, 20)]);
        Assert.Equal(density[grid.IndexOf(21, 20)], density[grid.IndexOf(20, 21)], 12);
        Assert.Equal(0, density[grid.IndexOf(25, 20)]);
        Assert.True(density[grid.IndexOf(24, 20)] > 0);
    }

    [Fact]
    public void KernelDensity_BandwidthSmallerThanACell_IsTheCellsOwnDensity()
    {
        var grid = CellGrid.Covering(GridShape.Square, 2000, 0, 0, 20_000, 20_000);
        var mass = new double[grid.Count];
        mass[grid.IndexOf(3, 3)] = 8;

        var density = KernelDensity.Density(grid, mass, 500);

        Assert.Equal(2, density[grid.IndexOf(3, 3)], 12);
        Assert.Equal(8 / 4.0, density.Sum(), 12);
    }

    [Fact]
    public void HotSpots_UniformValues_HaveNoSignificantCell()
    {
        var grid = CellGrid.Covering(GridShape.Square, 1000, 0, 0, 10_000, 10_000);
        var inArea = Enumerable.Repeat(true, grid.Count).ToArray();
        var values = Enumerable.Repeat(3.0, grid.Count).ToArray();

        var result = HotSpots.Compute(grid, inArea, values, values, 1500);

        Assert.All(result.ZScores, z => Assert.Equal(0, z));
        Assert.All(result.Classes, c => Assert.Equal(0, c));
    }

    [Fact]
    public void HotSpots_OneBusyCorner_IsHotThereAndNowhereFar()
    {
        var grid = CellGrid.Covering(GridShape.Square, 1000, 0, 0, 20_000, 20_000);
        var inArea = Enumerable.Repeat(true, grid.Count).ToArray();
        var values = new double[grid.Count];
        var random = new Random(3);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.Next(0, 3);
        }

        foreach (var (c, r) in new[] { (2, 2), (2, 3), (3, 2), (3, 3) })
        {
            values[grid.IndexOf(c, r)] = 40;
        }

        var result = HotSpots.Compute(grid, inArea, values, values, 1500);

        Assert.Equal(3, result.Classes[grid.IndexOf(2, 2)]);
        Assert.True(result.PValues[grid.IndexOf(2, 2)] < 0.001);
        Assert.True(result.Classes[grid.IndexOf(15, 15)] <= 0);
    }

    [Fact]
    public void Frames_WeeksAndMonths_TileThePeriod()
    {
        var from = new DateTimeOffset(2026, 1, 15, 0, 0, 0, TimeSpan.Zero);
        var to = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

        var months = HeatMapPeriod.Frames(from, to, SeriesStep.Month);
        var weeks = HeatMapPeriod.Frames(from, to, SeriesStep.Week);

        Assert.Equal(3, months.Count);
        Assert.Equal(months.Count, HeatMapPeriod.CountFrames(from, to, SeriesStep.Month));
        Assert.Equal(weeks.Count, HeatMapPeriod.CountFrames(from, to, SeriesStep.Week));
        Assert.Equal(from, weeks[0].From);
        Assert.Equal(to, weeks[^1].To);
        Assert.All(weeks.Zip(weeks.Skip(1)), pair => Assert.Equal(pair.First.To, pair.Second.From));
    }

    [Theory]
    [InlineData(SeriesStep.Week)]
    [InlineData(SeriesStep.Month)]
    public void Frames_PeriodEndingInTheLastMonthATimestampHolds_EndsThereInsteadOfThrowing(SeriesStep step)
    {
        // AddDays and AddMonths threw past 9999-12-31: a valid request ended as UNKNOWN.
        var from = new DateTimeOffset(9999, 9, 1, 0, 0, 0, TimeSpan.Zero);
        var to = new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero);

        var frames = HeatMapPeriod.Frames(from, to, step);

        Assert.Equal(HeatMapPeriod.CountFrames(from, to, step), frames.Count);
        Assert.Equal(to, frames[^1].To);
        Assert.All(frames.Zip(frames.Skip(1)), pair => Assert.Equal(pair.First.To, pair.Second.From));
    }

    [Fact]
    public void AddPoints_SelectedRowsOfColumns_BinAsAddOneByOne_OutsidePointsSkipped()
    {
        var spec = Spec(HeatMapMethod.Count);
        var area = AreaGrid.Build(spec.Area, GridShape.Square, 1000);
        var periods = HeatMapPeriod.Frames(spec.From, spec.To, SeriesStep.None);
        // More rows than one projection batch (2,048), some outside the grid.
        var (longitudes, latitudes) = RandomPoints(new Random(5), 5000, west: 28.85, south: -0.65, side: 0.3);
        int[] rows = [.. Enumerable.Range(0, 5000).Where(i => i % 3 != 1)];
        var oneByOne = new HeatMapBins(area, periods, spec);
        var together = new HeatMapBins(area, periods, spec);

        foreach (var i in rows)
        {
            oneByOne.Add(longitudes[i], latitudes[i], spec.From, severity: 3, people: 0);
        }

        Assert.True(together.TakesPoints);
        together.AddPoints(longitudes, latitudes, rows);
        oneByOne.Flush();
        together.Flush();

        Assert.Equal(oneByOne.Counts[0], together.Counts[0]);
        Assert.Equal(oneByOne.Observations, together.Observations);
        Assert.Equal(oneByOne.Skipped, together.Skipped);
        Assert.InRange(together.Skipped, 1, rows.Length - 1);
    }

    [Fact]
    public void AddPoints_WeeklyFrames_EachPointInItsFrameAsAddPutsIt_OutsideThePeriodSkipped()
    {
        var spec = Spec(HeatMapMethod.Count);
        var area = AreaGrid.Build(spec.Area, GridShape.Square, 1000);
        var periods = HeatMapPeriod.Frames(spec.From, spec.To, SeriesStep.Week);
        var random = new Random(6);
        var (longitudes, latitudes) = RandomPoints(random, 3000, west: 28.9, south: -0.6, side: 0.2);
        // From a day before the period to a day after it; every frame's first instant among them.
        var times = Enumerable.Range(0, 3000).Select(i => i < periods.Count
            ? periods[i].From
            : spec.From.AddDays(-1).AddTicks((long)(random.NextDouble() * (spec.To - spec.From + TimeSpan.FromDays(2)).Ticks))).ToArray();
        int[] rows = [.. Enumerable.Range(0, 3000).Where(i => i % 4 != 2)];
        var oneByOne = new HeatMapBins(area, periods, spec);
        var together = new HeatMapBins(area, periods, spec);

        foreach (var i in rows)
        {
            oneByOne.Add(longitudes[i], latitudes[i], times[i], severity: 3, people: 0);
        }

        together.AddPoints(longitudes, latitudes, rows, [.. rows.Select(i => together.FrameOf(times[i].UtcTicks))]);
        oneByOne.Flush();
        together.Flush();

        Assert.Equal(oneByOne.Counts, together.Counts);
        Assert.Equal(oneByOne.Observations, together.Observations);
        Assert.Equal(oneByOne.Skipped, together.Skipped);
        Assert.True(together.Skipped > 0 && together.Observations.All(o => o > 0), $"{together.Skipped} skipped, {string.Join(", ", together.Observations)} by frame");
        Assert.Throws<ArgumentException>(() => together.AddPoints(longitudes, latitudes, rows));
    }

    [Fact]
    public void AddPoints_BinsThatNeedWeightOrKey_Refused()
    {
        var spec = Spec(HeatMapMethod.Count);
        var area = AreaGrid.Build(spec.Area, GridShape.Square, 1000);
        HeatMapBins[] needMore =
        [
            new(area, HeatMapPeriod.Frames(spec.From, spec.To, SeriesStep.None), spec with { Weighting = new Weighting(BySeverity: true, ByPeople: false, HalfLife: null) }),
            new(area, HeatMapPeriod.Frames(spec.From, spec.To, SeriesStep.None), spec with { Weighting = new Weighting(false, false, TimeSpan.FromDays(7)) }),
            new(area, HeatMapPeriod.Frames(spec.From, spec.To, SeriesStep.None), spec, keyed: true),
        ];

        Assert.All(needMore, bins =>
        {
            Assert.False(bins.TakesPoints);
            Assert.Throws<InvalidOperationException>(() => bins.AddPoints([29.0], [-0.5], [0]));
        });
    }

    [Fact]
    public void Compute_EmptyArea_HasNoCellsAndNoBreaks()
    {
        var spec = Spec(HeatMapMethod.KernelDensity);
        var area = AreaGrid.Build(spec.Area, GridShape.Square, 1000);
        var bins = new HeatMapBins(area, HeatMapPeriod.Frames(spec.From, spec.To, SeriesStep.None), spec);

        var map = HeatMap.Compute(area, spec, bins, 0);

        Assert.Equal(0, map.Frames[0].ShownCount);
        Assert.Empty(map.Breaks);
    }

    [Theory]
    [InlineData(HeatMapMethod.Count)]
    [InlineData(HeatMapMethod.KernelDensity)]
    [InlineData(HeatMapMethod.HotSpots)]
    public void Compute_AllObservationsInOneCell_PeakThere(HeatMapMethod method)
    {
        var spec = Spec(method);
        var area = AreaGrid.Build(spec.Area, GridShape.Square, 1000);
        var bins = new HeatMapBins(area, HeatMapPeriod.Frames(spec.From, spec.To, SeriesStep.None), spec);
        for (var i = 0; i < 25; i++)
        {
            bins.Add(29.0, -0.5, spec.From.AddDays(1), 3, 1);
        }

        var map = HeatMap.Compute(area, spec, bins, 0);

        var (x, y) = area.Frame.Forward(29.0, -0.5);
        var cell = area.Grid.IndexOf(x, y);
        var frame = map.Frames[0];
        Assert.Equal(frame.Values.Max(), frame.Values[cell]);
        Assert.Equal(25, bins.Observations[0]);
        var shown = Enumerable.Range(0, frame.Values.Length).Where(i => frame.Shown[i]).ToList();
        switch (method)
        {
            case HeatMapMethod.Count:
                Assert.Equal([cell], shown);
                Assert.Equal(25, frame.Values[cell]);
                break;
            case HeatMapMethod.KernelDensity:
                // The default bandwidth is 5 cells: the 69 lattice offsets with du² + dv² < 25 see
                // all 25 observations, and the density keeps the mass (Σ density · km² = 25).
                Assert.Equal(69, shown.Count);
                Assert.All(shown, i => Assert.Equal(25, frame.Counts[i]));
                Assert.Equal(25, frame.Values.Sum() * area.Grid.CellArea / 1e6, 9);
                break;
            default:
                // Every cell of the area has a z-score (those beyond the band a negative one); the
                // 29 offsets with du² + dv² ≤ 9 (default band 3 cells) see the 25 observations.
                // The cell's own z by hand: one value 25 among n, the others 0, W = 29 neighbours.
                Assert.Equal(area.CellsInArea, shown.Count);
                Assert.Equal(29, frame.Counts.Count(c => c == 25));
                double n = area.CellsInArea;
                var mean = 25 / n;
                var s = Math.Sqrt((625 / n) - (mean * mean));
                var z = (25 - (mean * 29)) / (s * Math.Sqrt(((n * 29) - (29 * 29)) / (n - 1)));
                Assert.Equal(z, frame.Values[cell], 1e-9 * z);
                Assert.Equal(3, frame.HotSpots!.Classes[cell]);
                break;
        }
    }

    [Fact]
    public void HotSpots_LargeNearlyEqualValues_KeepTheirVariance()
    {
        // Weights around 10⁹ (people × severity over a busy cell) differing by a few units: the
        // one-pass variance Σx²/n − x̄² subtracts two numbers near 10¹⁸ whose rounding (≈128) dwarfs
        // the true variance (≈2). Gi* does not change when every value moves by the same amount,
        // so the scores must be those of the small deviations alone.
        var grid = CellGrid.Covering(GridShape.Square, 1000, 0, 0, 10_000, 10_000);
        var inArea = Enumerable.Repeat(true, grid.Count).ToArray();
        var deviations = Enumerable.Range(0, grid.Count).Select(i => (double)((i * 7) + (i / 10 * 3)) % 5).ToArray();
        var large = deviations.Select(d => 1e9 + d).ToArray();
        var counts = Enumerable.Repeat(1.0, grid.Count).ToArray();

        // The exact variance (small integers: every step exact) against the one-pass formula on the large values.
        var exactMean = deviations.Average();
        var exactVariance = deviations.Sum(d => (d - exactMean) * (d - exactMean)) / grid.Count;
        var onePass = (large.Sum(x => x * x) / grid.Count) - (large.Average() * large.Average());
        Assert.True(Math.Abs(onePass - exactVariance) > 0.1 * exactVariance, $"one pass {onePass} vs exact {exactVariance}: the case must show the cancellation");

        var expected = HotSpots.Compute(grid, inArea, deviations, counts, 1500);
        var actual = HotSpots.Compute(grid, inArea, large, counts, 1500);

        Assert.Contains(expected.ZScores, z => Math.Abs(z) > 1);
        for (var i = 0; i < grid.Count; i++)
        {
            // The neighbour sums (≈5·10⁹) still round to about 10⁻⁶; the variance must add nothing to that.
            Assert.Equal(expected.ZScores[i], actual.ZScores[i], 1e-5);
            Assert.Equal(expected.Classes[i], actual.Classes[i]);
        }
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(1.0 / 3)]
    [InlineData(7e8 / 3)]
    public void HotSpots_AllValuesEqual_NoScores(double value)
    {
        // Equal values have no variance: z 0 and p 1 everywhere (the oracle's definition), even
        // when their mean rounds a hair away from them and would leave a variance of rounding noise.
        var grid = CellGrid.Covering(GridShape.Square, 1000, 0, 0, 13_000, 7_000);
        var inArea = Enumerable.Repeat(true, grid.Count).ToArray();
        var values = Enumerable.Repeat(value, grid.Count).ToArray();

        var result = HotSpots.Compute(grid, inArea, values, values, 1500);

        Assert.All(result.ZScores, z => Assert.Equal(0, z));
        Assert.All(result.PValues, p => Assert.Equal(1, p));
        Assert.All(result.Classes, c => Assert.Equal(0, c));
    }

    [Fact]
    public void Compute_SingleObservation_CountsOne()
    {
        var spec = Spec(HeatMapMethod.Count);
        var area = AreaGrid.Build(spec.Area, GridShape.Hexagon, 1000);
        var bins = new HeatMapBins(area, HeatMapPeriod.Frames(spec.From, spec.To, SeriesStep.None), spec);
        bins.Add(29.01, -0.49, spec.From, 1, 0);

        var map = HeatMap.Compute(area, spec, bins, 0);

        Assert.Equal(1, map.Frames[0].ShownCount);
        Assert.Equal(1, map.Frames[0].Values.Sum());
    }

    [Fact]
    public void Rules_NameEveryBadField()
    {
        var spec = Spec(HeatMapMethod.WeightedSum) with { CellSizeMetres = 20, Classes = 1, MinCount = -2 };
        var errors = new Validation.FieldErrors();

        HeatMapRules.Check(spec, new HeatMapLimits(), errors);

        Assert.Equal(["cell_size_metres", "classes", "min_count", "weighting"], errors.All.Select(e => e.Field));
    }

    /// <summary>Points drawn uniformly in a square of <paramref name="side"/> degrees, longitudes first.</summary>
    private static (double[] Longitudes, double[] Latitudes) RandomPoints(Random random, int count, double west, double south, double side) =>
        ([.. Enumerable.Range(0, count).Select(_ => west + (random.NextDouble() * side))],
         [.. Enumerable.Range(0, count).Select(_ => south + (random.NextDouble() * side))]);

    private static HeatMapSpec Spec(HeatMapMethod method) => new()
    {
        Filter = new ObservationFilter
        {
            Area = new BoxArea(28.9, -0.6, 29.1, -0.4),
            ObservedFrom = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            ObservedTo = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero),
        },
        CellSizeMetres = 1000,
        Method = method,
        Classes = 5,
    };
}
