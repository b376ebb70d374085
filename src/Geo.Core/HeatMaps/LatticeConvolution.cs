using System.Numerics.Tensors;

namespace Geo.Core.HeatMaps;

/// <summary>
/// Convolution of a binned grid with a symmetric stencil of lattice steps: a scatter from the
/// occupied cells while that is cheap, else by FFT over the lattice, whose cost does not grow
/// with the stencil. Works on squares and hexagons alike, because in lattice coordinates a
/// hexagon's neighbourhood is the same for every cell.
/// </summary>
internal static class LatticeConvolution
{
    /// <summary>Multiply-adds above which the FFT is used.</summary>
    internal const long DirectLimit = 150_000_000;

    /// <summary>
    /// out[i] = Σ over steps s of input[i + s] · weight(s), for cells within the grid (steps
    /// leaving the grid contribute nothing). Cells where <paramref name="input"/> is 0 cost nothing.
    /// Seconds of work on a large grid: <paramref name="cancellationToken"/> is checked as it goes.
    /// </summary>
    public static double[] Apply(
        CellGrid grid, double[] input, IReadOnlyList<(int Da, int Db, double Weight)> stencil, bool? forceFft = null, CancellationToken cancellationToken = default)
    {
        var occupied = 0L;
        foreach (var value in input)
        {
            if (value != 0)
            {
                occupied++;
            }
        }

        var useFft = forceFft ?? occupied * stencil.Count > DirectLimit;
        if (useFft)
        {
            return ByFft(grid, input, stencil, cancellationToken);
        }

        return grid.Shape == GridShape.Square ? ByRows(grid, input, stencil, cancellationToken) : Direct(grid, input, stencil, cancellationToken);
    }

