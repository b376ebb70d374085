using Geo.Core.Validation;

namespace Geo.Core.Indicators;

/// <summary>
/// The mission's baselines and targets, by indicator code. A percentage compares across levels,
/// so its goal is shown for every unit; a count's goal is set for the mission and shown at
/// mission level only (a mission-wide target of alerts says nothing about one base).
/// </summary>
public sealed class IndicatorGoals
{
    public static readonly IndicatorGoals None = new(new Dictionary<string, IndicatorGoal>());

    private readonly IReadOnlyDictionary<string, IndicatorGoal> _byCode;

    private IndicatorGoals(IReadOnlyDictionary<string, IndicatorGoal> byCode) => _byCode = byCode;

    /// <summary>
    /// Goals as configured, checked: every code is in the catalogue, every number finite and not
    /// negative, and a percentage at most 100. Problems are named by <paramref name="path"/>:code:field.
    /// </summary>
    public static IndicatorGoals Read(IEnumerable<(string Code, double? Baseline, double? Target)> configured, string path, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(errors);
        var goals = new Dictionary<string, IndicatorGoal>(StringComparer.Ordinal);
        foreach (var (code, baseline, target) in configured)
        {
            var field = $"{path}:{code}";
            if (IndicatorCatalogue.Find(code) is not { } definition)
            {
                errors.Add(field, $"is not an indicator code ({string.Join(", ", IndicatorCatalogue.All.Select(d => d.Code))})");
                continue;
            }

            Check(baseline, $"{field}:Baseline", definition, errors);
            Check(target, $"{field}:Target", definition, errors);
            goals[code] = new IndicatorGoal(baseline, target);
        }

        return new IndicatorGoals(goals);
    }

    /// <summary>The goal shown for <paramref name="definition"/> at <paramref name="level"/>.</summary>
    public IndicatorGoal For(IndicatorDefinition definition, IndicatorLevel level)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return _byCode.TryGetValue(definition.Code, out var goal) && (definition.IsRatio || level == IndicatorLevel.Mission) ? goal : IndicatorGoal.None;
    }

    private static void Check(double? value, string field, IndicatorDefinition definition, FieldErrors errors)
    {
        if (value is not { } number)
        {
            return;
        }

        if (!double.IsFinite(number) || number < 0)
        {
            errors.Add(field, $"{number} is not a finite number of at least 0");
        }
        else if (definition.IsRatio && number > 100)
        {
            errors.Add(field, $"{number} is above 100: {definition.Code} is a percentage");
        }
    }
}
