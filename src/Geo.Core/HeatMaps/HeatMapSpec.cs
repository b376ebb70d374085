using Geo.Core.Domain;

namespace Geo.Core.HeatMaps;

public enum GridShape
{
    Square = 1,

    /// <summary>Flat-topped hexagons; the cell size is the side, as in PostGIS ST_HexagonGrid.</summary>
    Hexagon = 2,
}

public enum HeatMapMethod
{
    Count = 1,
    WeightedSum = 2,
    KernelDensity = 3,
    HotSpots = 4,
}

public enum ClassificationMethod
{
    Quantile = 1,
    NaturalBreaks = 2,
}

public enum SeriesStep
{
    None = 0,
    Week = 1,
    Month = 2,
}

/// <summary>
/// The weight of one observation: severity, people affected in the selected groups and a time
/// decay, multiplied; 1 when none is asked for.
/// </summary>
public sealed record Weighting(bool BySeverity, bool ByPeople, TimeSpan? HalfLife)
{
    public static readonly Weighting None = new(false, false, null);

    public bool IsNone => !BySeverity && !ByPeople && HalfLife is null;

    /// <summary>
    /// The weight of an observation with <paramref name="severity"/> and <paramref name="people"/>
    /// in the selected groups, observed <paramref name="age"/> before the end of its frame.
    /// </summary>
    public double Of(int severity, int people, TimeSpan age)
    {
        var weight = 1.0;
        if (BySeverity)
        {
            weight *= severity;
        }

        if (ByPeople)
        {
            weight *= people;
        }

        if (HalfLife is { } halfLife)
        {
            weight *= Math.Pow(2, -Math.Max(0, age.TotalSeconds) / halfLife.TotalSeconds);
        }

        return weight;
    }
}

/// <summary>What an analyst asks a heat map for.</summary>
public sealed record HeatMapSpec
{
    /// <summary>The area, period and filters (the observation filter's area is a box or a shape).</summary>
    public required ObservationFilter Filter { get; init; }

    public GridShape Shape { get; init; } = GridShape.Square;

    public double CellSizeMetres { get; init; }

    public HeatMapMethod Method { get; init; } = HeatMapMethod.Count;

    public Weighting Weighting { get; init; } = Weighting.None;

    /// <summary>Kernel density radius; 0 for the default of five cells.</summary>
    public double BandwidthMetres { get; init; }

    /// <summary>Gi* neighbourhood; 0 for the default of three cells.</summary>
    public double DistanceBandMetres { get; init; }

    public ClassificationMethod Classification { get; init; } = ClassificationMethod.Quantile;

    public int Classes { get; init; } = 5;

    public int MinCount { get; init; }

    public SeriesStep Step { get; init; }

    public bool IncludeEmpty { get; init; }

    /// <summary>
    /// Each event counts once (its earliest-reported member matching the filter), rather than each
    /// report: the bins, the minimum count and the frames' totals are then of events.
    /// </summary>
    public bool CountEvents { get; init; }

    /// <summary>Which parts of <see cref="Filter"/> <see cref="ThreatDefaults"/> filled in (none when built without them).</summary>
    public AppliedDefaults Defaults { get; init; } = new(false, false);

    public QueryArea Area => Filter.Area ?? throw new InvalidOperationException("a heat map needs an area");

    public DateTimeOffset From => Filter.ObservedFrom ?? throw new InvalidOperationException("a heat map needs a period");

    public DateTimeOffset To => Filter.ObservedTo ?? throw new InvalidOperationException("a heat map needs a period");

    public double Bandwidth => BandwidthMetres > 0 ? BandwidthMetres : 5 * CellSizeMetres;

    public double DistanceBand => DistanceBandMetres > 0 ? DistanceBandMetres : 3 * CellSizeMetres;

    /// <summary>Whether observations carry a weight rather than counting one each.</summary>
    public bool IsWeighted => Method == HeatMapMethod.WeightedSum || !Weighting.IsNone;
}

/// <summary>Bounds on one heat map, so that no caller can exhaust the service.</summary>
public sealed record HeatMapLimits
{
    public const double MinCellSizeMetres = 100;

    public const double MaxCellSizeMetres = 50_000;

    public int MaxCells { get; init; } = 1_000_000;

    /// <summary>Cells times frames of a series.</summary>
    public long MaxCellFrames { get; init; } = 4_000_000;

    public int MaxFrames { get; init; } = 260;

    /// <summary>
    /// Points of the area's boundary once densified for the cells (AreaGrid.BoundaryPoints): each
    /// costs memory and time twice before a cell is counted. A detailed administrative boundary at
    /// 100 m cells takes under 200,000.
    /// </summary>
    public long MaxBoundaryPoints { get; init; } = 250_000;

    /// <summary>Bandwidth and distance band, in cells: bounds the convolution's stencil.</summary>
    public double MaxRadiusCells { get; init; } = 100;
}
