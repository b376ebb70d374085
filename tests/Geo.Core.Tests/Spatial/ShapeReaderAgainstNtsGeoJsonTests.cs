using Geo.Core.Spatial;
using Geo.Testing.GeoJson;
using NetTopologySuite.Features;
using Xunit;

namespace Geo.Core.Tests.Spatial;

/// <summary>
/// NetTopologySuite's GeoJSON reader (NetTopologySuite.IO.GeoJSON4STJ) as an oracle for ours: on
/// valid input both give the same geometry. Ours stays for what the package cannot say about
/// bad input, and for its own rules (ShapeReader says which).
/// </summary>
public sealed class ShapeReaderAgainstNtsGeoJsonTests
{
    [Theory]
    [InlineData("""{"type":"Point","coordinates":[29.123456789,-1.5]}""")]
    [InlineData("""{"type":"Point","coordinates":[-0.0,1e-3]}""")]
    [InlineData("""{"type":"MultiPoint","coordinates":[[29.2,-1.6],[29.3,-1.7]]}""")]
    [InlineData("""{"type":"LineString","coordinates":[[29.2,-1.6],[29.3,-1.7],[29.4,-1.6]]}""")]
    [InlineData("""{"type":"MultiLineString","coordinates":[[[29.2,-1.6],[29.3,-1.7]],[[30,0],[30.1,0.1]]]}""")]
    [InlineData("""{"type":"Polygon","coordinates":[[[29,-2],[29.5,-2],[29.5,-1.5],[29,-1.5],[29,-2]],[[29.1,-1.9],[29.1,-1.6],[29.4,-1.6],[29.4,-1.9],[29.1,-1.9]]]}""")]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[1,0],[0,0]]]}""")]
    [InlineData("""{"type":"MultiPolygon","coordinates":[[[[179,0],[180,0],[180,1],[179,1],[179,0]]],[[[-180,0],[-179,0],[-179,1],[-180,1],[-180,0]]]]}""")]
    [InlineData("""{"bbox":[0,0,1,1],"coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]],"crs":{"x":[1,{"y":2}]},"type":"Polygon"}""")]
    public void ReadGeoJson_ValidGeometry_IsWhatNetTopologySuitesReaderReads(string json)
    {
        var (ours, error) = ShapeReader.ReadGeoJson(json);
        var theirs = NtsGeoJson.ReadGeometry(json);

        Assert.Null(error);
        Assert.Equal(theirs.GeometryType, ours!.GeometryType);
        Assert.True(theirs.EqualsExact(ours), $"ours {ours}, NetTopologySuite's {theirs}");
        Assert.Equal(theirs.SRID, ours.SRID);
    }

    [Fact]
    public void ReadGeoJson_PositionsWithAltitude_AreReadInTwoDimensionsWhereThePackageKeepsTheAltitude()
    {
        const string Json = """{"type":"Polygon","coordinates":[[[0,0,5],[1,0,5],[1,1,6],[0,1,5],[0,0,5]]]}""";

        var (ours, _) = ShapeReader.ReadGeoJson(Json);
        var theirs = NtsGeoJson.ReadGeometry(Json);

        // Equal in plan: the stored columns are 2D, so ours drops what the package keeps.
        Assert.True(theirs.EqualsExact(ours));
        Assert.All(ours!.Coordinates, c => Assert.True(double.IsNaN(c.Z)));
        Assert.Equal(6, theirs.Coordinates[2].Z);
    }

    [Fact]
    public void ReadGeoJson_FeatureCollectionOfOne_IsTheGeometryOfThePackagesFeature()
    {
        const string Json = """
            {"type":"FeatureCollection","features":[{"type":"Feature","id":"a","properties":{"name":"x"},
              "geometry":{"type":"Polygon","coordinates":[[[29,-2],[29.5,-2],[29.5,-1.5],[29,-1.5],[29,-2]]]}}]}
            """;

        var (ours, error) = ShapeReader.ReadGeoJson(Json);
        var theirs = System.Text.Json.JsonSerializer.Deserialize<FeatureCollection>(Json, NtsGeoJson.Options)!;

        Assert.Null(error);
        Assert.True(Assert.Single(theirs).Geometry.EqualsExact(ours));
    }
}
