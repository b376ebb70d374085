using System.Text.Json;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;
using Xunit;

namespace Geo.Testing.GeoJson;

/// <summary>
/// NetTopologySuite's own GeoJSON reader (NetTopologySuite.IO.GeoJSON4STJ) as a second reader,
/// beside GDAL, of the GeoJSON the service streams, and as an oracle for the service's reader.
/// </summary>
public static class NtsGeoJson
{
    /// <summary>System.Text.Json set up with the package's converters, reading into EPSG:4326.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        Converters = { new GeoJsonConverterFactory(new GeometryFactory(new PrecisionModel(), 4326)) },
    };

    /// <summary>A GeoJSON geometry object, as the package reads it.</summary>
    public static Geometry ReadGeometry(string json) =>
        JsonSerializer.Deserialize<Geometry>(json, Options) ?? throw new JsonException("null geometry");

    /// <summary>
    /// Reads a FeatureCollection with the package, checks that every feature has the id,
    /// geometry and properties the document holds (as System.Text.Json reads the same bytes: the
    /// geometry's type and every position, each property's name, order and value), and returns
    /// the package's features by id.
    /// </summary>
    public static IReadOnlyDictionary<string, IFeature> ReadFeatureCollection(byte[] document)
    {
        var collection = JsonSerializer.Deserialize<FeatureCollection>(document, Options)
            ?? throw new JsonException("the document is null");
        using var json = JsonDocument.Parse(document);
        var written = json.RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(written.Count, collection.Count);
        var features = new Dictionary<string, IFeature>(StringComparer.Ordinal);
        for (var i = 0; i < written.Count; i++)
        {
            var id = written[i].GetProperty("id").GetString()!;
            var feature = collection[i];
            Assert.Equal(id, Assert.IsAssignableFrom<IUnique>(feature).Id?.ToString());
            AssertSameGeometry(written[i].GetProperty("geometry"), feature.Geometry, id);
            AssertSameProperties(written[i].GetProperty("properties"), feature.Attributes, id);
            features.Add(id, feature);
        }

        return features;
    }

    /// <summary>
    /// <paramref name="actual"/> is <paramref name="expected"/> as a feed writes it: the same
    /// shape, each position within the rounding to 6 decimals, rings in any orientation.
    /// </summary>
    public static void AssertWithinWrittenRounding(Geometry expected, Geometry? actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Assert.NotNull(actual);
        var (e, a) = (expected.Normalized(), actual.Normalized());
        Assert.Equal(e.GeometryType, a.GeometryType);
        Assert.True(e.EqualsExact(a, 0.5e-6 + 1e-12), $"{actual} is not {expected} to 6 decimals");
    }

    private static void AssertSameGeometry(JsonElement written, Geometry? read, string id)
    {
        if (written.ValueKind == JsonValueKind.Null)
        {
            Assert.Null(read);
            return;
        }

        Assert.NotNull(read);
        Assert.Equal(written.GetProperty("type").GetString(), read.GeometryType);
        var positions = new List<(double X, double Y)>();
        Flatten(written.GetProperty("coordinates"), positions);
        Assert.True(
            positions.SequenceEqual(read.Coordinates.Select(c => (c.X, c.Y))),
            $"feature {id}: the package read {read} from {written.GetRawText()}");
    }

    /// <summary>Every position of a coordinates array, in the order NetTopologySuite lists a geometry's coordinates.</summary>
    private static void Flatten(JsonElement coordinates, List<(double X, double Y)> positions)
    {
        if (coordinates[0].ValueKind == JsonValueKind.Number)
        {
            positions.Add((coordinates[0].GetDouble(), coordinates[1].GetDouble()));
            return;
        }

        foreach (var inner in coordinates.EnumerateArray())
        {
            Flatten(inner, positions);
        }
    }

    private static void AssertSameProperties(JsonElement written, IAttributesTable? read, string id)
    {
        Assert.NotNull(read);
        var properties = written.EnumerateObject().ToList();
        Assert.Equal(properties.Select(p => p.Name), read.GetNames());
        foreach (var property in properties)
        {
            var value = read[property.Name];
            var where = $"feature {id}, property {property.Name}";
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String:
                    Assert.True(property.Value.GetString() == value as string, $"{where}: {value} is not {property.Value.GetRawText()}");
                    break;
                case JsonValueKind.Number:
                    // The package reads every number as a decimal.
                    Assert.True(value is decimal d && d == property.Value.GetDecimal(), $"{where}: {value} is not {property.Value.GetRawText()}");
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    Assert.True(value is bool b && b == property.Value.GetBoolean(), $"{where}: {value} is not {property.Value.GetRawText()}");
                    break;
                case JsonValueKind.Null:
                    Assert.True(value is null, $"{where}: {value} is not null");
                    break;
                default:
                    Assert.Fail($"{where}: a feed writes no {property.Value.ValueKind} property");
                    break;
            }
        }
    }
}
