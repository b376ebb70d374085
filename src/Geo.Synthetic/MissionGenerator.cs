using System.Globalization;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using NetTopologySuite.Geometries;

namespace Geo.Synthetic;

/// <summary>
/// Builds a realistic synthetic mission from a seed, with no I/O: settlements clustered along
/// roads and in a few hinterland pockets, risk rising near a few conflict hotspots, bases of
/// every kind, CLA deployments with the gaps policy checks look for (a base with one CLA, a team
/// with no woman, temporary duty beyond three months, a CLA in their own locality), and a year
/// of observations clustered around settlements and roads and in bursts.
/// </summary>
public static class MissionGenerator
{
    private static readonly string[] Syllables = ["ki", "bu", "ma", "ru", "nya", "go", "lu", "ka", "sha", "mbi", "ne", "to", "we", "za", "ba", "ndu", "li", "mo", "se", "ko", "tshi", "vu"];
    /// <summary>The territories (administrative areas) of the region's quarters: north-west, north-east, south-west, south-east.</summary>
    internal static readonly string[] TerritoryNames = ["Lubero", "Beni", "Masisi", "Rutshuru"];

    /// <summary>The population share of each age group (child, youth, adult, older), roughly eastern DRC's.</summary>
    internal static readonly double[] AgeShares = [0.47, 0.19, 0.29, 0.05];

    /// <summary>How long before <see cref="MissionOptions.Now"/> the operating base opened.</summary>
    internal const int OperatingBaseAgeDays = 1100;

    public static Mission Generate(MissionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Communities < options.Towns + options.CompanyOperatingBases + 2 || options.Towns < 1 || options.Roads < 1 || options.Days < 14)
        {
            throw new ArgumentException("a mission needs at least one road and town, 14 days, and more communities than towns and bases", nameof(options));
        }

