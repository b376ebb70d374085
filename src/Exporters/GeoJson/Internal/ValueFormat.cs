using System.Globalization;

namespace Geo.Exporters.GeoJson.Internal;

/// <summary>Property values that System.Text.Json would write in a form readers type wrongly.</summary>
internal static class ValueFormat
{
    /// <summary>Longest text of a double: 17 significant digits, sign, point, exponent, ".0".</summary>
    public const int MaxDoubleLength = 32;

    /// <summary>Longest quoted time: "yyyy-MM-ddTHH:mm:ss.fffffffZ" with its quotes.</summary>
    public const int MaxQuotedTimeLength = 30;

    /// <summary>
    /// The shortest text that reads back as <paramref name="value"/>, with ".0" added to whole numbers:
    /// written as "3", a column of whole doubles is typed Integer by GDAL and by readers built on it,
    /// and a feed's double column must stay a Real column whatever values a page happens to hold.
    /// </summary>
    public static int WriteDouble(double value, Span<byte> destination)
    {
        if (!value.TryFormat(destination, out var length, default, CultureInfo.InvariantCulture))
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

    private static void Digits(int value, int count, Span<byte> destination)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
