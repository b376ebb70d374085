namespace Geo.Core.Domain;

/// <summary>Which parts of a threat aggregate's filter the defaults filled in.</summary>
/// <param name="Categories">The caller left the categories empty and <see cref="ThreatDefaults.Categories"/> were counted.</param>
/// <param name="Verification">The caller left the verification empty and <see cref="ThreatDefaults.Verification"/> were counted.</param>
public sealed record AppliedDefaults(bool Categories, bool Verification);

/// <summary>
/// What heat maps, hot spots, gender/age gaps and their layers count when the caller does not say:
/// threats, and reports not found false. Listing observations (Query, Count, Summarize) still means
/// everything; only the aggregates that are read as "where the threats are" default to threats.
/// </summary>
public static class ThreatDefaults
{
    /// <summary>
    /// The threat and alert categories: threats to civilians, the one list for heat maps, gaps and
    /// the THREAT-OBS indicator. Threats of physical violence are the protection-of-civilians
    /// mandate's own (CLA policy para 66); armed group movements and displacement are how they show;
    /// early warnings are the Community Alert Networks' alerts (para 57). Community engagement
    /// (meetings), information harm (MDMH narratives, a harm of their own, para 64), "other", and
    /// security incidents against CLAs (a threat to mission staff, read by the supervisor chain and
    /// the security focal point alone, paras 45-47) are counted only when asked for.
    /// </summary>
    public static IReadOnlyList<ObservationCategory> Categories { get; } =
    [
        ObservationCategory.ThreatOfPhysicalViolence,
        ObservationCategory.ArmedGroupMovement,
        ObservationCategory.Displacement,
        ObservationCategory.EarlyWarningAlert,
    ];

    /// <summary>Reported and verified: a supervisor's finding that a report is false takes it off the map.</summary>
    public static IReadOnlyList<VerificationStatus> Verification { get; } = [VerificationStatus.Reported, VerificationStatus.Verified];

    /// <summary>The filter with the defaults in place of empty categories and verification, and which were filled in.</summary>
    public static (ObservationFilter Filter, AppliedDefaults Defaults) Apply(ObservationFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var defaults = new AppliedDefaults(filter.Categories.Count == 0, filter.Verification.Count == 0);
        var applied = filter with
        {
            Categories = defaults.Categories ? Categories : filter.Categories,
            Verification = defaults.Verification ? Verification : filter.Verification,
        };
        return (applied, defaults);
    }
}
