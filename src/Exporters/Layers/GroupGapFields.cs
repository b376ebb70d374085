using Geo.Exporters.Feeds;

namespace Geo.Exporters.Layers;

/// <summary>
/// The data dictionary of the group-gaps layer: one feature per cell where threats against the
/// selected sexes and age groups reach the threshold and no qualifying team is within reach
/// (policy para 53), in the order written.
/// </summary>
public static class GroupGapFields
{
    public static readonly FeedField Id = new("id", "string", "c{column}-r{row}, the cell's place in the heat map's grid", "#id", "-");
    public static readonly FeedField Column = new("column", "integer", "the cell's column in the grid (0 at the west)", "#loc+column", "-");
    public static readonly FeedField Row = new("row", "integer", "the cell's row in the grid (0 at the south)", "#loc+row", "-");
    public static readonly FeedField Value = new("value", "real", "the heat map's value in the cell, in the collection's unit (at or above the threshold)", "#value", "-");
    public static readonly FeedField Count = new("count", "integer", "observations the value rests on", "#indicator+num", "-");
    public static readonly FeedField Class = new("class", "integer", "1 to the number of classes, by the collection's class_breaks", "#indicator+class", "-");
    public static readonly FeedField NearestBaseId = new("nearest_base_id", "string", "the nearest qualifying base (staffed, with a woman CLA when the group is only women and girls), null when none qualifies", "#org+base+nearest", "-");
    public static readonly FeedField DistanceMetres = new("distance_metres", "real", "geodesic metres from the cell's centre to that base, null when none", "#geo+distance", "-");
    public static readonly FeedField CommunityIds = new("community_ids", "string", "the communities at risk whose centroid lies in the cell, comma-separated, empty when none", "#loc+community+code", "-");
    public static readonly FeedField CommunityCount = new("community_count", "integer", "how many they are", "#loc+community+num", "-");

    /// <summary>Every field, in the order written.</summary>
    public static IReadOnlyList<FeedField> All { get; } = [Id, Column, Row, Value, Count, Class, NearestBaseId, DistanceMetres, CommunityIds, CommunityCount];
}
