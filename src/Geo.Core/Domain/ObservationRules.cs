using Geo.Core.Spatial;
using Geo.Core.Validation;

namespace Geo.Core.Domain;

/// <summary>Limits an observation must respect; the defaults suit a mission's clients.</summary>
public sealed record ObservationLimits
{
    /// <summary>How far in the future observed_at may be, for clients whose clocks run fast.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest notes of a CLA, and the longest summary a supervisor releases.</summary>
    public int MaxSummaryLength { get; init; } = 4000;

    /// <summary>Nothing is observed before this (catches zero dates and unit mistakes).</summary>
    public DateTimeOffset EarliestObservedAt { get; init; } = new(1990, 1, 1, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>The rules a submitted observation must follow before anything is stored.</summary>
public static class ObservationRules
{
    public const int MaxIdLength = 128;

    public static void Check(Observation observation, ObservationLimits limits, DateTimeOffset now, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(errors);
        CheckId(observation.Id, "id", errors);
        CheckId(observation.ReporterId, "reporter_id", errors);

        if (observation.ObservedAt == default)
        {
            errors.Add("observed_at", "is required");
        }
        else if (observation.ObservedAt > now + limits.MaxClockSkew)
        {
            errors.Add("observed_at", $"{Iso(observation.ObservedAt)} is in the future (now {Iso(now)}, allowed clock skew {limits.MaxClockSkew.TotalMinutes:0} min)");
        }
        else if (observation.ObservedAt < limits.EarliestObservedAt)
        {
            errors.Add("observed_at", $"{Iso(observation.ObservedAt)} is before {Iso(limits.EarliestObservedAt)}");
        }

        // The difference, not observed_at minus the skew: that threw for an observed_at within
        // five minutes of the first instant a timestamp holds (0001-01-01), already refused above.
        if (observation.ReportedAt != default && observation.ObservedAt != default && observation.ObservedAt - observation.ReportedAt > limits.MaxClockSkew)
        {
            errors.Add("reported_at", $"{Iso(observation.ReportedAt)} is before observed_at {Iso(observation.ObservedAt)}");
        }

        if (observation.ReportedAt > now + limits.MaxClockSkew)
        {
            errors.Add("reported_at", $"{Iso(observation.ReportedAt)} is in the future (now {Iso(now)})");
        }

        PointRules.Check(observation.Location, errors.At("location"));
        if (observation.Area is not null && GeometryRules.Check(observation.Area, "Polygon", "MultiPolygon") is { } areaProblem)
        {
            errors.Add("area", areaProblem);
        }

        CodeRules.CheckDefined(observation.Precision, "location_precision", errors);
        CodeRules.CheckDefined(observation.Category, "category", errors);
        if (observation.Severity is < 1 or > 5)
        {
            errors.Add("severity", $"{observation.Severity} is out of range 1..5");
        }

        CheckOptionalId(observation.CommunityId, "community_id", errors);
        CheckOptionalId(observation.BaseId, "base_id", errors);
        if (observation.Notes.Length > limits.MaxSummaryLength)
        {
            errors.Add("notes", $"has {observation.Notes.Length} characters; at most {limits.MaxSummaryLength}");
        }
    }

    public static void CheckId(string? id, string field, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(id))
        {
            errors.Add(field, "is required");
        }
        else if (id.Length > MaxIdLength)
        {
            errors.Add(field, $"has {id.Length} characters; at most {MaxIdLength}");
        }
        else if (id.Any(char.IsControl))
        {
            errors.Add(field, "contains a control character");
        }
    }

    public static void CheckOptionalId(string? id, string field, FieldErrors errors)
    {
        if (!string.IsNullOrEmpty(id))
        {
            CheckId(id, field, errors);
        }
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
}
