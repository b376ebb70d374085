using Geo.Core.Roads;
using Geo.Core.Spatial;
using NetTopologySuite.Geometries;
using Xunit;

namespace Geo.Core.Tests.Roads;

/// <summary>
/// The router and the isochrone outline on networks built here: travel times by hand on a river
/// with one bridge, and the outline of random networks' isochrones checked cell by cell against the
/// isochrone itself (valid polygons, every reached cell's centre inside, every other outside).
/// </summary>
public sealed class IsochroneTests
{
    private static readonly GeometryFactory Wgs84 = new(new PrecisionModel(), 4326);

    private static TravelProfile Vehicle(bool rainy = false) => new(TravelMode.Vehicle, RoadSpeeds.Vehicle, 3, 5_000, rainy);

    /// <summary>Vertices every 0.01 degree up two roads either side of a river, and a bridge at the north.</summary>
    private static RoadNetwork River(bool withSeasonalFord = false)
    {
        var vertices = new List<GeoPoint>();
        var segments = new List<RoadSegment>();
        for (var side = 0; side < 2; side++)
        {
            for (var i = 0; i <= 10; i++)
            {
                vertices.Add(new GeoPoint(20.04 + (0.02 * side), i * 0.01));
                if (i > 0)
                {
                    segments.Add(Segment(vertices, vertices.Count - 2, vertices.Count - 1, RoadClass.Secondary));
                }
            }
        }

        segments.Add(Segment(vertices, 10, 21, RoadClass.Primary));
        if (withSeasonalFord)
        {
            segments.Add(Segment(vertices, 0, 11, RoadClass.Track) with { Seasonal = true });
        }

        return new RoadNetwork(1, vertices, segments);
    }

    private static RoadSegment Segment(List<GeoPoint> vertices, int from, int to, RoadClass roadClass) =>
        new(from, to, roadClass, false, false, Geodesy.DistanceMetres(vertices[from], vertices[to]));

    [Fact]
    public void TravelSeconds_AcrossTheRiver_GoesRoundByTheBridgeAndAddsTheWalkOffTheRoad()
    {
        var network = River();
        var grid = new RoadGrid(network, Vehicle(), 250, 1_000_000, CancellationToken.None);
        var up = Geodesy.DistanceMetres(new GeoPoint(20.04, 0), new GeoPoint(20.04, 0.1));
        var bridge = Geodesy.DistanceMetres(new GeoPoint(20.04, 0.1), new GeoPoint(20.06, 0.1));
        var byRoad = (2 * up / (40 / 3.6)) + (bridge / (60 / 3.6));

        Assert.Equal(byRoad, Isochrone.TravelSeconds(grid, new GeoPoint(20.04, 0), new GeoPoint(20.06, 0), 36_000, CancellationToken.None), 3);
        // 0.005 degree (556 m) east of the east road's southern end: the walk at 3 km/h on top.
        var walked = Isochrone.TravelSeconds(grid, new GeoPoint(20.04, 0), new GeoPoint(20.065, 0), 36_000, CancellationToken.None);
        Assert.Equal(byRoad + (556.6 / (3 / 3.6)), walked, 2.0);
        // Beyond the budget: no time at all.
        Assert.Equal(double.PositiveInfinity, Isochrone.TravelSeconds(grid, new GeoPoint(20.04, 0), new GeoPoint(20.06, 0), byRoad - 1, CancellationToken.None));
    }

    [Fact]
    public void TravelSeconds_SeasonalFord_OpenInTheDrySeasonClosedInTheRainy()
    {
        var network = River(withSeasonalFord: true);
        var ford = Geodesy.DistanceMetres(new GeoPoint(20.04, 0), new GeoPoint(20.06, 0)) / (20 / 3.6);
        var dry = Isochrone.TravelSeconds(new RoadGrid(network, Vehicle(), 250, 1_000_000, CancellationToken.None), new GeoPoint(20.04, 0), new GeoPoint(20.06, 0), 36_000, CancellationToken.None);
        var rainy = Isochrone.TravelSeconds(new RoadGrid(network, Vehicle(rainy: true), 250, 1_000_000, CancellationToken.None), new GeoPoint(20.04, 0), new GeoPoint(20.06, 0), 36_000, CancellationToken.None);

        Assert.Equal(ford, dry, 3);
        Assert.True(rainy > 4 * dry, $"rainy {rainy} s, dry {dry} s");
    }

