using System.Globalization;
using Geo.Core.Privacy;
using Xunit;
using Xunit.Abstractions;

namespace Geo.Core.Tests.Privacy;

/// <summary>
/// The keyed noise on counts for callers without exact locations, and the differencing attack of
/// issue 16 against it: two totals that are both shown (6 and 5, over an area and the same area
/// with a 2 m hole) used to give the withheld count of the hole (1).
/// </summary>
public sealed class CountNoiseTests(ITestOutputHelper output)
{
    private static readonly LocationCoarsening Policy = LocationCoarsening.Displacement();

    [Fact]
    public void Noise_IsTwoSidedGeometric_CentredOnZero()
    {
        var random = new Random(1);
        var seen = new Dictionary<long, int>();
        const int draws = 200_000;
        for (var i = 0; i < draws; i++)
        {
            var noise = CountNoise.Noise(random.NextInt64(), CountNoise.DefaultRatio);
            seen[noise] = seen.GetValueOrDefault(noise) + 1;
        }

        // P(k) = (1 - r) / (1 + r) * r^|k| with r = 1/2: 1/3, 1/6, 1/12, 1/24 ...
        foreach (var k in new long[] { -3, -2, -1, 0, 1, 2, 3 })
        {
            var expected = (1.0 / 3) * Math.Pow(0.5, Math.Abs(k));
            Assert.InRange(seen.GetValueOrDefault(k) / (double)draws, expected * 0.95, expected * 1.05);
        }

        Assert.InRange(seen.Sum(s => s.Key * (double)s.Value) / draws, -0.02, 0.02);
    }

    [Fact]
    public void TheSameSet_IsShownTheSameNumberEveryTime_SoRepeatingCannotAverageTheNoiseAway()
    {
        var random = new Random(2);
        for (var i = 0; i < 1_000; i++)
        {
            var count = random.Next(5, 200);
            var key = random.NextInt64();
            var first = AggregateSuppression.Publishable(count, key, Policy);
            Assert.Equal(first, AggregateSuppression.Publishable(count, key, Policy));
        }
    }

    [Fact]
    public void WhetherACountIsShown_IsDecidedOnTheTrueCount_AndAShownCountIsNeverBelowTheMinimum()
    {
        var random = new Random(3);
        for (var count = 0; count < 40; count++)
        {
            for (var i = 0; i < 200; i++)
            {
                var shown = AggregateSuppression.Publishable(count, random.NextInt64(), Policy);
                Assert.Equal(count < Policy.MinimumAggregateCount, shown is null);
                Assert.True(shown is null || shown >= Policy.MinimumAggregateCount);
            }
        }

        // Exact callers get the count itself.
        Assert.Equal(3, AggregateSuppression.Publishable(3, 12345, LocationCoarsening.Exact));
    }

    /// <summary>
    /// The attack of issue 16 over many independent sets: an area of 6 and the same area with a
    /// hole holding 1. Without noise the difference was the hole's count every time. With it the
    /// difference is the hole's count about one time in five, and often says nothing (0) or the
    /// opposite of "few" (5 or more) — while, with a hole of 5, the same differences come up too.
    /// </summary>
    [Fact]
    public void DifferencingTwoShownTotals_RecoversTheHolesCountOfOne_OnlyByChance()
    {
        var random = new Random(4);
        const int trials = 20_000;
        var exact = 0;
        var misleading = 0;
        var differencesOfOne = new Dictionary<long, int>();
        var differencesOfFive = new HashSet<long>();
        for (var i = 0; i < trials; i++)
        {
            var hole = NextKey(random);
            var rest = Enumerable.Range(0, 5).Sum(_ => (long)NextKey(random));
            var area = AggregateSuppression.Publishable(6, rest + hole, Policy)!.Value;
            var withHole = AggregateSuppression.Publishable(5, rest, Policy)!.Value;
            var difference = area - withHole;
            differencesOfOne[difference] = differencesOfOne.GetValueOrDefault(difference) + 1;
            exact += difference == 1 ? 1 : 0;
            misleading += difference is <= 0 or >= 5 ? 1 : 0;

            var bigHole = Enumerable.Range(0, 5).Sum(_ => (long)NextKey(random));
            differencesOfFive.Add(AggregateSuppression.Publishable(10, rest + bigHole, Policy)!.Value - withHole);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hole of 1 under an area of 6: difference = 1 in {100.0 * exact / trials:F1}% of {trials} sets, 0 or less or 5 or more in {100.0 * misleading / trials:F1}%"));
        Assert.InRange(exact / (double)trials, 0.1, 0.35);
        Assert.True(misleading / (double)trials > 0.2, $"{misleading} misleading differences");
        // Every difference a hole of one gives in more than 1 set in 1,000 also comes from a hole of five.
        var onlyFromOne = differencesOfOne.Where(d => d.Value > trials / 1_000 && !differencesOfFive.Contains(d.Key)).Select(d => d.Key).ToList();
        Assert.True(onlyFromOne.Count == 0, string.Join(", ", onlyFromOne));
    }

    private static int NextKey(Random random) => random.Next(CountNoise.MinimumRecordKey, int.MaxValue);
}
