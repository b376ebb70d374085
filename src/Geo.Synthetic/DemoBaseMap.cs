using NetTopologySuite.Geometries;

namespace Geo.Synthetic;

/// <summary>One feature of a base map: an administrative area (a polygon) or a place (a point).</summary>
public sealed record BaseMapFeature(string Name, string Kind, Geometry Geometry);

/// <summary>
/// The demo mission's base map, for orientation on the map page: public geography only, as a
/// mission's own file would hold it: the province (the mission's region), its four territories
/// (the administrative areas the generator gives communities) and every settlement as a named
/// place, towns apart. Nothing of risk, population, bases or reports.
/// </summary>
public static class DemoBaseMap
{
    public static IReadOnlyList<BaseMapFeature> Of(Mission mission)
    {
        ArgumentNullException.ThrowIfNull(mission);
        var region = mission.Region;
        var factory = mission.Communities.Count > 0 ? mission.Communities[0].Location.Factory : new GeometryFactory(new PrecisionModel(), 4326);
        var middleX = (region.West + region.East) / 2;
        var middleY = (region.South + region.North) / 2;
        Polygon Box(double west, double south, double east, double north) => factory.CreatePolygon(
        [
            new Coordinate(west, south), new Coordinate(east, south), new Coordinate(east, north), new Coordinate(west, north), new Coordinate(west, south),
        ]);

        // The generator's territories are the region's quarters (MissionGenerator.Territory).
        var features = new List<BaseMapFeature>
        {
            new("North Kivu (demo)", "province", Box(region.West, region.South, region.East, region.North)),
            new(MissionGenerator.TerritoryNames[0], "territory", Box(region.West, middleY, middleX, region.North)),
            new(MissionGenerator.TerritoryNames[1], "territory", Box(middleX, middleY, region.East, region.North)),
            new(MissionGenerator.TerritoryNames[2], "territory", Box(region.West, region.South, middleX, middleY)),
            new(MissionGenerator.TerritoryNames[3], "territory", Box(middleX, region.South, region.East, middleY)),
        };
        for (var i = 0; i < mission.Communities.Count; i++)
        {
            var community = mission.Communities[i];
            // The generator makes the towns first.
            features.Add(new(community.Name, i < mission.Options.Towns ? "town" : "village", community.Location.InteriorPoint));
        }

        return features;
    }
}
