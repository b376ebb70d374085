using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Geo.Core.Privacy;
using Geo.Core.Spatial;
using Xunit;

namespace Geo.Core.Tests.Privacy;

public sealed class LocationCoarsenerTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("test key: thirty-two bytes or more, never a real one");
    private static readonly byte[] OtherKey = Encoding.UTF8.GetBytes("another test key, also thirty-two bytes or more long");
    private static readonly GeoPoint Goma = new(29.2356, -1.6792);
    private static readonly LocationCoarsening Displacement = LocationCoarsening.Displacement();

    private readonly LocationCoarsener _coarsener = new(Key);

    /// <summary>
    /// The keyed draw of an anchor cell is HMAC-SHA256(key, label 0 cell-size band column), read as
    /// three 53-bit fractions: however the hashing is done, coarse points must not move between
    /// releases, or an importer comparing two pulls would get two draws of one place.
    /// </summary>
    [Theory]
    [InlineData(29.2356, -1.6792)]
    [InlineData(-73.99, 40.73)]
    [InlineData(179.9999, -89.9)]
    public void Draw_IsTheDocumentedHmacOfTheAnchorCell(double longitude, double latitude)
    {
        var cell = _coarsener.AnchorOf(new GeoPoint(longitude, latitude), Displacement.AnchorCellMetres);
        var label = Encoding.UTF8.GetBytes("geoawareness/displacement/v2");
        var message = new byte[label.Length + 1 + 24];
        label.CopyTo(message, 0);
        BinaryPrimitives.WriteInt64BigEndian(message.AsSpan(label.Length + 1), BitConverter.DoubleToInt64Bits(Displacement.AnchorCellMetres));
        BinaryPrimitives.WriteInt64BigEndian(message.AsSpan(label.Length + 9), cell.Band);
        BinaryPrimitives.WriteInt64BigEndian(message.AsSpan(label.Length + 17), cell.Column);
        var hash = HMACSHA256.HashData(Key, message);
        static double Unit(ReadOnlySpan<byte> bytes) => (BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 11) * (1.0 / (1UL << 53));
        var far = Unit(hash.AsSpan(16, 8)) < LocationCoarsener.FarShare;
        var maximum = far ? Displacement.FarMaximumDisplacementMetres : Displacement.MaximumDisplacementMetres;

        var draw = _coarsener.Draw(cell, Displacement);

        Assert.Equal(Unit(hash.AsSpan(0, 8)) * 360.0, draw.BearingDegrees);
        Assert.Equal(Displacement.MinimumDisplacementMetres + (Unit(hash.AsSpan(8, 8)) * (maximum - Displacement.MinimumDisplacementMetres)), draw.DistanceMetres);
        Assert.Equal(far, draw.Far);
        Assert.Equal(Geodesy.DestinationPoint(cell.Centre, draw.BearingDegrees, draw.DistanceMetres), _coarsener.Coarsen(Displacement, new GeoPoint(longitude, latitude)));
    }

    // ---------- displacement ----------

    [Fact]
    public void Displacement_EveryPointOfOneAnchorCellGetsOneCoarsePoint()
    {
        var random = new Random(7);
        var byCell = new Dictionary<(long, long), GeoPoint>();
        for (var i = 0; i < 20_000; i++)
        {
            var point = Near(random);
            var cell = _coarsener.AnchorOf(point, Displacement.AnchorCellMetres);
            var coarse = _coarsener.Coarsen(Displacement, point);
            if (byCell.TryGetValue((cell.Band, cell.Column), out var seen))
            {
                Assert.Equal(seen, coarse);
            }
            else
            {
                byCell[(cell.Band, cell.Column)] = coarse;
            }
        }

        // 0.5 x 0.5 degrees is about 3,100 cells of 1 km: the points fill most of them.
        Assert.InRange(byCell.Count, 2_500, 3_300);
        Assert.Equal(byCell.Count, byCell.Values.Distinct().Count());
    }

    [Fact]
    public void Displacement_NoCoarsePointLiesCloserToItsSpotThanTheGuarantee()
    {
        var random = new Random(11);
        var closest = double.MaxValue;
        var farthest = 0.0;
        for (var i = 0; i < 50_000; i++)
        {
            var point = Near(random);
            var distance = Geodesy.DistanceMetres(point, _coarsener.Coarsen(Displacement, point));
            closest = Math.Min(closest, distance);
            farthest = Math.Max(farthest, distance);
        }

        Assert.True(closest >= Displacement.GuaranteedDistanceMetres, $"a coarse point lies {closest:F0} m from its spot; the guarantee is {Displacement.GuaranteedDistanceMetres:F0} m");
        Assert.True(farthest <= Displacement.MaximumShiftMetres, $"a coarse point lies {farthest:F0} m from its spot; areas are widened by {Displacement.MaximumShiftMetres:F0} m");
        Assert.Equal(1_250, Displacement.GuaranteedDistanceMetres);
        // The guarantee is nearly met: points in the corners of their cells come close to it.
        Assert.True(closest < Displacement.GuaranteedDistanceMetres + 250, $"closest {closest:F0} m");
    }

    [Fact]
    public void Displacement_FromTheCellCentre_IsBetweenTheMinimumAndMaximum_ExceptAboutOnePercentWithinTwiceIt_UniformInDistanceAndBearing()
    {
        var random = new Random(3);
        var cells = new HashSet<(long, long)>();
        var far = 0;
        var distances = new List<double>();
        var bearings = new List<double>();
        while (cells.Count < 20_000)
        {
            var point = new GeoPoint((random.NextDouble() * 20) + 20, (random.NextDouble() * 10) - 5);
            var cell = _coarsener.AnchorOf(point, Displacement.AnchorCellMetres);
            if (!cells.Add((cell.Band, cell.Column)))
            {
                continue;
            }

            var coarse = _coarsener.Coarsen(Displacement, point);
            var distance = Geodesy.DistanceMetres(cell.Centre, coarse);
            var isFar = _coarsener.Draw(cell, Displacement).Far;
            Assert.InRange(distance, Displacement.MinimumDisplacementMetres - 0.01, (isFar ? Displacement.FarMaximumDisplacementMetres : Displacement.MaximumDisplacementMetres) + 0.01);
            if (isFar)
            {
                far++;
            }
            else
            {
                distances.Add((distance - Displacement.MinimumDisplacementMetres) / (Displacement.MaximumDisplacementMetres - Displacement.MinimumDisplacementMetres));
            }

            bearings.Add(Bearing(cell.Centre, coarse) / 360);
        }

        // 1% of cells (expected 200, sd 14) may go to twice the maximum.
        Assert.InRange(far, 150, 250);
        AssertRoughlyUniform(distances);
        AssertRoughlyUniform(bearings);
    }

    [Fact]
    public void Displacement_TheAnchorGridIsKeyed_SoItsBordersAreNotThePublicGrids()
    {
        var other = new LocationCoarsener(OtherKey);
        var random = new Random(5);
        var moved = 0;
        for (var i = 0; i < 1_000; i++)
        {
            var point = Near(random);
            var mine = _coarsener.AnchorOf(point, 1_000).Centre;
            Assert.Equal(mine, new LocationCoarsener(Key).AnchorOf(point, 1_000).Centre);
            if (mine != other.AnchorOf(point, 1_000).Centre)
            {
                moved++;
            }

            Assert.True(Geodesy.DistanceMetres(point, mine) <= 1_000 * LocationCoarsening.HalfDiagonalShare, $"{point} -> {mine}");
        }

        Assert.Equal(1_000, moved);
        Assert.NotEqual(LocationCoarsener.SnapToGrid(Goma, 1_000), _coarsener.AnchorOf(Goma, 1_000).Centre);
    }

    [Fact]
    public void Displacement_SamePlaceGivesTheSamePointEveryTime_AndDependsOnTheSecret()
    {
        var first = _coarsener.Coarsen(Displacement, Goma);
        var fresh = new LocationCoarsener(Key);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(first, _coarsener.Coarsen(Displacement, Goma));
            Assert.Equal(first, fresh.Coarsen(Displacement, Goma));
        }

        Assert.NotEqual(first, new LocationCoarsener(OtherKey).Coarsen(Displacement, Goma));
    }

    [Fact]
    public void Policies_StateWhatTheyGuaranteeAndHowFarTheyShift()
    {
        Assert.Equal(0, LocationCoarsening.Grid(5_000).GuaranteedDistanceMetres);
        Assert.Equal(3_750, LocationCoarsening.Grid(5_000).MaximumShiftMetres);
        Assert.Equal(5_000, LocationCoarsening.CommunityCentroid().MaximumShiftMetres);
        Assert.Equal(10_750, Displacement.MaximumShiftMetres);
        Assert.Equal(Core.Domain.LocationPrecision.Approximate, Displacement.Delivered(Core.Domain.LocationPrecision.Exact));
        Assert.Equal(Core.Domain.LocationPrecision.AdminArea, Displacement.Delivered(Core.Domain.LocationPrecision.AdminArea));
        Assert.Equal(Core.Domain.LocationPrecision.Village, LocationCoarsening.CommunityCentroid().Delivered(Core.Domain.LocationPrecision.Exact));
        Assert.Equal(Core.Domain.LocationPrecision.AdminArea, LocationCoarsening.Grid(20_000).Delivered(Core.Domain.LocationPrecision.Exact));
        Assert.Equal(CountNoise.DefaultRatio, Displacement.NoiseRatio);
        Assert.Equal(0, LocationCoarsening.Exact.NoiseRatio);
    }

    // ---------- grid ----------

    [Theory]
    [InlineData(1_000, 0.0)]
    [InlineData(1_000, -1.68)]
    [InlineData(5_000, 45.0)]
    [InlineData(500, 70.0)]
    public void SnapToGrid_PointsOfACellShareOneCentreWithinHalfADiagonal(double cell, double latitude)
    {
        var random = new Random(42);
        for (var i = 0; i < 2_000; i++)
        {
            var point = new GeoPoint(29 + random.NextDouble(), latitude + (random.NextDouble() - 0.5));
            var centre = LocationCoarsener.SnapToGrid(point, cell);

            Assert.Equal(centre, LocationCoarsener.SnapToGrid(centre, cell));
            Assert.True(Geodesy.DistanceMetres(point, centre) <= cell * Math.Sqrt(2) / 2 * 1.02, $"{point} -> {centre}");
        }
    }

    [Theory]
    [InlineData(1_000, -1.68)]
    [InlineData(2_500, 60.0)]
    public void SnapToGrid_NeighbouringCentresAreAboutOneCellApart(double cell, double latitude)
    {
        var centre = LocationCoarsener.SnapToGrid(new GeoPoint(29.3, latitude), cell);
        var eastward = LocationCoarsener.SnapToGrid(new GeoPoint(centre.Longitude + (1.2 * cell / (111_195 * Math.Cos(latitude * Math.PI / 180))), centre.Latitude), cell);
        var northward = LocationCoarsener.SnapToGrid(new GeoPoint(centre.Longitude, centre.Latitude + (1.2 * cell / 111_195)), cell);

        Assert.InRange(Geodesy.DistanceMetres(centre, eastward), cell * 0.98, cell * 1.02);
        Assert.InRange(Geodesy.DistanceMetres(new GeoPoint(0, centre.Latitude), new GeoPoint(0, northward.Latitude)), cell * 0.98, cell * 1.02);
    }

    [Fact]
    public void SnapToGrid_IsStableAndIndependentOfAnyQuery()
    {
        var first = LocationCoarsener.SnapToGrid(Goma, 1_000);
        var again = new LocationCoarsener(OtherKey).Coarsen(LocationCoarsening.Grid(1_000), Goma);

        Assert.Equal(first, again);
        Assert.NotEqual(Goma, first);
    }

    [Fact]
    public void SnapToGrid_TheAntimeridianIsOneColumn()
    {
        Assert.Equal(LocationCoarsener.SnapToGrid(new GeoPoint(-180, 10), 1_000), LocationCoarsener.SnapToGrid(new GeoPoint(180, 10), 1_000));
        Assert.True(LocationCoarsener.SnapToGrid(new GeoPoint(0, 90), 1_000).IsInRange);
    }

    // ---------- community centroid ----------

    [Fact]
    public void CommunityCentroid_IsUsedWhenKnown_ElseTheDefaultGridCell()
    {
        var centroid = new GeoPoint(29.25, -1.66);
        var policy = LocationCoarsening.CommunityCentroid();

        Assert.Equal(centroid, _coarsener.Coarsen(policy, Goma, centroid));
        Assert.Equal(
            LocationCoarsener.SnapToGrid(Goma, LocationCoarsening.DefaultCommunityFallbackCellMetres),
            _coarsener.Coarsen(policy, Goma));
    }

    [Fact]
    public void CommunityCentroid_FartherThanAFallbackCell_GivesTheGridCellInstead()
    {
        // 0.1 degree of latitude is about 11 km, beyond the default 5 km cell.
        var far = new GeoPoint(Goma.Longitude, Goma.Latitude + 0.1);
        var policy = LocationCoarsening.CommunityCentroid();

        Assert.Equal(
            LocationCoarsener.SnapToGrid(Goma, LocationCoarsening.DefaultCommunityFallbackCellMetres),
            _coarsener.Coarsen(policy, Goma, far));
    }

    [Fact]
    public void Exact_ReturnsTheStoredPoint()
    {
        Assert.Equal(Goma, _coarsener.Coarsen(LocationCoarsening.Exact, Goma));
    }

    [Fact]
    public void TheKeyMustBeLongEnough()
    {
        Assert.Throws<ArgumentException>(() => new LocationCoarsener(new byte[16]));
    }

    [Fact]
    public void Policies_RejectCellsTooFineAndMinimumsThatHideNothing()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LocationCoarsening.Grid(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => LocationCoarsening.Grid(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => LocationCoarsening.Displacement(1));
        // The least displacement must pass the anchor cell, or a coarse point could lie on its spot.
        Assert.Throws<ArgumentOutOfRangeException>(() => LocationCoarsening.Displacement(anchorCellMetres: 1_000, minimumDisplacementMetres: 900));
        Assert.Throws<ArgumentOutOfRangeException>(() => LocationCoarsening.Displacement(minimumDisplacementMetres: 2_000, maximumDisplacementMetres: 2_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => LocationCoarsening.Displacement().WithNoiseRatio(1));
        Assert.Equal(5, LocationCoarsening.Displacement().MinimumAggregateCount);
        Assert.False(LocationCoarsening.Exact.IsCoarsened);
    }

    [Fact]
    public void DestinationPoint_RoundTripsWithDistanceMetres()
    {
        for (var bearing = 0; bearing < 360; bearing += 15)
        {
            foreach (var metres in new[] { 1.0, 1_999.5, 5_000, 10_000, 250_000 })
            {
                var point = Geodesy.DestinationPoint(Goma, bearing, metres);
                Assert.InRange(Geodesy.DistanceMetres(Goma, point), metres - 0.001, metres + 0.001);
            }
        }
    }

    /// <summary>A point within about 30 km of Goma, drawn from <paramref name="random"/>.</summary>
    private static GeoPoint Near(Random random) => new(Goma.Longitude + ((random.NextDouble() - 0.5) * 0.5), Goma.Latitude + ((random.NextDouble() - 0.5) * 0.5));

    /// <summary>Initial bearing, degrees in [0, 360), in the local tangent plane (good to a fraction of a degree over 10 km).</summary>
    private static double Bearing(GeoPoint from, GeoPoint to)
    {
        var east = (to.Longitude - from.Longitude) * Math.Cos(from.Latitude * Math.PI / 180);
        var north = to.Latitude - from.Latitude;
        var degrees = Math.Atan2(east, north) * 180 / Math.PI;
        return degrees < 0 ? degrees + 360 : degrees;
    }

    /// <summary>Values in [0, 1] fall evenly in ten bins: chi-square, 9 degrees of freedom, below the 0.1% critical value 27.9.</summary>
    private static void AssertRoughlyUniform(List<double> values)
    {
        var bins = new int[10];
        foreach (var value in values)
        {
            bins[Math.Clamp((int)(value * 10), 0, 9)]++;
        }

        var expected = values.Count / 10.0;
        var chiSquare = bins.Sum(observed => (observed - expected) * (observed - expected) / expected);
        Assert.True(chiSquare < 27.9, $"chi-square {chiSquare:F1} for bins {string.Join(", ", bins)}");
    }
}
