using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Indicators;

namespace Geo.Exporters.Feeds;

/// <summary>The codes the feeds write for the domain's enums: stable words, documented in the README's data dictionary.</summary>
public static class FeedCodes
{
    /// <summary>The category's code word, the same in feeds and indicators.</summary>
    public static string Category(ObservationCategory category) => Disaggregation.CategoryName(category);

    public static string CategoryTitle(ObservationCategory category) => category switch
    {
        ObservationCategory.ThreatOfPhysicalViolence => "Threat of physical violence",
        ObservationCategory.ArmedGroupMovement => "Armed group movement",
        ObservationCategory.Displacement => "Displacement",
        ObservationCategory.EarlyWarningAlert => "Early-warning alert",
        ObservationCategory.CommunityEngagement => "Community engagement",
        ObservationCategory.InformationHarm => "Information harm (MDMH)",
        ObservationCategory.SecurityIncidentAgainstCla => "Security incident against a CLA",
        _ => "Other",
    };

    public static string Verification(VerificationStatus status) => status switch
    {
        VerificationStatus.Verified => "verified",
        VerificationStatus.Discredited => "discredited",
        _ => "reported",
    };

    /// <summary>The Ushahidi post status (its API values; its interface shows "draft" as "In review").</summary>
    public static string UshahidiStatus(VerificationStatus status) => status switch
    {
        VerificationStatus.Verified => "published",
        VerificationStatus.Discredited => "archived",
        _ => "draft",
    };

    public static string UshahidiStatusLabel(VerificationStatus status) => status switch
    {
        VerificationStatus.Verified => "Published",
        VerificationStatus.Discredited => "Archived",
        _ => "In review",
    };

    public static string Precision(LocationPrecision precision) => precision switch
    {
        LocationPrecision.Exact => "exact",
        LocationPrecision.Approximate => "approximate",
        LocationPrecision.Village => "village",
        _ => "admin_area",
    };

    /// <summary>
    /// ACLED's geo_precision: 1 the town or exact place, 2 near a town or part of a region,
    /// 3 only a larger region. A village-level location is ACLED's "town" level.
    /// </summary>
    public static int AcledGeoPrecision(LocationPrecision precision) => precision switch
    {
        LocationPrecision.Exact or LocationPrecision.Village => 1,
        LocationPrecision.Approximate => 2,
        _ => 3,
    };

    /// <summary>
    /// UCDP GED's where_prec: 1 exact place (a village or town counts as exact), 2 within about
    /// 25 km of a known point, 3 only the second-order administrative division.
    /// </summary>
    public static int UcdpWherePrecision(LocationPrecision precision) => precision switch
    {
        LocationPrecision.Exact or LocationPrecision.Village => 1,
        LocationPrecision.Approximate => 2,
        _ => 3,
    };

    public static string Sex(Sex sex) => Disaggregation.SexName(sex);

    public static string Age(AgeGroup age) => Disaggregation.AgeName(age);

    /// <summary>The HXL hashtag of a sex and age group, as the indicators write it.</summary>
    public static string Hxl(Sex sex, AgeGroup age) => Disaggregation.HxlOf(sex, age);

    public static string BaseKind(BaseKind kind) => kind switch
    {
        Core.Domain.BaseKind.OperatingBase => "operating_base",
        Core.Domain.BaseKind.CompanyOperatingBase => "company_operating_base",
        Core.Domain.BaseKind.TemporaryOperatingBase => "temporary_operating_base",
        _ => "surge_team",
    };

    public static string TeamGap(TeamGap gap) => gap switch
    {
        Core.Coverage.TeamGap.NoCla => "no_cla",
        Core.Coverage.TeamGap.BelowMinimum => "below_minimum",
        _ => "no_female_cla",
    };

    /// <summary>
    /// A team's state in one word, for styling a map: its first gap (no_cla, below_minimum,
    /// no_female_cla, in that order of urgency), or complete when it has none.
    /// </summary>
    public static string TeamStatus(IReadOnlyList<TeamGap> gaps)
    {
        ArgumentNullException.ThrowIfNull(gaps);
        return gaps.Count == 0 ? "complete" : TeamGap(gaps.Min());
    }

    public static string RiskLevel(RiskLevel risk) => risk switch
    {
        Core.Domain.RiskLevel.Low => "low",
        Core.Domain.RiskLevel.Medium => "medium",
        Core.Domain.RiskLevel.High => "high",
        Core.Domain.RiskLevel.Critical => "critical",
        _ => "unassessed",
    };
}
