using System.Text;
using Geo.Core.Indicators;
using Geo.Exporters.Csv;

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
        CsvRow.Append(text, IndicatorRows.Columns.Select(c => c.Name));
        if (hxl)
        {
            CsvRow.Append(text, IndicatorRows.Columns.Select(c => c.Hxl));
        }

        foreach (var row in IndicatorRows.Of(report))
        {
            CsvRow.Append(text, row.Select(c => c.IsNumber ? c.Text : CsvRow.Neutralised(c.Text)));
        }

        return [.. Utf8WithMark.GetPreamble(), .. Utf8WithMark.GetBytes(text.ToString())];
    }
}