        var rng = new SyntheticRandom(SyntheticRandom.Seed(options.Seed, 1));
        var frame = new LocalFrame(options.SouthWest, options.WidthKilometres, options.HeightKilometres);
        var roads = MakeRoads(options, frame, rng);
        var hotspots = Enumerable.Range(0, 3).Select(_ => (rng.Uniform(40, frame.Width - 40), rng.Uniform(40, frame.Height - 40))).ToArray();
        var places = MakeCommunities(options, frame, roads, hotspots, rng);
        var communities = places.Select(p => p.Community).ToList();
        var today = DateOnly.FromDateTime(options.Now.UtcDateTime);
        var (bases, baseCommunities) = MakeBases(options, frame, places, hotspots, today, rng);
        var deployments = MakeDeployments(options, frame, places, bases, baseCommunities, today, rng);
        var source = new ObservationSource(options, frame, roads, places, bases, deployments, hotspots);
        return new Mission(
            options,
            frame.Region,
            RoadNetwork(roads, places, frame),
            communities,
            bases,
            deployments,
            source.Bursts,
            source);
    }

    internal sealed record RoadLine(string Name, (double X, double Y)[] Points);

    internal sealed record Place(Community Community, (double X, double Y) Km, double RadiusKm, int Population);

    private static List<RoadLine> MakeRoads(MissionOptions options, LocalFrame frame, SyntheticRandom rng)
    {
        var roads = new List<RoadLine>();
        for (var r = 0; r < options.Roads; r++)
        {
            var horizontal = r % 2 == 0;
            (double X, double Y) start = horizontal ? (0, rng.Uniform(0.15, 0.85) * frame.Height) : (rng.Uniform(0.15, 0.85) * frame.Width, 0);
            (double X, double Y) end = horizontal ? (frame.Width, rng.Uniform(0.15, 0.85) * frame.Height) : (rng.Uniform(0.15, 0.85) * frame.Width, frame.Height);
            const int vertices = 16;
            var points = new (double X, double Y)[vertices];
            var drift = 0.0;
            for (var i = 0; i < vertices; i++)
            {
                var t = i / (double)(vertices - 1);
                drift = i == 0 || i == vertices - 1 ? 0 : Math.Clamp(drift + (rng.Normal() * 6), -40, 40);
                var x = start.X + ((end.X - start.X) * t) + (horizontal ? 0 : drift);
                var y = start.Y + ((end.Y - start.Y) * t) + (horizontal ? drift : 0);
                points[i] = frame.Clamp(x, y, 0);
            }

            roads.Add(new RoadLine($"RN{2 + (r * 2)}", points));
        }

        return roads;
    }

    /// <summary>Feeder tracks longer than this are not built: the community is reached across country.</summary>
    private const double MaxTrackKm = 25;

    /// <summary>
    /// The national roads, and a track from every community to the nearest point of the nearest
    /// national road, joined to it at a shared point (a junction), every third track seasonal.
    /// Pure geometry, after every random draw, so the rest of the mission is what it was.
    /// </summary>
    private static List<Road> RoadNetwork(List<RoadLine> roads, List<Place> places, LocalFrame frame)
    {
        var junctions = roads.Select(_ => new List<(int Segment, double T, (double X, double Y) Point)>()).ToList();
        var tracks = new List<Road>();
        foreach (var place in places)
        {
            var (road, segment, t, point, km) = Nearest(roads, place.Km);
            if (km < 0.3 || km > MaxTrackKm)
            {
                continue;
            }

            junctions[road].Add((segment, t, point));
            tracks.Add(new Road(
                $"track to {place.Community.Name}",
                [frame.ToPoint(place.Km.X, place.Km.Y), frame.ToPoint(point.X, point.Y)],
                "track",
                Seasonal: tracks.Count % 3 == 2));
        }

        var national = roads.Select((r, i) =>
        {
            var points = new List<(double X, double Y)>();
            for (var s = 0; s < r.Points.Length; s++)
            {
                points.Add(r.Points[s]);
                points.AddRange(junctions[i].Where(j => j.Segment == s && j.T > 0 && j.T < 1).OrderBy(j => j.T).Select(j => j.Point));
            }

            return new Road(r.Name, points.Select(p => frame.ToPoint(p.X, p.Y)).ToList());
        });
        return [.. national, .. tracks];
    }

    private static (int Road, int Segment, double T, (double X, double Y) Point, double Km) Nearest(List<RoadLine> roads, (double X, double Y) at)
    {
        var best = (Road: -1, Segment: -1, T: 0.0, Point: at, Km: double.PositiveInfinity);
        for (var r = 0; r < roads.Count; r++)
        {
            for (var s = 0; s < roads[r].Points.Length - 1; s++)
            {
                var (a, b) = (roads[r].Points[s], roads[r].Points[s + 1]);
                var (dx, dy) = (b.X - a.X, b.Y - a.Y);
                var squared = (dx * dx) + (dy * dy);
                var t = squared == 0 ? 0 : Math.Clamp((((at.X - a.X) * dx) + ((at.Y - a.Y) * dy)) / squared, 0, 1);
                var point = (a.X + (t * dx), a.Y + (t * dy));
                var km = Math.Sqrt(((point.Item1 - at.X) * (point.Item1 - at.X)) + ((point.Item2 - at.Y) * (point.Item2 - at.Y)));
                if (km < best.Km)
                {
                    // An end of a segment is a vertex already: t of 0 or 1 joins there.
                    best = t >= 1 ? (r, s + 1, 0, b, km) : (r, s, t, point, km);
                }
            }
        }

        return best;
    }

    internal static (double X, double Y) PointOnRoad(RoadLine road, double t)
    {
        var position = t * (road.Points.Length - 1);
        var i = Math.Min((int)position, road.Points.Length - 2);
        var f = position - i;
        var a = road.Points[i];
        var b = road.Points[i + 1];
        return (a.X + ((b.X - a.X) * f), a.Y + ((b.Y - a.Y) * f));
    }

    private static List<Place> MakeCommunities(MissionOptions options, LocalFrame frame, List<RoadLine> roads, (double X, double Y)[] hotspots, SyntheticRandom rng)
    {
        var hinterland = Enumerable.Range(0, 6).Select(_ => (rng.Uniform(30, frame.Width - 30), rng.Uniform(30, frame.Height - 30))).ToArray();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var places = new List<Place>();
        for (var k = 0; k < options.Communities; k++)
        {
            var town = k < options.Towns;
            (double X, double Y) at;
            if (town || rng.Chance(0.65))
            {
                var road = roads[rng.Next(roads.Count)];
                var (x, y) = PointOnRoad(road, rng.Uniform(0.05, 0.95));
                var spread = town ? 1.0 : 4.0;
                at = frame.Clamp(x + (rng.Normal() * spread), y + (rng.Normal() * spread), 2);
            }
            else
            {
                var (cx, cy) = hinterland[rng.Next(hinterland.Length)];
                at = frame.Clamp(cx + (rng.Normal() * 12), cy + (rng.Normal() * 12), 2);
            }

            var population = town
                ? (int)Math.Clamp(rng.LogNormal(45_000, 0.6), 8_000, 400_000)
                : (int)Math.Clamp(rng.LogNormal(1_800, 0.9), 150, 30_000);
            var radius = 0.4 + (Math.Sqrt(population) / 90.0);
            var center = frame.ToPoint(at.X, at.Y);
            Geometry location = town || rng.Chance(0.1)
                ? Outline(frame, at, radius, rng)
                : ShapeReader.Factory.CreatePoint(new Coordinate(center.Longitude, center.Latitude));

            var hotspotKm = hotspots.Min(h => LocalFrame.Distance(h, at));
            var score = (4 * Math.Exp(-hotspotKm / 45)) + rng.Uniform(0, 1.2);
            var risk = rng.Chance(0.1) ? RiskLevel.Unassessed
                : score < 0.8 ? RiskLevel.Low
                : score < 1.8 ? RiskLevel.Medium
                : score < 3 ? RiskLevel.High
                : RiskLevel.Critical;
            var level = (int)risk;
            places.Add(new Place(
                new Community
                {
                    Id = string.Create(CultureInfo.InvariantCulture, $"com-{k + 1:D4}"),
                    Name = UniqueName(names, rng),
                    Location = location,
                    AdminArea = Territory(frame, at),
                    Sector = at.Y >= frame.Height / 2 ? "Sector North" : "Sector South",
                    Population = rng.Chance(0.12) ? null : PopulationCells(population, rng),
                    RiskLevel = risk,
                    HasProtectionPlan = rng.Chance(0.15 + (0.1 * level)),
                    HasProtectionCommittee = rng.Chance(0.25 + (0.1 * level)),
                    HasCanFocalPoint = rng.Chance(0.15 + (0.12 * level)),
                },
                at,
                radius,
                population));
        }

        return places;
    }

    internal static string Territory(LocalFrame frame, (double X, double Y) at) =>
        TerritoryNames[(at.X >= frame.Width / 2 ? 1 : 0) + (at.Y >= frame.Height / 2 ? 0 : 2)];

    private static Polygon Outline(LocalFrame frame, (double X, double Y) center, double radiusKm, SyntheticRandom rng)
    {
        // A star-shaped ring around the centre, vertices in angle order: always simple.
        const int vertices = 10;
        var coordinates = new Coordinate[vertices + 1];
        for (var i = 0; i < vertices; i++)
        {
            var angle = 2 * Math.PI * i / vertices;
            var r = radiusKm * rng.Uniform(0.75, 1.2);
            var p = frame.ToPoint(center.X + (r * Math.Cos(angle)), center.Y + (r * Math.Sin(angle)));
            coordinates[i] = new Coordinate(p.Longitude, p.Latitude);
        }

        coordinates[vertices] = coordinates[0].Copy();
        return ShapeReader.Factory.CreatePolygon(coordinates);
    }

    private static AffectedPeople PopulationCells(int population, SyntheticRandom rng)
    {
        var cells = new int[AffectedPeople.CellCount];
        var female = rng.Uniform(0.49, 0.53);
        for (var age = 0; age < 4; age++)
        {
            var share = AgeShares[age] * rng.Uniform(0.9, 1.1);
            cells[AffectedPeople.Cell(Sex.Female, (AgeGroup)(age + 1))] = (int)(population * share * female);
            cells[AffectedPeople.Cell(Sex.Male, (AgeGroup)(age + 1))] = (int)(population * share * (1 - female));
        }

        return AffectedPeople.FromCells(cells);
    }

    private static string UniqueName(HashSet<string> names, SyntheticRandom rng)
    {
        while (true)
        {
            var parts = rng.Next(2, 4);
            var name = string.Concat(Enumerable.Range(0, parts).Select(_ => Syllables[rng.Next(Syllables.Length)]));
            name = char.ToUpperInvariant(name[0]) + name[1..];
            if (names.Add(name))
            {
                return name;
            }
        }
    }

    private static (List<Base> Bases, List<Place> Sites) MakeBases(
        MissionOptions options, LocalFrame frame, List<Place> places, (double X, double Y)[] hotspots, DateOnly today, SyntheticRandom rng)
    {
        var bases = new List<Base>();
        var sites = new List<Place>();
        var byPopulation = places.OrderByDescending(p => p.Population).ThenBy(p => p.Community.Id, StringComparer.Ordinal).ToList();

        bool FarFromBases(Place place, double km) => sites.All(s => LocalFrame.Distance(s.Km, place.Km) >= km);

        void Add(Place site, string id, string name, BaseKind kind, string unit, DateOnly opened, DateOnly? closed)
        {
            var angle = rng.Uniform(0, 2 * Math.PI);
            var offset = rng.Uniform(0.5, 1.5);
            var (x, y) = frame.Clamp(site.Km.X + (offset * Math.Cos(angle)), site.Km.Y + (offset * Math.Sin(angle)), 1);
            bases.Add(new Base
            {
                Id = id,
                Name = name,
                Kind = kind,
                Unit = unit,
                Sector = site.Community.Sector,
                AdminArea = site.Community.AdminArea,
                Location = frame.ToPoint(x, y),
                OpenedOn = opened,
                ClosedOn = closed,
            });
            sites.Add(site);
        }

        var hq = byPopulation[0];
        Add(hq, "ob-01", $"OB {hq.Community.Name}", BaseKind.OperatingBase, "Sector HQ", today.AddDays(-OperatingBaseAgeDays), null);

        var company = 0;
        foreach (var site in byPopulation.Skip(1))
        {
            if (company == options.CompanyOperatingBases)
            {
                break;
            }

            if (FarFromBases(site, 45))
            {
                company++;
                var unit = string.Create(CultureInfo.InvariantCulture, $"BATT-{1 + ((company - 1) / 3)} {(char)('A' + ((company - 1) % 3))} Coy");
                Add(site, string.Create(CultureInfo.InvariantCulture, $"cob-{company:D2}"), $"COB {site.Community.Name}", BaseKind.CompanyOperatingBase, unit, today.AddDays(-rng.Next(400, 900)), null);
            }
        }

        var risky = places
            .Where(p => p.Community.RiskLevel >= RiskLevel.High)
            .OrderBy(p => hotspots.Min(h => LocalFrame.Distance(h, p.Km)))
            .ThenBy(p => p.Community.Id, StringComparer.Ordinal)
            .ToList();
        var temporary = 0;
        foreach (var site in risky)
        {
            if (temporary == options.TemporaryOperatingBases + options.TemporaryBasesWithoutCla)
            {
                break;
            }

            if (FarFromBases(site, 25))
            {
                temporary++;
                // The first has been open long enough for temporary duty beyond three months; the
                // last has closed; those without a team yet opened two weeks ago.
                var opened = temporary > options.TemporaryOperatingBases ? today.AddDays(-14)
                    : temporary == 1 ? today.AddDays(-180)
                    : today.AddDays(-rng.Next(60, 240));
                DateOnly? closed = temporary > 1 && temporary == options.TemporaryOperatingBases ? today.AddDays(-20) : null;
                Add(site, string.Create(CultureInfo.InvariantCulture, $"tob-{temporary:D2}"), $"TOB {site.Community.Name}", BaseKind.TemporaryOperatingBase, "TOB detachment", opened, closed);
            }
        }

        for (var s = 0; s < options.SurgeTeams; s++)
        {
            var hotspot = hotspots[s % hotspots.Length];
            var site = places.OrderBy(p => LocalFrame.Distance(p.Km, hotspot)).ThenBy(p => p.Community.Id, StringComparer.Ordinal).First();
            Add(site, string.Create(CultureInfo.InvariantCulture, $"surge-{s + 1:D2}"), $"Surge team {s + 1}", BaseKind.SurgeTeam, "Mobile surge team", today.AddDays(-45), null);
        }

        return (bases, sites);
    }

    private static List<ClaDeployment> MakeDeployments(
        MissionOptions options, LocalFrame frame, List<Place> places, List<Base> bases, List<Place> sites, DateOnly today, SyntheticRandom rng)
    {
        var deployments = new List<ClaDeployment>();
        var claIds = new HashSet<string>(StringComparer.Ordinal);

        string NewCla()
        {
            while (true)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"cla-{rng.NextUInt64() & 0xFFFFFF:x6}");
                if (claIds.Add(id))
                {
                    return id;
                }
            }
        }

        void Deploy(int baseIndex, Sex sex, DateOnly from, DateOnly? to, bool temporaryDuty, bool ownLocality = false)
        {
            var station = bases[baseIndex];
            string home;
            string? homeCommunity = null;
            if (ownLocality)
            {
                home = station.AdminArea;
                homeCommunity = sites[baseIndex].Community.Id;
            }
            else
            {
                var others = TerritoryNames.Where(t => t != station.AdminArea).ToArray();
                home = rng.Chance(0.3) ? "Kinshasa" : others[rng.Next(others.Length)];
                if (rng.Chance(0.5))
                {
                    var far = places.Where(p => p.Community.AdminArea == home && LocalFrame.Distance(p.Km, sites[baseIndex].Km) > 40).ToList();
                    homeCommunity = far.Count > 0 ? far[rng.Next(far.Count)].Community.Id : null;
                }
            }

            deployments.Add(new ClaDeployment
            {
                Id = string.Create(CultureInfo.InvariantCulture, $"dep-{deployments.Count + 1:D4}"),
                ClaId = NewCla(),
                Sex = sex,
                BaseId = station.Id,
                From = from,
                To = to,
                TemporaryDuty = temporaryDuty,
                HomeLocality = home,
                HomeCommunityId = homeCommunity,
            });
        }

        var company = 0;
        var temporary = 0;
        for (var b = 0; b < bases.Count; b++)
        {
            var station = bases[b];
            var opened = station.OpenedOn ?? today.AddYears(-2);
            switch (station.Kind)
            {
                case BaseKind.OperatingBase:
                {
                    var from = today.AddDays(-rng.Next(200, 500));
                    Deploy(b, Sex.Female, opened, from.AddDays(-1), false);
                    Deploy(b, Sex.Male, opened, from.AddDays(-1), false);
                    Deploy(b, Sex.Female, from, null, false);
                    Deploy(b, Sex.Male, from, null, false);
                    Deploy(b, Sex.Female, today.AddDays(-rng.Next(60, 300)), null, false);
                    Deploy(b, Sex.Male, today.AddDays(-rng.Next(60, 300)), null, false);
                    break;
                }

                case BaseKind.CompanyOperatingBase:
                {
                    company++;
                    var from = today.AddDays(-rng.Next(120, 380));
                    if (from <= opened)
                    {
                        from = opened.AddDays(30);
                    }

                    // An earlier rotation.
                    Deploy(b, rng.Chance(0.5) ? Sex.Female : Sex.Male, opened, from.AddDays(-1), false);
                    switch (company)
                    {
                        case 1: // a base with one CLA
                            Deploy(b, Sex.Male, from, null, false);
                            break;
                        case 2: // a team with no woman
                            Deploy(b, Sex.Male, from, null, false);
                            Deploy(b, Sex.Male, from.AddDays(rng.Next(0, 60)), null, false);
                            break;
                        case 3: // a CLA deployed to their own locality
                            Deploy(b, Sex.Female, from, null, false, ownLocality: true);
                            Deploy(b, Sex.Male, from, null, false);
                            break;
                        default:
                            Deploy(b, Sex.Female, from, null, false);
                            Deploy(b, Sex.Male, from.AddDays(rng.Next(0, 60)), null, false);
                            break;
                    }

                    break;
                }

                case BaseKind.TemporaryOperatingBase:
                    temporary++;
                    if (temporary > options.TemporaryOperatingBases)
                    {
                        // A base with no CLA: its team has not arrived yet.
                        break;
                    }

                    // Temporary duty for as long as the base is open: beyond three months at the older ones.
                    Deploy(b, Sex.Female, opened, station.ClosedOn, true);
                    Deploy(b, Sex.Male, opened, station.ClosedOn, true);
                    break;
                default:
                    Deploy(b, Sex.Female, opened, null, true);
                    Deploy(b, Sex.Male, opened, null, true);
                    break;
            }
        }

        return deployments;
    }
}
