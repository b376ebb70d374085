using Geo.Core.Domain;
using Geo.Core.Spatial;
using NetTopologySuite.Geometries;
using Xunit;

namespace Geo.Core.Tests.Spatial;

/// <summary>Query areas given as RFC 7946 GeoJSON, as feeds and other GeoJSON tools write them.</summary>
public sealed class ShapeReaderTests
{
    private const string EastOfAntimeridian = "[[[179,0],[180,0],[180,1],[179,1],[179,0]]]";
    private const string WestOfAntimeridian = "[[[-180,0],[-179,0],[-179,1],[-180,1],[-180,0]]]";

    [Fact]
    public void ReadGeoJson_AntimeridianSplitAsMultiPolygon_IsAnAcceptableAreaCoveringBothSides()
    {
        var (geometry, error) = ShapeReader.ReadGeoJson($$"""{"type":"MultiPolygon","coordinates":[{{EastOfAntimeridian}},{{WestOfAntimeridian}}]}""");

        Assert.Null(error);
        Assert.Null(GeometryRules.Check(geometry!, "Polygon", "MultiPolygon"));
        var area = new ShapeArea(geometry!);
        Assert.True(area.Contains(new GeoPoint(179.5, 0.5)));
        Assert.True(area.Contains(new GeoPoint(-179.5, 0.5)));
        Assert.False(area.Contains(new GeoPoint(0, 0.5)));
    }

    [Fact]
    public void ReadGeoJson_FeatureWithGeometryCollectionOfPolygons_IsAMultiPolygonOfThem()
    {
        var json = """{"type":"Feature","properties":null,"geometry":{"type":"GeometryCollection","geometries":["""
            + $$"""{"type":"Polygon","coordinates":{{EastOfAntimeridian}}},{"type":"Polygon","coordinates":{{WestOfAntimeridian}}}"""
            + "]}}";

        var (geometry, error) = ShapeReader.ReadGeoJson(json);

        Assert.Null(error);
        var multiPolygon = Assert.IsType<MultiPolygon>(geometry);
        Assert.Equal(2, multiPolygon.NumGeometries);
        Assert.Null(GeometryRules.Check(multiPolygon, "Polygon", "MultiPolygon"));
        Assert.True(new ShapeArea(multiPolygon).Contains(new GeoPoint(-179.5, 0.5)));
    }

    [Fact]
    public void ReadGeoJson_GeometryCollectionOfOverlappingPolygons_IsTheirUnion()
    {
        var json = """
            {"type":"GeometryCollection","geometries":[
              {"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]},
              {"type":"MultiPolygon","coordinates":[[[[1,1],[3,1],[3,3],[1,3],[1,1]]]]}]}
            """;

        var (geometry, error) = ShapeReader.ReadGeoJson(json);

        Assert.Null(error);
        Assert.Null(GeometryRules.Check(geometry!, "Polygon", "MultiPolygon"));
        Assert.Equal(7, geometry!.Area, 9);
    }

    [Fact]
    public void ReadGeoJson_GeometryCollectionWithAPoint_StaysACollectionThatAreasRefuse()
    {
        var json = """
            {"type":"GeometryCollection","geometries":[
              {"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]},
              {"type":"Point","coordinates":[5,5]}]}
            """;

        var (geometry, error) = ShapeReader.ReadGeoJson(json);

        Assert.Null(error);
        Assert.Contains("not a GeometryCollection", GeometryRules.Check(geometry!, "Polygon", "MultiPolygon"), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadGeoJson_GeometryCollectionWithABowtie_KeepsTheFaultForTheRules()
    {
        var json = """
            {"type":"GeometryCollection","geometries":[
              {"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]},
              {"type":"Polygon","coordinates":[[[5,5],[6,5],[6,6],[5,5]]]}]}
            """;

        var (geometry, error) = ShapeReader.ReadGeoJson(json);

        Assert.Null(error);
        Assert.Contains("Self-intersection", GeometryRules.Check(geometry!, "Polygon", "MultiPolygon"), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadGeoJson_ClockwiseExteriorRing_IsTheSameAreaAsCounterClockwise()
    {
        var (clockwise, cwError) = ShapeReader.ReadGeoJson("""{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[1,0],[0,0]]]}""");
        var (counterClockwise, _) = ShapeReader.ReadGeoJson("""{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}""");

        Assert.Null(cwError);
        Assert.Null(GeometryRules.Check(clockwise!, "Polygon"));
        Assert.True(clockwise!.EqualsTopologically(counterClockwise));
        Assert.True(new ShapeArea(clockwise).Contains(new GeoPoint(0.5, 0.5)));
        Assert.Equal(new ShapeArea(counterClockwise!).SquareKilometres, new ShapeArea(clockwise).SquareKilometres, 6);
    }

    [Theory]
    [InlineData("""{"type":"Polygon","bbox":[0,0,1,1],"coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}""")]
    [InlineData("""{"type":"Feature","bbox":[0,0,1,1],"id":7,"properties":{"a":1},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}""")]
    [InlineData("""{"type":"FeatureCollection","bbox":[0,0,1,1],"total":1,"features":[{"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}]}""")]
    public void ReadGeoJson_BboxAndForeignMembers_AreIgnored(string json)
    {
        var (geometry, error) = ShapeReader.ReadGeoJson(json);

        Assert.Null(error);
        Assert.Equal(1, geometry!.Area, 9);
    }

    [Fact]
    public void ReadGeoJson_FeatureWithNullGeometry_SaysSo()
    {
        var (geometry, error) = ShapeReader.ReadGeoJson("""{"type":"Feature","properties":null,"geometry":null}""");

        Assert.Null(geometry);
        Assert.Contains("the feature has no geometry", error, StringComparison.Ordinal);
    }
}
