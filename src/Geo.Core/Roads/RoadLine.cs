using Geo.Core.Spatial;
using Geo.Core.Validation;

namespace Geo.Core.Roads;

/// <summary>One line of road, checked: what the road store keeps.</summary>
public sealed record RoadLine(string FeatureId, string Name, RoadClass Class, bool Seasonal, bool OneWay, IReadOnlyList<GeoPoint> Points);

/// <summary>A feature of a road file as given: OSM tags as text, lines as coordinates.</summary>
public sealed record RoadFeatureText(string Id, string Name, string Highway, string Seasonal, string OneWay, IReadOnlyList<IReadOnlyList<double>> Lines);

/// <summary>
/// What a road file's feature means: OSM highway, seasonal and oneway tags read into a class and
/// flags, its lines checked. A feature the rules cannot read is refused with the reason, never
/// guessed: a track read as a primary road would put communities in reach that are not.
/// </summary>
public static class RoadRules
{
    public const int MaxPointsPerLine = 100_000;

    public const int MaxTextLength = 200;

    private static readonly Dictionary<string, RoadClass> Classes = new(StringComparer.Ordinal)
    {
        ["primary"] = RoadClass.Primary, ["primary_link"] = RoadClass.Primary, ["motorway"] = RoadClass.Primary, ["motorway_link"] = RoadClass.Primary,
        ["trunk"] = RoadClass.Primary, ["trunk_link"] = RoadClass.Primary,
        ["secondary"] = RoadClass.Secondary, ["secondary_link"] = RoadClass.Secondary, ["tertiary"] = RoadClass.Secondary, ["tertiary_link"] = RoadClass.Secondary,
        ["unclassified"] = RoadClass.Secondary, ["residential"] = RoadClass.Secondary, ["living_street"] = RoadClass.Secondary, ["service"] = RoadClass.Secondary,
        ["road"] = RoadClass.Secondary,
        ["track"] = RoadClass.Track,
        ["path"] = RoadClass.Path, ["footway"] = RoadClass.Path, ["bridleway"] = RoadClass.Path, ["pedestrian"] = RoadClass.Path, ["steps"] = RoadClass.Path,
    };

    /// <summary>The words accepted for highway, for error messages and the README.</summary>
    public static IEnumerable<string> HighwayWords => Classes.Keys.Order(StringComparer.Ordinal);

    /// <summary>
    /// The feature's lines, or nothing with <paramref name="errors"/> naming each wrong part (the
    /// caller prefixes the feature's position). Lines given against their direction with
    /// oneway=-1 are turned round, so that a one-way road always runs from its first point.
    /// </summary>
    public static IReadOnlyList<RoadLine> Read(RoadFeatureText feature, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.All.Count;
        if (feature.Id.Length > MaxTextLength)
        {
            errors.Add("id", $"is {feature.Id.Length} characters long; at most {MaxTextLength}");
        }

        if (feature.Name.Length > MaxTextLength)
        {
            errors.Add("name", $"is {feature.Name.Length} characters long; at most {MaxTextLength}");
        }

        var highway = feature.Highway.Trim().ToLowerInvariant();
        if (!Classes.TryGetValue(highway, out var roadClass))
        {
            errors.Add("highway", highway.Length == 0
                ? "is missing: give the OSM highway=* value or primary, secondary, track or path"
                : $"{FieldErrors.Quote(feature.Highway)} is not a road class (an OSM highway=* road value, e.g. trunk, tertiary, track, footway; or primary, secondary, track, path)");
        }

        var seasonal = feature.Seasonal.Trim().ToLowerInvariant() switch
        {
            "" or "no" or "wet_season" => (bool?)false,
            "yes" or "dry_season" => true,
            _ => null,
        };
        if (seasonal is null)
        {
            errors.Add("seasonal", $"{FieldErrors.Quote(feature.Seasonal)} is not a seasonal value (yes or dry_season: closed in the rainy season; no, wet_season or empty: open)");
        }

        var oneWay = feature.OneWay.Trim().ToLowerInvariant() switch
        {
            "" or "no" or "false" or "0" or "reversible" or "alternating" => (int?)0,
            "yes" or "true" or "1" => 1,
            "-1" => -1,
            _ => null,
        };
        if (oneWay is null)
        {
            errors.Add("oneway", $"{FieldErrors.Quote(feature.OneWay)} is not a oneway value (yes, true, 1, -1, no, false, 0 or empty)");
        }

        if (feature.Lines.Count == 0)
        {
            errors.Add("lines", "has no line: a road is a LineString or a MultiLineString");
        }

        var lines = new List<RoadLine>(feature.Lines.Count);
        for (var i = 0; i < feature.Lines.Count; i++)
        {
            var points = Points(feature.Lines[i], errors.At($"lines[{i}]"));
            if (points is not null && oneWay == -1)
            {
                points.Reverse();
            }

            if (points is not null && errors.All.Count == before)
            {
                lines.Add(new RoadLine(feature.Id, feature.Name, roadClass, seasonal ?? false, oneWay != 0, points));
            }
        }

        return errors.All.Count == before ? lines : [];
    }

    private static List<GeoPoint>? Points(IReadOnlyList<double> coordinates, FieldErrors errors)
    {
        if (coordinates.Count % 2 != 0)
        {
            errors.Add("coordinates", $"has {coordinates.Count} numbers: longitude, latitude pairs make an even count");
            return null;
        }

        if (coordinates.Count / 2 > MaxPointsPerLine)
        {
            errors.Add("coordinates", $"has {coordinates.Count / 2} points; at most {MaxPointsPerLine} per line (split it)");
            return null;
        }

        var points = new List<GeoPoint>(coordinates.Count / 2);
        for (var i = 0; i < coordinates.Count; i += 2)
        {
            var point = new GeoPoint(coordinates[i], coordinates[i + 1]);
            if (!point.IsInRange)
            {
                errors.Add("coordinates", $"point {i / 2} ({coordinates[i]}, {coordinates[i + 1]}) is not a WGS84 longitude, latitude");
                return null;
            }

            // Repeated points are dropped: they make zero-length segments, not a wrong road.
            if (points.Count == 0 || points[^1] != point)
            {
                points.Add(point);
            }
        }

        if (points.Count < 2)
        {
            errors.Add("coordinates", "needs at least two distinct points");
            return null;
        }

        return points;
    }
}
