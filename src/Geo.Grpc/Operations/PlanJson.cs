using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Core.Validation;
using Geo.Grpc.Api;
using Geo.Grpc.Hosting;
using NetTopologySuite.Geometries;

namespace Geo.Grpc.Operations;

/// <summary>
/// A plan as the map sends it over HTTP: one JSON object whose <c>geometry</c> is the drawn or
/// uploaded GeoJSON (a geometry, a Feature, or a FeatureCollection of one feature), a LineString
/// for a route and a Polygon or MultiPolygon for an area, beside the fields of the gRPC message in
/// their proto names. What cannot be read is INVALID_ARGUMENT naming the field; the plan rules
/// (the route's points, the polygon's validity, the buffer, the window) are the use case's.
/// </summary>
internal static partial class PlanJson
{
    public const string GeometryField = "geometry";

    private static readonly string[] Fields = ["id", "name", "kind", "unit", "buffer_metres", "starts_at", "ends_at", GeometryField];

    /// <summary>The plan in <paramref name="document"/>; the geometry held to <paramref name="limits"/>.</summary>
    public static PlannedOperation Read(JsonDocument document, ShapeLimits limits)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(limits);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiErrors.InvalidArgument("request", $"is a JSON {Kind(root)}: send an object with {string.Join(", ", Fields)}");
        }

        var errors = new FieldErrors();
        try
        {
            foreach (var member in root.EnumerateObject())
            {
                if (!Fields.Contains(member.Name, StringComparer.Ordinal))
                {
                    errors.Add(member.Name.Length == 0 ? "(a member without a name)" : member.Name, $"is not a field of a plan ({string.Join(", ", Fields)})");
                }
            }
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json's refusal of an escaped unpaired surrogate ("\ud800"), which no text holds.
            throw ApiErrors.InvalidArgument("request", $"has a member whose name is not valid text (an unpaired UTF-16 surrogate); the fields of a plan are {string.Join(", ", Fields)}");
        }

        ApiErrors.ThrowIfAny(errors);
        var kind = Text(root, "kind", errors);
        var operation = new PlannedOperation
        {
            Id = Text(root, "id", errors),
            Name = Text(root, "name", errors),
            Kind = kind.Length == 0 ? default : CodeWords.Parse<OperationKind>(kind) ?? Refused(errors, "kind", $"{FieldErrors.Quote(kind)} is not {string.Join(", ", CodeWords.All<OperationKind>())}", default(OperationKind)),
            Unit = Text(root, "unit", errors),
            Shape = Shape(root, limits, errors),
            BufferMetres = WholeNumber(root, "buffer_metres", errors),
            StartsAt = Time(root, "starts_at", errors),
            EndsAt = Time(root, "ends_at", errors),
        };
        if (kind.Length == 0)
        {
            errors.Add("kind", $"is required: {string.Join(", ", CodeWords.All<OperationKind>())}");
        }

        ApiErrors.ThrowIfAny(errors);
        return operation;
    }

    private static string Text(JsonElement root, string field, FieldErrors errors)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return string.Empty;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return Refused(errors, field, $"is a JSON {Kind(value)}, not a string", string.Empty);
        }

        string text;
        try
        {
            text = value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An escaped unpaired surrogate ("\ud800"): JSON's grammar takes it, no text holds it.
            return Refused(errors, field, "is not valid text: it holds an unpaired UTF-16 surrogate", string.Empty);
        }

        // PostgreSQL cannot store it; gRPC requests are refused it the same way (ApiErrors.CheckText).
        return text.Contains('\0', StringComparison.Ordinal) ? Refused(errors, field, "contains a NUL character (U+0000), which cannot be stored; remove it", string.Empty) : text;
    }

    private static int WholeNumber(JsonElement root, string field, FieldErrors errors)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : Refused(errors, field, $"{Shown(value)} is not a whole number of metres", 0);
    }

    private static DateTimeOffset Time(JsonElement root, string field, FieldErrors errors)
    {
        var text = Text(root, field, errors);
        if (text.Length == 0)
        {
            if (root.TryGetProperty(field, out var given) && given.ValueKind == JsonValueKind.String)
            {
                errors.Add(field, "is empty: give a time such as 2026-12-20T06:00:00Z");
            }
            else if (!errors.All.Any(e => e.Field == field))
            {
                errors.Add(field, "is required: a time such as 2026-12-20T06:00:00Z");
            }

            return default;
        }

        // A time without its zone would be read in the server's; the API's times are UTC, and say so.
        return ZoneAtEnd().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time.ToUniversalTime()
            : Refused(errors, field, $"{FieldErrors.Quote(text)} is not a time with its zone (RFC 3339, such as 2026-12-20T06:00:00Z)", default(DateTimeOffset));
    }

    private static Geometry Shape(JsonElement root, ShapeLimits limits, FieldErrors errors)
    {
        var none = ShapeReader.Factory.CreatePolygon();
        if (!root.TryGetProperty(GeometryField, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return Refused(errors, GeometryField, "is required: GeoJSON of the route (a LineString) or the area (a Polygon or MultiPolygon)", (Geometry)none);
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            return Refused(errors, GeometryField, $"is a JSON {Kind(value)}: give a GeoJSON object (a geometry, a Feature, or a FeatureCollection of one feature)", (Geometry)none);
        }

        // Read by the reader every Shape's GeoJSON goes through, held to the same limits.
        var (geometry, error) = ShapeReader.ReadGeoJson(value.GetRawText(), limits);
        if (geometry is null)
        {
            return Refused(errors, GeometryField, error ?? "cannot be read", (Geometry)none);
        }

        return geometry is LineString or Polygon or MultiPolygon
            ? geometry
            : Refused(errors, GeometryField, $"is a {geometry.GeometryType}: a plan is a LineString (a route) or a Polygon or MultiPolygon (an area)", (Geometry)none);
    }

    private static T Refused<T>(FieldErrors errors, string field, string problem, T value)
    {
        errors.Add(field, problem);
        return value;
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static string Shown(JsonElement value) => value.ValueKind == JsonValueKind.Number ? value.GetRawText() : $"a JSON {Kind(value)}";

    [GeneratedRegex(@"(Z|z|[+-]\d\d:?\d\d)$", RegexOptions.CultureInvariant)]
    private static partial Regex ZoneAtEnd();
}
