using Geo.Core.Spatial;
using Geo.Exporters.GeoJson;
using Geo.Exporters.GeoJson.Internal;
using NetTopologySuite.Algorithm;
using NetTopologySuite.Geometries;
using Xunit;

namespace Geo.Exporters.Tests.GeoJson;

public sealed class GeoJsonGeometryTests
{
    private static readonly GeometryFactory Factory = ShapeReader.Factory;

    [Theory]
    [InlineData("POINT(29.2 -1.6)")]
    [InlineData("LINESTRING(29 -1, 30 -2)")]
    [InlineData("POLYGON((0 0, 1 0, 1 1, 0 1, 0 0), (0.2 0.2, 0.2 0.8, 0.8 0.8, 0.2 0.2))")]
    [InlineData("POLYGON((179 0, 180 0, 180 1, 179 1, 179 0))")]
    [InlineData("MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))")]
    [InlineData("POLYGON EMPTY")]
    public void Normalise_AlreadyRfc7946_ReturnsTheSameInstance(string wkt)
    {
        var geometry = Read(wkt);

        Assert.Same(geometry, GeoJsonGeometry.Normalise(geometry));
    }

    [Fact]
    public void Normalise_ClockwiseShellAndCounterClockwiseHole_AreReversed()
    {
        var given = Read("POLYGON((0 0, 0 1, 1 1, 1 0, 0 0), (0.2 0.2, 0.8 0.2, 0.8 0.8, 0.2 0.2))");
        var text = given.AsText();

        var polygon = Assert.IsType<Polygon>(GeoJsonGeometry.Normalise(given));

        Assert.True(Orientation.IsCCW(polygon.Shell.CoordinateSequence));
        Assert.False(Orientation.IsCCW(polygon.Holes[0].CoordinateSequence));
        Assert.True(polygon.EqualsTopologically(given));
        Assert.Equal(text, given.AsText());
    }

    [Fact]
    public void Normalise_MultiPolygonParts_AreEachOriented()
    {
        var polygon = Assert.IsType<MultiPolygon>(GeoJsonGeometry.Normalise(Read("MULTIPOLYGON(((0 0, 0 1, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))")));

        AssertRfc7946(polygon);
    }

    [Theory]
    [InlineData("POLYGON((179.5 0, -179.5 0, -179.5 1, 179.5 1, 179.5 0))", 1.0)]
    [InlineData("POLYGON((179 0, 181 0, 181 1, 179 1, 179 0))", 2.0)]
    [InlineData("POLYGON((-179 0, -181 0, -181 1, -179 1, -179 0))", 2.0)]
    [InlineData("POLYGON((-170 0, 170 0, 170 1, -170 1, -170 0))", 20.0)]
    [InlineData("POLYGON((170 -10, -170 -10, -170 10, 170 10, 170 -10), (175 -1, 175 1, -175 1, -175 -1, 175 -1))", 380.0)]
    public void Normalise_PolygonAcrossAntimeridian_IsSplitAtExactly180(string wkt, double area)
    {
        var split = Assert.IsType<MultiPolygon>(GeoJsonGeometry.Normalise(Read(wkt)));

        Assert.Equal(2, split.NumGeometries);
        Assert.Equal(area, split.Area, 9);
        AssertRfc7946(split);
        Assert.All(Enumerable.Range(0, 2), i => Assert.Contains(split.GetGeometryN(i).Coordinates, c => Math.Abs(c.X) == 180));
        Assert.Contains(split.Coordinates, c => c.X == 180);
        Assert.Contains(split.Coordinates, c => c.X == -180);
    }

    [Fact]
    public void Normalise_PolygonWhollyBeyond180_IsMovedNotSplit()
    {
        var moved = Assert.IsType<Polygon>(GeoJsonGeometry.Normalise(Read("POLYGON((181 0, 183 0, 183 1, 181 1, 181 0))")));

        Assert.True(moved.EqualsTopologically(Read("POLYGON((-179 0, -177 0, -177 1, -179 1, -179 0))")));
    }

    [Fact]
    public void Normalise_MultiPolygonWithOneCrossingPart_KeepsTheOthers()
    {
        var split = Assert.IsType<MultiPolygon>(GeoJsonGeometry.Normalise(Read(
            "MULTIPOLYGON(((179.5 0, -179.5 0, -179.5 1, 179.5 1, 179.5 0)), ((10 10, 11 10, 11 11, 10 10)))")));

        Assert.Equal(3, split.NumGeometries);
        Assert.Equal(1.5, split.Area, 9);
        AssertRfc7946(split);
    }

