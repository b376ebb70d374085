using MathNet.Numerics.Statistics;

namespace Geo.Core.HeatMaps;

/// <summary>Class breaks for colouring: quantiles, or Jenks natural breaks.</summary>
public static class ClassBreaks
{
    /// <summary>Natural breaks are found on at most this many values, taken evenly by rank (as desktop GIS samples).</summary>
    public const int NaturalBreaksSample = 2000;

    /// <summary>The upper bounds of classes 1 … k−1 (class k is above the last); empty when there are no values.</summary>
    public static double[] Compute(IReadOnlyList<double> values, int classes, ClassificationMethod method)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (values.Count == 0)
        {
            return [];
        }

        var copy = values.ToArray();
        if (method == ClassificationMethod.NaturalBreaks || copy.Any(double.IsNaN))
        {
            Array.Sort(copy);
            return method == ClassificationMethod.NaturalBreaks ? NaturalBreaks(Sample(copy), classes) : Quantiles(copy, classes);
        }

        // Quantiles need only the values at a few ranks: each is selected (Math.NET's order statistic,
        // which reorders the copy around it) instead of sorting every value (a map of 160,000 cells
        // spent 8% of its time sorting them).
        return [.. QuantileRanks(copy.Length, classes).Select(rank => ArrayStatistics.OrderStatisticInplace(copy, rank + 1))];
    }

    /// <summary>The class (1-based) of a value: the first class whose upper bound it does not exceed.</summary>
    public static int ClassOf(double value, double[] breaks)
    {
        ArgumentNullException.ThrowIfNull(breaks);
        var index = Array.BinarySearch(breaks, value);
        if (index < 0)
        {
            return ~index + 1;
        }

        // Equal breaks: the first of them.
        while (index > 0 && breaks[index - 1] == value)
        {
            index--;
        }

        return index + 1;
    }

    private static double[] Quantiles(double[] sorted, int classes) => [.. QuantileRanks(sorted.Length, classes).Select(rank => sorted[rank])];

    /// <summary>The rank (0-based, ascending) of each class's upper bound among <paramref name="count"/> values.</summary>
    private static int[] QuantileRanks(int count, int classes)
    {
        var ranks = new int[classes - 1];
        for (var i = 1; i < classes; i++)
        {
            ranks[i - 1] = Math.Clamp((int)Math.Ceiling((double)i * count / classes) - 1, 0, count - 1);
        }

        return ranks;
    }

    private static double[] Sample(double[] sorted)
    {
        if (sorted.Length <= NaturalBreaksSample)
        {
            return sorted;
        }

        var sample = new double[NaturalBreaksSample];
        for (var i = 0; i < sample.Length; i++)
        {
            sample[i] = sorted[(int)((long)i * (sorted.Length - 1) / (sample.Length - 1))];
        }

        return sample;
    }

    /// <summary>Fisher-Jenks: the classes that minimise the sum of squared deviations within classes, by dynamic programming.</summary>
    private static double[] NaturalBreaks(double[] sorted, int classes)
    {
        var n = sorted.Length;
        var k = Math.Min(classes, n);
        var prefix = new double[n + 1];
        var prefixSquares = new double[n + 1];
        for (var i = 0; i < n; i++)
        {
            prefix[i + 1] = prefix[i] + sorted[i];
            prefixSquares[i + 1] = prefixSquares[i] + (sorted[i] * sorted[i]);
        }

        double Cost(int from, int to)
        {
            var count = to - from;
            var sum = prefix[to] - prefix[from];
            return prefixSquares[to] - prefixSquares[from] - (sum * sum / count);
        }

        // best[j][i]: least cost of the first i values in j classes; split[j][i]: where the last class starts.
        var best = new double[k + 1][];
        var split = new int[k + 1][];
        for (var j = 0; j <= k; j++)
        {
            best[j] = new double[n + 1];
            split[j] = new int[n + 1];
            Array.Fill(best[j], double.PositiveInfinity);
        }

        best[0][0] = 0;
        for (var j = 1; j <= k; j++)
        {
            for (var i = j; i <= n; i++)
            {
                for (var start = j - 1; start < i; start++)
                {
                    var cost = best[j - 1][start] + Cost(start, i);
                    if (cost < best[j][i])
                    {
                        best[j][i] = cost;
                        split[j][i] = start;
                    }
                }
            }
        }

        var breaks = new double[classes - 1];
        var end = n;
        for (var j = k; j > 1; j--)
        {
            var start = split[j][end];
            breaks[j - 2] = sorted[start - 1];
            end = start;
        }

        // Fewer values than classes: the missing upper classes repeat the maximum.
        for (var j = k - 1; j < classes - 1; j++)
        {
            breaks[j] = sorted[n - 1];
        }

        return breaks;
    }
}
