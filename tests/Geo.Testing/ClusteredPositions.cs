namespace Geo.Testing;

/// <summary>
/// Where test observations fall, as a mission's reports do: most around a few places, the rest
/// anywhere. Positions are in the unit square, to be stretched over an area's envelope.
/// </summary>
public static class ClusteredPositions
{
    /// <summary>
    /// The next position: with probability <paramref name="clustered"/> near one of
    /// <paramref name="centres"/> (normal, <paramref name="spread"/> standard deviation), else uniform.
    /// </summary>
    public static (double U, double V) Next(Random random, IReadOnlyList<(double U, double V)> centres, double spread, double clustered = 0.7)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(centres);
        if (random.NextDouble() < clustered)
        {
            var (cu, cv) = centres[random.Next(centres.Count)];
            return (cu + (Gaussian(random) * spread), cv + (Gaussian(random) * spread));
        }

        return (random.NextDouble(), random.NextDouble());
    }

    /// <summary>A standard normal deviate (Box–Muller).</summary>
    public static double Gaussian(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
