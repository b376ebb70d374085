using System.Globalization;

namespace Geo.Storage.Observations;

/// <summary>
/// The people affected as PostgreSQL writes the int[] in text, <c>{0,3,0,...}</c>: how every read
/// of observations takes them. PostgreSQL writes the text faster than the binary array or twelve
/// subscripts (about 0.7, 0.9 and 1.7 s a million rows here), and parsing it costs a fraction of
/// Npgsql's decoding of either.
/// </summary>
internal static class AffectedText
{
    /// <summary>The column's text; the twelve counts of <c>affected</c>.</summary>
    public const string Column = "affected::text";

    /// <summary>Twelve int4 in text are at most 133 characters.</summary>
    public const int MaxLength = 256;

    public static void Parse(ReadOnlySpan<char> text, Span<int> counts)
    {
        if (text.Length < 2 || text[0] != '{' || text[^1] != '}')
        {
            throw new FormatException($"not an array of counts: {text}");
        }

        var inner = text[1..^1];
        var cell = 0;
        foreach (var range in inner.Split(','))
        {
            if (cell == counts.Length)
            {
                throw new FormatException($"more than {counts.Length} counts: {text}");
            }

            if (!int.TryParse(inner[range], NumberStyles.None, CultureInfo.InvariantCulture, out counts[cell++]))
            {
                throw new FormatException($"not a count at {cell}: {text}");
            }
        }

        if (cell != counts.Length)
        {
            throw new FormatException($"{cell} counts where {counts.Length} are stored: {text}");
        }
    }
}
