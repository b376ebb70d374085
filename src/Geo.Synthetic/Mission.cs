using Geo.Core.Domain;
using Geo.Core.Spatial;

namespace Geo.Synthetic;

/// <summary>The region of a synthetic mission, in WGS84 degrees.</summary>
public readonly record struct MissionRegion(double West, double South, double East, double North)
{
    public bool Contains(GeoPoint point) =>
        point.Longitude >= West && point.Longitude <= East && point.Latitude >= South && point.Latitude <= North;

    public GeoPoint Center => new((West + East) / 2, (South + North) / 2);
}

/// <summary>
/// A road as a polyline, with its OSM highway value (primary for the national roads, track for the
/// feeder tracks to the communities) and whether the rainy season closes it.
/// </summary>
public sealed record Road(string Name, IReadOnlyList<GeoPoint> Points, string Highway = "primary", bool Seasonal = false);

/// <summary>A few days of intense reporting around one community.</summary>
public sealed record ReportingBurst(string CommunityId, GeoPoint Center, DateTimeOffset Start, int Days, ObservationCategory Kind);

/// <summary>
/// A generated mission: region, roads, communities, bases, CLA deployments, and a source of
/// observations produced lazily (see <see cref="Observations"/>).
/// </summary>
public sealed class Mission
{
    private readonly ObservationSource _source;

    internal Mission(
        MissionOptions options,
        MissionRegion region,
        IReadOnlyList<Road> roads,
        IReadOnlyList<Community> communities,
        IReadOnlyList<Base> bases,
        IReadOnlyList<ClaDeployment> deployments,
        IReadOnlyList<ReportingBurst> bursts,
        ObservationSource source)
    {
        Options = options;
        Region = region;
        Roads = roads;
        Communities = communities;
        Bases = bases;
        Deployments = deployments;
        Bursts = bursts;
        _source = source;
    }

    public MissionOptions Options { get; }

    public MissionRegion Region { get; }

    public IReadOnlyList<Road> Roads { get; }

    public IReadOnlyList<Community> Communities { get; }

    public IReadOnlyList<Base> Bases { get; }

    public IReadOnlyList<ClaDeployment> Deployments { get; }

    public IReadOnlyList<ReportingBurst> Bursts { get; }

    /// <summary>Start of the first day with observations (UTC midnight).</summary>
    public DateTimeOffset ObservedFrom => _source.Start;

    /// <summary>End of the last day with observations (UTC midnight, at or before <see cref="MissionOptions.Now"/>).</summary>
    public DateTimeOffset ObservedTo => _source.Start.AddDays(Options.Days);

    /// <summary>
    /// Exactly <paramref name="count"/> observations in order of observed_at, generated one at a
    /// time: a million never sit in memory at once (one day's worth does). The same options and
    /// count give the same observations.
    /// </summary>
    public IEnumerable<Observation> Observations(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return _source.Generate(count);
    }
}
