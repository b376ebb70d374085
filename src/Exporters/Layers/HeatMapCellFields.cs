using Geo.Exporters.Feeds;

namespace Geo.Exporters.Layers;

/// <summary>
/// The data dictionary of the heat-map and hot-spots layers: every property of a cell, in the
/// order written. The frame fields are written only for a series (a step), the hot-spot fields
/// only for the HOT_SPOTS method; what a coarsened caller's answer withholds is never a cell here.
/// </summary>
public static class HeatMapCellFields
{
    public static readonly FeedField Id = new("id", "string", "f{frame}-c{column}-r{row}, stable for the same grid", "#id", "-");
    public static readonly FeedField Column = new("column", "integer", "the cell's column in the grid (0 at the west)", "#loc+column", "-");
    public static readonly FeedField Row = new("row", "integer", "the cell's row in the grid (0 at the south)", "#loc+row", "-");
    public static readonly FeedField Frame = new("frame", "integer", "series only: the index of the cell's frame in the collection's frames", "#date+frame", "-");
    public static readonly FeedField FrameFrom = new("frame_from", "datetime", "series only: the start of the cell's frame, inclusive, UTC", "#date+start", "-");
    public static readonly FeedField FrameTo = new("frame_to", "datetime", "series only: the end of the cell's frame, exclusive, UTC", "#date+end", "-");
    public static readonly FeedField Value = new("value", "real", "the surface in the collection's unit: observations, weight, per km2, or the Gi* z-score for HOT_SPOTS", "#value", "-");
    public static readonly FeedField Count = new("count", "integer", "observations the value rests on: in the cell, within the bandwidth or within the distance band", "#indicator+num", "-");
    public static readonly FeedField Class = new("class", "integer", "1 to the number of classes, by the collection's class_breaks (one scale for every frame)", "#indicator+class", "-");
    public static readonly FeedField PValue = new("p_value", "real", "HOT_SPOTS only: the two-sided p-value of the z-score", "#indicator+pvalue", "-");
    public static readonly FeedField HotSpot = new("hot_spot", "integer", "HOT_SPOTS only: 3, 2, 1 hot and -3, -2, -1 cold at 99, 95, 90% confidence after the false-discovery-rate correction; 0 not significant", "#indicator+hotspot", "-");
    public static readonly FeedField Confidence = new("confidence", "integer", "HOT_SPOTS only: 99, 95 or 90 (percent) for a hot or cold spot, 0 when not significant", "#indicator+confidence", "-");

    /// <summary>Every field, in the order written.</summary>
    public static IReadOnlyList<FeedField> All { get; } = [Id, Column, Row, Frame, FrameFrom, FrameTo, Value, Count, Class, PValue, HotSpot, Confidence];
}
