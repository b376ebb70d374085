using Geo.Core.Indicators;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>An indicator report as the API's structured message.</summary>
internal static class IndicatorMapping
{
    public static V1.IndicatorReport ToProto(IndicatorReport report)
    {
        var message = new V1.IndicatorReport
        {
            Period = report.Period.Label,
            PeriodStart = ApiMapping.ToCalendarDate(report.Period.First),
            PeriodEnd = ApiMapping.ToCalendarDate(report.Period.Last),
            EvaluatedOn = ApiMapping.ToCalendarDate(report.EvaluatedOn),
            Level = (V1.IndicatorLevel)report.Level,
            ComputedAt = ApiMapping.ToTimestamp(report.ComputedAt),
            Counted = report.CountEvents ? V1.CountedUnit.Events : V1.CountedUnit.Reports,
        };
        message.Indicators.AddRange(report.Definitions.Select(d => new V1.IndicatorDefinition
        {
            Code = d.Code,
            Title = d.Title,
            UnitOfMeasure = d.Unit,
            Definition = d.Definition,
            Policy = d.Policy,
            DataSource = report.SourceOf(d),
        }));
        message.Units.AddRange(report.Units.Select(ToProto));
        return message;
    }

    private static V1.IndicatorUnit ToProto(IndicatorUnit unit)
    {
        var message = new V1.IndicatorUnit { Level = (V1.IndicatorLevel)unit.Level, Sector = unit.Sector, BaseId = unit.BaseId, BaseName = unit.BaseName };
        message.Values.AddRange(unit.Values.Select(ToProto));
        return message;
    }

    private static V1.IndicatorValue ToProto(IndicatorValue value)
    {
        var message = new V1.IndicatorValue { Code = value.Definition.Code, Withheld = value.Figure.Withheld };
        if (value.Figure.Value is { } figure)
        {
            message.Value = figure;
        }

        if (value.Figure.Numerator is { } numerator)
        {
            message.Numerator = numerator;
        }

        if (value.Figure.Denominator is { } denominator)
        {
            message.Denominator = denominator;
        }

        if (value.Goal.Baseline is { } baseline)
        {
            message.Baseline = baseline;
        }

        if (value.Goal.Target is { } target)
        {
            message.Target = target;
        }

        message.Disaggregations.AddRange(value.Breakdown.Select(ToProto));
        return message;
    }

    private static V1.Disaggregated ToProto(DisaggregatedCount count)
    {
        var part = count.Part;
        var message = new V1.Disaggregated
        {
            Dimension = (V1.DisaggregationDimension)part.Dimension,
            Key = part.Key,
            Sex = (V1.Sex)(part.Sex ?? 0),
            AgeGroup = (V1.AgeGroup)(part.Age ?? 0),
            Category = (V1.Category)(part.Category ?? 0),
            Target = (V1.InformationHarmTarget)(part.Target ?? 0),
            HxlGroup = part.Hxl,
            Withheld = count.Withheld,
        };
        if (count.Value is { } value)
        {
            message.Value = value;
        }

        return message;
    }
}
