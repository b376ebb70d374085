using Geo.Core.Spatial;
using Geo.Testing;
using Xunit;

namespace Geo.Core.Tests.Spatial;

/// <summary>
/// Geometry text is measured before a parser sees it (issue 16, item 4): too deep, too many
/// parts or vertices, or too long is refused with the figure and the limit; text that made the
/// readers throw something unexpected is refused with a reason.
/// </summary>
public sealed class ShapeLimitsTests
{
    [Fact]
    public void ReadWkt_CollectionNested50000Deep_IsRefusedWithItsDepthInsteadOfOverflowingTheStack()
    {
        var (geometry, error) = ShapeReader.ReadWkt(HostileText.NestedWkt(50_000));

        Assert.Null(geometry);
        Assert.Equal("nests 50001 levels deep; at most 10", error);
    }

    [Fact]
    public void ReadGeoJson_CollectionNested45000Deep_IsRefusedWithItsDepth()
    {
        var (geometry, error) = ShapeReader.ReadGeoJson(HostileText.NestedGeoJson(45_000));

        Assert.Null(geometry);
        Assert.Equal("nests 90002 levels deep; at most 10", error);
    }

    [Fact]
    public void ReadWkt_MultiPolygonOf20000Parts_IsRefusedWithItsPartCount()
    {
        var (geometry, error) = ShapeReader.ReadWkt(HostileText.MultiPolygonWkt(20_000));

        Assert.Null(geometry);
        Assert.Equal("has 20000 parts (rings, lines or points); at most 10000", error);
    }

    [Fact]
    public void ReadWkt_MultiPolygonOfExactlyTheLimits_IsRead()
    {
        var limits = new ShapeLimits { MaxParts = 3, MaxVertices = 15, MaxDepth = 3 };

        var (geometry, error) = ShapeReader.ReadWkt(HostileText.MultiPolygonWkt(3), limits);

        Assert.Null(error);
        Assert.Equal(3, geometry!.NumGeometries);
        Assert.Equal(15, geometry.NumPoints);
    }

    [Theory]
    [InlineData("wkt", 2, 14, "has 3 parts (rings, lines or points); at most 2")]
    [InlineData("wkt", 3, 14, "has 15 vertices; at most 14")]
    [InlineData("geojson", 2, 14, "has 3 parts (rings, lines or points); at most 2")]
    [InlineData("geojson", 3, 14, "has 15 vertices; at most 14")]
    public void Read_OnePastThePartOrVertexLimit_IsRefusedCountingAsTheReaderWould(string syntax, int parts, int vertices, string expected)
    {
        var limits = new ShapeLimits { MaxParts = parts, MaxVertices = vertices };
        var wkt = HostileText.MultiPolygonWkt(3);
        var geoJson = """
            {"type":"MultiPolygon","coordinates":[
              [[[29,-2],[29.005,-2],[29.005,-1.995],[29,-1.995],[29,-2]]],
              [[[29.01,-2],[29.015,-2],[29.015,-1.995],[29.01,-1.995],[29.01,-2]]],
              [[[29.02,-2],[29.025,-2],[29.025,-1.995],[29.02,-1.995],[29.02,-2]]]]}
            """;

        var (_, error) = syntax == "wkt" ? ShapeReader.ReadWkt(wkt, limits) : ShapeReader.ReadGeoJson(geoJson, limits);

        Assert.Equal(expected, error);
    }

    [Fact]
    public void ReadGeoJson_FeatureCollectionOfACollectionOfMultiPolygons_IsWithinTheDefaultDepth()
    {
        var json = """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Nord-Kivu"},"geometry":
              {"type":"GeometryCollection","geometries":[{"type":"MultiPolygon","coordinates":[[[[29,-2],[29.1,-2],[29.1,-1.9],[29,-2]]]]}]}}]}
            """;

        var (geometry, error) = ShapeReader.ReadGeoJson(json);

        Assert.Null(error);
        Assert.Equal("MultiPolygon", geometry!.GeometryType);
    }

    [Fact]
    public void Read_TextOverTheLength_IsRefusedBeforeAnythingElse()
    {
        var limits = new ShapeLimits { MaxTextChars = 20 };

        Assert.Equal("has 40 characters; at most 20", ShapeReader.ReadWkt("POLYGON((0 0,1 0,1 1,0 0))              ", limits).Error);
        Assert.Equal("has 21 characters; at most 20", ShapeReader.ReadGeoJson("""{"type":"Polygon"   }""", limits).Error);
    }

