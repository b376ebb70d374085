using Geo.Core.Domain;
using Geo.Core.HeatMaps;
using Xunit;

namespace Geo.Core.Tests.HeatMaps;

/// <summary>
/// Large kernel density surfaces are convolved by FFT, which leaves round-off in every cell of
/// the grid. These surfaces must still show exactly the cells some observation reaches, with no
/// negative density, as the direct sum does.
/// </summary>
public sealed class KernelDensityFftTests
{
    private const double Bandwidth = 5000;

    [Fact]
    public void HeatMap_LargeEnoughForTheFft_ShowsOnlyTheCellsObservationsReach()
    {
        // 100 m cells over about 40 x 40 km, the points in the south-west quarter only: some
        // 30,000 occupied cells times a stencil of about 7,850 steps is past the direct limit.
        var spec = new HeatMapSpec
        {
            Filter = new ObservationFilter
            {
                Area = new BoxArea(28.8, -0.7, 29.16, -0.34),
                ObservedFrom = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
                ObservedTo = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero),
            },
            CellSizeMetres = 100,
            Method = HeatMapMethod.KernelDensity,
            BandwidthMetres = Bandwidth,
            Classes = 5,
        };
        var area = AreaGrid.Build(spec.Area, GridShape.Square, 100);
        var bins = new HeatMapBins(area, HeatMapPeriod.Frames(spec.From, spec.To, SeriesStep.None), spec);
        var random = new Random(5);
        for (var i = 0; i < 60_000; i++)
        {
            bins.Add(28.8 + (random.NextDouble() * 0.18), -0.7 + (random.NextDouble() * 0.18), spec.From, 1, 0);
        }

        bins.Flush();
        var occupied = bins.Counts[0].Count(c => c > 0);
        var stencil = area.Grid.Neighbourhood(Bandwidth, strict: true).Count;
        Assert.True((long)occupied * stencil > LatticeConvolution.DirectLimit, $"{occupied} x {stencil} must take the FFT path");

        var frame = HeatMap.Compute(area, spec, bins, 0).Frames[0];

        var direct = KernelDensity.Surface(area.Grid, bins.Counts[0], bins.Counts[0], Bandwidth, forceFft: false);
        var tolerance = direct.Density.Max() * 1e-9;
        var reached = 0;
        for (var i = 0; i < area.Grid.Count; i++)
        {
            Assert.True(frame.Values[i] >= 0, $"cell {i}: negative density {frame.Values[i]}");
            Assert.Equal(direct.Contributing[i], frame.Counts[i]);
            if (direct.Contributing[i] == 0)
            {
                Assert.Equal(0, frame.Values[i]);
                Assert.False(frame.Shown[i], $"cell {i} is shown though no observation is within the bandwidth");
            }
            else
            {
                reached++;
                Assert.Equal(direct.Density[i], frame.Values[i], tolerance);
            }
        }

        // The north-east of the area is beyond every observation's reach: the test sees both kinds of cell.
        Assert.InRange(reached, 1, area.Grid.Count / 2);
        Assert.Equal(Enumerable.Range(0, area.Grid.Count).Count(i => area.InArea[i] && direct.Contributing[i] > 0), frame.ShownCount);
    }

    [Theory]
    [InlineData(GridShape.Square)]
    [InlineData(GridShape.Hexagon)]
    public void Surface_ByFftAndDirect_AgreeCellForCell(GridShape shape)
    {
        var grid = CellGrid.Covering(shape, 1000, 0, 0, 60_000, 40_000);
        var random = new Random(3);
        var counts = new double[grid.Count];
        var weights = new double[grid.Count];
        for (var i = 0; i < 300; i++)
        {
            // Clustered in the west, so that much of the grid is out of reach.
            var cell = grid.IndexOf(random.Next(grid.Columns / 3), random.Next(grid.Rows));
            counts[cell]++;
            weights[cell] += random.Next(1, 6) * Math.Pow(0.5, random.NextDouble() * 4);
        }

        var fft = KernelDensity.Surface(grid, weights, counts, Bandwidth, forceFft: true);
        var direct = KernelDensity.Surface(grid, weights, counts, Bandwidth, forceFft: false);

        Assert.Equal(direct.Contributing, fft.Contributing);
        var tolerance = direct.Density.Max() * 1e-9;
        var empty = 0;
        for (var i = 0; i < grid.Count; i++)
        {
            if (direct.Density[i] == 0)
            {
                empty++;
                Assert.Equal(0, fft.Density[i]);
            }
            else
            {
                Assert.Equal(direct.Density[i], fft.Density[i], tolerance);
            }
        }

        Assert.InRange(empty, 1, grid.Count - 1);
    }
}
