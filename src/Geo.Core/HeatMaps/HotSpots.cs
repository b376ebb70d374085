namespace Geo.Core.HeatMaps;

/// <summary>The Gi* statistic of every cell in the area, with its p-value and confidence class.</summary>
public sealed record HotSpotResult(double[] ZScores, double[] PValues, sbyte[] Classes, double[] Contributing);

/// <summary>
/// Getis-Ord Gi* with binary distance-band weights (the cell itself included), over the cells of
/// the area, as GIS desktop tools compute it; significance corrected for the false discovery rate
/// (Benjamini-Hochberg) at 90, 95 and 99% confidence, so that with thousands of cells a cell is
/// called hot because it is significant, not because chance picked it among many.
/// </summary>
public static class HotSpots
{
    private static readonly (double Alpha, sbyte Class)[] Levels = [(0.01, 3), (0.05, 2), (0.10, 1)];

    public static HotSpotResult Compute(CellGrid grid, bool[] inArea, double[] values, double[] counts, double bandMetres, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(inArea);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(counts);
        var stencil = grid.Neighbourhood(bandMetres, strict: false).Select(s => (s.Da, s.Db, 1.0)).ToArray();
        var masked = new double[values.Length];
        var maskedCounts = new double[values.Length];
        var mask = new double[values.Length];
        var n = 0;
        var sum = 0.0;
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        for (var i = 0; i < values.Length; i++)
        {
            if (inArea[i])
            {
                masked[i] = values[i];
                maskedCounts[i] = counts[i];
                mask[i] = 1;
                n++;
                sum += values[i];
                min = Math.Min(min, values[i]);
                max = Math.Max(max, values[i]);
            }
        }

        // Two passes: the squares of the deviations from the mean, not Σx²/n − x̄², which with
        // large, nearly equal weights subtracts two huge numbers and loses the variance to rounding.
        var mean = n == 0 ? 0 : sum / n;
        var squares = 0.0;
        for (var i = 0; i < values.Length; i++)
        {
            if (inArea[i])
            {
                var deviation = values[i] - mean;
                squares += deviation * deviation;
            }
        }

        var neighbourSums = LatticeConvolution.Apply(grid, masked, stencil, cancellationToken: cancellationToken);
        var neighbourCounts = LatticeConvolution.Apply(grid, mask, stencil, cancellationToken: cancellationToken);
        var contributing = LatticeConvolution.Apply(grid, maskedCounts, stencil, cancellationToken: cancellationToken);
        var z = new double[values.Length];
        var p = new double[values.Length];
        Array.Fill(p, 1.0);
        // Equal values have no variance, though their mean may round a hair away from them: without
        // this, the rounding would be divided by itself into z-scores of any size.
        var s = n == 0 || min == max ? 0 : Math.Sqrt(squares / n);
        if (n > 1 && s > 0)
        {
            for (var i = 0; i < values.Length; i++)
            {
                if (!inArea[i])
                {
                    continue;
                }

                // Weights are 0/1 and counted by convolving the mask: Σw = Σw² = neighbours in the area.
                var w = Math.Round(neighbourCounts[i]);
                var denominator = s * Math.Sqrt(((n * w) - (w * w)) / (n - 1));
                if (denominator > 0)
                {
                    z[i] = (neighbourSums[i] - (mean * w)) / denominator;
                    p[i] = StandardNormal.TwoSidedP(z[i]);
                }
            }
        }

        // Only p-values at or below the largest α can be a threshold: those are sorted, not every
        // cell's (most cells of a large map are far from significant).
        var classes = new sbyte[values.Length];
        var smallestP = new List<double>();
        for (var i = 0; i < values.Length; i++)
        {
            if (inArea[i] && p[i] <= Levels[^1].Alpha)
            {
                smallestP.Add(p[i]);
            }
        }

        smallestP.Sort();
        foreach (var (alpha, level) in Levels)
        {
            var threshold = FalseDiscoveryThreshold(smallestP, alpha, n);
            for (var i = 0; i < values.Length; i++)
            {
                if (inArea[i] && classes[i] == 0 && p[i] <= threshold)
                {
                    classes[i] = (sbyte)(Math.Sign(z[i]) * level);
                }
            }
        }

        for (var i = 0; i < contributing.Length; i++)
        {
            contributing[i] = Math.Round(contributing[i]);
        }

        return new HotSpotResult(z, p, classes, contributing);
    }

    /// <summary>
    /// Benjamini-Hochberg: the largest sorted p-value p(k) with p(k) ≤ α·k/n; cells at or below it
    /// are significant. −1 (nothing significant) when there is none. <paramref name="sortedP"/> may
    /// hold only the smallest of the <paramref name="tests"/> p-values (every one at or below α
    /// among them): no larger one can be p(k), since α·k/n ≤ α.
    /// </summary>
    public static double FalseDiscoveryThreshold(IReadOnlyList<double> sortedP, double alpha, int? tests = null)
    {
        ArgumentNullException.ThrowIfNull(sortedP);
        var n = tests ?? sortedP.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(n, sortedP.Count, nameof(tests));
        for (var k = sortedP.Count; k >= 1; k--)
        {
            if (sortedP[k - 1] <= alpha * k / n)
            {
                return sortedP[k - 1];
            }
        }

        return -1;
    }
}
