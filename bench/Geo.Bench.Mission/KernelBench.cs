using Geo.Api;
using System.Diagnostics;
using System.Globalization;
using Geo.Core.Domain;
using Geo.Core.HeatMaps;

namespace Geo.Bench.Mission;

/// <summary>
/// kde-kernel: the kernel density computation alone, on points already in memory, as the Python
/// oracle's own timings measure it: project and bin the points, then the quartic kernel surface.
/// The same Geo.Core code the service runs after reading the rows, on one thread, laid out on the
/// same grid the service lays out for the area. Reading the points file is not timed (the
/// oracle's timings leave out reading its CSV too).
/// </summary>
internal static class KernelBench
{
    public static int Run(Arguments options)
    {
        var path = options.Text("points");
        var corners = options.Text("area").Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var cell = options.Int("cell", 1000);
        var bandwidth = options.Int("bandwidth", 5000);
        var repeat = options.Int("repeat", 7);
        var (longitudes, latitudes) = ReadPoints(path);
        var spec = new HeatMapSpec
        {
            Filter = new ObservationFilter
            {
                Area = new BoxArea(corners[0], corners[1], corners[2], corners[3]),
                ObservedFrom = DateTimeOffset.UnixEpoch,
                ObservedTo = DateTimeOffset.UnixEpoch.AddDays(1),
            },
            CellSizeMetres = cell,
            BandwidthMetres = bandwidth,
            Method = HeatMapMethod.KernelDensity,
        };
        var area = AreaGrid.Build(spec.Area, GridShape.Square, cell);
        var periods = HeatMapPeriod.Frames(spec.From, spec.To, SeriesStep.None);

        var binTimes = new List<double>();
        var densityTimes = new List<double>();
        var totalTimes = new List<double>();
        KernelDensitySurface? surface = null;
        for (var run = 0; run <= repeat; run++)
        {
            var watch = Stopwatch.StartNew();
            var bins = new HeatMapBins(area, periods, spec);
            for (var i = 0; i < longitudes.Length; i++)
            {
                bins.Add(longitudes[i], latitudes[i], spec.From, 1, 0);
            }

            bins.Flush();
            var binned = watch.Elapsed.TotalMilliseconds;
            surface = KernelDensity.Surface(area.Grid, bins.Counts[0], bins.Counts[0], bandwidth);
            var total = watch.Elapsed.TotalMilliseconds;
            if (run > 0)
            {
                binTimes.Add(binned);
                densityTimes.Add(total - binned);
                totalTimes.Add(total);
            }
        }

        var sum = surface!.Density.Sum() * area.Grid.CellArea / 1e6;
        var grid = $"{area.Grid.Columns} x {area.Grid.Rows} cells of {cell} m";
        Console.WriteLine(Invariant($"kernel density alone, {longitudes.Length:N0} points in memory, {grid}, bandwidth {bandwidth} m: bin {Median(binTimes):F1} ms + density {Median(densityTimes):F1} ms = {Median(totalTimes):F1} ms (median of {repeat} after a warm-up); mass {sum:F1}"));
        Program.Result("kernel.bin_ms", Median(binTimes));
        Program.Result("kernel.kde_ms", Median(densityTimes));
        Program.Result("kernel.total_ms", Median(totalTimes));
        Program.Result("kernel.mass", sum);
        return 0;
    }

    private static (double[] Longitudes, double[] Latitudes) ReadPoints(string path)
    {
        var longitudes = new List<double>();
        var latitudes = new List<double>();
        foreach (var line in File.ReadLines(path))
        {
            var comma = line.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0)
            {
                continue;
            }

            longitudes.Add(double.Parse(line.AsSpan(0, comma), CultureInfo.InvariantCulture));
            latitudes.Add(double.Parse(line.AsSpan(comma + 1), CultureInfo.InvariantCulture));
        }

        return (longitudes.ToArray(), latitudes.ToArray());
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
