using System.Globalization;
using Geo.Core.Domain;

namespace Geo.Grpc.Alerts;

/// <summary>Alert settings (configuration section <c>GeoAwareness:Alerts</c>).</summary>
public sealed class AlertOptions
{
    public const string SectionName = "GeoAwareness:Alerts";

    /// <summary>An observation of this severity or above opens an alert (early warnings and incidents against CLAs always do); 6: none by severity.</summary>
    public int MinSeverity { get; set; } = 4;

    /// <summary>Only an observation observed within this many hours opens an alert: older ones (a bulk import of history) are not threats to act on.</summary>
    public double MaxObservationAgeHours { get; set; } = 72;

    /// <summary>Minutes to acknowledge an alert, by severity ("5": 15 ...); past it the alert is escalated.</summary>
    public Dictionary<string, double> AcknowledgeMinutes { get; set; } = new(StringComparer.Ordinal)
    {
        ["5"] = 15, ["4"] = 30, ["3"] = 60, ["2"] = 120, ["1"] = 240,
    };

    /// <summary>Hours within which an alert must be responded to (the EW-RESPONSE-24H indicator's 24 h).</summary>
    public double RespondHours { get; set; } = 24;

    /// <summary>How often each service process records the nearest presence of new alerts and escalates overdue ones.</summary>
    public double SweepSeconds { get; set; } = 10;

    internal AlertDeadlines Deadlines => new(
        AcknowledgeMinutes.ToDictionary(m => int.Parse(m.Key, CultureInfo.InvariantCulture), m => TimeSpan.FromMinutes(m.Value)),
        TimeSpan.FromHours(RespondHours));

    /// <summary>What is wrong with the configuration, for the operator at start-up; null when nothing is.</summary>
    internal string? Problem()
    {
        var problems = new List<string>();
        if (MinSeverity is < 1 or > 6)
        {
            problems.Add($"{SectionName}:{nameof(MinSeverity)}: {MinSeverity} is not between 1 and 6 (6: no alert by severity alone)");
        }

        foreach (var (severity, minutes) in AcknowledgeMinutes)
        {
            if (!int.TryParse(severity, NumberStyles.None, CultureInfo.InvariantCulture, out var level) || level is < 1 or > 5)
            {
                problems.Add($"{SectionName}:{nameof(AcknowledgeMinutes)}:{severity}: is not a severity from 1 to 5");
            }
            else if (!double.IsFinite(minutes) || minutes <= 0)
            {
                problems.Add($"{SectionName}:{nameof(AcknowledgeMinutes)}:{severity}: {minutes} is not a number of minutes above 0");
            }
        }

        if (AcknowledgeMinutes.Count == 0)
        {
            problems.Add($"{SectionName}:{nameof(AcknowledgeMinutes)}: is empty");
        }

        if (!double.IsFinite(MaxObservationAgeHours) || MaxObservationAgeHours <= 0 || MaxObservationAgeHours > 24 * 3650)
        {
            problems.Add($"{SectionName}:{nameof(MaxObservationAgeHours)}: {MaxObservationAgeHours} is not a number of hours above 0 (and at most ten years)");
        }

        if (!double.IsFinite(RespondHours) || RespondHours <= 0)
        {
            problems.Add($"{SectionName}:{nameof(RespondHours)}: {RespondHours} is not a number of hours above 0");
        }

        if (!double.IsFinite(SweepSeconds) || SweepSeconds < 0.05 || SweepSeconds > 3600)
        {
            problems.Add($"{SectionName}:{nameof(SweepSeconds)}: {SweepSeconds} is not between 0.05 and 3600 seconds");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
