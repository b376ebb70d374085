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

        return Of(caller.Role);
    }

    /// <summary>The policy configured for a role without exact locations.</summary>
    public LocationCoarsening Of(Role role)
    {
        var configured = Roles.TryGetValue(role, out var found) ? found : new RolePrivacy();
        var policy = configured.Method switch
        {
            CoarseningMethod.Grid => LocationCoarsening.Grid(configured.CellMetres, configured.MinimumAggregateCount),
            CoarseningMethod.CommunityCentroid => LocationCoarsening.CommunityCentroid(configured.CellMetres, configured.MinimumAggregateCount),
            _ => LocationCoarsening.Displacement(
                configured.MinimumAggregateCount, configured.AnchorCellMetres, configured.MinimumDisplacementMetres, configured.MaximumDisplacementMetres),
        };
        return policy.WithNoiseRatio(configured.NoiseRatio);
    }

    /// <summary>What is wrong with the configured policies, naming the setting, or null: checked at start-up.</summary>
    public string? Problem()
    {
        foreach (var role in Enum.GetValues<Role>())
        {
            try
            {
                Of(role);
            }
            catch (ArgumentOutOfRangeException e)
            {
                return $"{SectionName}:Roles:{role}: {e.Message}";
            }
        }

        return null;
    }
}

public sealed class RolePrivacy
{
    public CoarseningMethod Method { get; set; } = CoarseningMethod.Displacement;

    public double CellMetres { get; set; } = LocationCoarsening.DefaultCommunityFallbackCellMetres;

    public int MinimumAggregateCount { get; set; } = LocationCoarsening.DefaultMinimumAggregateCount;

    /// <summary>The ratio of the keyed noise on every count the role receives (0.05 to 0.95; see CountNoise).</summary>
    public double NoiseRatio { get; set; } = CountNoise.DefaultRatio;

    /// <summary>Displacement: reports within one keyed anchor cell of this size share one coarse point.</summary>
    public double AnchorCellMetres { get; set; } = LocationCoarsening.DefaultAnchorCellMetres;

    /// <summary>Displacement: the least distance an anchor cell's centre moves (at least the cell size).</summary>
    public double MinimumDisplacementMetres { get; set; } = LocationCoarsening.DefaultMinimumDisplacementMetres;

    /// <summary>Displacement: the greatest distance an anchor cell's centre moves, doubled for 1% of cells.</summary>
    public double MaximumDisplacementMetres { get; set; } = LocationCoarsening.DefaultMaximumDisplacementMetres;
}