    /// <summary>
    /// On squares a step moves a whole row by the same number of columns, so each output row is
    /// the sum of the stencil's weighted, shifted input rows: runs of contiguous cells, four at a
    /// time, a row of output kept in cache while its steps are added. A kernel density or Gi* over
    /// 160,000 busy cells took tens of milliseconds cell by cell. Rows without any mass are skipped.
    /// </summary>
    private static double[] ByRows(CellGrid grid, double[] input, IReadOnlyList<(int Da, int Db, double Weight)> stencil, CancellationToken cancellationToken)
    {
        var columns = grid.Columns;
        var rows = grid.Rows;
        var busy = new bool[rows];
        for (var r = 0; r < rows; r++)
        {
            busy[r] = input.AsSpan(r * columns, columns).IndexOfAnyExcept(0.0) >= 0;
        }

        var output = new double[input.Length];
        for (var r = 0; r < rows; r++)
        {
            if ((r & 15) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var into = output.AsSpan(r * columns, columns);
            foreach (var (da, db, weight) in stencil)
            {
                // output(c, r) += input(c - da, r - db) · weight, where both lie in the grid.
                var source = r - db;
                if ((uint)source >= (uint)rows || !busy[source])
                {
                    continue;
                }

                var from = Math.Max(0, da);
                var to = Math.Min(columns, columns + da);
                if (from < to)
                {
                    // (from · weight) + into, a multiply then an add (not fused) in every cell alike.
                    var run = into[from..to];
                    TensorPrimitives.MultiplyAdd(input.AsSpan((source * columns) + from - da, to - from), weight, run, run);
                }
            }
        }

        return output;
    }

    private static double[] Direct(CellGrid grid, double[] input, IReadOnlyList<(int Da, int Db, double Weight)> stencil, CancellationToken cancellationToken)
    {
        var output = new double[input.Length];
        for (var index = 0; index < input.Length; index++)
        {
            // Up to 1,024 cells of a stencil of at most 31,000 steps between checks: some 30 ms.
            if ((index & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var mass = input[index];
            if (mass == 0)
            {
                continue;
            }

            var column = index % grid.Columns;
            var (a, b) = grid.Lattice(column, index / grid.Columns);
            foreach (var (da, db, weight) in stencil)
            {
                var (c, r) = AreaGrid.FromLattice(grid, a + da, b + db);
                if ((uint)c < (uint)grid.Columns && (uint)r < (uint)grid.Rows)
                {
                    output[(r * grid.Columns) + c] += mass * weight;
                }
            }
        }

        return output;
    }

    private static double[] ByFft(CellGrid grid, double[] input, IReadOnlyList<(int Da, int Db, double Weight)> stencil, CancellationToken cancellationToken)
    {
        // Lattice extent of the grid: b ranges over rows shifted by up to half the columns for hexagons.
        var minB = int.MaxValue;
        var maxB = int.MinValue;
        foreach (var column in (int[])[0, grid.Columns - 1])
        {
            foreach (var row in (int[])[0, grid.Rows - 1])
            {
                var b = grid.Lattice(column, row).B;
                minB = Math.Min(minB, b);
                maxB = Math.Max(maxB, b);
            }
        }

        var reachA = stencil.Max(s => Math.Abs(s.Da));
        var reachB = stencil.Max(s => Math.Abs(s.Db));
        var width = Fft.NextPowerOfTwo(grid.Columns + (2 * reachA) + 1);
        var height = Fft.NextPowerOfTwo(maxB - minB + 1 + (2 * reachB) + 1);
        var dataRe = new double[width * height];
        var dataIm = new double[width * height];
        for (var index = 0; index < input.Length; index++)
        {
            if (input[index] != 0)
            {
                var (a, b) = grid.Lattice(index % grid.Columns, index / grid.Columns);
                dataRe[((b - minB) * width) + a] = input[index];
            }
        }

        var kernelRe = new double[width * height];
        var kernelIm = new double[width * height];
        foreach (var (da, db, weight) in stencil)
        {
            // Symmetric stencil: correlation and convolution agree; negative steps wrap around.
            kernelRe[(((db % height) + height) % height * width) + (((da % width) + width) % width)] += weight;
        }

        Fft.Transform2D(dataRe, dataIm, width, height, inverse: false, cancellationToken);
        Fft.Transform2D(kernelRe, kernelIm, width, height, inverse: false, cancellationToken);
        for (var i = 0; i < dataRe.Length; i++)
        {
            var re = (dataRe[i] * kernelRe[i]) - (dataIm[i] * kernelIm[i]);
            var im = (dataRe[i] * kernelIm[i]) + (dataIm[i] * kernelRe[i]);
            dataRe[i] = re;
            dataIm[i] = im;
        }

        Fft.Transform2D(dataRe, dataIm, width, height, inverse: true, cancellationToken);
        var output = new double[input.Length];
        for (var index = 0; index < output.Length; index++)
        {
            var (a, b) = grid.Lattice(index % grid.Columns, index / grid.Columns);
            output[index] = dataRe[((b - minB) * width) + a];
        }

        return output;
    }
}

/// <summary>An iterative radix-2 complex FFT, in place, on separate real and imaginary arrays.</summary>
internal static class Fft
{
    public static int NextPowerOfTwo(int n)
    {
        var size = 1;
        while (size < n)
        {
            size <<= 1;
        }

        return size;
    }

    /// <summary>Rows, then columns; the inverse is scaled by 1 / (width · height). Checks <paramref name="cancellationToken"/> once a row or column.</summary>
    public static void Transform2D(double[] re, double[] im, int width, int height, bool inverse, CancellationToken cancellationToken = default)
    {
        var rowRe = new double[width];
        var rowIm = new double[width];
        for (var y = 0; y < height; y++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Array.Copy(re, y * width, rowRe, 0, width);
            Array.Copy(im, y * width, rowIm, 0, width);
            Transform(rowRe, rowIm, inverse);
            Array.Copy(rowRe, 0, re, y * width, width);
            Array.Copy(rowIm, 0, im, y * width, width);
        }

        var columnRe = new double[height];
        var columnIm = new double[height];
        for (var x = 0; x < width; x++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var y = 0; y < height; y++)
            {
                columnRe[y] = re[(y * width) + x];
                columnIm[y] = im[(y * width) + x];
            }

            Transform(columnRe, columnIm, inverse);
            for (var y = 0; y < height; y++)
            {
                re[(y * width) + x] = columnRe[y];
                im[(y * width) + x] = columnIm[y];
            }
        }

        if (inverse)
        {
            var scale = 1.0 / ((double)width * height);
            for (var i = 0; i < re.Length; i++)
            {
                re[i] *= scale;
                im[i] *= scale;
            }
        }
    }

    public static void Transform(double[] re, double[] im, bool inverse)
    {
        var n = re.Length;
        for (int i = 1, j = 0; i < n; i++)
        {
            var bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j ^= bit;
            if (i < j)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }

        for (var length = 2; length <= n; length <<= 1)
        {
            var angle = (inverse ? 2 : -2) * Math.PI / length;
            var stepRe = Math.Cos(angle);
            var stepIm = Math.Sin(angle);
            for (var start = 0; start < n; start += length)
            {
                var wRe = 1.0;
                var wIm = 0.0;
                for (var k = 0; k < length / 2; k++)
                {
                    var a = start + k;
                    var b = a + (length / 2);
                    var tRe = (re[b] * wRe) - (im[b] * wIm);
                    var tIm = (re[b] * wIm) + (im[b] * wRe);
                    re[b] = re[a] - tRe;
                    im[b] = im[a] - tIm;
                    re[a] += tRe;
                    im[a] += tIm;
                    var nextRe = (wRe * stepRe) - (wIm * stepIm);
                    wIm = (wRe * stepIm) + (wIm * stepRe);
                    wRe = nextRe;
                }
            }
        }
    }
}