    [Fact]
    public void Normalise_RandomPolygonsAcrossAntimeridian_PartsKeepTheAreaAndStayOnOneSide()
    {
        var random = new Random(7946);
        for (var n = 0; n < 300; n++)
        {
            var continuous = StarPolygon(random, centreX: 172 + (random.NextDouble() * 16), centreY: (random.NextDouble() * 120) - 60, withHole: n % 3 == 0);
            // The same ring given in the two forms RFC 7946 writers meet: continuous past 180, or jumping back to -180.
            var given = n % 2 == 0 ? continuous : Wrapped(continuous);
            if (n % 5 == 0)
            {
                given = (Polygon)given.Reverse();
            }

            var normalised = GeoJsonGeometry.Normalise(given);

            Assert.Equal(continuous.Area, normalised.Area, 9);
            AssertRfc7946(normalised);
            var back = Unshifted(normalised);
            Assert.True(back.SymmetricDifference(continuous).Area < 1e-9, $"polygon {n}: parts do not cover the original {continuous}");
        }
    }

    [Fact]
    public void Normalise_LineAcrossAntimeridian_IsCutInOrder()
    {
        var split = Assert.IsType<MultiLineString>(GeoJsonGeometry.Normalise(Read("LINESTRING(179 0, 180 1, 181 2, -178 3, 170 4)")));

        Assert.Equal(
            Read("MULTILINESTRING((179 0, 180 1), (-180 1, -179 2, -178 3, -180 3.1666666666666665), (180 3.1666666666666665, 170 4))").AsText(),
            split.AsText());
    }

    [Fact]
    public void Normalise_RandomLinesAcrossAntimeridian_PartsKeepTheLengthAndStayOnOneSide()
    {
        var random = new Random(3191);
        for (var n = 0; n < 300; n++)
        {
            var x = 170 + (random.NextDouble() * 20);
            var points = new List<Coordinate>();
            for (var i = 0; i < 12; i++)
            {
                points.Add(new Coordinate(x, (random.NextDouble() * 160) - 80));
                x += (random.NextDouble() - 0.5) * 8;
            }

            var continuous = Factory.CreateLineString([.. points]);
            var given = n % 2 == 0 ? continuous : Factory.CreateLineString([.. points.Select(c => new Coordinate(c.X > 180 ? c.X - 360 : c.X, c.Y))]);

            var normalised = GeoJsonGeometry.Normalise(given);

            Assert.Equal(continuous.Length, Unshifted(normalised).Length, 9);
            AssertOnOneSide(normalised);
        }
    }

    [Fact]
    public void Normalise_PointBeyond180_IsWrapped()
    {
        var point = Assert.IsType<Point>(GeoJsonGeometry.Normalise(Read("POINT(190 5)")));

        Assert.Equal(-170, point.X);
        Assert.Equal(5, point.Y);
    }

    [Fact]
    public void Normalise_CollectionWithEmptyAndCrossingMembers_DropsEmptyAndSplits()
    {
        var collection = Assert.IsType<GeometryCollection>(GeoJsonGeometry.Normalise(Read(
            "GEOMETRYCOLLECTION(POINT EMPTY, POINT(185 1), POLYGON((179.5 0, -179.5 0, -179.5 1, 179.5 1, 179.5 0)), LINESTRING(0 0, 1 1))")));

        Assert.Equal(["Point", "MultiPolygon", "LineString"], Enumerable.Range(0, collection.NumGeometries).Select(i => collection.GetGeometryN(i).GeometryType));
        Assert.Equal(-175, collection.GetGeometryN(0).Coordinate.X);
    }

