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
    /// <summary>
    /// The surface a heat map shows: density per square kilometre at each cell centre, and the
    /// observations within the bandwidth of it (<paramref name="counts"/> convolved the same way).
    /// </summary>
    public static KernelDensitySurface Surface(CellGrid grid, double[] mass, double[] counts, double bandwidthMetres, CancellationToken cancellationToken = default) =>
        Surface(grid, mass, counts, bandwidthMetres, forceFft: null, cancellationToken);

    internal static KernelDensitySurface Surface(CellGrid grid, double[] mass, double[] counts, double bandwidthMetres, bool? forceFft, CancellationToken cancellationToken = default)
    {
        var density = Density(grid, mass, bandwidthMetres, forceFft, cancellationToken);
        var contributing = Contributing(grid, counts, bandwidthMetres, forceFft, cancellationToken);
        for (var i = 0; i < density.Length; i++)
        {
            // Large surfaces are convolved by FFT, which leaves round-off of about 1e-16 of the
            // total in every cell, negative ones included. A cell no observation reaches is empty
            // (else every cell of the map would be shown, and the class breaks would be made of
            // noise); no density is negative. Counts are whole numbers.
            contributing[i] = Math.Round(contributing[i]);
            density[i] = contributing[i] == 0 ? 0 : Math.Max(0, density[i]);
        }

        return new KernelDensitySurface(density, contributing);
    }

    /// <summary>
    /// Density per square kilometre at each cell centre, as convolved: by FFT on large grids,
    /// with its round-off (see <see cref="Surface(CellGrid, double[], double[], double)"/>).
    /// </summary>
    public static double[] Density(CellGrid grid, double[] mass, double bandwidthMetres) => Density(grid, mass, bandwidthMetres, forceFft: null, CancellationToken.None);

    private static double[] Density(CellGrid grid, double[] mass, double bandwidthMetres, bool? forceFft, CancellationToken cancellationToken)
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

        return LatticeConvolution.Apply(grid, mass, stencil, forceFft, cancellationToken);
    }

    /// <summary>Observations within the bandwidth of each cell's centre (in cells whose centres lie closer than the bandwidth).</summary>
    private static double[] Contributing(CellGrid grid, double[] counts, double bandwidthMetres, bool? forceFft, CancellationToken cancellationToken)
    {
        var stencil = grid.Neighbourhood(bandwidthMetres, strict: true).Select(s => (s.Da, s.Db, 1.0)).ToArray();
        return LatticeConvolution.Apply(grid, counts, stencil, forceFft, cancellationToken);
    }
}

/// <summary>A kernel density surface: per cell, its density per km² and the observations within the bandwidth.</summary>
public sealed record KernelDensitySurface(double[] Density, double[] Contributing);
