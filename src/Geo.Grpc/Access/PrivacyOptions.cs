using Geo.Core.Access;
using Geo.Core.Privacy;

namespace Geo.Grpc.Access;

/// <summary>
/// How locations are coarsened for roles without the right to exact ones (configuration
/// section <c>GeoAwareness:Privacy</c>, e.g. <c>GeoAwareness:Privacy:Roles:Analyst:Method=Grid</c>).
/// </summary>
public sealed class PrivacyOptions
{
    public const string SectionName = "GeoAwareness:Privacy";

    public Dictionary<Role, RolePrivacy> Roles { get; } = [];

    /// <summary>The policy of a role: exact when it may see exact locations, else its configured one, else DHS-style displacement.</summary>
    public LocationCoarsening PolicyFor(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.SeesExactLocations)
        {
            return LocationCoarsening.Exact;
        }

        var configured = Roles.TryGetValue(caller.Role, out var role) ? role : new RolePrivacy();
        return configured.Method switch
        {
            CoarseningMethod.Grid => LocationCoarsening.Grid(configured.CellMetres, configured.MinimumAggregateCount),
            CoarseningMethod.CommunityCentroid => LocationCoarsening.CommunityCentroid(configured.CellMetres, configured.MinimumAggregateCount),
            _ => LocationCoarsening.Displacement(configured.MinimumAggregateCount),
        };
    }
}

public sealed class RolePrivacy
{
    public CoarseningMethod Method { get; set; } = CoarseningMethod.Displacement;

    public double CellMetres { get; set; } = LocationCoarsening.DefaultCommunityFallbackCellMetres;

    public int MinimumAggregateCount { get; set; } = LocationCoarsening.DefaultMinimumAggregateCount;
}
