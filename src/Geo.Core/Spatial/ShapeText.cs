using System.Globalization;

namespace Geo.Core.Spatial;

/// <summary>
/// One linear pass over a geometry's text that measures what the readers would build — nesting
/// depth, parts, vertices — without building anything, so that <see cref="ShapeLimits"/> are
/// checked before a recursive parser is let near the text. The counts are exact for well-formed
/// text and never smaller than what a parser could make of malformed text.
/// </summary>
internal static class ShapeText
{
    /// <summary>Why a WKT text is refused before parsing, or null.</summary>
    public static string? CheckWkt(string text, ShapeLimits limits)
    {
        if (TooLong(text, limits) is { } tooLong)
        {
            return tooLong;
        }

        // Per open parenthesis: whether it holds coordinates (its first token is a number), so
        // that its commas separate vertices rather than parts.
        var holdsCoordinates = new List<bool>();
        var maxDepth = 0;
        var parts = 0L;
        var vertices = 0L;
        var ended = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is > '~' or (< ' ' and not ('\t' or '\n' or '\r')))
            {
                // NTS's tokenizer indexes a table of 256 characters: anything beyond it threw
                // IndexOutOfRangeException (an UNKNOWN status) before this check.
                var replacement = c == '\uFFFD' ? " (what an invalid UTF-8 byte reads as)" : string.Empty;
                return Invariant($"has the character U+{(int)c:X4}{replacement} at offset {i}; WKT is printable ASCII");
            }

            if (ended && !char.IsWhiteSpace(c) && c != ')')
            {
                return Invariant($"has more text after the geometry ends, at offset {i}: give one geometry (a MULTIPOLYGON or GEOMETRYCOLLECTION for several)");
            }

            switch (c)
            {
                case '(':
                    var coordinates = StartsWithNumber(text, i + 1);
                    holdsCoordinates.Add(coordinates);
                    maxDepth = Math.Max(maxDepth, holdsCoordinates.Count);
                    if (coordinates)
                    {
                        parts++;
                        vertices++;
                    }

                    break;
                case ')':
                    if (holdsCoordinates.Count == 0)
                    {
                        return Invariant($"has a ')' at offset {i} that closes nothing");
                    }

                    holdsCoordinates.RemoveAt(holdsCoordinates.Count - 1);
                    ended = holdsCoordinates.Count == 0;
                    break;
                case ',' when holdsCoordinates.Count > 0 && holdsCoordinates[^1]:
                    vertices++;
                    break;
            }
        }

        return Counted(maxDepth, parts, vertices, limits);
    }

    /// <summary>Why a GeoJSON text is refused before parsing, or null.</summary>
    public static string? CheckGeoJson(string text, ShapeLimits limits)
    {
        if (TooLong(text, limits) is { } tooLong)
        {
            return tooLong;
        }

        // Per open bracket or brace: whether it is an array whose first element is an array (a
        // list of positions, when that element turns out to be a position).
        var listsOfArrays = new List<bool>();
        var maxDepth = 0;
        var parts = 0L;
        var vertices = 0L;
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }

                return Invariant($"has an unpaired UTF-16 surrogate U+{(int)c:X4} at offset {i}");
            }

            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{':
                    listsOfArrays.Add(false);
                    maxDepth = Math.Max(maxDepth, listsOfArrays.Count);
                    break;
                case '[':
                    var next = NextSignificant(text, i + 1);
                    if (next is '-' or (>= '0' and <= '9'))
                    {
                        // A position: the first of a new list of positions, the next one of the
                        // current list, or a point of its own.
                        vertices++;
                        var inList = listsOfArrays.Count > 0 && listsOfArrays[^1];
                        if (!inList || PreviousSignificant(text, i - 1) == '[')
                        {
                            parts++;
                        }
                    }

                    listsOfArrays.Add(next == '[');
                    maxDepth = Math.Max(maxDepth, listsOfArrays.Count);
                    break;
                case '}' or ']':
                    if (listsOfArrays.Count > 0)
                    {
                        listsOfArrays.RemoveAt(listsOfArrays.Count - 1);
                    }

                    break;
            }
        }

        return Counted(maxDepth, parts, vertices, limits);
    }

    private static string? TooLong(string text, ShapeLimits limits) =>
        text.Length > limits.MaxTextChars ? Invariant($"has {text.Length} characters; at most {limits.MaxTextChars}") : null;

    private static string? Counted(int depth, long parts, long vertices, ShapeLimits limits) =>
        depth > limits.MaxDepth ? Invariant($"nests {depth} levels deep; at most {limits.MaxDepth}")
        : parts > limits.MaxParts ? Invariant($"has {parts} parts (rings, lines or points); at most {limits.MaxParts}")
        : vertices > limits.MaxVertices ? Invariant($"has {vertices} vertices; at most {limits.MaxVertices}")
        : null;

    /// <summary>
    /// Whether the token after <paramref name="start"/> is a number as NTS reads one (digits, a
    /// sign, a point, NaN, Infinity) rather than a geometry's tag (POINT, EMPTY, ...) or a parenthesis.
    /// </summary>
    private static bool StartsWithNumber(string text, int start) =>
        NextSignificant(text, start) is (>= '0' and <= '9') or '-' or '+' or '.' or 'N' or 'n' or 'I' or 'i';

    private static char NextSignificant(string text, int start)
    {
        for (var i = start; i < text.Length; i++)
        {
            if (!char.IsWhiteSpace(text[i]))
            {
                return text[i];
            }
        }

        return '\0';
    }

    private static char PreviousSignificant(string text, int start)
    {
        for (var i = start; i >= 0; i--)
        {
            if (!char.IsWhiteSpace(text[i]))
            {
                return text[i];
            }
        }

        return '\0';
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
