using System.Diagnostics;

namespace Geo.Exporters.GeoJson.Internal;

/// <summary>
/// Longitudes and latitudes as JSON numbers with at most 6 decimals (about 0.1 m, RFC 7946 §11.2),
/// in plain decimal notation: no exponent, no trailing zeros, no negative zero.
/// </summary>
internal static class CoordinateFormat
{
    /// <summary>Longest text of one value: sign, 3 integer digits, point, 6 decimals, with room to spare.</summary>
    public const int MaxLength = 24;

    /// <summary>Longest text of a position, "[x,y]".</summary>
    public const int MaxPositionLength = (2 * MaxLength) + 3;

    private const double Scale = 1e6;
    private const uint DecimalsScale = 1_000_000;

    /// <summary>
    /// Writes <paramref name="value"/> rounded to 6 decimals, half away from zero. The steps are those
    /// of Math.Round(value, 6, MidpointRounding.AwayFromZero) (scale by 1e6 in double, round, divide), so
    /// the text parses back to exactly that double rather than to a neighbour of it.
    /// </summary>
    public static int Write(double value, Span<byte> destination)
    {
        // Callers pass checked longitudes and latitudes; the bound keeps the scaled value exact in a long.
        Debug.Assert(double.IsFinite(value) && Math.Abs(value) < 1e12, "a checked coordinate");
        var scaled = (long)Math.Round(value * Scale, MidpointRounding.AwayFromZero);
        var length = 0;
        if (scaled < 0)
        {
            destination[length++] = (byte)'-';
        }

        var magnitude = (ulong)Math.Abs(scaled);
        var whole = magnitude / DecimalsScale;
        var fraction = (uint)(magnitude - (whole * DecimalsScale));
        length += WriteDigits(whole, destination[length..]);
        if (fraction == 0)
        {
            return length;
        }

        var decimals = 6;
        while (fraction % 10 == 0)
        {
            fraction /= 10;
            decimals--;
        }

        destination[length++] = (byte)'.';
        for (var i = length + decimals - 1; i >= length; i--)
        {
            destination[i] = (byte)('0' + (fraction % 10));
            fraction /= 10;
        }

        return length + decimals;
    }

    /// <summary>Writes "[x,y]".</summary>
    public static int WritePosition(double x, double y, Span<byte> destination)
    {
        destination[0] = (byte)'[';
        var length = 1 + Write(x, destination[1..]);
        destination[length++] = (byte)',';
        length += Write(y, destination[length..]);
        destination[length++] = (byte)']';
        return length;
    }

    private static int WriteDigits(ulong value, Span<byte> destination)
    {
        var digits = 1;
        for (var rest = value / 10; rest != 0; rest /= 10)
        {
            digits++;
        }

        for (var i = digits - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }

        return digits;
    }
}
