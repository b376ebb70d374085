using System.Text.Json;
using Geo.Core.Spatial;
using Geo.Exporters.GeoJson;
using NetTopologySuite.Geometries;
using Xunit;

namespace Geo.Exporters.Tests.GeoJson;

/// <summary>What the feed writes can be handed back as a query area: ShapeReader reads it to the same geometry.</summary>
public sealed class ShapeReaderRoundTripTests
{
    [Theory]
    [InlineData("POLYGON((29 -1, 29 -2, 30 -2, 30 -1, 29 -1))")]
    [InlineData("POLYGON((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 1 2, 2 2, 2 1, 1 1))")]
    [InlineData("MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((2 2, 2 3, 3 3, 2 2)))")]
    [InlineData("POLYGON((179.5 -17, -179.5 -17, -179.5 -16, 179.5 -16, 179.5 -17))")]
    [InlineData("POLYGON((170 -10, 190 -10, 190 10, 170 10, 170 -10), (175 -1, 175 1, 185 1, 185 -1, 175 -1))")]
    [InlineData("MULTIPOLYGON(((179.5 0, -179.5 0, -179.5 1, 179.5 1, 179.5 0)), ((10 10, 11 10, 11 11, 10 10)))")]
    public async Task ReadGeoJson_WrittenFeatureCollectionAndFeature_IsTheNormalisedGeometryAndAnAcceptableArea(string wkt)
    {
        var given = ShapeReader.ReadWkt(wkt).Geometry!;
        var expected = GeoJsonGeometry.Normalise(given);
        var text = await WriteOneAsync(given);

        var (fromCollection, collectionError) = ShapeReader.ReadGeoJson(text);
        using var document = JsonDocument.Parse(text);
        var (fromFeature, featureError) = ShapeReader.ReadGeoJson(document.RootElement.GetProperty("features")[0].GetRawText());

        Assert.Null(collectionError);
        Assert.Null(featureError);
        Assert.Equal(expected.GeometryType, fromCollection!.GeometryType);
        Assert.True(fromCollection.EqualsTopologically(expected), $"wrote {expected}, read {fromCollection}");
        Assert.True(fromFeature!.EqualsExact(fromCollection));
        Assert.Null(GeometryRules.Check(fromCollection, "Polygon", "MultiPolygon"));
        GeoJsonGeometryTests.AssertRfc7946(fromCollection);
    }

    [Fact]
    public async Task ReadGeoJson_SplitWithSlantedEdges_IsTheNormalisedGeometryToSixDecimals()
    {
        var given = ShapeReader.ReadWkt("POLYGON((170 -10, -175 0, 170 10, 170 -10))").Geometry!;
        var expected = GeoJsonGeometry.Normalise(given);

        var (read, error) = ShapeReader.ReadGeoJson(await WriteOneAsync(given));

        Assert.Null(error);
        Assert.IsType<MultiPolygon>(read);
        Assert.True(read!.EqualsExact(expected, 0.5e-6), $"wrote {expected}, read {read}");
        Assert.Null(GeometryRules.Check(read, "Polygon", "MultiPolygon"));
    }

    [Fact]
    public async Task ReadGeoJson_WrittenCollectionOfPolygons_IsAnAcceptableArea()
    {
        var given = ShapeReader.ReadWkt("GEOMETRYCOLLECTION(POLYGON((0 0, 1 0, 1 1, 0 0)), POLYGON((179.5 0, -179.5 0, -179.5 1, 179.5 1, 179.5 0)))").Geometry!;

        var (read, error) = ShapeReader.ReadGeoJson(await WriteOneAsync(given));

        Assert.Null(error);
        var multiPolygon = Assert.IsType<MultiPolygon>(read);
        Assert.Equal(3, multiPolygon.NumGeometries);
        Assert.Null(GeometryRules.Check(multiPolygon, "Polygon", "MultiPolygon"));
        Assert.Equal(1.5, multiPolygon.Area, 9);
    }

    private static Task<string> WriteOneAsync(Geometry geometry) => GeoJsonWriterTests.WriteAsync(writer =>
    {
        writer.BeginFeatureCollection();
        writer.BeginFeature("area");
        writer.WriteGeometry(geometry);
        writer.EndFeature();
        writer.EndFeatureCollection();
    });
}
