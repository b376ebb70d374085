using System.Globalization;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using NetTopologySuite.Geometries;

namespace Geo.Synthetic;

/// <summary>
/// Generates a mission's observations day by day, in order of observed_at. Each day has its own
/// random stream (from the seed and the day), so a day's observations do not depend on how the
/// previous days were drawn.
/// </summary>
internal sealed class ObservationSource
{
    // Background mix of categories: threat, armed group movement, displacement, early warning,
    // community engagement, information harm, security incident against CLA, other.
    private static readonly double[] CategoryMix = [0.20, 0.16, 0.11, 0.12, 0.22, 0.09, 0.03, 0.07];
    private static readonly double[] ClashMix = [0.35, 0.30, 0.20, 0.12, 0.00, 0.01, 0.02, 0.00];
    private static readonly double[] DisplacementMix = [0.15, 0.05, 0.60, 0.12, 0.05, 0.01, 0.00, 0.02];
    private static readonly double[] RumourMix = [0.15, 0.05, 0.02, 0.08, 0.15, 0.55, 0.00, 0.00];
    private static readonly double[] SexMix = [0.50, 0.38, 0.12];
    private static readonly double[] HourWeights = [1, 1, 1, 1, 1, 2, 4, 6, 7, 8, 8, 8, 7, 7, 7, 7, 6, 5, 4, 3, 2, 2, 1, 1];

    private static readonly string[][] Summaries =
    [
        ["Threats against residents of {0} reported by a community leader", "Armed men threatened farmers near {0}", "Night-time intimidation of households in {0}", "Women of {0} report threats on the way to the fields"],
        ["Armed group seen moving near {0}", "Unidentified armed men crossed the area of {0} at dawn", "Armed group checkpoint reported outside {0}"],
        ["Families arriving in {0} after fleeing fighting", "Households leaving {0} for the nearest town", "Displaced people sheltering in the school of {0}"],
        ["CAN alert: gunfire heard near {0}", "CAN focal point of {0} reports an imminent attack", "CAN alert: armed men approaching {0}"],
        ["Community meeting held in {0} with the local protection committee", "Engagement with women's group of {0}", "Follow-up visit to {0} on the protection plan"],
        ["Rumours circulating in {0} that the mission is leaving", "Hate messages against a minority shared on social media in {0}", "False report of an epidemic spreading in {0}"],
        ["CLA vehicle stopped and searched near {0}", "CLA threatened after a meeting in {0}"],
        ["Market of {0} closed for the day", "Road near {0} blocked by a landslide"],
    ];

    private readonly MissionOptions _options;
    private readonly LocalFrame _frame;
    private readonly List<MissionGenerator.RoadLine> _roads;
    private readonly List<MissionGenerator.Place> _places;
    private readonly GeoPoint[] _centers;
    private readonly double[] _placeWeights;
    private readonly List<Base> _bases;
    private readonly List<ClaDeployment> _deployments;
    private readonly (double X, double Y)[] _baseKm;
    private readonly BurstPlan[] _bursts;
    private readonly double[] _background;
    private readonly double[][] _burstByDay;

