namespace Geo.Core.Privacy;

/// <summary>
/// Keyed perturbation of the counts a caller without exact locations receives, by the cell key
/// method of the Australian Bureau of Statistics and the UK's 2021 census tables: every
/// observation carries a secret random record key, a count's set key is the sum of the record keys
/// of the observations it counts, and the noise added to the count is drawn from that set key.
/// </summary>
/// <remarks>
/// <para>
/// Why it is drawn from the set: the same observations always get the same noise, however the
/// request that counted them was shaped (another box with the same reports in it, the same period
/// asked twice, a thousand repeats), so there is nothing to average away. Two requests whose sets
/// differ, even by one report, get independent noise, so their difference no longer isolates a
/// small count: two totals of 6 and 5 over an area and the same area with a 2 m hole used to give
/// the hole's withheld count of 1; now they come back as, say, 7 and 4 (withheld), or 6 and 6.
/// </para>
/// <para>
/// The noise is two-sided geometric (the discrete Laplace mechanism): P(δ = k) ∝ ratio^|k|, so a
/// count is as likely to go up as down, its expected value is the true count, and no difference
/// is ruled out for any true count. Whether a count is shown is decided on the true count
/// (<see cref="AggregateSuppression.Publishable(long, long, LocationCoarsening)"/>), and a count
/// shown is never below the minimum. What one pair of requests can still tell: that their sets
/// differ (a hole is not empty), never that fewer than the minimum tell them apart. What many
/// pairs can tell: each distinct pair is an independent draw, so someone who can shape many
/// different requests around the same few reports can average their differences away; the
/// location of any report singled out that way is still only its coarse point.
/// </para>
/// </remarks>
public static class CountNoise
{
    /// <summary>The default ratio of the geometric noise: P(0) = 1/3, P(±1) = 1/6 each, P(±2) = 1/12 each, ...; standard deviation 2.</summary>
    public const double DefaultRatio = 0.5;

    /// <summary>The smallest record key; 0 is never used, so that no report leaves a set key unchanged.</summary>
    public const int MinimumRecordKey = 1;

    /// <summary>
    /// The count as published: <paramref name="count"/> plus the noise that <paramref name="setKey"/>
    /// draws, never below 0. An empty set (count 0) stays 0.
    /// </summary>
    /// <param name="count">The true count.</param>
    /// <param name="setKey">The sum of the record keys of the counted observations.</param>
    /// <param name="ratio">The geometric ratio, in (0, 1): larger is noisier.</param>
    public static long Perturb(long count, long setKey, double ratio)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        CheckRatio(ratio);
        return count == 0 ? 0 : Math.Max(0, count + Noise(setKey, ratio));
    }

    /// <summary>The noise <paramref name="setKey"/> draws: two-sided geometric with <paramref name="ratio"/>.</summary>
    public static long Noise(long setKey, double ratio)
    {
        CheckRatio(ratio);
        var bits = Mix(unchecked((ulong)setKey));
        var zero = (1 - ratio) / (1 + ratio);
        var u = (bits >> 11) * (1.0 / (1UL << 53));
        if (u < zero)
        {
            return 0;
        }

        // The rest of [0, 1) splits into two halves, one per sign, each a geometric magnitude from 1.
        var v = (u - zero) / (1 - zero);
        var negative = v < 0.5;
        var w = negative ? 2 * v : (2 * v) - 1;
        var magnitude = 1 + (long)Math.Floor(Math.Log(1 - w) / Math.Log(ratio));
        return negative ? -magnitude : magnitude;
    }

    /// <summary>SplitMix64's finaliser: every bit of the set key moves every bit of the draw.</summary>
    private static ulong Mix(ulong x)
    {
        unchecked
        {
            var z = x + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    private static void CheckRatio(double ratio)
    {
        if (!double.IsFinite(ratio) || ratio is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "the noise ratio must be between 0 and 1.");
        }
    }
}
