using Geo.Api;
using System.Text.Json;
using Geo.Core.Domain;
using Geo.Core.Indicators;
using Geo.Exporters.Feeds;
using NetTopologySuite.Geometries;

namespace Geo.Bench.Mission;

/// <summary>
/// The mission's observations as the GeoJSON file `geoaware ingest` reads: one feature per line,
/// every property written (all twelve affected counts and five vulnerability flags, as a feed
/// export has them), with the feed's names where they mean the same thing.
/// </summary>
internal static class GeoJsonRows
{
    public static void Write(Stream output, IEnumerable<Observation> observations)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        output.Write("{\"type\":\"FeatureCollection\",\"features\":[\n"u8);
        var first = true;
        foreach (var o in observations)
        {
            if (!first)
            {
                json.Flush();
                output.Write(",\n"u8);
            }

            first = false;
            json.Reset();
            WriteFeature(json, o);
        }

        json.Flush();
        output.Write("\n]}\n"u8);
    }

    private static void WriteFeature(Utf8JsonWriter json, Observation o)
    {
        json.WriteStartObject();
        json.WriteString("type", "Feature");
        json.WriteStartObject("geometry");
        json.WriteString("type", "Point");
        json.WriteStartArray("coordinates");
        json.WriteNumberValue(o.Location.Longitude);
        json.WriteNumberValue(o.Location.Latitude);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartObject("properties");
        json.WriteString(ObservationFields.Id.Json, o.Id);
        json.WriteString("reporter_id", o.ReporterId);
        json.WriteString(ObservationFields.ObservedAt.Json, o.ObservedAt.UtcDateTime);
        json.WriteString(ObservationFields.ReportedAt.Json, o.ReportedAt.UtcDateTime);
        json.WriteString(ObservationFields.LocationPrecision.Json, FeedCodes.Precision(o.Precision));
        json.WriteString(ObservationFields.Category.Json, Disaggregation.CategoryName(o.Category));
        json.WriteNumber(ObservationFields.Severity.Json, o.Severity);
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            json.WriteNumber(ObservationFields.Affected[cell].Json, o.Affected.Counts[cell]);
        }

        json.WriteBoolean(ObservationFields.Idps.Json, (o.Vulnerabilities & Vulnerabilities.InternallyDisplaced) != 0);
        json.WriteBoolean(ObservationFields.Refugees.Json, (o.Vulnerabilities & Vulnerabilities.Refugees) != 0);
        json.WriteBoolean(ObservationFields.Disabilities.Json, (o.Vulnerabilities & Vulnerabilities.PersonsWithDisabilities) != 0);
        json.WriteBoolean(ObservationFields.Minorities.Json, (o.Vulnerabilities & Vulnerabilities.Minorities) != 0);
        json.WriteBoolean(ObservationFields.Journalists.Json, (o.Vulnerabilities & Vulnerabilities.JournalistsAndActivists) != 0);
        Nullable(json, ObservationFields.CommunityId.Json, o.CommunityId);
        Nullable(json, ObservationFields.BaseId.Json, o.BaseId);
        json.WriteString("notes", o.Notes);
        if (o.Area is not null)
        {
            json.WritePropertyName("area");
            WritePolygonal(json, o.Area);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Nullable(Utf8JsonWriter json, JsonEncodedText name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void WritePolygonal(Utf8JsonWriter json, Geometry area)
    {
        json.WriteStartObject();
        json.WriteString("type", area.GeometryType);
        json.WriteStartArray("coordinates");
        if (area is Polygon polygon)
        {
            WriteRings(json, polygon);
        }
        else
        {
            for (var i = 0; i < area.NumGeometries; i++)
            {
                json.WriteStartArray();
                WriteRings(json, (Polygon)area.GetGeometryN(i));
                json.WriteEndArray();
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteRings(Utf8JsonWriter json, Polygon polygon)
    {
        foreach (var ring in (LineString[])[polygon.ExteriorRing, .. polygon.InteriorRings])
        {
            json.WriteStartArray();
            foreach (var c in ring.Coordinates)
            {
                json.WriteStartArray();
                json.WriteNumberValue(c.X);
                json.WriteNumberValue(c.Y);
                json.WriteEndArray();
            }

            json.WriteEndArray();
        }
    }
}
