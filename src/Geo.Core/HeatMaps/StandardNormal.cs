namespace Geo.Core.HeatMaps;

/// <summary>The standard normal distribution's tails, to double precision where p-values matter.</summary>
public static class StandardNormal
{
    /// <summary>Two-sided p-value of a z-score: P(|Z| ≥ |z|) = erfc(|z| / √2).</summary>
    public static double TwoSidedP(double z) => Math.Min(1, Erfc(Math.Abs(z) / Math.Sqrt(2)));

    /// <summary>
    /// The complementary error function: its Taylor series below 2 (where 1 − erf loses little),
    /// a continued fraction above (evaluated by the modified Lentz method).
    /// </summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x < 0)
        {
            return 2 - Erfc(-x);
        }

        if (x < 2)
        {
            var sum = x;
            var term = x;
            var squared = x * x;
            for (var n = 1; n < 200; n++)
            {
                term *= -squared / n;
                var next = term / ((2 * n) + 1);
                sum += next;
                if (Math.Abs(next) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }
            }

            return 1 - (2 / Math.Sqrt(Math.PI) * sum);
        }

        if (x > 27)
        {
            return 0;
        }

        // erfc(x) = exp(−x²)/√π · 1 / (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + …))))).
        const double tiny = 1e-300;
        var f = x;
        var c = x;
        var d = 0.0;
        for (var k = 1; k < 500; k++)
        {
            var a = k / 2.0;
            d = x + (a * d);
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + (a / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            var delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
