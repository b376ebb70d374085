using Geo.Exporters.Feeds;

namespace Geo.Exporters.Layers;

/// <summary>The data dictionary of the communities-at-risk layer: every community at or above the risk threshold, in the order written.</summary>
public static class CommunityAtRiskFields
{
    public static readonly FeedField Id = new("id", "string", "the community's id", "#loc+community+code", "-");
    public static readonly FeedField Name = new("name", "string", "the community's name", "#loc+community+name", "-");
    public static readonly FeedField RiskLevel = new("risk_level", "string", "low, medium, high, critical", "#severity+risk", "-");
    public static readonly FeedField RiskLevelCode = new("risk_level_code", "integer", "the risk level as 1 (low) to 4 (critical)", "#severity+risk+code", "-");
    public static readonly FeedField Population = new("population", "integer", "total population when known, else 0", "#population", "-");
    public static readonly FeedField WithinReach = new("within_reach", "boolean", "some staffed base is within the reach of its kind of the community", "#status+reach", "-");
    public static readonly FeedField NearestBaseId = new("nearest_base_id", "string", "the nearest staffed base (which need not be the one that reaches it), null when no base is staffed", "#org+base+nearest", "-");
    public static readonly FeedField DistanceMetres = new("distance_metres", "real", "geodesic metres from the community's centroid to that base, null when none", "#geo+distance", "-");

    /// <summary>Every field, in the order written.</summary>
    public static IReadOnlyList<FeedField> All { get; } = [Id, Name, RiskLevel, RiskLevelCode, Population, WithinReach, NearestBaseId, DistanceMetres];
}
