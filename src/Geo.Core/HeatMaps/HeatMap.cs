namespace Geo.Core.HeatMaps;

/// <summary>One frame's surface, by cell index (cells outside the area are never shown).</summary>
public sealed class HeatMapFrame
{
    internal HeatMapFrame(HeatMapPeriod period, long observations, double[] values, double[] counts, HotSpotResult? hotSpots)
    {
        Period = period;
        Observations = observations;
        TrueObservations = observations;
        Values = values;
        Counts = counts;
        HotSpots = hotSpots;
        Shown = new bool[values.Length];
        Classes = new byte[values.Length];
    }

    public HeatMapPeriod Period { get; }

    /// <summary>The frame's observations as published (perturbed for a coarsened caller).</summary>
    public long Observations { get; }

    /// <summary>The frame's observations as they are: whether the total may be shown is decided on them.</summary>
    internal long TrueObservations { get; init; }

    public double[] Values { get; }

    /// <summary>Observations each value rests on (in the cell, or within the bandwidth or distance band).</summary>
    public double[] Counts { get; }

    public HotSpotResult? HotSpots { get; }

    public bool[] Shown { get; }

    public byte[] Classes { get; }

    public int ShownCount { get; internal set; }

    public int WithheldCount { get; internal set; }
}

/// <summary>A computed heat map: the grid, its frames and one colour scale for all of them.</summary>
public sealed record HeatMap(AreaGrid Area, HeatMapSpec Spec, IReadOnlyList<HeatMapFrame> Frames, double[] Breaks, int MinCount)
{
    /// <summary>
    /// The read model's watermark the answer reflects (every observation change settled below it, and
    /// nothing later); 0 when the observations were read from PostGIS.
    /// </summary>
    public ulong Watermark { get; init; }

    public string Unit => (Spec.Method, Spec.IsWeighted) switch
    {
        (HeatMapMethod.HotSpots, _) => "z-score",
        (HeatMapMethod.KernelDensity, false) => Spec.CountEvents ? "events per km2" : "observations per km2",
        (HeatMapMethod.KernelDensity, true) => "weight per km2",
        (HeatMapMethod.WeightedSum, _) => "weight",
        _ => Spec.CountEvents ? "events" : "observations",
    };

    /// <summary>
    /// A frame's total as a caller may see it: withheld (null) from a caller with coarsened
    /// locations when below the minimum count, as its small cells are.
    /// </summary>
    public long? PublishedObservations(HeatMapFrame frame, bool coarsened)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return coarsened && frame.TrueObservations < MinCount ? null : Math.Max(frame.Observations, coarsened ? MinCount : 0);
    }

    /// <summary>
    /// Turns binned observations into the surface asked for. Cells with fewer than
    /// <paramref name="minCount"/> observations behind their value are withheld (0: none). From
    /// perturbed bins (<see cref="HeatMapBins.Perturb"/>) the values and the counts shown are
    /// perturbed, but what is withheld is decided on the true counts, and a count shown is never
    /// below the minimum: no figure rests on fewer observations than the minimum. A series of
    /// large surfaces is minutes of work: <paramref name="cancellationToken"/> stops it.
    /// </summary>
    public static HeatMap Compute(AreaGrid area, HeatMapSpec spec, HeatMapBins bins, int minCount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(area);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(bins);
        var grid = area.Grid;
        bins.Flush();
        var frames = new List<HeatMapFrame>(bins.Periods.Count);
        for (var f = 0; f < bins.Periods.Count; f++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var counts = bins.Counts[f];
            var mass = bins.Weights?[f] ?? counts;
            // A cell an observation of the area fell in belongs to the area, whatever rounding said.
            var inArea = (bool[])area.InArea.Clone();
            for (var i = 0; i < counts.Length; i++)
            {
                inArea[i] |= counts[i] > 0;
            }

            var frame = spec.Method switch
            {
                HeatMapMethod.Count => new HeatMapFrame(bins.Periods[f], bins.Observations[f], counts, counts, null),
                HeatMapMethod.WeightedSum => new HeatMapFrame(bins.Periods[f], bins.Observations[f], mass, counts, null),
                HeatMapMethod.KernelDensity => DensityFrame(bins.Periods[f], bins.Observations[f], KernelDensity.Surface(grid, mass, counts, spec.Bandwidth, cancellationToken)),
                _ => HotSpotFrame(bins.Periods[f], bins.Observations[f], grid, inArea, mass, counts, spec.DistanceBand, cancellationToken),
            };
            var support = frame.Counts;
            if (bins.TrueCounts?[f] is { } trueCounts)
            {
                frame = new HeatMapFrame(frame.Period, frame.Observations, frame.Values, frame.Counts, frame.HotSpots) { TrueObservations = bins.TrueObservations![f] };
                // What each value rests on, counted on the true bins: the same cells or neighbourhood.
                support = spec.Method switch
                {
                    HeatMapMethod.Count or HeatMapMethod.WeightedSum => trueCounts,
                    HeatMapMethod.KernelDensity => KernelDensity.Surface(grid, trueCounts, trueCounts, spec.Bandwidth, cancellationToken).Contributing,
                    _ => HotSpots.Compute(grid, inArea, trueCounts, trueCounts, spec.DistanceBand, cancellationToken).Contributing,
                };
            }

            Select(frame, inArea, spec.IncludeEmpty, minCount, support);
            frames.Add(frame);
        }

        var shownValues = new List<double>();
        foreach (var frame in frames)
        {
            for (var i = 0; i < frame.Values.Length; i++)
            {
                if (frame.Shown[i])
                {
                    shownValues.Add(frame.Values[i]);
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        var breaks = ClassBreaks.Compute(shownValues, spec.Classes, spec.Classification);
        foreach (var frame in frames)
        {
            for (var i = 0; i < frame.Values.Length; i++)
            {
                if (frame.Shown[i])
                {
                    frame.Classes[i] = (byte)ClassBreaks.ClassOf(frame.Values[i], breaks);
                }
            }
        }

        return new HeatMap(area, spec, frames, breaks, minCount);
    }

    private static HeatMapFrame HotSpotFrame(
        HeatMapPeriod period, long observations, CellGrid grid, bool[] inArea, double[] mass, double[] counts, double band, CancellationToken cancellationToken)
    {
        var result = HotSpots.Compute(grid, inArea, mass, counts, band, cancellationToken);
        return new HeatMapFrame(period, observations, result.ZScores, result.Contributing, result);
    }

    private static HeatMapFrame DensityFrame(HeatMapPeriod period, long observations, KernelDensitySurface surface) =>
        new(period, observations, surface.Density, surface.Contributing, null);

    private static void Select(HeatMapFrame frame, bool[] inArea, bool includeEmpty, int minCount, double[] support)
    {
        var shown = 0;
        var withheld = 0;
        for (var i = 0; i < frame.Values.Length; i++)
        {
            if (!inArea[i])
            {
                continue;
            }

            var occupied = support[i] > 0 || frame.Counts[i] > 0 || frame.Values[i] != 0;
            if (!occupied && !includeEmpty)
            {
                continue;
            }

            if (minCount > 0 && support[i] < minCount)
            {
                withheld++;
                continue;
            }

            if (minCount > 0 && frame.Counts[i] < minCount)
            {
                // Perturbed below the minimum though enough lie behind it: shown at the minimum
                // (for counts, the value is that count).
                frame.Counts[i] = minCount;
            }

            frame.Shown[i] = true;
            shown++;
        }

        frame.ShownCount = shown;
        frame.WithheldCount = withheld;
    }
}
