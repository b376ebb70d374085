using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Privacy;
using Geo.Storage;
using Geo.Storage.Registry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Geo.Grpc.Access;

/// <summary>
/// Coarsens what leaves the service for callers without the right to exact locations. The key
/// lives in the database, so a point is displaced the same way on every pull, by every instance.
/// </summary>
public sealed class LocationPrivacy(NpgsqlDataSource dataSource, RegistryStore registry, IOptions<PrivacyOptions> options)
{
    private readonly Lazy<Task<LocationCoarsener>> _coarsener = new(async () =>
        new LocationCoarsener(await ServiceSecrets.GetOrCreateAsync(dataSource, "location-coarsening", 32, CancellationToken.None).ConfigureAwait(false)));

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

    /// <summary>How far a coarsened point can lie from the exact one: areas are searched that much wider, then tested on the coarse point.</summary>
    public static double MaxShiftMetres(LocationCoarsening policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Method switch
        {
            CoarseningMethod.Exact => 0,
            CoarseningMethod.Displacement => LocationCoarsener.RuralFarMaximumMetres,
            _ => policy.CellMetres,
        };
    }


    /// <summary>The filter sent to the database for a coarsened caller: the area grown by the largest shift.</summary>
    public static ObservationFilter Widened(ObservationFilter filter, LocationCoarsening policy)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return filter.Area is null || !policy.IsCoarsened ? filter : filter with { Area = filter.Area.Grown(MaxShiftMetres(policy)) };
    }

    /// <summary>Whether a coarsened observation belongs to the caller's answer: tested on the coarse point only.</summary>
    public static bool Matches(ObservationFilter filter, StoredObservation coarsened) =>
        filter.Area is null || filter.Area.Contains(coarsened.Observation.Location);
}
