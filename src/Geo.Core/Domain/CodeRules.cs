using Geo.Core.Spatial;
using Geo.Core.Validation;

namespace Geo.Core.Domain;

/// <summary>Checks of coded values: an enum number the API does not define is refused by name.</summary>
public static class CodeRules
{
    public static void CheckDefined<TCode>(TCode value, string field, FieldErrors errors)
        where TCode : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!Enum.IsDefined(value))
        {
            var number = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
            errors.Add(field, number == 0
                ? "is required"
                : $"{number} is not a known {typeof(TCode).Name} (known: {string.Join(", ", Enum.GetValues<TCode>().Select(v => $"{Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)} {v}"))})");
        }
    }

    /// <summary>Reads (sex, age group, count) entries into <see cref="AffectedPeople"/>, naming each bad entry.</summary>
    public static AffectedPeople ReadPeople(IReadOnlyList<(int Sex, int Age, int Count)> entries, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(errors);
        var valid = new List<(Sex, AgeGroup, int)>(entries.Count);
        long total = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            var (sex, age, count) = entries[i];
            var entry = errors.At($"[{i}]");
            var before = errors.All.Count;
            CheckDefined((Sex)sex, "sex", entry);
            CheckDefined((AgeGroup)age, "age_group", entry);
            if (count < 0)
            {
                entry.Add("count", $"{count} is negative");
            }

            total += Math.Max(0, count);
            if (errors.All.Count == before)
            {
                valid.Add(((Sex)sex, (AgeGroup)age, count));
            }
        }

        if (total > int.MaxValue)
        {
            errors.AddHere("adds up to more people than can be counted");
            return AffectedPeople.None;
        }

        return AffectedPeople.FromEntries(valid);
    }
}

/// <summary>A WGS84 point must be finite and within range.</summary>
public static class PointRules
{
    public static void Check(GeoPoint point, FieldErrors errors) => Check(point, errors, "longitude", "latitude");

    /// <summary>Checks a point whose coordinates travel under other names, such as a box's west and south.</summary>
    public static void Check(GeoPoint point, FieldErrors errors, string longitudeField, string latitudeField)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!double.IsFinite(point.Longitude))
        {
            errors.Add(longitudeField, "is not a finite number");
        }
        else if (point.Longitude is < -180 or > 180)
        {
            errors.Add(longitudeField, $"{point.Longitude.ToString(System.Globalization.CultureInfo.InvariantCulture)} is out of range -180..180");
        }

        if (!double.IsFinite(point.Latitude))
        {
            errors.Add(latitudeField, "is not a finite number");
        }
        else if (point.Latitude is < -90 or > 90)
        {
            errors.Add(latitudeField, $"{point.Latitude.ToString(System.Globalization.CultureInfo.InvariantCulture)} is out of range -90..90");
        }
    }
}

/// <summary>The API lists vulnerabilities as enum numbers 1..5; they are stored as a bitmask.</summary>
public static class VulnerabilityCodes
{
    public static Vulnerabilities Read(IReadOnlyList<int> codes, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(errors);
        var flags = Vulnerabilities.None;
        for (var i = 0; i < codes.Count; i++)
        {
            if (codes[i] is < 1 or > 5)
            {
                errors.Add($"[{i}]", $"{codes[i]} is not a known Vulnerability (known: 1..5)");
            }
            else
            {
                flags |= FromCode(codes[i]);
            }
        }

        return flags;
    }

    public static Vulnerabilities FromCode(int code) => (Vulnerabilities)(1 << (code - 1));

    public static IEnumerable<int> ToCodes(Vulnerabilities flags)
    {
        for (var code = 1; code <= 5; code++)
        {
            if ((flags & FromCode(code)) != 0)
            {
                yield return code;
            }
        }
    }
}
