using System.Text;
using Geo.Core.Indicators;
using Geo.Core.Validation;

namespace Geo.Exporters.Indicators;

/// <summary>The export formats. The numbers are the API's enum values.</summary>
public enum IndicatorFormat
{
    Csv = 1,
    Json = 2,
}

/// <summary>
/// An indicator report written as a document to download: what gRPC Export and GET /indicators
/// both answer, so that the two give the same bytes for the same report.
/// </summary>
public sealed record IndicatorDocument(byte[] Content, string ContentType, string FileName)
{
    public const string CsvContentType = "text/csv; charset=utf-8";
    public const string JsonContentType = "application/json";

    public static IndicatorDocument Write(IndicatorReport report, IndicatorFormat format, bool hxl)
    {
        ArgumentNullException.ThrowIfNull(report);
        return format switch
        {
            IndicatorFormat.Csv => new IndicatorDocument(IndicatorCsv.Write(report, hxl), CsvContentType, FileNameOf(report, "csv")),
            IndicatorFormat.Json => new IndicatorDocument(IndicatorJson.Write(report), JsonContentType, FileNameOf(report, "json")),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not an export format"),
        };
    }

    /// <summary>A format named in a query string: csv (the default: focal points open it in Excel) or json, any case.</summary>
    public static IndicatorFormat ReadFormat(string? text, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrEmpty(text) || string.Equals(text, "csv", StringComparison.OrdinalIgnoreCase))
        {
            return IndicatorFormat.Csv;
        }

        if (string.Equals(text, "json", StringComparison.OrdinalIgnoreCase))
        {
            return IndicatorFormat.Json;
        }

        errors.Add("format", $"'{text}' is not an export format: csv or json");
        return IndicatorFormat.Csv;
    }

    /// <summary>The HXL hashtag row is a CSV row: asking for it with JSON is a mistake worth naming.</summary>
    public static void CheckHxl(IndicatorFormat format, bool hxl, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (hxl && format != IndicatorFormat.Csv)
        {
            errors.Add("hxl", "the HXL hashtag row is for CSV only; leave hxl unset with JSON");
        }
    }

    /// <summary>
    /// "geoawareness-indicators-2026-Q3-sector[-ID][-events].csv" (events: counted with
    /// count_events, so the file is not taken for the reports' figures), with anything but letters,
    /// digits, '.', '_' and '-' made '_'.
    /// </summary>
    private static string FileNameOf(IndicatorReport report, string extension)
    {
        var unit = report.UnitId is { } id ? "-" + id : string.Empty;
        var events = report.CountEvents ? "-events" : string.Empty;
        var name = new StringBuilder($"geoawareness-indicators-{report.Period.Label}-{IndicatorQuestion.Name(report.Level)}{unit}{events}");
        for (var i = 0; i < name.Length; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(name[i]) || name[i] is '.' or '_' or '-'))
            {
                name[i] = '_';
            }
        }

        return $"{name}.{extension}";
    }
}
