namespace Geo.Core.HeatMaps;

/// <summary>
/// Quartic (biweight) kernel density on a binned grid: each cell's mass spread over the cells
/// whose centres lie within the bandwidth, K(d) ∝ (1 − d²/h²)², by one convolution rather than
/// point by point. The lattice weights are normalised to sum to one, so the surface keeps the
/// total mass exactly (Σ density · cell area = observations); when the bandwidth is smaller than
/// the distance to a neighbouring centre the surface is the cell's own mass per km².
/// </summary>
public static class KernelDensity
{
    /// <summary>Density per square kilometre at each cell centre.</summary>
    public static double[] Density(CellGrid grid, double[] mass, double bandwidthMetres)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var steps = grid.Neighbourhood(bandwidthMetres, strict: true);
        var total = 0.0;
        var raw = new double[steps.Count];
        for (var i = 0; i < steps.Count; i++)
        {
            var u = steps[i].Distance / bandwidthMetres;
            raw[i] = (1 - (u * u)) * (1 - (u * u));
            total += raw[i];
        }

        var cellSquareKilometres = grid.CellArea / 1e6;
        var stencil = new (int, int, double)[steps.Count];
        for (var i = 0; i < steps.Count; i++)
        {
            stencil[i] = (steps[i].Da, steps[i].Db, raw[i] / total / cellSquareKilometres);
        }

        return LatticeConvolution.Apply(grid, mass, stencil);
    }

    /// <summary>Observations within the bandwidth of each cell's centre (in cells whose centres lie closer than the bandwidth).</summary>
    public static double[] Contributing(CellGrid grid, double[] counts, double bandwidthMetres)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var stencil = grid.Neighbourhood(bandwidthMetres, strict: true).Select(s => (s.Da, s.Db, 1.0)).ToArray();
        return LatticeConvolution.Apply(grid, counts, stencil);
    }
}
