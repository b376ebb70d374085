using System.Text.Json;
using Geo.Exporters.GeoJson.Internal;

namespace Geo.Exporters.Layers;

/// <summary>
/// What every layer records about itself beside its features: the request that produced it as a
/// proto3 JSON object, with the defaults the service chose filled in, and when it was computed.
/// </summary>
public sealed record LayerHeader(string ParametersJson, DateTimeOffset GeneratedAt);

/// <summary>The foreign members every layer's FeatureCollection ends with, in one order.</summary>
internal static class LayerMembers
{
    private static readonly JsonEncodedText Layer = JsonEncodedText.Encode("layer");
    private static readonly JsonEncodedText GeneratedAt = JsonEncodedText.Encode("generated_at");
    private static readonly JsonEncodedText Parameters = JsonEncodedText.Encode("parameters");
    private static readonly JsonEncodedText Total = JsonEncodedText.Encode("total");

    /// <summary>"layer", "generated_at", "parameters", what <paramref name="product"/> adds about the product, and "total".</summary>
    public static void Write(Utf8JsonWriter json, string layer, LayerHeader header, long total, Action<Utf8JsonWriter> product)
    {
        json.WriteString(Layer, layer);
        WriteTime(json, GeneratedAt, header.GeneratedAt);
        json.WritePropertyName(Parameters);
        json.WriteRawValue(header.ParametersJson);
        product(json);
        json.WriteNumber(Total, total);
    }

    /// <summary>A time as the features' time properties are written: ISO 8601 UTC.</summary>
    public static void WriteTime(Utf8JsonWriter json, JsonEncodedText name, DateTimeOffset time)
    {
        json.WritePropertyName(name);
        ValueFormat.WriteTimeValue(json, time);
    }

    /// <summary>A real as the features' real properties are written: always with a point, so readers keep it real.</summary>
    public static void WriteReal(Utf8JsonWriter json, double value) => ValueFormat.WriteDoubleValue(json, value);
}
