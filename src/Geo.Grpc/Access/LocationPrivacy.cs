using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Privacy;
using Geo.Core.Spatial;
using Geo.Storage;
using Geo.Storage.Registry;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;

namespace Geo.Grpc.Access;

/// <summary>
/// Coarsens what leaves the service for callers without the right to exact locations. The key
/// lives in the database, so a place is coarsened the same way on every pull, by every instance.
/// </summary>
public sealed class LocationPrivacy(ServiceSecrets secrets, RegistryStore registry, IOptions<PrivacyOptions> options)
{
    private readonly Lazy<Task<LocationCoarsener>> _coarsener = new(async () =>
        new LocationCoarsener(await secrets.GetOrCreateAsync("location-coarsening", 32, CancellationToken.None).ConfigureAwait(false)));

    public LocationCoarsening PolicyFor(Caller caller) => options.Value.PolicyFor(caller);

    /// <summary>
    /// How one request coarsens its points under <paramref name="policy"/>, or null for an exact
    /// caller: the service's key, and the communities' centroids when the policy moves points there
    /// (only those of <paramref name="communityIds"/> when the request knows which it needs).
    /// </summary>
    public async Task<PointCoarsening?> ForAsync(LocationCoarsening policy, CancellationToken cancellationToken, IReadOnlyCollection<string>? communityIds = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!policy.IsCoarsened)
        {
            return null;
        }

        var coarsener = await _coarsener.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        var centroids = policy.Method == CoarseningMethod.CommunityCentroid
            ? await registry.CommunityCentroidsAsync(communityIds, cancellationToken).ConfigureAwait(false)
            : null;
        return new PointCoarsening(coarsener, policy, centroids);
    }

    /// <summary>
    /// What one read of observations asks of the database for <paramref name="caller"/>, and how
    /// its rows are narrowed once coarsened: for a caller without exact locations both the filter's
    /// area and the token's scope are decided on the coarse point, never on the exact one.
    /// </summary>
    public async Task<ObservationSight> SightAsync(Caller caller, ObservationFilter filter, CancellationToken cancellationToken, IReadOnlyCollection<string>? communityIds = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(filter);
        var policy = PolicyFor(caller);
        var coarsening = await ForAsync(policy, cancellationToken, communityIds).ConfigureAwait(false);
        return new ObservationSight(filter, AccessRules.VisibilityOf(caller), coarsening);
    }
}

/// <summary>
/// One read of observations as a caller may see them. For an exact caller the database decides
/// everything. For a coarsened caller the database is asked for the filter's area and the token's
/// scope grown by the largest shift a coarse point can make (as boxes: cheap to test), and each row
/// is then kept only when its coarse point lies in both. Deciding scope on the exact point would
/// tell which side of a sector border the exact point lies on whenever its coarse point came back
/// on the other side.
/// </summary>
/// <remarks>Not thread-safe (prepared geometries keep lazy indexes): parallel readers each take a <see cref="Fork"/>.</remarks>
public sealed class ObservationSight
{
    private readonly ObservationFilter _filter;
    private readonly Visibility _visibility;
    private readonly IPreparedGeometry? _area;
    private readonly IPreparedGeometry? _scope;

    public ObservationSight(ObservationFilter filter, Visibility visibility, PointCoarsening? coarsening)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(visibility);
        _filter = filter;
        _visibility = visibility;
        Coarsening = coarsening;
        if (coarsening is null)
        {
            Filter = filter;
            Visibility = visibility;
            return;
        }

        var shift = coarsening.Policy.MaximumShiftMetres;
        Filter = filter.Area is null ? filter : filter with { Area = filter.Area.Grown(shift) };
        Visibility = visibility.Area is null ? visibility : visibility with { Area = BoxPolygon(new ShapeArea(visibility.Area).Grown(shift)) };
        _area = filter.Area is ShapeArea shape ? PreparedGeometryFactory.Prepare(shape.Shape) : null;
        _scope = visibility.Area is { } scope ? PreparedGeometryFactory.Prepare(scope) : null;
    }

    /// <summary>The filter the database is asked with.</summary>
    public ObservationFilter Filter { get; }

    /// <summary>The visibility the database is asked with.</summary>
    public Visibility Visibility { get; }

    /// <summary>How points are coarsened, or null for an exact caller.</summary>
    public PointCoarsening? Coarsening { get; }

    public LocationCoarsening Policy => Coarsening?.Policy ?? LocationCoarsening.Exact;

    /// <summary>
    /// Whether the answer must look at each point (a coarsened caller with an area or a scope):
    /// only the service computes coarse points, so the database cannot count them alone.
    /// </summary>
    public bool NeedsEachPoint => Coarsening is not null && (_filter.Area is not null || _visibility.Area is not null);

    /// <summary>Whether a coarsened caller's coarse point is in its answer: inside the filter's area and the token's scope. Always for exact callers.</summary>
    public bool Sees(GeoPoint coarse)
    {
        if (Coarsening is null)
        {
            return true;
        }

        var point = _area is not null || _scope is not null ? ShapeReader.Factory.CreatePoint(new Coordinate(coarse.Longitude, coarse.Latitude)) : null;
        var inArea = _filter.Area switch
        {
            null => true,
            ShapeArea => _area!.Covers(point),
            var area => area.Contains(coarse),
        };
        return inArea && (_scope is null || _scope.Covers(point));
    }

    /// <summary>The observation as the caller sees it, or null when its coarse point falls outside the caller's answer.</summary>
    public StoredObservation? Deliver(StoredObservation exact)
    {
        ArgumentNullException.ThrowIfNull(exact);
        if (Coarsening is null)
        {
            return exact;
        }

        var coarse = Coarsening.Coarsen(exact);
        return Sees(coarse.Observation.Location) ? coarse : null;
    }

    /// <summary>The same sight with its own prepared geometries, for another thread.</summary>
    public ObservationSight Fork() => new(_filter, _visibility, Coarsening);

    private static Polygon BoxPolygon(BoxArea box) => ShapeReader.Factory.CreatePolygon(
    [
        new Coordinate(box.West, box.South), new Coordinate(box.East, box.South), new Coordinate(box.East, box.North),
        new Coordinate(box.West, box.North), new Coordinate(box.West, box.South),
    ]);
}
