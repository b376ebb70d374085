using System.Text;
using Geo.Core.Indicators;

namespace Geo.Exporters.Indicators;

/// <summary>
/// Indicators as CSV (RFC 4180): a header row, optionally a row of HXL hashtags so that
/// humanitarian tools (HDX, the HXL Proxy) know each column, then one row per indicator × unit ×
/// disaggregation. UTF-8 with a byte-order mark (Excel otherwise reads sector names in the
/// system's code page), CRLF line ends, fields quoted when they hold a comma, quote or line break.
/// </summary>
internal static class IndicatorCsv
{
    private static readonly UTF8Encoding Utf8WithMark = new(encoderShouldEmitUTF8Identifier: true);

    public static byte[] Write(IndicatorReport report, bool hxl)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder(64 * 1024);
        Line(text, IndicatorRows.Columns.Select(c => c.Name));
        if (hxl)
        {
            Line(text, IndicatorRows.Columns.Select(c => c.Hxl));
        }

        foreach (var row in IndicatorRows.Of(report))
        {
            Line(text, row.Select(c => c.IsNumber ? c.Text : Neutralised(c.Text)));
        }

        return [.. Utf8WithMark.GetPreamble(), .. Utf8WithMark.GetBytes(text.ToString())];
    }

    private static void Line(StringBuilder text, IEnumerable<string> fields)
    {
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
    /// and LibreOffice show as text. Numbers are never touched; the JSON keeps the text as it is.
    /// </summary>
    internal static string Neutralised(string text) =>
        text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
}
