namespace Geo.Grpc.Civilian;

/// <summary>Civilian picture settings (configuration section <c>GeoAwareness:Civilian</c>).</summary>
public sealed class CivilianOptions
{
    public const string SectionName = "GeoAwareness:Civilian";

    /// <summary>
    /// The side, in degrees, of the fixed grid SummarizePresence counts by (0.25 degrees: about 28 km
    /// at the equator). Nothing finer is ever counted, so no area drawn by a caller locates a
    /// liaison-only record more precisely than its cell.
    /// </summary>
    public double SummaryCellDegrees { get; set; } = 0.25;

    /// <summary>Days a facility's confirmation stays current; older ones are shown as stale (never dropped).</summary>
    public int FacilityStaleDays { get; set; } = 90;

    internal string? Problem() =>
        !double.IsFinite(SummaryCellDegrees) || SummaryCellDegrees < 0.05 || SummaryCellDegrees > 5
            ? $"{SectionName}:{nameof(SummaryCellDegrees)}: {SummaryCellDegrees} is not between 0.05 and 5 degrees"
            : FacilityStaleDays is < 1 or > 3650 ? $"{SectionName}:{nameof(FacilityStaleDays)}: {FacilityStaleDays} is not between 1 and 3650 days"
            : null;
}
