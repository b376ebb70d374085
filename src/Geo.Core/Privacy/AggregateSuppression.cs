namespace Geo.Core.Privacy;

/// <summary>
/// Withholding of small aggregates (heat-map cells, area counts, disaggregated breakdowns) from
/// callers whose policy coarsens locations.
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
