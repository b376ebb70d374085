using Geo.Exporters.Feeds;

namespace Geo.Exporters.Layers;

/// <summary>
/// The data dictionary of the bases layer: every open base with its CLA team on the date, in the
/// order written. Counts only: no CLA is named, and the deployment flags of individual CLAs
/// (own locality, long temporary duty) stay with the Coverage service.
/// </summary>
public static class BaseFields
{
    public static readonly FeedField Id = new("id", "string", "the base's id", "#org+base+code", "-");
    public static readonly FeedField Name = new("name", "string", "the base's name", "#org+base+name", "-");
    public static readonly FeedField Kind = new("kind", "string", "operating_base, company_operating_base, temporary_operating_base, surge_team", "#org+base+type", "-");
    public static readonly FeedField Unit = new("unit", "string", "the unit at the base", "#org+unit", "-");
    public static readonly FeedField Sector = new("sector", "string", "the base's sector", "#adm1+sector", "-");
    public static readonly FeedField AdminArea = new("admin_area", "string", "the administrative area of the base", "#adm2+name", "-");
    public static readonly FeedField TeamStatus = new("team_status", "string", "the team in one word: no_cla, below_minimum (one CLA), no_female_cla, or complete (two or more with a woman)", "#status+team", "-");
    public static readonly FeedField ClaCount = new("cla_count", "integer", "CLAs deployed at the base on the date", "#staff+cla", "-");
    public static readonly FeedField FemaleClaCount = new("female_cla_count", "integer", "of them women", "#staff+cla+f", "-");
    public static readonly FeedField TemporaryDutyCount = new("temporary_duty_count", "integer", "of them on temporary duty", "#staff+cla+temporary", "-");
    public static readonly FeedField Staffed = new("staffed", "boolean", "two or more CLAs (policy para 54)", "#status+staffed", "-");
    public static readonly FeedField HasFemaleCla = new("has_female_cla", "boolean", "at least one woman CLA (policy para 53)", "#status+female", "-");
    public static readonly FeedField Gaps = new("gaps", "string", "the team's gaps, comma-separated (no_cla, below_minimum, no_female_cla), empty when none", "#status+gaps", "-");
    public static readonly FeedField GapNoCla = new("gap_no_cla", "boolean", "no CLA deployed", "#status+gap+no_cla", "-");
    public static readonly FeedField GapBelowMinimum = new("gap_below_minimum", "boolean", "one CLA only", "#status+gap+below_minimum", "-");
    public static readonly FeedField GapNoFemaleCla = new("gap_no_female_cla", "boolean", "CLAs, none of them a woman", "#status+gap+no_female_cla", "-");
    public static readonly FeedField ReachMetres = new("reach_metres", "real", "how far the team of a base of this kind reaches, in metres (the collection's reach_metres)", "#geo+reach", "-");

    /// <summary>Every field, in the order written.</summary>
    public static IReadOnlyList<FeedField> All { get; } =
    [
        Id, Name, Kind, Unit, Sector, AdminArea, TeamStatus, ClaCount, FemaleClaCount, TemporaryDutyCount, Staffed, HasFemaleCla,
        Gaps, GapNoCla, GapBelowMinimum, GapNoFemaleCla, ReachMetres,
    ];
}
