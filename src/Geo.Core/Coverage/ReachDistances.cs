using Geo.Core.Domain;
using Geo.Core.Validation;

namespace Geo.Core.Coverage;

/// <summary>
/// How far a staffed base's CLA team reaches, by kind of base, in metres. A community at risk
/// farther than this from every staffed base is out of reach: no team is close enough to hear it.
/// </summary>
public sealed record ReachDistances(double OperatingBaseMetres, double CompanyOperatingBaseMetres, double TemporaryOperatingBaseMetres, double SurgeTeamMetres)
{
    /// <summary>
    /// The mission's planning assumptions when nothing is configured: a larger base sends patrols
    /// farther than a temporary base or a surge team, whose teams move on foot or by one vehicle.
    /// </summary>
    public static readonly ReachDistances Defaults = new(30_000, 20_000, 15_000, 10_000);

    /// <summary>A reach above this is not a team's reach but a mistake (500 km spans a whole mission area).</summary>
    public const double MaxMetres = 500_000;

    public double For(BaseKind kind) => kind switch
    {
        BaseKind.OperatingBase => OperatingBaseMetres,
        BaseKind.CompanyOperatingBase => CompanyOperatingBaseMetres,
        BaseKind.TemporaryOperatingBase => TemporaryOperatingBaseMetres,
        BaseKind.SurgeTeam => SurgeTeamMetres,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a known kind of base"),
    };

    /// <summary>The longest reach of any kind: no base farther than this can bring a community within reach.</summary>
    public double Longest => Math.Max(Math.Max(OperatingBaseMetres, CompanyOperatingBaseMetres), Math.Max(TemporaryOperatingBaseMetres, SurgeTeamMetres));

    /// <summary>
    /// These distances with each override that is not 0 in its place (0 means "the configured
    /// one", as a field left out of a request reads).
    /// </summary>
    public ReachDistances Overridden(double operatingBase, double companyOperatingBase, double temporaryOperatingBase, double surgeTeam) => new(
        operatingBase == 0 ? OperatingBaseMetres : operatingBase,
        companyOperatingBase == 0 ? CompanyOperatingBaseMetres : companyOperatingBase,
        temporaryOperatingBase == 0 ? TemporaryOperatingBaseMetres : temporaryOperatingBase,
        surgeTeam == 0 ? SurgeTeamMetres : surgeTeam);

    /// <summary>
    /// One reach as given: 0 (the default) or a finite distance above 0 and at most
    /// <paramref name="maxMetres"/>. NaN, infinities and negatives are refused, never clamped:
    /// a silently changed reach would change which communities a planner sees as uncovered.
    /// </summary>
    public static void Check(double metres, string field, double maxMetres, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (double.IsNaN(metres) || double.IsInfinity(metres))
        {
            errors.Add(field, $"{metres} is not a finite distance");
        }
        else if (metres < 0)
        {
            errors.Add(field, $"{metres} m is negative; 0 for the default");
        }
        else if (metres > maxMetres)
        {
            errors.Add(field, $"{metres} m is beyond the limit of {maxMetres} m");
        }
    }
}
