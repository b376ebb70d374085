using System.Globalization;
using System.Text;
using Geo.Core.Privacy;
using Geo.Core.Spatial;
using NetTopologySuite.Geometries;
using Xunit;

namespace Geo.Core.Tests.Privacy;

public sealed class LocationCoarsenerTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("test key: thirty-two bytes or more, never a real one");
    private static readonly byte[] OtherKey = Encoding.UTF8.GetBytes("another test key, also thirty-two bytes or more long");
    private static readonly GeoPoint Goma = new(29.2356, -1.6792);
    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    private readonly LocationCoarsener _coarsener = new(Key);

    /// <summary>
    /// The keyed draws are HMAC-SHA256(key, label 0 id 0 attempt), read as two 53-bit fractions:
    /// however the hashing is done, displaced points must not move between releases, or an
    /// importer comparing two pulls could average them.
    /// </summary>
    [Theory]
    [InlineData("obs-1", 0)]
    [InlineData("obs-1", 3)]
    [InlineData("o-ünïcode-ид", 1)]
    public void Draw_IsTheDocumentedHmacOfTheIdAndAttempt(string id, int attempt)
    {
        var label = Encoding.UTF8.GetBytes("geoawareness/displacement/v1");
        var idBytes = Encoding.UTF8.GetBytes(id);
        var message = new byte[label.Length + 1 + idBytes.Length + 1 + 4];
        label.CopyTo(message, 0);
        idBytes.CopyTo(message, label.Length + 1);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(message.Length - 4), attempt);
        var hash = System.Security.Cryptography.HMACSHA256.HashData(Key, message);
        static double Unit(ReadOnlySpan<byte> bytes) => (System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 11) * (1.0 / (1UL << 53));
        var first = System.Security.Cryptography.HMACSHA256.HashData(Key, message.AsSpan(0, message.Length - 4).ToArray().Concat(new byte[4]).ToArray());
        var far = Unit(first.AsSpan(16, 8)) < LocationCoarsener.RuralFarShare;

        var draw = _coarsener.Draw(id, SettlementType.Rural, attempt);

        Assert.Equal(Unit(hash.AsSpan(0, 8)) * 360.0, draw.BearingDegrees);
        Assert.Equal(Unit(hash.AsSpan(8, 8)) * (far ? LocationCoarsener.RuralFarMaximumMetres : LocationCoarsener.RuralMaximumMetres), draw.DistanceMetres);
        Assert.Equal(far, draw.Far);
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
        var again = new LocationCoarsener(OtherKey).Coarsen(LocationCoarsening.Grid(1_000), "any id", Goma, SettlementType.Urban);

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

        Assert.Equal(centroid, _coarsener.Coarsen(policy, "obs-1", Goma, SettlementType.Rural, centroid));
        Assert.Equal(
            LocationCoarsener.SnapToGrid(Goma, LocationCoarsening.DefaultCommunityFallbackCellMetres),
            _coarsener.Coarsen(policy, "obs-1", Goma, SettlementType.Rural));
    }

    [Fact]
    public void CommunityCentroid_FartherThanAFallbackCell_GivesTheGridCellInstead()
    {
        // 0.1 degree of latitude is about 11 km, beyond the default 5 km cell.
        var far = new GeoPoint(Goma.Longitude, Goma.Latitude + 0.1);
        var policy = LocationCoarsening.CommunityCentroid();

        Assert.Equal(
            LocationCoarsener.SnapToGrid(Goma, LocationCoarsening.DefaultCommunityFallbackCellMetres),
            _coarsener.Coarsen(policy, "obs-1", Goma, SettlementType.Rural, far));
    }

    [Fact]
    public void Exact_ReturnsTheStoredPoint()
    {
        Assert.Equal(Goma, _coarsener.Coarsen(LocationCoarsening.Exact, "obs-1", Goma, SettlementType.Urban));
    }

    // ---------- displacement ----------

    [Fact]
    public void Displacement_Urban_IsWithinTwoKilometres_UniformInDistanceAndBearing()
    {
        var distances = new List<double>();
        var bearings = new List<double>();
        for (var i = 0; i < 20_000; i++)
        {
            var point = _coarsener.Displace(Id(i), Goma, SettlementType.Urban);
            var distance = Geodesy.DistanceMetres(Goma, point);
            Assert.InRange(distance, LocationCoarsener.MinimumDisplacementMetres * 0.999, 2_000 + 0.01);
            distances.Add(distance / 2_000);
            bearings.Add(Bearing(Goma, point) / 360);
        }

        AssertRoughlyUniform(distances);
        AssertRoughlyUniform(bearings);
    }

    [Fact]
    public void Displacement_Rural_IsWithinFiveKilometres_ExceptAboutOnePercentWithinTen()
    {
        const int count = 20_000;
        var far = 0;
        var beyondFive = 0;
        var nearDistances = new List<double>();
        var bearings = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var point = _coarsener.Displace(Id(i), Goma, SettlementType.Rural);
            var distance = Geodesy.DistanceMetres(Goma, point);
            var isFar = _coarsener.Draw(Id(i), SettlementType.Rural, 0).Far;
            Assert.InRange(distance, LocationCoarsener.MinimumDisplacementMetres * 0.999, 10_000 + 0.01);
            if (isFar)
            {
                far++;
            }
            else
            {
                Assert.True(distance <= 5_000 + 0.01, $"{Id(i)} not selected for 10 km but displaced {distance} m");
                nearDistances.Add(distance / 5_000);
            }

            if (distance > 5_000)
            {
                beyondFive++;
            }

            bearings.Add(Bearing(Goma, point) / 360);
        }

        // 1% of points (expected 200, sd 14) may go to 10 km; uniform in [0, 10 km], half of them pass 5 km.
        Assert.InRange(far, 150, 250);
        Assert.InRange(beyondFive, far / 2 - 40, far / 2 + 40);
        AssertRoughlyUniform(nearDistances);
        AssertRoughlyUniform(bearings);
    }

    [Fact]
    public void Displacement_SameIdGivesTheSamePointEveryTime_SoPullsCannotBeAveraged()
    {
        var first = _coarsener.Displace("obs-42", Goma, SettlementType.Rural);
        var fresh = new LocationCoarsener(Key);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(first, _coarsener.Displace("obs-42", Goma, SettlementType.Rural));
            Assert.Equal(first, fresh.Coarsen(LocationCoarsening.Displacement(), "obs-42", Goma, SettlementType.Rural));
        }
    }

    [Fact]
    public void Displacement_DependsOnTheSecretAndTheId()
    {
        var other = new LocationCoarsener(OtherKey);
        var seen = new HashSet<GeoPoint>();
        for (var i = 0; i < 200; i++)
        {
            var mine = _coarsener.Displace(Id(i), Goma, SettlementType.Rural);
            Assert.NotEqual(mine, other.Displace(Id(i), Goma, SettlementType.Rural));
            Assert.True(seen.Add(mine));
        }
    }

    [Fact]
    public void Displacement_NeverReturnsTheExactPoint()
    {
        foreach (var settlement in new[] { SettlementType.Urban, SettlementType.Rural })
        {
            for (var i = 0; i < 20_000; i++)
            {
                var point = _coarsener.Displace(Id(i), Goma, settlement);
                Assert.NotEqual(Goma, point);
                Assert.True(Geodesy.DistanceMetres(Goma, point) >= 0.999);
            }
        }
    }

    [Fact]
    public void Displacement_StaysInsideASmallAdministrativeArea()
    {
        // About 1.1 km square, the point near its eastern edge: most 5 km draws fall outside.
        var area = Box(Goma.Longitude - 0.009, Goma.Latitude - 0.005, Goma.Longitude + 0.001, Goma.Latitude + 0.005);
        var outsideFirstDraw = 0;
        for (var i = 0; i < 2_000; i++)
        {
            var point = _coarsener.Displace(Id(i), Goma, SettlementType.Rural, area);
            Assert.True(area.Covers(Factory.CreatePoint(new Coordinate(point.Longitude, point.Latitude))), $"{Id(i)}: {point}");
            Assert.NotEqual(Goma, point);
            var unconstrained = _coarsener.Displace(Id(i), Goma, SettlementType.Rural);
            if (!area.Covers(Factory.CreatePoint(new Coordinate(unconstrained.Longitude, unconstrained.Latitude))))
            {
                outsideFirstDraw++;
            }
        }

        Assert.True(outsideFirstDraw > 1_000, "the test area should force redraws");
    }

    [Fact]
    public void Displacement_FallsBackToTheInteriorPointOfATinyArea()
    {
        // 20 m square: a redraw almost never lands inside, so the interior point is returned.
        var area = Box(Goma.Longitude - 0.0001, Goma.Latitude - 0.0001, Goma.Longitude + 0.0001, Goma.Latitude + 0.0001);
        var interior = new GeoPoint(area.InteriorPoint.X, area.InteriorPoint.Y);
        var fallbacks = 0;
        for (var i = 0; i < 500; i++)
        {
            var point = _coarsener.Displace(Id(i), new GeoPoint(Goma.Longitude + 0.00005, Goma.Latitude + 0.00003), SettlementType.Urban, area);
            Assert.True(area.Covers(Factory.CreatePoint(new Coordinate(point.Longitude, point.Latitude))));
            if (point == interior)
            {
                fallbacks++;
            }
        }

        Assert.True(fallbacks > 100, $"only {fallbacks} fallbacks");
    }

    [Fact]
    public void Displacement_RejectsANonPolygonalArea()
    {
        Assert.Throws<ArgumentException>(() => _coarsener.Displace("obs-1", Goma, SettlementType.Rural, Factory.CreatePoint(new Coordinate(29, -1))));
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

    private static string Id(int i) => "obs-" + i.ToString(CultureInfo.InvariantCulture);

    private static Polygon Box(double west, double south, double east, double north) =>
        Factory.CreatePolygon([new(west, south), new(east, south), new(east, north), new(west, north), new(west, south)]);

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
