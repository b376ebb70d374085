using System.Globalization;
using System.Text.Json;

namespace Geo.Exporters.GeoJson.Internal;

/// <summary>Property values that System.Text.Json would write in a form readers type wrongly.</summary>
internal static class ValueFormat
{
    /// <summary>Longest text of a double: 17 significant digits, sign, point, exponent, ".0".</summary>
    public const int MaxDoubleLength = 32;

    /// <summary>Longest quoted time: "yyyy-MM-ddTHH:mm:ss.fffffffZ" with its quotes.</summary>
    public const int MaxQuotedTimeLength = 30;

    private const int MaxFewDecimals = 9;
    private const double ExactIntegers = 9_007_199_254_740_992; // 2^53

    private static readonly double[] PowersOfTen = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

    /// <summary>
    /// The next value of <paramref name="json"/> as <see cref="WriteDouble"/> writes it; NaN and
    /// infinities, which JSON has no number for, as null. For properties and foreign members alike.
    /// </summary>
    public static void WriteDoubleValue(Utf8JsonWriter json, double value)
    {
        if (!double.IsFinite(value))
        {
            json.WriteNullValue();
            return;
        }

        Span<byte> text = stackalloc byte[MaxDoubleLength];
        json.WriteRawValue(text[..WriteDouble(value, text)], skipInputValidation: true);
    }

    /// <summary>The next value of <paramref name="json"/> as <see cref="WriteQuotedTime"/> writes it, or null.</summary>
    public static void WriteTimeValue(Utf8JsonWriter json, DateTimeOffset? value)
    {
        if (value is not { } time)
        {
            json.WriteNullValue();
            return;
        }

        Span<byte> text = stackalloc byte[MaxQuotedTimeLength];
        json.WriteRawValue(text[..WriteQuotedTime(time, text)], skipInputValidation: true);
    }

    /// <summary>
    /// A text that reads back as exactly <paramref name="value"/>, with a point or exponent always:
    /// written as "3", a column of whole doubles is typed Integer by GDAL and by readers built on it,
    /// and a feed's real column must stay Real whatever values a page happens to hold. Zero of
    /// either sign is "0.0".
    /// </summary>
    public static int WriteDouble(double value, Span<byte> destination)
    {
        if (value == 0)
        {
            "0.0"u8.CopyTo(destination);
            return 3;
        }

        var length = TryWriteFewDecimals(value, destination);
        if (length > 0)
        {
            return length;
        }

        if (!value.TryFormat(destination, out length, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("a double needs more room than its longest text");
        }

        if (destination[..length].IndexOfAny((byte)'.', (byte)'E') < 0)
        {
            destination[length++] = (byte)'.';
            destination[length++] = (byte)'0';
        }

        return length;
    }

    /// <summary>
    /// "yyyy-MM-ddTHH:mm:ss[.fffffff]Z" in quotes, in UTC, the fraction only when there is one and
    /// without trailing zeros: the ISO 8601 form that GDAL types as DateTime.
    /// </summary>
    public static int WriteQuotedTime(DateTimeOffset value, Span<byte> destination)
    {
        var utc = value.UtcDateTime;
        var (year, month, day) = utc;
        var time = utc.TimeOfDay;
        destination[0] = (byte)'"';
        Digits(year, 4, destination[1..]);
        destination[5] = (byte)'-';
        Digits(month, 2, destination[6..]);
        destination[8] = (byte)'-';
        Digits(day, 2, destination[9..]);
        destination[11] = (byte)'T';
        Digits(time.Hours, 2, destination[12..]);
        destination[14] = (byte)':';
        Digits(time.Minutes, 2, destination[15..]);
        destination[17] = (byte)':';
        Digits(time.Seconds, 2, destination[18..]);
        var length = 20;
        var fraction = (int)(time.Ticks % TimeSpan.TicksPerSecond);
        if (fraction != 0)
        {
            var digits = 7;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }

            destination[length++] = (byte)'.';
            Digits(fraction, digits, destination[length..]);
            length += digits;
        }

        destination[length++] = (byte)'Z';
        destination[length++] = (byte)'"';
        return length;
    }

    /// <summary>
    /// Feed reals mostly have a few decimals (intensities, distances, scores), and the general
    /// shortest-text formatter costs several times more than the rest of a property. For m, the
    /// integer nearest value·10^k and below 2^53, m / 10^k in double is the double nearest the
    /// decimal m·10^-k, as parsing that decimal is: when it equals the value, the decimal reads back
    /// exactly, and the first k that passes is the shortest such text. Returns 0 when no k up to
    /// <see cref="MaxFewDecimals"/> passes.
    /// </summary>
    private static int TryWriteFewDecimals(double value, Span<byte> destination)
    {
        var magnitude = Math.Abs(value);
        if (magnitude is >= ExactIntegers or < 1e-9)
        {
            return 0;
        }

        for (var decimals = 0; decimals <= MaxFewDecimals; decimals++)
        {
            var scaled = magnitude * PowersOfTen[decimals];
            if (scaled >= ExactIntegers)
            {
                return 0;
            }

            var candidate = Math.Round(scaled);
            if (candidate / PowersOfTen[decimals] == magnitude)
            {
                return WriteScaled(value < 0, (ulong)candidate, decimals, destination);
            }
        }

        return 0;
    }

    private static int WriteScaled(bool negative, ulong scaled, int decimals, Span<byte> destination)
    {
        // m·10^-k is sometimes found first at a k past the shortest; the zeros it adds say nothing.
        while (decimals > 0 && scaled % 10 == 0)
        {
            scaled /= 10;
            decimals--;
        }

        var digits = 1;
        for (var rest = scaled / 10; rest != 0; rest /= 10)
        {
            digits++;
        }

        // At least one digit before the point, and ".0" for a whole number.
        var fractionDigits = Math.Max(decimals, 1);
        var wholeDigits = Math.Max(digits - decimals, 1);
        var length = (negative ? 1 : 0) + wholeDigits + 1 + fractionDigits;
        var position = length - 1;
        if (decimals == 0)
        {
            destination[position--] = (byte)'0';
        }

        for (var i = 0; i < decimals; i++)
        {
            destination[position--] = (byte)('0' + (scaled % 10));
            scaled /= 10;
        }

        destination[position--] = (byte)'.';
        for (var i = 0; i < wholeDigits; i++)
        {
            destination[position--] = (byte)('0' + (scaled % 10));
            scaled /= 10;
        }

        if (negative)
        {
            destination[position] = (byte)'-';
        }

        return length;
    }

    private static void Digits(int value, int count, Span<byte> destination)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
