using System.Globalization;
using System.Text.Json;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Exporters.Hxl;

namespace Geo.Exporters.Osm;

/// <summary>One feature of an OSM export read as a facility (its sharing and status still the import's to decide).</summary>
public sealed record OsmFacility(int Index, Facility Facility);

/// <summary>What an OSM export held: the facilities read, and every feature refused.</summary>
public sealed record OsmRead(IReadOnlyList<OsmFacility> Facilities, IReadOnlyList<SheetProblem> Problems);

/// <summary>
/// Facilities from GeoJSON in the shape OpenStreetMap export tools write (overpass turbo, osmtogeojson,
/// ogr2ogr from .osm): a FeatureCollection whose features carry the OSM tags as string properties
/// (or under "tags"), and the OSM id as "id" or "@id" ("node/123"). The type comes from the tags
/// (<see cref="FacilityTags"/>); name, capacity and check_date fill fields; every other tag is kept.
/// </summary>
public static class OsmFacilities
{
    public static OsmRead Read(string geojson, ShapeLimits limits)
    {
        ArgumentNullException.ThrowIfNull(geojson);
        var problems = new List<SheetProblem>();
        var facilities = new List<OsmFacility>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(geojson, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            return new OsmRead([], [new SheetProblem(0, "geojson", $"is not JSON: {e.Message}")]);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "FeatureCollection"
                || !root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
            {
                return new OsmRead([], [new SheetProblem(0, "geojson", "is not a GeoJSON FeatureCollection (\"type\": \"FeatureCollection\" with a \"features\" array)")]);
            }

            var index = 0;
            foreach (var feature in features.EnumerateArray())
            {
                index++;
                if (Feature(feature, index, limits, problems) is { } facility)
                {
                    facilities.Add(new OsmFacility(index, facility));
                }
            }
        }

        return new OsmRead(facilities, problems);
    }

    private static Facility? Feature(JsonElement feature, int index, ShapeLimits limits, List<SheetProblem> problems)
    {
        var before = problems.Count;
        if (feature.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new SheetProblem(index, "feature", "is not a JSON object"));
            return null;
        }

        var tags = Tags(feature);
        var osmId = Text(feature, "id") ?? tags.GetValueOrDefault("@id") ?? tags.GetValueOrDefault("id") ?? string.Empty;
        tags.Remove("@id");
        tags.Remove("id");
        var label = osmId.Length > 0 ? osmId : $"feature {index}";
        if (!feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new SheetProblem(index, "geometry", $"{label}: has no geometry"));
            return null;
        }

        var (shape, error) = ShapeReader.ReadGeoJson(geometry.GetRawText(), limits);
        if (error is not null)
        {
            problems.Add(new SheetProblem(index, "geometry", $"{label}: {error}"));
        }

        var kind = FacilityTags.TypeOf(tags);
        if (kind is null)
        {
            problems.Add(new SheetProblem(index, "properties", $"{label}: no facility type in its tags (amenity=hospital, clinic, school, marketplace, place_of_worship, refugee_site; " +
                "healthcare=*; man_made=water_well, water_tap; office=ngo; power=*; telecom=* ...)"));
        }

        if (problems.Count > before)
        {
            return null;
        }

        var (type, typeKey) = kind!.Value;
        tags.Remove(typeKey);
        var name = tags.Remove("name", out var given) ? given : $"{FacilityTags.HxlType(type).Replace('_', ' ')} {osmId}".Trim();
        int? capacity = null;
        foreach (var key in new[] { "capacity", "beds", "capacity:persons" })
        {
            if (tags.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                capacity = number;
                tags.Remove(key);
                break;
            }
        }

        DateOnly? checkedOn = null;
        if (tags.TryGetValue("check_date", out var check) && DateOnly.TryParseExact(check, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            checkedOn = day;
            tags.Remove("check_date");
        }

        return new Facility
        {
            Id = osmId.Length > 0 ? "fac-osm-" + string.Concat(osmId.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')) : $"fac-feature-{index}",
            Name = name,
            Type = type,
            Location = shape!,
            Status = FacilityStatus.Unknown,
            LastConfirmedOn = checkedOn,
            ConfirmedBy = checkedOn is null ? string.Empty : "OpenStreetMap check_date",
            Capacity = capacity,
            Tags = tags,
        };
    }

    /// <summary>The string properties (or those under "tags", as some exporters nest them); numbers and booleans as their text.</summary>
    private static Dictionary<string, string> Tags(JsonElement feature)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!feature.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return tags;
        }

        if (properties.TryGetProperty("tags", out var nested) && nested.ValueKind == JsonValueKind.Object)
        {
            properties = nested;
        }

        foreach (var property in properties.EnumerateObject())
        {
            var value = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                _ => null,
            };
            if (value is not null)
            {
                tags[property.Name] = value;
            }
        }

        return tags;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;
}
