using System.Globalization;
using Geo.Core.Domain;
using Geo.Core.Validation;

namespace Geo.Core.HeatMaps;

/// <summary>The checks of a heat map request before anything is read.</summary>
public static class HeatMapRules
{
    /// <param name="filterErrors">Where the observation filter's fields (area, period) are named, when not beside the others (a request whose filter is a message of its own).</param>
    public static void Check(HeatMapSpec spec, HeatMapLimits limits, FieldErrors errors, FieldErrors? filterErrors = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(errors);
        var filter = spec.Filter;
        var filterAt = filterErrors ?? errors;
        switch (filter.Area)
        {
            case null:
                filterAt.Add("area", "is required: a bounding box or a polygon");
                break;
            case CircleArea:
                filterAt.Add("area.circle", "is not accepted for heat maps: give a bounding box or a polygon");
                break;
            case var area when AreaGrid.FirstUnprojectable(area) is { } vertex:
                filterAt.Add("area", string.Create(CultureInfo.InvariantCulture,
                    $"has ({vertex.X} {vertex.Y}), which the plane a heat map is laid out on (centred on the area) cannot hold: keep the area off the poles and within one hemisphere of its centre"));
                break;
        }

        if (filter.ObservedFrom is null)
        {
            filterAt.Add("observed_from", "is required");
        }

        if (filter.ObservedTo is null)
        {
            filterAt.Add("observed_to", "is required");
        }

        CodeRules.CheckDefined(spec.Shape, "shape", errors);
        CodeRules.CheckDefined(spec.Method, "method", errors);
        CodeRules.CheckDefined(spec.Classification, "classification", errors);
        CodeRules.CheckDefined(spec.Step, "step", errors);
        if (!double.IsFinite(spec.CellSizeMetres) || spec.CellSizeMetres < HeatMapLimits.MinCellSizeMetres || spec.CellSizeMetres > HeatMapLimits.MaxCellSizeMetres)
        {
            errors.Add("cell_size_metres", $"{Format(spec.CellSizeMetres)} is out of range {HeatMapLimits.MinCellSizeMetres:0}..{HeatMapLimits.MaxCellSizeMetres:0} m");
        }
        else
        {
            CheckRadius(spec.BandwidthMetres, spec.CellSizeMetres, limits, "bandwidth_metres", errors);
            CheckRadius(spec.DistanceBandMetres, spec.CellSizeMetres, limits, "distance_band_metres", errors);
        }

        if (spec.Classes is < 2 or > 10)
        {
            errors.Add("classes", $"{spec.Classes} is out of range 2..10 (0 for the default of 5)");
        }

        if (spec.MinCount < 0)
        {
            errors.Add("min_count", $"{spec.MinCount} is negative");
        }

        if (spec.Weighting.HalfLife is { } halfLife && halfLife <= TimeSpan.Zero)
        {
            errors.Add("weighting.half_life", $"{halfLife} must be positive (leave it unset for no decay)");
        }

        if (spec.Method == HeatMapMethod.WeightedSum && spec.Weighting.IsNone)
        {
            errors.Add("weighting", "WEIGHTED_SUM needs at least one of by_severity, by_people or half_life");
        }
    }

    /// <summary>
    /// Why the request is too large to compute (RESOURCE_EXHAUSTED), or null. Checked after
    /// <see cref="Check"/> passes, before any cell or row is touched.
    /// </summary>
    public static string? TooLarge(HeatMapSpec spec, HeatMapLimits limits)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(limits);
        var cells = AreaGrid.CountCells(spec.Area, spec.Shape, spec.CellSizeMetres, limits.MaxBoundaryPoints);
        if (cells > limits.MaxCells)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"cell_size_metres: {spec.CellSizeMetres:0.###} m over this area makes {cells:N0} cells, above the maximum of {limits.MaxCells:N0}; use larger cells or a smaller area");
        }

        // A boundary densified for the grid is held twice in memory before a cell is marked: a
        // comb of 96,000 vertices takes 100 million points at 200 m cells, gigabytes.
        var points = AreaGrid.BoundaryPoints(spec.Area, spec.CellSizeMetres);
        if (points > limits.MaxBoundaryPoints)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"area: its boundary, followed at cells of {spec.CellSizeMetres:0.###} m, takes {points:N0} points, above the maximum of {limits.MaxBoundaryPoints:N0}; give a simpler area or larger cells");
        }

        var frames = HeatMapPeriod.CountFrames(spec.From, spec.To, spec.Step);
        if (frames > limits.MaxFrames)
        {
            return string.Create(CultureInfo.InvariantCulture, $"step: the period makes {frames:N0} frames, above the maximum of {limits.MaxFrames:N0}");
        }

        if (frames * cells > limits.MaxCellFrames)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"step: {frames:N0} frames of {cells:N0} cells make {frames * cells:N0} cell-frames, above the maximum of {limits.MaxCellFrames:N0}; use larger cells, a longer step or a shorter period");
        }

        return null;
    }

    private static void CheckRadius(double metres, double cellSize, HeatMapLimits limits, string field, FieldErrors errors)
    {
        if (!double.IsFinite(metres) || metres < 0)
        {
            errors.Add(field, $"{Format(metres)} must be a non-negative number of metres (0 for the default)");
        }
        else if (metres > limits.MaxRadiusCells * cellSize)
        {
            errors.Add(field, $"{Format(metres)} m is more than {limits.MaxRadiusCells:0} cells of {Format(cellSize)} m; use larger cells");
        }
    }

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