    public ObservationSource(
        MissionOptions options,
        LocalFrame frame,
        List<MissionGenerator.RoadLine> roads,
        List<MissionGenerator.Place> places,
        List<Base> bases,
        List<ClaDeployment> deployments,
        (double X, double Y)[] hotspots)
    {
        _options = options;
        _frame = frame;
        _roads = roads;
        _places = places;
        _bases = bases;
        _deployments = deployments;
        var nowDay = options.Now.UtcDateTime.Date;
        Start = new DateTimeOffset(nowDay, TimeSpan.Zero).AddDays(-options.Days);
        _centers = places.Select(p => frame.ToPoint(p.Km.X, p.Km.Y)).ToArray();
        _baseKm = bases.Select(b => frame.ToKm(b.Location)).ToArray();

        // Settlements attract reports with their size and their risk.
        _placeWeights = new double[places.Count];
        var total = 0.0;
        for (var i = 0; i < places.Count; i++)
        {
            total += Math.Sqrt(places[i].Population) * (1 + (int)places[i].Community.RiskLevel);
            _placeWeights[i] = total;
        }

        var rng = new SyntheticRandom(SyntheticRandom.Seed(options.Seed, 2));
        var riskWeights = places.Select(p => Math.Pow(1 + (int)p.Community.RiskLevel, 3) * (1 + (5 * Math.Exp(-hotspots.Min(h => LocalFrame.Distance(h, p.Km)) / 30)))).ToArray();
        _bursts = new BurstPlan[options.Bursts];
        for (var b = 0; b < _bursts.Length; b++)
        {
            var place = rng.Pick(riskWeights);
            var kind = rng.Pick([0.5, 0.3, 0.2]);
            _bursts[b] = new BurstPlan(place, rng.Next(0, options.Days - 3), rng.Next(2, 11), rng.LogNormal(1, 0.6), kind);
        }

        Bursts = _bursts.Select(b => new ReportingBurst(
            places[b.Place].Community.Id,
            _centers[b.Place],
            Start.AddDays(b.Day),
            b.Duration,
            b.Kind switch { 0 => ObservationCategory.ThreatOfPhysicalViolence, 1 => ObservationCategory.Displacement, _ => ObservationCategory.InformationHarm })).ToList();

        // Expected share of all observations per day: a seasonal background with quieter
        // Sundays, plus bursts decaying over their days.
        _background = new double[options.Days];
        var phase = rng.Uniform(0, 2 * Math.PI);
        var backgroundTotal = 0.0;
        for (var d = 0; d < options.Days; d++)
        {
            var weekday = Start.AddDays(d).DayOfWeek == DayOfWeek.Sunday ? 0.7 : 1.0;
            _background[d] = (1 + (0.3 * Math.Sin((2 * Math.PI * d / 365.0) + phase))) * weekday;
            backgroundTotal += _background[d];
        }

        var burstShare = options.Bursts == 0 ? 0 : options.BurstShare;
        for (var d = 0; d < options.Days; d++)
        {
            _background[d] *= (1 - burstShare) / backgroundTotal;
        }

        var strength = _bursts.Sum(b => b.Strength);
        _burstByDay = new double[options.Days][];
        for (var d = 0; d < options.Days; d++)
        {
            _burstByDay[d] = new double[_bursts.Length];
        }

        for (var b = 0; b < _bursts.Length; b++)
        {
            var plan = _bursts[b];
            var profile = Enumerable.Range(0, plan.Duration).Select(k => Math.Exp(-k / (plan.Duration / 2.5))).ToArray();
            var sum = profile.Sum();
            for (var k = 0; k < plan.Duration && plan.Day + k < options.Days; k++)
            {
                _burstByDay[plan.Day + k][b] = burstShare * plan.Strength / strength * profile[k] / sum;
            }
        }
    }

    public DateTimeOffset Start { get; }

    public IReadOnlyList<ReportingBurst> Bursts { get; }

    public IEnumerable<Observation> Generate(int count)
    {
        if (count == 0)
        {
            yield break;
        }

        var perDay = DayCounts(count);
        for (var day = 0; day < _options.Days; day++)
        {
            var n = perDay[day];
            if (n == 0)
            {
                continue;
            }

            var rng = new SyntheticRandom(SyntheticRandom.Seed(_options.Seed, 1000 + day, 3));
            var dayStart = Start.AddDays(day);
            var date = DateOnly.FromDateTime(dayStart.UtcDateTime);
            var seconds = new int[n];
            for (var i = 0; i < n; i++)
            {
                seconds[i] = (rng.Pick(HourWeights) * 3600) + rng.Next(3600);
            }

            Array.Sort(seconds);
            var teams = Teams(date);
            var burstWeights = _burstByDay[day];
            var burstTotal = burstWeights.Sum();
            var burstChance = burstTotal / (burstTotal + _background[day]);
            for (var i = 0; i < n; i++)
            {
                var burst = burstTotal > 0 && rng.Chance(burstChance) ? rng.Pick(burstWeights) : -1;
                yield return Make(rng, dayStart.AddSeconds(seconds[i]), burst, teams);
            }
        }
    }

    /// <summary>Observations per day: the expected shares, rounded so that they add up to exactly <paramref name="count"/>.</summary>
    private int[] DayCounts(int count)
    {
        var counts = new int[_options.Days];
        var cumulative = 0.0;
        var given = 0L;
        var total = _background.Sum() + _burstByDay.Sum(d => d.Sum());
        for (var d = 0; d < counts.Length; d++)
        {
            cumulative += _background[d] + _burstByDay[d].Sum();
            var upTo = d == counts.Length - 1 ? count : (long)Math.Round(cumulative / total * count);
            counts[d] = (int)(upTo - given);
            given = upTo;
        }

        return counts;
    }

    /// <summary>For each base open on the date, the CLAs deployed there that day.</summary>
    private List<string>[] Teams(DateOnly date)
    {
        var teams = new List<string>[_bases.Count];
        for (var b = 0; b < _bases.Count; b++)
        {
            teams[b] = [];
            if (!_bases[b].IsOpenOn(date))
            {
                continue;
            }

            foreach (var deployment in _deployments)
            {
                if (deployment.BaseId == _bases[b].Id && deployment.IsActiveOn(date))
                {
                    teams[b].Add(deployment.ClaId);
                }
            }
        }

        return teams;
    }

