using Geo.Core.Domain;
using Geo.Core.Spatial;
using NetTopologySuite.Geometries;

namespace Geo.Synthetic;

/// <summary>A named area of the demo mission that tokens can be scoped to.</summary>
public sealed record DemoSector(string Id, string Name, Polygon Area);

/// <summary>
/// The mission a newcomer sees first: the benchmark's generator at a small size, around Goma.
/// One operating base, three company operating bases and three temporary bases, with the gaps a
/// planner looks for put there on purpose: a base with one CLA (policy para 54), a team with no
/// woman (para 53), a CLA in their own locality (para 48), temporary duty beyond three months
/// (para 50), a new temporary base with no CLA, and communities at risk out of reach of every
/// staffed base. A year of observations ends on the load date. The same seed and load date give
/// the same mission.
/// </summary>
public static class DemoMission
{
    public const int DefaultSeed = 1;

    /// <summary>A year of reporting by a handful of teams: enough for heat maps and hot spots to show something.</summary>
    public const int ObservationCount = 3000;

    /// <summary>The id of the demo's operating base: the record that shows a demo mission is loaded.</summary>
    public const string OperatingBaseId = "ob-01";

    /// <summary>The dataset the demo's roads are imported as.</summary>
    public const string RoadDataset = "demo";

    public static MissionOptions Options(int seed, DateOnly loadDate) => new()
    {
        Seed = seed,
        Now = new DateTimeOffset(loadDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        SouthWest = new GeoPoint(28.6, -2.2),
        WidthKilometres = 140,
        HeightKilometres = 110,
        Roads = 2,
        Communities = 60,
        Towns = 3,
        CompanyOperatingBases = 3,
        TemporaryOperatingBases = 2,
        TemporaryBasesWithoutCla = 1,
        SurgeTeams = 0,
        Days = 365,
        Bursts = 10,
    };

    /// <summary>The region every demo mission covers, whatever its seed and load date.</summary>
    public static MissionRegion Region
    {
        get
        {
            var options = Options(DefaultSeed, default);
            return new LocalFrame(options.SouthWest, options.WidthKilometres, options.HeightKilometres).Region;
        }
    }

    public static Mission Generate(int seed, DateOnly loadDate) => MissionGenerator.Generate(Options(seed, loadDate));

    /// <summary>
    /// The load date a stored demo mission was generated for, read back from its operating base
    /// (which opened a fixed time before it): so a second load regenerates the same mission, on
    /// any day, and finds every record already there.
    /// </summary>
    public static DateOnly LoadDateOf(Base operatingBase)
    {
        ArgumentNullException.ThrowIfNull(operatingBase);
        return operatingBase.OpenedOn is { } opened
            ? opened.AddDays(MissionGenerator.OperatingBaseAgeDays)
            : throw new ArgumentException($"base '{operatingBase.Id}' has no opening date: it is not the demo's operating base", nameof(operatingBase));
    }

    /// <summary>The mission's observations, oldest first.</summary>
    public static IEnumerable<Observation> Observations(Mission mission)
    {
        ArgumentNullException.ThrowIfNull(mission);
        return mission.Observations(ObservationCount);
    }

    /// <summary>The northern and southern halves of the region: the sectors its communities and bases name.</summary>
    public static IReadOnlyList<DemoSector> Sectors(Mission mission)
    {
        ArgumentNullException.ThrowIfNull(mission);
        var region = mission.Region;
        var middle = (region.South + region.North) / 2;
        return
        [
            new DemoSector("Sector North", "Sector North", Box(region.West, middle, region.East, region.North)),
            new DemoSector("Sector South", "Sector South", Box(region.West, region.South, region.East, middle)),
        ];
    }

    private static Polygon Box(double west, double south, double east, double north) => ShapeReader.Factory.CreatePolygon(
    [
        new Coordinate(west, south), new Coordinate(east, south), new Coordinate(east, north), new Coordinate(west, north), new Coordinate(west, south),
    ]);
}
