using Geo.Core.Indicators;
using Geo.Core.Validation;

namespace Geo.Grpc.Api;

/// <summary>
/// How the mission reports indicators to CPAS (configuration section <c>GeoAwareness:Indicators</c>,
/// e.g. <c>GeoAwareness:Indicators:DataSource=MONUSCO GeoAwareness</c>,
/// <c>GeoAwareness:Indicators:Targets:CLA-STAFFED:Baseline=45</c>, <c>...:CLA-STAFFED:Target=80</c>).
/// </summary>
public sealed class IndicatorOptions
{
    public const string SectionName = "GeoAwareness:Indicators";

    /// <summary>The name every export gives as its data source, before what each indicator is read from.</summary>
    public string DataSource { get; set; } = "GeoAwareness";

    /// <summary>Baselines and targets by indicator code, in the indicator's unit (percent for ratios).</summary>
    public Dictionary<string, IndicatorTargetOptions> Targets { get; } = new(StringComparer.Ordinal);

    /// <summary>The configured goals, with each problem named by its setting.</summary>
    internal IndicatorGoals Goals(FieldErrors errors) =>
        IndicatorGoals.Read(Targets.Select(t => (t.Key, t.Value.Baseline, t.Value.Target)), $"{SectionName}:Targets", errors);

    /// <summary>What is wrong with the configuration, for the operator at start-up; null when nothing is.</summary>
    internal string? Problem()
    {
        var errors = new FieldErrors();
        Goals(errors);
        if (DataSource.Any(char.IsControl))
        {
            errors.Add($"{SectionName}:DataSource", "contains a control character");
        }

        return errors.Any ? string.Join("; ", errors.All) : null;
    }
}

public sealed class IndicatorTargetOptions
{
    public double? Baseline { get; set; }

    public double? Target { get; set; }
}