    [Theory]
    [InlineData("POINT(\u00e9 2)", "has the character U+00E9 at offset 6; WKT is printable ASCII")]
    [InlineData("POLYGON((29 -2,29.1 -2,29.1 -1.9,29 -2))\u0100", "has the character U+0100 at offset 40; WKT is printable ASCII")]
    [InlineData("POINT(1\u00a02)", "has the character U+00A0 at offset 7; WKT is printable ASCII")]
    [InlineData("POINT(1 2)\u0085", "has the character U+0085 at offset 10; WKT is printable ASCII")]
    [InlineData("POINT(1\u00002)", "has the character U+0000 at offset 7; WKT is printable ASCII")]
    [InlineData("POINT(1 \uFFFD)", "has the character U+FFFD (what an invalid UTF-8 byte reads as) at offset 8; WKT is printable ASCII")]
    public void ReadWkt_CharacterBeyondPrintableAscii_IsRefusedNamingItAndWhere(string wkt, string expected)
    {
        // Before the check, NTS's tokenizer threw IndexOutOfRangeException on most of these.
        Assert.Equal(expected, ShapeReader.ReadWkt(wkt).Error);
    }

    [Theory]
    [InlineData("SRID 4326 POINT(1 2)", "is not valid WKT: expected a geometry such as POLYGON ((...)), optionally after SRID=4326;")]
    [InlineData("SRID=4326", "is not valid WKT: expected a geometry such as POLYGON ((...)), optionally after SRID=4326;")]
    [InlineData("SRID=1e300;POINT(1 2)", "is not valid WKT: its SRID is not a 32-bit whole number (give SRID=4326; or none)")]
    [InlineData("SRID=NaN;POINT(1 2)", "is not valid WKT: its SRID is not a 32-bit whole number (give SRID=4326; or none)")]
    [InlineData("POINT(1 2) POINT(3 4)", "has more text after the geometry ends, at offset 11: give one geometry (a MULTIPOLYGON or GEOMETRYCOLLECTION for several)")]
    [InlineData("POINT(1 2))", "has a ')' at offset 10 that closes nothing")]
    [InlineData(")", "has a ')' at offset 0 that closes nothing")]
    public void ReadWkt_TextTheReaderThrewOnOrMisread_IsRefusedWithAReason(string wkt, string expected)
    {
        Assert.Equal(expected, ShapeReader.ReadWkt(wkt).Error);
    }

    [Theory]
    [InlineData("""{"type":5}""", "is not a valid GeoJSON geometry: \"type\" must be a string")]
    [InlineData("""{"type":"MultiPoint","coordinates":{}}""", "is not a valid GeoJSON geometry: \"coordinates\" must be an array")]
    [InlineData("""{"type":"MultiPolygon","coordinates":[3]}""", "is not a valid GeoJSON geometry: a polygon's coordinates must be an array")]
    [InlineData("""{"type":"GeometryCollection","geometries":"none"}""", "is not a valid GeoJSON geometry: \"geometries\" must be an array")]
    [InlineData("""{"type":"Feature","geometry":[]}""", "is not a valid GeoJSON geometry: missing \"type\"")]
    [InlineData("""{"type":"Point","coordinates":[29,"-1"]}""", "is not a valid GeoJSON geometry: '\"-1\"' is not a number a coordinate can be")]
    [InlineData("[1, 2]", "is not a valid GeoJSON geometry: missing \"type\"")]
    [InlineData("\"Point\"", "is not a valid GeoJSON geometry: missing \"type\"")]
    public void ReadGeoJson_MemberOfTheWrongKind_IsRefusedWithAReason(string json, string expected)
    {
        // JsonElement's own accessors throw InvalidOperationException for these, which ended the call as UNKNOWN.
        Assert.Equal(expected, ShapeReader.ReadGeoJson(json).Error);
    }

    [Fact]
    public void ReadGeoJson_UnpairedSurrogate_IsRefusedNamingIt()
    {
        // Built at run time: an attribute's string would not keep a lone surrogate.
        var json = "{\"type\":\"Point\",\"coordinates\":[29,-1],\"name\":\"" + (char)0xD800 + "\"}";

        Assert.Equal("has an unpaired UTF-16 surrogate U+D800 at offset 46", ShapeReader.ReadGeoJson(json).Error);
    }

    [Fact]
    public void ReadGeoJson_NonAsciiInsideStrings_IsRead()
    {
        var (geometry, error) = ShapeReader.ReadGeoJson("""{"type":"Feature","properties":{"name":"Béni – 北"},"geometry":{"type":"Point","coordinates":[29,-1]}}""");

        Assert.Null(error);
        Assert.Equal("Point", geometry!.GeometryType);
    }
}