    [Theory]
    [InlineData("POINT(10 95)", "latitude 95 outside -90..90")]
    [InlineData("POLYGON((0 0, 1 0, 1 -91, 0 0))", "latitude -91 outside -90..90")]
    [InlineData("POLYGON((0 80, 120 80, -120 80, 0 80))", "winds around a pole")]
    public void Normalise_BadCoordinates_ThrowArgumentExceptionNamingTheProblem(string wkt, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => GeoJsonGeometry.Normalise(Read(wkt)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN, 1.0)]
    [InlineData(0.0, double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity, 0.0)]
    public void Normalise_NonFiniteCoordinate_ThrowsArgumentException(double x, double y)
    {
        var line = Factory.CreateLineString([new Coordinate(0, 0), new Coordinate(x, y)]);

        var error = Assert.Throws<ArgumentException>(() => GeoJsonGeometry.Normalise(line));

        Assert.Contains("not a finite number", error.Message, StringComparison.Ordinal);
        Assert.Equal("geometry", error.ParamName);
    }

    internal static void AssertRfc7946(Geometry geometry)
    {
        AssertOnOneSide(geometry);
        for (var i = 0; i < geometry.NumGeometries; i++)
        {
            var polygon = Assert.IsType<Polygon>(geometry.GetGeometryN(i));
            Assert.True(polygon.IsValid, $"part {i} is not valid: {polygon}");
            Assert.True(Orientation.IsCCW(polygon.Shell.CoordinateSequence), $"part {i} has a clockwise shell: {polygon}");
            Assert.All(polygon.Holes, hole => Assert.False(Orientation.IsCCW(hole.CoordinateSequence), $"part {i} has a counter-clockwise hole: {polygon}"));
        }
    }

    private static void AssertOnOneSide(Geometry geometry)
    {
        Assert.All(geometry.Coordinates, c => Assert.InRange(c.X, -180, 180));
        for (var i = 0; i < geometry.NumGeometries; i++)
        {
            var part = geometry.GetGeometryN(i);
            var sequences = part is Polygon polygon
                ? [polygon.Shell.CoordinateSequence, .. polygon.Holes.Select(h => h.CoordinateSequence)]
                : new[] { ((LineString)part).CoordinateSequence };
            Assert.All(sequences, s => Assert.False(Antimeridian.Crosses(s), $"part {i} still crosses: {part}"));
        }
    }

    /// <summary>Parts west of 0 moved by a turn, back into the continuous frame of the original around 180.</summary>
    private static Geometry Unshifted(Geometry geometry)
    {
        var parts = Enumerable.Range(0, geometry.NumGeometries).Select(i =>
        {
            var part = geometry.GetGeometryN(i).Copy();
            if (part.EnvelopeInternal.MaxX <= 0)
            {
                foreach (var c in part.Coordinates)
                {
                    c.X += 360;
                }

                part.GeometryChanged();
            }

            return part;
        });
        return Factory.BuildGeometry(parts.ToList()).Union();
    }

    private static Polygon StarPolygon(Random random, double centreX, double centreY, bool withHole)
    {
        const int Vertices = 16;
        var ring = new Coordinate[Vertices + 1];
        for (var i = 0; i < Vertices; i++)
        {
            var angle = (i + ((random.NextDouble() - 0.5) * 0.6)) * 2 * Math.PI / Vertices;
            var radius = 2 + (random.NextDouble() * 6);
            ring[i] = new Coordinate(centreX + (radius * Math.Cos(angle)), centreY + (radius * Math.Sin(angle)));
        }

        ring[Vertices] = ring[0].Copy();
        if (!withHole)
        {
            return Factory.CreatePolygon(ring);
        }

        // A unit circle round the centre: inside, as no edge of the star comes nearer than about 1.9.
        var hole = new Coordinate[9];
        for (var i = 0; i < 8; i++)
        {
            hole[i] = new Coordinate(centreX + Math.Cos(-i * Math.PI / 4), centreY + Math.Sin(-i * Math.PI / 4));
        }

        hole[8] = hole[0].Copy();
        return Factory.CreatePolygon(Factory.CreateLinearRing(ring), [Factory.CreateLinearRing(hole)]);
    }

    private static Polygon Wrapped(Polygon polygon)
    {
        LinearRing Ring(LineString ring) => Factory.CreateLinearRing([.. ring.Coordinates.Select(c => new Coordinate(c.X > 180 ? c.X - 360 : c.X, c.Y))]);
        return Factory.CreatePolygon(Ring(polygon.ExteriorRing), [.. polygon.InteriorRings.Select(Ring)]);
    }

    private static Geometry Read(string wkt) => ShapeReader.ReadWkt(wkt).Geometry ?? throw new ArgumentException(wkt);
}
