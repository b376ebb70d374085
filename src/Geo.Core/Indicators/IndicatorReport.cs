namespace Geo.Core.Indicators;

/// <summary>
/// An indicator's headline figure. For a ratio, the value is the percentage of numerator over
/// denominator, and has none when the denominator is 0 (nothing to measure); for a count, the
/// value is the count. A withheld figure has no numbers at all.
/// </summary>
public sealed record IndicatorFigure(double? Value, long? Numerator, long? Denominator, bool Withheld)
{
    public static readonly IndicatorFigure WithheldFigure = new(null, null, null, true);

    public static IndicatorFigure Ratio(long numerator, long denominator) => new(Percent(numerator, denominator), numerator, denominator, false);

    public static IndicatorFigure Count(long count) => new(count, null, null, false);

    /// <summary>
    /// 100 × numerator / denominator rounded half away from zero to one decimal, so that every
    /// export prints the same digits; null when the denominator is 0.
    /// </summary>
    public static double? Percent(long numerator, long denominator)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numerator);
        ArgumentOutOfRangeException.ThrowIfNegative(denominator);
        return denominator == 0 ? null : Math.Round(100.0 * numerator / denominator, 1, MidpointRounding.AwayFromZero);
    }
}

/// <summary>One part of a breakdown: its count, or none when withheld from a coarsened caller.</summary>
public sealed record DisaggregatedCount(Disaggregation Part, long? Value, bool Withheld);

/// <summary>An indicator's configured baseline and target, in its unit; either may be absent.</summary>
public sealed record IndicatorGoal(double? Baseline, double? Target)
{
    public static readonly IndicatorGoal None = new(null, null);
}

/// <summary>One indicator in one unit: the figure, its breakdowns (in catalogue order) and goal.</summary>
public sealed record IndicatorValue(IndicatorDefinition Definition, IndicatorFigure Figure, IReadOnlyList<DisaggregatedCount> Breakdown, IndicatorGoal Goal);

/// <summary>
/// One unit of a level: the mission (no sector, no base), a sector (its name), or a base (its id,
/// name and sector). Every indicator of the catalogue, in its order.
/// </summary>
public sealed record IndicatorUnit(IndicatorLevel Level, string Sector, string BaseId, string BaseName, IReadOnlyList<IndicatorValue> Values);

/// <summary>
/// Indicators for a period and level (and the one sector or base asked for, if any): the units in
/// order (sectors by name, bases by id), when they were computed, and the data source the mission
/// names (<see cref="SourceOf"/>).
/// </summary>
public sealed record IndicatorReport(
    IndicatorPeriod Period,
    IndicatorLevel Level,
    string? UnitId,
    DateOnly EvaluatedOn,
    DateTimeOffset ComputedAt,
    string DataSource,
    IReadOnlyList<IndicatorUnit> Units)
{
    /// <summary>Whether the indicators counting observations counted events (count_events) rather than reports.</summary>
    public bool CountEvents { get; init; }

    /// <summary>The catalogue as this report counted (units of measure and definitions), in its order.</summary>
    public IReadOnlyList<IndicatorDefinition> Definitions => IndicatorCatalogue.Of(CountEvents);

    /// <summary>The data source of one indicator as exported: "the mission's name: what it is read from".</summary>
    public string SourceOf(IndicatorDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return DataSource.Length == 0 ? definition.SourceName : $"{DataSource}: {definition.SourceName}";
    }
}
