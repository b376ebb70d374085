using System.Globalization;
using System.Text;
using Geo.Core.Privacy;
using Geo.Core.Spatial;
using Xunit;
using Xunit.Abstractions;

namespace Geo.Core.Tests.Privacy;

/// <summary>
/// The attack of issue 16, on the coarsener itself and over many spots: a hostile caller who gets
/// the coarse points of every report made at one spot (a family's house, a women's group's meeting
/// place, a CLA's village) estimates the spot by every means it has — the mean, the geometric
/// median, the most frequent point, the middle of the distinct points (what bisecting areas and
/// offset grids of tiny heat-map cells recover: the coarse points, never more) — and the test
/// fails when any estimate comes closer than the published bound. Clusters of 1 to 500 reports.
/// </summary>
public sealed class AveragingAttackTests(ITestOutputHelper output)
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("averaging attack test key, thirty-two bytes or more");
    private static readonly int[] ClusterSizes = [1, 8, 60, 500];
    private const int Spots = 300;

    private readonly LocationCoarsener _coarsener = new(Key);

    [Fact]
    public void Averaging500ReportsAtOneSpot_Displacement_StaysBeyondTheBound()
    {
        var policy = LocationCoarsening.Displacement();
        var bound = policy.GuaranteedDistanceMetres;
        var worst = double.MaxValue;
        var errors = new List<double>();
        foreach (var (spot, reports) in Clusters(seed: 1, spreadMetres: 0))
        {
            var coarse = reports.Select(r => _coarsener.Coarsen(policy, r)).ToList();
            // N reports add nothing to one: they all come back as one and the same point.
            Assert.Single(coarse.Distinct());
            var error = BestEstimateError(spot, coarse);
            worst = Math.Min(worst, error);
            errors.Add(error);
            Assert.True(error >= bound, $"{reports.Count} reports at {spot}: an estimate lies {error:F0} m from the spot, inside the bound of {bound:F0} m");
        }

        Report("displacement, reports at one spot", errors, worst);
    }

    /// <summary>
    /// Reports spread over 50 m around a spot can fall in up to four anchor cells (about one cluster
    /// in five straddles a border): at most four independent draws, however many reports. The bound
    /// then holds for most spots but not all (the known limit, in the README); the test holds the
    /// measured figures (median, 5th percentile) and fails if 500 reports do better than 60, once
    /// the draws are capped.
    /// </summary>
    [Fact]
    public void AveragingReportsNearOneSpot_Displacement_GivesAtMostFourDrawsWhateverTheirNumber()
    {
        var policy = LocationCoarsening.Displacement();
        var bySize = new Dictionary<int, List<double>>();
        foreach (var (spot, reports) in Clusters(seed: 2, spreadMetres: 50))
        {
            var coarse = reports.Select(r => _coarsener.Coarsen(policy, r)).ToList();
            Assert.InRange(coarse.Distinct().Count(), 1, 4);
            (bySize.TryGetValue(reports.Count, out var list) ? list : bySize[reports.Count] = []).Add(BestEstimateError(spot, coarse));
        }

        foreach (var (size, errors) in bySize.OrderBy(e => e.Key))
        {
            Report($"displacement, {size} reports within 50 m", errors, errors.Min());
            Assert.True(Percentile(errors, 0.5) >= 3_000, $"{size} reports: median {Percentile(errors, 0.5):F0} m");
            Assert.True(Percentile(errors, 0.05) >= 1_200, $"{size} reports: 5th percentile {Percentile(errors, 0.05):F0} m");
        }

        // Five hundred reports place the spot no better than sixty: the draws are capped at four.
        Assert.True(Percentile(bySize[500], 0.05) >= 0.95 * Percentile(bySize[60], 0.05));
        Assert.True(Percentile(bySize[500], 0.5) >= 0.95 * Percentile(bySize[60], 0.5));
    }

    [Theory]
    [InlineData("grid", 5_000)]
    [InlineData("community-centroid", 5_000)]
    public void AveragingReportsAtOneSpot_GridAndCentroid_AddNothingToOneReport(string method, double cellMetres)
    {
        var policy = method == "grid" ? LocationCoarsening.Grid(cellMetres) : LocationCoarsening.CommunityCentroid(cellMetres);
        var errors = new List<double>();
        var villages = new Random(4);
        foreach (var (spot, reports) in Clusters(seed: 3, spreadMetres: 0))
        {
            // A community whose centroid lies 0 to 3 km from the spot, as a village around a house.
            var centroid = Geodesy.DestinationPoint(spot, villages.NextDouble() * 360, villages.NextDouble() * 3_000);
            var coarse = reports.Select(r => _coarsener.Coarsen(policy, r, centroid)).ToList();
            var one = BestEstimateError(spot, [_coarsener.Coarsen(policy, spot, centroid)]);
            var error = BestEstimateError(spot, coarse);
            Assert.Single(coarse.Distinct());
            Assert.Equal(one, error, 0.001);
            errors.Add(error);
        }

        Report($"{method} {cellMetres / 1000:F0} km, reports at one spot (no floor: the cell or the community)", errors, errors.Min());
        Assert.True(Percentile(errors, 0.5) >= 0.25 * cellMetres, $"median {Percentile(errors, 0.5):F0} m");
    }

    /// <summary>
    /// The attacker's best estimates of the spot from the coarse points it received: the closest
    /// of them to the spot is what the test holds against the bound.
    /// </summary>
    private static double BestEstimateError(GeoPoint spot, IReadOnlyList<GeoPoint> coarse)
    {
        var distinct = coarse.Distinct().ToList();
        var mostFrequent = coarse.GroupBy(p => p).OrderByDescending(g => g.Count()).First().Key;
        GeoPoint[] estimates = [Mean(coarse), GeometricMedian(coarse), mostFrequent, Mean(distinct), GeometricMedian(distinct)];
        return estimates.Min(e => Geodesy.DistanceMetres(spot, e));
    }

    private static GeoPoint Mean(IReadOnlyList<GeoPoint> points) =>
        new(points.Average(p => p.Longitude), points.Average(p => p.Latitude));

    /// <summary>Weiszfeld's iteration, in degrees (the spread is a few kilometres).</summary>
    private static GeoPoint GeometricMedian(IReadOnlyList<GeoPoint> points)
    {
        var estimate = Mean(points);
        for (var iteration = 0; iteration < 200; iteration++)
        {
            double x = 0, y = 0, weights = 0;
            foreach (var p in points)
            {
                var d = Math.Sqrt(Math.Pow(p.Longitude - estimate.Longitude, 2) + Math.Pow(p.Latitude - estimate.Latitude, 2));
                if (d < 1e-12)
                {
                    return p;
                }

                x += p.Longitude / d;
                y += p.Latitude / d;
                weights += 1 / d;
            }

            estimate = new GeoPoint(x / weights, y / weights);
        }

        return estimate;
    }

    /// <summary>Spots spread over a region of 300 x 300 km around Goma, each with clusters of every size, within <paramref name="spreadMetres"/> of it.</summary>
    private static IEnumerable<(GeoPoint Spot, List<GeoPoint> Reports)> Clusters(int seed, double spreadMetres)
    {
        var random = new Random(seed);
        for (var s = 0; s < Spots; s++)
        {
            var spot = new GeoPoint(29.2 + ((random.NextDouble() - 0.5) * 2.7), -1.7 + ((random.NextDouble() - 0.5) * 2.7));
            foreach (var size in ClusterSizes)
            {
                var reports = Enumerable.Range(0, size)
                    .Select(_ => spreadMetres == 0 ? spot : Geodesy.DestinationPoint(spot, random.NextDouble() * 360, Math.Sqrt(random.NextDouble()) * spreadMetres))
                    .ToList();
                yield return (spot, reports);
            }
        }
    }

    private static double Percentile(List<double> values, double share)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Floor(share * (sorted.Count - 1))];
    }

    private void Report(string what, List<double> errors, double worst) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {errors.Count} clusters; best estimate from the spot: least {worst:F0} m, 5th percentile {Percentile(errors, 0.05):F0} m, median {Percentile(errors, 0.5):F0} m"));
}
