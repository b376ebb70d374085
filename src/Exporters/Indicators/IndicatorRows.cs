using System.Globalization;
using Geo.Core.Indicators;

namespace Geo.Exporters.Indicators;

/// <summary>
/// The report as the rows of the CSV: one per indicator × unit × disaggregation (the total first),
/// with the column names both formats share and the HXL hashtag of each column. Values are the
/// invariant texts both writers print: dates as YYYY-MM-DD, times as UTC ISO 8601 to the second,
/// numbers as the shortest text that reads back as the same double.
/// </summary>
internal static class IndicatorRows
{
    public static IReadOnlyList<(string Name, string Hxl)> Columns { get; } =
    [
        ("period", "#meta+period"),
        ("period_start", "#date+start"),
        ("period_end", "#date+end"),
        ("evaluated_on", "#date+evaluated"),
        ("level", "#meta+level"),
        ("sector", "#adm1+name"),
        ("base_id", "#loc+code"),
        ("base_name", "#loc+name"),
        ("indicator_code", "#indicator+code"),
        ("indicator_title", "#indicator+name"),
        ("unit_of_measure", "#indicator+unit"),
        ("disaggregation", "#indicator+disaggregation"),
        ("disaggregation_key", "#indicator+disaggregation+code"),
        ("sex", "#meta+sex"),
        ("age_group", "#meta+age"),
        ("hxl_group", "#meta+hxl"),
        ("value", "#indicator+value+num"),
        ("numerator", "#indicator+numerator+num"),
        ("denominator", "#indicator+denominator+num"),
        ("withheld", "#indicator+withheld"),
        ("baseline", "#indicator+baseline+num"),
        ("target", "#indicator+target+num"),
        ("data_source", "#meta+source"),
        ("computed_at", "#date+computed"),
    ];

    /// <summary>A cell: text, or a number (never neutralised against spreadsheet formulas), or empty.</summary>
    public readonly record struct Cell(string Text, bool IsNumber)
    {
        public static readonly Cell Empty = new(string.Empty, false);

        public static Cell Of(string text) => new(text, false);

        public static Cell Of(long? number) => number is { } n ? new(n.ToString(CultureInfo.InvariantCulture), true) : Empty;

        public static Cell Of(double? number) => number is { } n ? new(Number(n), true) : Empty;

        public static Cell Of(bool flag) => new(flag ? "true" : "false", false);
    }

    public static IEnumerable<Cell[]> Of(IndicatorReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var period = Cell.Of(report.Period.Label);
        var start = Cell.Of(Date(report.Period.First));
        var end = Cell.Of(Date(report.Period.Last));
        var evaluated = Cell.Of(Date(report.EvaluatedOn));
        var level = Cell.Of(IndicatorQuestion.Name(report.Level));
        var computed = Cell.Of(Time(report.ComputedAt));
        foreach (var unit in report.Units)
        {
            foreach (var value in unit.Values)
            {
                var definition = value.Definition;
                Cell[] Row(Disaggregation? part, Cell figure, Cell numerator, Cell denominator, bool withheld) =>
                [
                    period, start, end, evaluated, level, Cell.Of(unit.Sector), Cell.Of(unit.BaseId), Cell.Of(unit.BaseName),
                    Cell.Of(definition.Code), Cell.Of(definition.Title), Cell.Of(definition.Unit),
                    Cell.Of(part?.DimensionName ?? "total"), Cell.Of(part?.Key ?? string.Empty),
                    Cell.Of(part?.Sex is { } sex ? Disaggregation.SexName(sex) : string.Empty), Cell.Of(part?.Age is { } age ? Disaggregation.AgeName(age) : string.Empty),
                    Cell.Of(part?.Hxl ?? string.Empty),
                    figure, numerator, denominator, Cell.Of(withheld),
                    Cell.Of(value.Goal.Baseline), Cell.Of(value.Goal.Target), Cell.Of(report.SourceOf(definition)), computed,
                ];

                yield return Row(null, Cell.Of(value.Figure.Value), Cell.Of(value.Figure.Numerator), Cell.Of(value.Figure.Denominator), value.Figure.Withheld);
                foreach (var part in value.Breakdown)
                {
                    yield return Row(part.Part, Cell.Of(part.Value), Cell.Empty, Cell.Empty, part.Withheld);
                }
            }
        }
    }

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The shortest invariant text that reads back as the same double, as JSON writes numbers (66.7, 100, 12.5).</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
