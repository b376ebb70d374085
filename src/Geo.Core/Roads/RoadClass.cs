namespace Geo.Core.Roads;

/// <summary>How a road carries a team: the four classes planners reason in.</summary>
public enum RoadClass
{
    /// <summary>Tarred or all-weather national roads (OSM motorway, trunk, primary).</summary>
    Primary = 1,

    /// <summary>Other public roads (OSM secondary, tertiary, unclassified, residential, service, road).</summary>
    Secondary = 2,

    /// <summary>Unsurfaced tracks a vehicle can use (OSM track).</summary>
    Track = 3,

    /// <summary>Footpaths: walked, not driven (OSM path, footway, bridleway, steps, pedestrian).</summary>
    Path = 4,
}

/// <summary>How a team travels.</summary>
public enum TravelMode
{
    Vehicle = 1,
    OnFoot = 2,
}