    [Fact]
    public void TravelSeconds_OneWayRoad_BindsVehiclesNotWalkers()
    {
        var vertices = new List<GeoPoint> { new(20, 0), new(20.05, 0) };
        var network = new RoadNetwork(1, vertices, [Segment(vertices, 0, 1, RoadClass.Secondary) with { OneWay = true }]);
        var vehicle = new RoadGrid(network, Vehicle(), 250, 1_000_000, CancellationToken.None);
        var foot = new RoadGrid(network, new TravelProfile(TravelMode.OnFoot, RoadSpeeds.OnFoot, 3, 5_000, false), 250, 1_000_000, CancellationToken.None);

        Assert.True(double.IsFinite(Isochrone.TravelSeconds(vehicle, vertices[0], vertices[1], 36_000, CancellationToken.None)));
        Assert.Equal(double.PositiveInfinity, Isochrone.TravelSeconds(vehicle, vertices[1], vertices[0], 36_000, CancellationToken.None));
        Assert.Equal(vertices[0] == vertices[1] ? 0 : Geodesy.DistanceMetres(vertices[0], vertices[1]) / (5 / 3.6),
            Isochrone.TravelSeconds(foot, vertices[1], vertices[0], 36_000, CancellationToken.None), 3);
    }

    [Fact]
    public void Compute_NoRoadWithinAWalk_StartsOffTheRoadsAndReachesNothing()
    {
        var grid = new RoadGrid(River(), Vehicle(), 250, 1_000_000, CancellationToken.None);
        var isochrone = Isochrone.Compute(grid, new GeoPoint(20.2, 0.05), 7_200, CancellationToken.None);

        Assert.False(isochrone.StartsOnRoad);
        Assert.False(isochrone.Reaches(new GeoPoint(20.2, 0.05)));
        Assert.True(IsochroneOutline.Of(isochrone, Wgs84, CancellationToken.None).IsEmpty);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Outline_OfRandomNetworks_IsValidAndHoldsExactlyTheReachedCells(int seed)
    {
        var random = new Random(seed);
        var vertices = Enumerable.Range(0, 300).Select(_ => new GeoPoint(30 + (random.NextDouble() * 0.5), 1 + (random.NextDouble() * 0.5))).ToList();
        var segments = new List<RoadSegment>();
        for (var v = 1; v < vertices.Count; v++)
        {
            // A tree (every vertex joined to a random earlier one) and a few loops, of every class.
            var roadClass = (RoadClass)(1 + random.Next(4));
            segments.Add(Segment(vertices, random.Next(v), v, roadClass) with { Seasonal = random.Next(8) == 0 });
            if (random.Next(5) == 0)
            {
                segments.Add(Segment(vertices, random.Next(vertices.Count), v, RoadClass.Track));
            }
        }

        var network = new RoadNetwork(1, vertices, segments);
        var grid = new RoadGrid(network, Vehicle(), 400, 1_000_000, CancellationToken.None);
        var isochrone = Isochrone.Compute(grid, vertices[0], 5_400, CancellationToken.None);
        var outline = IsochroneOutline.Of(isochrone, Wgs84, CancellationToken.None);

        Assert.True(outline.IsValid, $"seed {seed}: {new NetTopologySuite.Operation.Valid.IsValidOp(outline).ValidationError}");
        var prepared = NetTopologySuite.Geometries.Prepared.PreparedGeometryFactory.Prepare(outline);
        var reached = 0;
        for (var row = -2; row < (0.6 * 111_000 / 400); row++)
        {
            for (var column = -2; column < (0.6 * 111_000 / 400); column++)
            {
                // Each cell's centre, on the grid the isochrone was decided on.
                var (x, y) = (grid.West + ((column + 0.5) * grid.CellMetres), grid.South + ((row + 0.5) * grid.CellMetres));
                var centre = network.Frame.ToGeo(x, y);
                var inside = prepared.Contains(new Point(centre.Longitude, centre.Latitude));
                var reaches = isochrone.Reaches(centre);
                Assert.True(inside == reaches, $"seed {seed}: cell ({column}, {row}) reached {reaches}, inside the outline {inside}");
                reached += reaches ? 1 : 0;
            }
        }

        Assert.True(reached > 20, $"seed {seed}: only {reached} cells reached: the test proves little");
    }
}
