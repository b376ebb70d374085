using System.Text.Json;
using Geo.Core.Indicators;

namespace Geo.Exporters.Indicators;

/// <summary>
/// Indicators as JSON: the report's period and level, what it counted ("counted": "reports", or
/// "events" when linked reports of one event counted once), the catalogue (code, title, unit of measure,
/// definition, policy, data source), then each unit with every indicator's figure and
/// disaggregations. Field names are the CSV's columns; absent numbers are null; dates and times
/// as in the CSV. Not indented: a base-level report of a large mission stays well inside a gRPC
/// message (browsers and jq indent it for people).
/// </summary>
internal static class IndicatorJson
{
    public static byte[] Write(IndicatorReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("period", report.Period.Label);
            json.WriteString("period_start", IndicatorRows.Date(report.Period.First));
            json.WriteString("period_end", IndicatorRows.Date(report.Period.Last));
            json.WriteString("evaluated_on", IndicatorRows.Date(report.EvaluatedOn));
            json.WriteString("level", IndicatorQuestion.Name(report.Level));
            json.WriteString("counted", report.CountEvents ? "events" : "reports");
            json.WriteString("computed_at", IndicatorRows.Time(report.ComputedAt));
            json.WriteStartArray("indicators");
            foreach (var definition in report.Definitions)
            {
                json.WriteStartObject();
                json.WriteString("indicator_code", definition.Code);
                json.WriteString("indicator_title", definition.Title);
                json.WriteString("unit_of_measure", definition.Unit);
                json.WriteString("definition", definition.Definition);
                json.WriteString("policy", definition.Policy);
                json.WriteString("data_source", report.SourceOf(definition));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("units");
            foreach (var unit in report.Units)
            {
                WriteUnit(json, unit);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteUnit(Utf8JsonWriter json, IndicatorUnit unit)
    {
        json.WriteStartObject();
        json.WriteString("level", IndicatorQuestion.Name(unit.Level));
        json.WriteString("sector", unit.Sector);
        json.WriteString("base_id", unit.BaseId);
        json.WriteString("base_name", unit.BaseName);
        json.WriteStartArray("values");
        foreach (var value in unit.Values)
        {
            json.WriteStartObject();
            json.WriteString("indicator_code", value.Definition.Code);
            Number(json, "value", value.Figure.Value);
            Number(json, "numerator", value.Figure.Numerator);
            Number(json, "denominator", value.Figure.Denominator);
            json.WriteBoolean("withheld", value.Figure.Withheld);
            Number(json, "baseline", value.Goal.Baseline);
            Number(json, "target", value.Goal.Target);
            json.WriteStartArray("disaggregations");
            foreach (var part in value.Breakdown)
            {
                json.WriteStartObject();
                json.WriteString("disaggregation", part.Part.DimensionName);
                json.WriteString("disaggregation_key", part.Part.Key);
                json.WriteString("sex", part.Part.Sex is { } sex ? Disaggregation.SexName(sex) : string.Empty);
                json.WriteString("age_group", part.Part.Age is { } age ? Disaggregation.AgeName(age) : string.Empty);
                json.WriteString("hxl_group", part.Part.Hxl);
                Number(json, "value", part.Value);
                json.WriteBoolean("withheld", part.Withheld);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void Number(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
