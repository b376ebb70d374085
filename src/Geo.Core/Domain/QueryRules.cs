using System.Globalization;
using Geo.Core.Spatial;
using Geo.Core.Validation;

namespace Geo.Core.Domain;

/// <summary>The checks of an analyst's filter before it reaches the database.</summary>
public static class QueryRules
{
    public static void Check(ObservationFilter filter, QueryLimits limits, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(errors);
        if (filter.Area is { } area)
        {
            CheckArea(area, limits, errors.At("area"));
        }

        if (filter.ObservedFrom is { } from && filter.ObservedTo is { } to && to <= from)
        {
            errors.Add("observed_to", $"{to.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} is not after observed_from {from.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
        }

        if (filter.MinSeverity is < 0 or > 5)
        {
            errors.Add("min_severity", $"{filter.MinSeverity} is out of range 0..5");
        }

        foreach (var (category, index) in filter.Categories.Select((c, i) => (c, i)))
        {
            CodeRules.CheckDefined(category, $"categories[{index}]", errors);
        }

        foreach (var (status, index) in filter.Verification.Select((s, i) => (s, i)))
        {
            CodeRules.CheckDefined(status, $"verification[{index}]", errors);
        }

        foreach (var (sex, index) in filter.Affected.Sexes.Select((s, i) => (s, i)))
        {
            CodeRules.CheckDefined(sex, $"affected_sexes[{index}]", errors);
        }

        foreach (var (age, index) in filter.Affected.Ages.Select((a, i) => (a, i)))
        {
            CodeRules.CheckDefined(age, $"affected_age_groups[{index}]", errors);
        }
    }

    private static void CheckArea(QueryArea area, QueryLimits limits, FieldErrors errors)
    {
        switch (area)
        {
            case BoxArea box:
                PointRules.Check(new GeoPoint(box.West, box.South), errors.At("bbox"), "west", "south");
                PointRules.Check(new GeoPoint(box.East, box.North), errors.At("bbox"), "east", "north");
                if (errors.Any)
                {
                    return;
                }

                if (box.North <= box.South)
                {
                    errors.Add("bbox.north", "must be greater than south");
                }

                if (box.East <= box.West)
                {
                    errors.Add("bbox.east", "must be greater than west (a box across the antimeridian must be given as a MultiPolygon of two boxes)");
                }

                break;
            case CircleArea circle:
                PointRules.Check(circle.Center, errors.At("circle.center"));
                if (!double.IsFinite(circle.RadiusMetres) || circle.RadiusMetres <= 0)
                {
                    errors.Add("circle.radius_metres", $"{Format(circle.RadiusMetres)} must be a positive number of metres");
                }
                else if (circle.RadiusMetres > limits.MaxRadiusMetres)
                {
                    errors.Add("circle.radius_metres", $"{Format(circle.RadiusMetres)} is above the maximum of {Format(limits.MaxRadiusMetres)} m");
                }

                break;
            case ShapeArea shape:
                if (GeometryRules.Check(shape.Shape, "Polygon", "MultiPolygon") is { } problem)
                {
                    errors.Add("shape", problem);
                }

                break;
        }

        if (!errors.Any && area.SquareKilometres > limits.MaxAreaSquareKilometres)
        {
            errors.AddHere($"covers {Format(Math.Round(area.SquareKilometres))} km², above the maximum of {Format(limits.MaxAreaSquareKilometres)} km²");
        }
    }

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