    private Observation Make(SyntheticRandom rng, DateTimeOffset observedAt, int burst, List<string>[] teams)
    {
        (double X, double Y) at;
        int? place = null;
        double[] mix;
        LocationPrecision precision;
        if (burst >= 0)
        {
            var plan = _bursts[burst];
            place = plan.Place;
            var spread = 2 + _places[plan.Place].RadiusKm;
            at = (_places[plan.Place].Km.X + (rng.Normal() * spread), _places[plan.Place].Km.Y + (rng.Normal() * spread));
            mix = plan.Kind switch { 0 => ClashMix, 1 => DisplacementMix, _ => RumourMix };
            precision = (LocationPrecision)(1 + rng.Pick([0.15, 0.45, 0.35, 0.05]));
        }
        else
        {
            mix = CategoryMix;
            var mode = rng.Pick([0.78, 0.14, 0.08]);
            if (mode == 0)
            {
                place = rng.PickCumulative(_placeWeights);
                var spread = 0.5 + (_places[place.Value].RadiusKm * 0.6);
                at = (_places[place.Value].Km.X + (rng.Normal() * spread), _places[place.Value].Km.Y + (rng.Normal() * spread));
                precision = (LocationPrecision)(1 + rng.Pick([0.25, 0.30, 0.40, 0.05]));
            }
            else if (mode == 1)
            {
                var (x, y) = MissionGenerator.PointOnRoad(_roads[rng.Next(_roads.Count)], rng.NextDouble());
                at = (x + (rng.Normal() * 0.8), y + (rng.Normal() * 0.8));
                precision = (LocationPrecision)(1 + rng.Pick([0.40, 0.45, 0.05, 0.10]));
            }
            else
            {
                at = (rng.Uniform(0, _frame.Width), rng.Uniform(0, _frame.Height));
                precision = (LocationPrecision)(1 + rng.Pick([0.30, 0.45, 0.05, 0.20]));
            }
        }

        at = _frame.Clamp(at.X, at.Y, 0.05);
        var location = _frame.ToPoint(at.X, at.Y);
        var category = (ObservationCategory)(1 + rng.Pick(mix));
        var severity = Severity(rng, category, burst >= 0);
        var affected = Affected(rng, category);
        var vulnerabilities = Vulnerable(rng, category, at);
        var (baseId, reporter) = Reporter(rng, at, teams);
        Geometry? area = null;
        if ((precision == LocationPrecision.AdminArea && rng.Chance(0.5)) || (category == ObservationCategory.Displacement && rng.Chance(0.05)))
        {
            area = Square(at, rng.Uniform(2, 10));
        }

        var where = place is { } p ? _places[p].Community.Name : "the road " + _roads[(int)(at.X + at.Y) % _roads.Count].Name;
        var templates = Summaries[(int)category - 1];
        var delay = Math.Round(rng.Exponential(5 * 3600));
        var reportedAt = observedAt.AddSeconds(delay);
        if (reportedAt > _options.Now)
        {
            reportedAt = _options.Now;
        }

        return new Observation
        {
            Id = Uuid(rng),
            ReporterId = reporter,
            ObservedAt = observedAt,
            ReportedAt = reportedAt,
            Location = location,
            Area = area,
            Precision = precision,
            Category = category,
            Severity = severity,
            Affected = affected,
            Vulnerabilities = vulnerabilities,
            CommunityId = place is { } q && rng.Chance(0.9) ? _places[q].Community.Id : null,
            BaseId = baseId,
            Notes = string.Format(CultureInfo.InvariantCulture, templates[rng.Next(templates.Length)], where),
        };
    }

    private static int Severity(SyntheticRandom rng, ObservationCategory category, bool inBurst)
    {
        double[] weights = category switch
        {
            ObservationCategory.ThreatOfPhysicalViolence or ObservationCategory.SecurityIncidentAgainstCla => [0.10, 0.25, 0.35, 0.20, 0.10],
            ObservationCategory.ArmedGroupMovement or ObservationCategory.EarlyWarningAlert => [0.15, 0.30, 0.30, 0.18, 0.07],
            ObservationCategory.Displacement => [0.10, 0.25, 0.35, 0.20, 0.10],
            ObservationCategory.CommunityEngagement => [0.60, 0.30, 0.08, 0.02, 0.00],
            _ => [0.35, 0.35, 0.20, 0.08, 0.02],
        };
        var severity = 1 + rng.Pick(weights);
        return inBurst && severity < 5 && rng.Chance(0.4) ? severity + 1 : severity;
    }

