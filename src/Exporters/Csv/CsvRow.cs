using System.Text;

namespace Geo.Exporters.Csv;

/// <summary>One RFC 4180 record: fields quoted when they hold a comma, a quote or a line break, CRLF at the end.</summary>
public static class CsvRow
{
    public static void Append(StringBuilder text, IEnumerable<string> fields)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fields);
        var first = true;
        foreach (var field in fields)
        {
            if (!first)
            {
                text.Append(',');
            }

            first = false;
            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                text.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                text.Append(field);
            }
        }

        text.Append("\r\n");
    }

    /// <summary>
    /// Text that a spreadsheet would run as a formula (it begins with =, +, -, @, a tab or a carriage
    /// return: a base named "=HYPERLINK(...)" in the registry) gets a leading apostrophe, which Excel
    /// and LibreOffice show as text. Numbers are never passed here; JSON keeps the text as it is.
    /// </summary>
    public static string Neutralised(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
    }
}
