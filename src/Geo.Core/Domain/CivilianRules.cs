using Geo.Core.Spatial;
using Geo.Core.Validation;

namespace Geo.Core.Domain;

/// <summary>What organisations, their presence and administrative areas must satisfy before they are stored.</summary>
public static class CivilianRules
{
    public const int MaxNameLength = 200;
    public const int MaxAcronymLength = 40;
    public const int MaxActivityLength = 500;
    public const int MaxPcodeLength = 20;

    public static void Check(Organisation organisation, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        ArgumentNullException.ThrowIfNull(errors);
        ObservationRules.CheckId(organisation.Id, "id", errors);
        Text(organisation.Name, "name", 1, MaxNameLength, errors);
        Text(organisation.Acronym, "acronym", 0, MaxAcronymLength, errors);
        CodeRules.CheckDefined(organisation.Kind, "kind", errors);
        CodeRules.CheckDefined(organisation.Sharing, "sharing", errors);
    }

    public static void Check(Presence presence, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(presence);
        ArgumentNullException.ThrowIfNull(errors);
        ObservationRules.CheckId(presence.Id, "id", errors);
        ObservationRules.CheckId(presence.OrganisationId, "organisation_id", errors);
        CodeRules.CheckDefined(presence.Sector, "sector", errors);
        Text(presence.Activity, "activity", 1, MaxActivityLength, errors);
        Text(presence.LocationName, "location_name", 0, MaxNameLength, errors);
        if (presence.Location is null && presence.Pcode.Length == 0)
        {
            errors.Add("location", "is required: a point or polygon, or an administrative area's pcode");
        }
        else if (presence.Location is { } location && GeometryRules.Check(location, "Point", "Polygon", "MultiPolygon") is { } problem)
        {
            errors.Add("location", problem);
        }
        else if (presence.Location is null)
        {
            CheckPcode(presence.Pcode, "pcode", errors);
        }

        if (presence.Start == default)
        {
            errors.Add("start", "is required");
        }
        else if (presence.End is { } end && end < presence.Start)
        {
            errors.Add("end", $"{end:yyyy-MM-dd} is before start {presence.Start:yyyy-MM-dd}");
        }

        CodeRules.CheckDefined(presence.Status, "status", errors);
        CodeRules.CheckDefined(presence.Sharing, "sharing", errors);
        if (presence.TargetedTotal is < 0)
        {
            errors.Add("targeted_total", $"{presence.TargetedTotal} is below 0");
        }

        if (presence.ReachedTotal is < 0)
        {
            errors.Add("reached_total", $"{presence.ReachedTotal} is below 0");
        }
    }

    public const int MaxTags = 200;
    public const int MaxTagLength = 255;

    public static void Check(Facility facility, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(facility);
        ArgumentNullException.ThrowIfNull(errors);
        ObservationRules.CheckId(facility.Id, "id", errors);
        Text(facility.Name, "name", 1, MaxNameLength, errors);
        CodeRules.CheckDefined(facility.Type, "type", errors);
        if (GeometryRules.Check(facility.Location, "Point", "LineString", "Polygon", "MultiPolygon") is { } problem)
        {
            errors.Add("location", problem);
        }

        CodeRules.CheckDefined(facility.Status, "status", errors);
        Text(facility.ConfirmedBy, "confirmed_by", 0, MaxNameLength, errors);
        if (facility.Capacity is < 0)
        {
            errors.Add("capacity", $"{facility.Capacity} is below 0");
        }

        if (facility.OperatorId.Length > 0)
        {
            ObservationRules.CheckId(facility.OperatorId, "operator_id", errors);
        }

        if (facility.Notification is { } notification)
        {
            Text(notification.NotifiedTo, "notification.notified_to", 1, MaxNameLength, errors);
            if (notification.NotifiedOn == default)
            {
                errors.Add("notification.notified_on", "is required");
            }
            else if (notification.AcknowledgedOn is { } acknowledged && acknowledged < notification.NotifiedOn)
            {
                errors.Add("notification.acknowledged_on", $"{acknowledged:yyyy-MM-dd} is before notified_on {notification.NotifiedOn:yyyy-MM-dd}");
            }
            else if (notification.ReconfirmBy is { } reconfirm && reconfirm < notification.NotifiedOn)
            {
                errors.Add("notification.reconfirm_by", $"{reconfirm:yyyy-MM-dd} is before notified_on {notification.NotifiedOn:yyyy-MM-dd}");
            }
        }

        if (facility.Tags.Count > MaxTags)
        {
            errors.Add("tags", $"{facility.Tags.Count} tags; at most {MaxTags}");
        }
        else if (facility.Tags.FirstOrDefault(t => t.Key.Length is 0 or > MaxTagLength || t.Value.Length > MaxTagLength) is { Key: not null } bad)
        {
            errors.Add("tags", $"{FieldErrors.Quote(bad.Key)}: keys of 1 to {MaxTagLength} characters and values of at most {MaxTagLength}");
        }

        CodeRules.CheckDefined(facility.Sharing, "sharing", errors);
    }

    public static void Check(AdminArea area, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(area);
        ArgumentNullException.ThrowIfNull(errors);
        CheckPcode(area.Pcode, "pcode", errors);
        Text(area.Name, "name", 1, MaxNameLength, errors);
        if (area.Level is not (1 or 2))
        {
            errors.Add("level", $"{area.Level} is not 1 or 2");
        }
        else if (area.Level == 2)
        {
            CheckPcode(area.ParentPcode, "parent_pcode", errors);
        }
        else if (area.ParentPcode.Length > 0)
        {
            errors.Add("parent_pcode", "is for an adm2 area; an adm1 area has none");
        }

        if (GeometryRules.Check(area.Area, "Polygon", "MultiPolygon") is { } problem)
        {
            errors.Add("area", problem);
        }
    }

    /// <summary>A P-code: ASCII letters and digits (COD-AB style, e.g. CD6101), at most <see cref="MaxPcodeLength"/>.</summary>
    public static void CheckPcode(string pcode, string field, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrEmpty(pcode))
        {
            errors.Add(field, "is required");
        }
        else if (pcode.Length > MaxPcodeLength || !pcode.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add(field, $"{FieldErrors.Quote(pcode)} is not a P-code (ASCII letters and digits, at most {MaxPcodeLength})");
        }
    }

    private static void Text(string value, string field, int min, int max, FieldErrors errors)
    {
        if (min > 0 && string.IsNullOrWhiteSpace(value))
        {
            errors.Add(field, "is required");
        }
        else if (value.Length > max)
        {
            errors.Add(field, $"has {value.Length} characters; at most {max}");
        }
    }
}
