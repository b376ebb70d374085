using Geo.Exporters.Feeds;

namespace Geo.Exporters.Layers;

/// <summary>
/// The data dictionary of the coverage-gaps layer: one feature per gap, a team gap of a base (at
/// the base) or a community at risk out of reach of every staffed base (at its point or polygon).
/// Fields of the other kind of gap are null.
/// </summary>
public static class CoverageGapFields
{
    public static readonly FeedField Id = new("id", "string", "{base id}/{gap} for a team gap, community/{community id} for a community out of reach", "#id", "-");
    public static readonly FeedField Gap = new("gap", "string", "no_cla, below_minimum, no_female_cla (team gaps) or community_out_of_reach", "#status+gap", "-");
    public static readonly FeedField BaseId = new("base_id", "string", "team gaps: the base", "#org+base+code", "-");
    public static readonly FeedField CommunityId = new("community_id", "string", "communities out of reach: the community", "#loc+community+code", "-");
    public static readonly FeedField Name = new("name", "string", "the base's or the community's name", "#loc+name", "-");
    public static readonly FeedField BaseKind = new("base_kind", "string", "team gaps: operating_base, company_operating_base, temporary_operating_base, surge_team", "#org+base+type", "-");
    public static readonly FeedField ClaCount = new("cla_count", "integer", "team gaps: CLAs deployed at the base", "#staff+cla", "-");
    public static readonly FeedField FemaleClaCount = new("female_cla_count", "integer", "team gaps: of them women", "#staff+cla+f", "-");
    public static readonly FeedField RiskLevel = new("risk_level", "string", "communities out of reach: low, medium, high, critical", "#severity+risk", "-");
    public static readonly FeedField RiskLevelCode = new("risk_level_code", "integer", "communities out of reach: the risk level as 1 (low) to 4 (critical)", "#severity+risk+code", "-");
    public static readonly FeedField Population = new("population", "integer", "communities out of reach: total population when known, else 0", "#population", "-");
    public static readonly FeedField NearestBaseId = new("nearest_base_id", "string", "communities out of reach: the nearest staffed base, null when no base is staffed", "#org+base+nearest", "-");
    public static readonly FeedField DistanceMetres = new("distance_metres", "real", "communities out of reach: geodesic metres from the community's centroid to that base, null when none", "#geo+distance", "-");
    public static readonly FeedField ReachMetres = new("reach_metres", "real", "team gaps: the reach of the base's kind, in metres", "#geo+reach", "-");

    /// <summary>Every field, in the order written.</summary>
    public static IReadOnlyList<FeedField> All { get; } =
        [Id, Gap, BaseId, CommunityId, Name, BaseKind, ClaCount, FemaleClaCount, RiskLevel, RiskLevelCode, Population, NearestBaseId, DistanceMetres, ReachMetres];
}
