namespace Geo.Core.Privacy;

/// <summary>
/// Withholding of small aggregates (heat-map cells, area counts, disaggregated breakdowns) from
/// callers whose policy coarsens locations, after the keyed noise of <see cref="CountNoise"/>.
/// </summary>
/// <remarks>
/// <para>
/// A count of one or two in a small cell singles out an observation even when its point is
/// coarse, so counts below <see cref="LocationCoarsening.MinimumAggregateCount"/> are withheld.
/// Zero counts are withheld too: if zeros were shown and only 1 … minimum−1 hidden, "withheld"
/// would itself say "something is here".
/// </para>
/// <para>
/// The aggregates must be computed over coarse points (see <see cref="LocationCoarsening"/>),
/// so a heat map with tiny cells finds at most the coarse points, each withheld unless enough
/// observations share it.
/// </para>
/// </remarks>
public static class AggregateSuppression
{
    /// <summary>Whether <paramref name="count"/> is withheld from a caller with <paramref name="policy"/>. Never for exact callers.</summary>
    public static bool IsWithheld(long count, LocationCoarsening policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return policy.IsCoarsened && count < policy.MinimumAggregateCount;
    }

    /// <summary>The count, or null when it is withheld.</summary>
    public static long? Publishable(long count, LocationCoarsening policy) => IsWithheld(count, policy) ? null : count;

    /// <summary>
    /// A count over a set of observations as the caller may see it: exact for exact callers; for
    /// coarsened callers withheld (null) when the set is smaller than the minimum, and otherwise
    /// perturbed by the set's key (the sum of its record keys), never shown below the minimum.
    /// Whether a count is shown is decided on the true count, so that a figure never rests on
    /// fewer observations than the minimum, and a smaller set is never shown where a larger one
    /// that holds it is withheld.
    /// </summary>
    public static long? Publishable(long count, long setKey, LocationCoarsening policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!policy.IsCoarsened)
        {
            return count;
        }

        return IsWithheld(count, policy) ? null : Shown(count, setKey, policy);
    }

    /// <summary>A count that may be shown to a coarsened caller, as shown: perturbed by its set's key, at least the minimum.</summary>
    private static long Shown(long count, long setKey, LocationCoarsening policy) =>
        policy.NoiseRatio == 0 ? count : Math.Max(policy.MinimumAggregateCount, CountNoise.Perturb(count, setKey, policy.NoiseRatio));

    /// <summary>
    /// A breakdown whose total is also published: which parts are withheld is decided on the true
    /// counts as <see cref="SuppressBreakdown(IReadOnlyList{long}, LocationCoarsening)"/> does; the
    /// parts shown are perturbed by their own sets' keys.
    /// </summary>
    public static IReadOnlyList<long?> SuppressBreakdown(IReadOnlyList<long> parts, IReadOnlyList<long> setKeys, LocationCoarsening policy)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(setKeys);
        ArgumentNullException.ThrowIfNull(policy);
        var kept = SuppressBreakdown(parts, policy);
        return policy.IsCoarsened
            ? kept.Select((part, i) => part is { } shown ? Shown(shown, setKeys[i], policy) : (long?)null).ToList()
            : kept;
    }

    /// <summary>
    /// A sum carried by a count (people affected by the counted reports), scaled as the count was
    /// perturbed, so that the sum's difference between two requests is as blurred as the count's.
    /// </summary>
    public static long Scaled(long sum, long count, long published) =>
        count == 0 || published == count ? sum : (long)Math.Round((double)sum * published / count, MidpointRounding.AwayFromZero);

    /// <summary>
    /// A breakdown whose total is also published (by sex, by age group, by category): each part
    /// withheld when small, and, when that leaves exactly one part withheld, the next smallest part
    /// withheld as well, so that the hidden part cannot be recovered as the total minus the others.
    /// The total itself is checked with <see cref="IsWithheld"/>; when it is withheld, so is every part.
    /// </summary>
    public static IReadOnlyList<long?> SuppressBreakdown(IReadOnlyList<long> parts, LocationCoarsening policy)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(policy);
        var result = new long?[parts.Count];
        var withheld = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            if (IsWithheld(parts[i], policy))
            {
                withheld++;
            }
            else
            {
                result[i] = parts[i];
            }
        }

        if (withheld == 1 && parts.Count > 1)
        {
            // Complementary suppression: hide the smallest part still shown.
            var smallest = -1;
            for (var i = 0; i < parts.Count; i++)
            {
                if (result[i] is { } shown && (smallest < 0 || shown < result[smallest]!.Value))
                {
                    smallest = i;
                }
            }

            result[smallest] = null;
        }

        return result;
    }
}
