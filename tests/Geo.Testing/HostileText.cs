using System.Globalization;
using System.Text;

namespace Geo.Testing;

/// <summary>Geometry texts of the attacks on the service (issue 16), built the same way wherever a test needs one.</summary>
public static class HostileText
{
    /// <summary>A POINT inside <paramref name="levels"/> GEOMETRYCOLLECTIONs: 20 characters a level.</summary>
    public static string NestedWkt(int levels) =>
        new StringBuilder().Insert(0, "GEOMETRYCOLLECTION(", levels).Append("POINT(29 -1)").Append(')', levels).ToString();

    /// <summary>A Point inside <paramref name="levels"/> GeoJSON GeometryCollections: two levels of JSON nesting each.</summary>
    public static string NestedGeoJson(int levels) =>
        string.Concat(Enumerable.Repeat("""{"type":"GeometryCollection","geometries":[""", levels))
        + """{"type":"Point","coordinates":[29,-1]}""" + string.Concat(Enumerable.Repeat("]}", levels));

    /// <summary>
    /// A valid POLYGON shaped as a comb of <paramref name="teeth"/> teeth, 0.99° long, across one
    /// degree near Goma: few vertices, and a boundary of two degrees a tooth.
    /// </summary>
    public static string CombWkt(int teeth)
    {
        var text = new StringBuilder("POLYGON((29 -2");
        for (var i = 0; i < teeth; i++)
        {
            var (left, right) = (29 + ((double)i / teeth), 29 + ((i + 0.5) / teeth));
            text.Append(CultureInfo.InvariantCulture, $",{left} -1.99,{left} -1,{right} -1,{right} -1.99");
        }

        return text.Append(",30 -1.99,30 -2,29 -2))").ToString();
    }

    /// <summary>A valid MULTIPOLYGON of <paramref name="parts"/> small squares near Goma, one ring of five vertices each.</summary>
    public static string MultiPolygonWkt(int parts)
    {
        var text = new StringBuilder("MULTIPOLYGON(");
        for (var i = 0; i < parts; i++)
        {
            var (x, y) = (29 + (i % 200 * 0.01), -2 + (i / 200 * 0.01));
            text.Append(i == 0 ? string.Empty : ",").Append(CultureInfo.InvariantCulture, $"(({x} {y},{x + 0.005} {y},{x + 0.005} {y + 0.005},{x} {y + 0.005},{x} {y}))");
        }

        return text.Append(')').ToString();
    }
}
