using BenchmarkDotNet.Attributes;
using Geo.Core.Domain;
using Geo.Core.HeatMaps;

namespace Geo.Bench.Kernels;

/// <summary>
/// The heat map kernels on 1,000,000 points over 400 x 400 km with 1 km cells (160,000 cells):
/// binning (projection included), kernel density at 5 km by lattice convolution, Gi* at 3 km,
/// and, as the peer measured in the same run, kernel density point by point (each point adds
/// the quartic kernel to every cell centre within the bandwidth), the method the issue rules out.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class HeatMapKernels
{
    private const int Points = 1_000_000;
    private readonly HeatMapSpec _spec = new()
    {
        Filter = new ObservationFilter { Area = new BoxArea(27.2, -2.3, 30.8, 1.3), ObservedFrom = DateTimeOffset.UnixEpoch, ObservedTo = DateTimeOffset.UnixEpoch.AddDays(365) },
        CellSizeMetres = 1000,
        BandwidthMetres = 5000,
        DistanceBandMetres = 3000,
    };

    private double[] _longitudes = [];
    private double[] _latitudes = [];
    private AreaGrid _area = null!;
    private HeatMapBins _bins = null!;

    [GlobalSetup]
    public void Setup()
    {
        // Clustered like a mission: most points around a few dozen places, the rest scattered.
        var random = new Random(7);
        var centres = Enumerable.Range(0, 40).Select(_ => (27.3 + (random.NextDouble() * 3.4), -2.2 + (random.NextDouble() * 3.4))).ToArray();
        _longitudes = new double[Points];
        _latitudes = new double[Points];
        for (var i = 0; i < Points; i++)
        {
            if (random.NextDouble() < 0.75)
            {
                var (lon, lat) = centres[random.Next(centres.Length)];
                _longitudes[i] = Math.Clamp(lon + (Gaussian(random) * 0.05), 27.2, 30.8);
                _latitudes[i] = Math.Clamp(lat + (Gaussian(random) * 0.05), -2.3, 1.3);
            }
            else
            {
                _longitudes[i] = 27.2 + (random.NextDouble() * 3.6);
                _latitudes[i] = -2.3 + (random.NextDouble() * 3.6);
            }
        }

        _area = AreaGrid.Build(_spec.Area, GridShape.Square, 1000);
        _bins = Bin();
    }

    [Benchmark(Description = "area grid: 160,000 cells laid out and tested against the area")]
    public AreaGrid Layout() => AreaGrid.Build(_spec.Area, GridShape.Square, 1000);

    [Benchmark(Description = "binning 1,000,000 points (projection included)")]
    public HeatMapBins Bin()
    {
        var bins = new HeatMapBins(_area, HeatMapPeriod.Frames(_spec.From, _spec.To, SeriesStep.None), _spec);
        for (var i = 0; i < Points; i++)
        {
            bins.Add(_longitudes[i], _latitudes[i], _spec.From, 1, 0);
        }

        bins.Flush();
        return bins;
    }

    [Benchmark(Description = "kernel density, 5 km, binned + lattice convolution")]
    public KernelDensitySurface KernelDensityBinned() => KernelDensity.Surface(_area.Grid, _bins.Counts[0], _bins.Counts[0], 5000);

    [Benchmark(Description = "Gi* hot spots, 3 km band, with FDR")]
    public HotSpotResult GiStar() => HotSpots.Compute(_area.Grid, _area.InArea, _bins.Counts[0], _bins.Counts[0], 3000);

    [Benchmark(Baseline = true, Description = "peer: kernel density point by point (exact)")]
    public double[] KernelDensityPointByPoint()
    {
        var grid = _area.Grid;
        var density = new double[grid.Count];
        const double h = 5000;
        var reach = (int)Math.Ceiling(h / grid.Size) + 1;
        var scale = 3 / (Math.PI * h * h) * 1e6;
        for (var i = 0; i < Points; i++)
        {
            var (x, y) = _area.Frame.Forward(_longitudes[i], _latitudes[i]);
            var column = (int)Math.Floor((x - grid.CornerX) / grid.Size);
            var row = (int)Math.Floor((y - grid.CornerY) / grid.Size);
            for (var r = Math.Max(0, row - reach); r <= Math.Min(grid.Rows - 1, row + reach); r++)
            {
                for (var c = Math.Max(0, column - reach); c <= Math.Min(grid.Columns - 1, column + reach); c++)
                {
                    var (cx, cy) = grid.Centre(c, r);
                    var d2 = (((cx - x) * (cx - x)) + ((cy - y) * (cy - y))) / (h * h);
                    if (d2 < 1)
                    {
                        density[(r * grid.Columns) + c] += scale * (1 - d2) * (1 - d2);
                    }
                }
            }
        }

        return density;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
