using Geo.Core.Spatial;
using Xunit;

namespace Geo.Core.Tests.Spatial;

public sealed class GeometryRulesTests
{
    [Theory]
    [InlineData("POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))")]
    [InlineData("MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)),((2 2, 3 2, 3 3, 2 2)))")]
    [InlineData("POLYGON((179 0, 180 0, 180 1, 179 1, 179 0))")]
    public void Check_ValidPolygon_IsAccepted(string wkt) =>
        Assert.Null(GeometryRules.Check(Read(wkt), "Polygon", "MultiPolygon"));

    [Theory]
    [InlineData("POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))", "Self-intersection at (0.5 0.5)")]
    [InlineData("POLYGON((179.5 0, -179.5 0, -179.5 1, 179.5 1, 179.5 0))", "crosses the antimeridian")]
    [InlineData("POLYGON((-170 0, 170 0, 170 1, -170 1, -170 0))", "crosses the antimeridian")]
    [InlineData("POLYGON EMPTY", "is empty")]
    [InlineData("POLYGON((0 0, 0 95, 1 95, 0 0))", "outside longitude -180..180 / latitude -90..90")]
    [InlineData("LINESTRING(0 0, 1 1)", "must be a Polygon or MultiPolygon, not a LineString")]
    public void Check_BadPolygon_SaysWhy(string wkt, string expected) =>
        Assert.Contains(expected, GeometryRules.Check(Read(wkt), "Polygon", "MultiPolygon"), StringComparison.Ordinal);

    [Fact]
    public void ReadWkt_UnclosedRing_IsAResultNotAnException()
    {
        var (geometry, error) = ShapeReader.ReadWkt("POLYGON((0 0, 1 0, 1 1, 0 1))");

        Assert.Null(geometry);
        Assert.Contains("closed", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"Point","coordinates":[29.2,-1.6]}""", "Point")]
    [InlineData("""{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}""", "Polygon")]
    [InlineData("""{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}}]}""", "MultiPolygon")]
    public void ReadGeoJson_GeometryFeatureOrCollectionOfOne_IsRead(string json, string type)
    {
        var (geometry, error) = ShapeReader.ReadGeoJson(json);

        Assert.Null(error);
        Assert.Equal(type, geometry!.GeometryType);
        Assert.Equal(4326, geometry.SRID);
    }

    [Theory]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}""", "ring 0 is not closed")]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}""", "needs at least 4")]
    [InlineData("""{"type":"Point","coordinates":["a",1]}""", "is not a number")]
    [InlineData("""{"type":"Circle","coordinates":[0,0]}""", "unknown geometry type 'Circle'")]
    [InlineData("""{"coordinates":[0,0]}""", "missing \"type\"")]
    [InlineData("""{"type":"FeatureCollection","features":[]}""", "exactly one feature")]
    [InlineData("""{"type":""", "is not valid JSON")]
    public void ReadGeoJson_Malformed_SaysWhy(string json, string expected)
    {
        var (geometry, error) = ShapeReader.ReadGeoJson(json);

        Assert.Null(geometry);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    private static NetTopologySuite.Geometries.Geometry Read(string wkt) => ShapeReader.ReadWkt(wkt).Geometry!;
}
