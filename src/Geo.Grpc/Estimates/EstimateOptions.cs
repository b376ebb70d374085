namespace Geo.Grpc.Estimates;

/// <summary>How the civil operational estimate is drawn up (configuration section <c>GeoAwareness:Estimates</c>).</summary>
public sealed class EstimateOptions
{
    public const string SectionName = "GeoAwareness:Estimates";

    /// <summary>The longest side of the area asked for, in kilometres.</summary>
    public double MaxSideKilometres { get; set; } = 400;

    /// <summary>The longest period asked for, in days (the previous period of the same length is read too).</summary>
    public int MaxPeriodDays { get; set; } = 366;

    /// <summary>The smallest cell of the hot-spot and threat-change grids, in metres.</summary>
    public double MinCellMetres { get; set; } = 2000;

    /// <summary>Cells along the area's longest side at most: the cell grows with the area.</summary>
    public int MaxCellsPerSide { get; set; } = 50;

    /// <summary>
    /// The cell of the grid on which threats are compared period to period, in metres (never below
    /// the hot-spot cell): wide enough that a coarsened caller's displaced points stay in their cell.
    /// </summary>
    public double ChangeCellMetres { get; set; } = 10_000;

    /// <summary>Observations against women and girls in a cell from which a cell without a female CLA in reach is a gap.</summary>
    public double GroupGapThreshold { get; set; } = 3;

    /// <summary>How far around a community out of reach a civilian partner's presence counts as there, in metres.</summary>
    public double PartnerReachMetres { get; set; } = 5000;

    /// <summary>Findings listed per rule at most; the rule still counts them all.</summary>
    public int MaxFindingsPerRule { get; set; } = 100;

    public string? Problem() =>
        MaxSideKilometres is > 0 and <= 2000 && MaxPeriodDays is >= 1 and <= 3660 && MinCellMetres is >= 100 and <= 50_000 && ChangeCellMetres is >= 100 and <= 50_000 && MaxCellsPerSide is >= 2 and <= 500
        && double.IsFinite(GroupGapThreshold) && GroupGapThreshold > 0 && PartnerReachMetres is > 0 and <= 100_000 && MaxFindingsPerRule is >= 1 and <= 10_000
            ? null
            : $"{SectionName}: MaxSideKilometres (0, 2000], MaxPeriodDays [1, 3660], MinCellMetres [100, 50000], ChangeCellMetres [100, 50000], MaxCellsPerSide [2, 500], GroupGapThreshold > 0, " +
              "PartnerReachMetres (0, 100000], MaxFindingsPerRule [1, 10000]";
}