    private static AffectedPeople Affected(SyntheticRandom rng, ObservationCategory category)
    {
        var (someone, groups, median) = category switch
        {
            ObservationCategory.ThreatOfPhysicalViolence => (0.85, 3, 4.0),
            ObservationCategory.Displacement => (0.95, 6, 25.0),
            ObservationCategory.ArmedGroupMovement => (0.35, 2, 5.0),
            ObservationCategory.EarlyWarningAlert => (0.5, 3, 8.0),
            ObservationCategory.SecurityIncidentAgainstCla => (0.1, 1, 1.0),
            _ => (0.25, 2, 3.0),
        };
        if (!rng.Chance(someone))
        {
            return AffectedPeople.None;
        }

        var cells = new int[AffectedPeople.CellCount];
        var n = 1 + rng.Next(groups);
        for (var g = 0; g < n; g++)
        {
            var sex = (Sex)(1 + rng.Pick(SexMix));
            var age = (AgeGroup)(1 + rng.Pick(MissionGenerator.AgeShares));
            cells[AffectedPeople.Cell(sex, age)] += Math.Max(1, (int)Math.Min(2000, rng.LogNormal(median, 0.9)));
        }

        return AffectedPeople.FromCells(cells);
    }

    private Vulnerabilities Vulnerable(SyntheticRandom rng, ObservationCategory category, (double X, double Y) at)
    {
        var flags = Vulnerabilities.None;
        if (rng.Chance(category == ObservationCategory.Displacement ? 0.85 : 0.08))
        {
            flags |= Vulnerabilities.InternallyDisplaced;
        }

        // Refugees near the eastern border.
        if (at.X > _frame.Width - 50 && rng.Chance(0.2))
        {
            flags |= Vulnerabilities.Refugees;
        }

        if (rng.Chance(0.05))
        {
            flags |= Vulnerabilities.PersonsWithDisabilities;
        }

        if (rng.Chance(category == ObservationCategory.InformationHarm ? 0.35 : 0.07))
        {
            flags |= Vulnerabilities.Minorities;
        }

        if (rng.Chance(category == ObservationCategory.InformationHarm ? 0.25 : 0.01))
        {
            flags |= Vulnerabilities.JournalistsAndActivists;
        }

        return flags;
    }

    /// <summary>The nearest base with a CLA that day, and one of its CLAs.</summary>
    private (string? BaseId, string Reporter) Reporter(SyntheticRandom rng, (double X, double Y) at, List<string>[] teams)
    {
        var best = -1;
        var bestDistance = double.MaxValue;
        for (var b = 0; b < teams.Length; b++)
        {
            if (teams[b].Count == 0)
            {
                continue;
            }

            var dx = _baseKm[b].X - at.X;
            var dy = _baseKm[b].Y - at.Y;
            var distance = (dx * dx) + (dy * dy);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = b;
            }
        }

        return best < 0 ? (null, "cla-unassigned") : (_bases[best].Id, teams[best][rng.Next(teams[best].Count)]);
    }

    private Polygon Square((double X, double Y) at, double halfKm)
    {
        var (x0, y0) = _frame.Clamp(at.X - halfKm, at.Y - halfKm, 0);
        var (x1, y1) = _frame.Clamp(at.X + halfKm, at.Y + halfKm, 0);
        var a = _frame.ToPoint(x0, y0);
        var b = _frame.ToPoint(x1, y1);
        return ShapeReader.Factory.CreatePolygon(
        [
            new Coordinate(a.Longitude, a.Latitude), new Coordinate(b.Longitude, a.Latitude), new Coordinate(b.Longitude, b.Latitude),
            new Coordinate(a.Longitude, b.Latitude), new Coordinate(a.Longitude, a.Latitude),
        ]);
    }

    private static string Uuid(SyntheticRandom rng)
    {
        var hi = rng.NextUInt64();
        var lo = rng.NextUInt64();
        hi = (hi & 0xFFFFFFFFFFFF0FFFUL) | 0x4000UL;
        lo = (lo & 0x3FFFFFFFFFFFFFFFUL) | 0x8000000000000000UL;
        return string.Create(CultureInfo.InvariantCulture, $"{hi >> 32:x8}-{(hi >> 16) & 0xFFFF:x4}-{hi & 0xFFFF:x4}-{lo >> 48:x4}-{lo & 0xFFFFFFFFFFFFUL:x12}");
    }

    private readonly record struct BurstPlan(int Place, int Day, int Duration, double Strength, int Kind);
}
