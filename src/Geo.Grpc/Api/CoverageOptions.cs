using Geo.Core.Coverage;
using Geo.Core.Validation;

namespace Geo.Grpc.Api;

/// <summary>
/// How far a staffed base's CLA team reaches, by kind of base, when a request does not say
/// (configuration section <c>GeoAwareness:Coverage</c>, e.g. <c>GeoAwareness:Coverage:SurgeTeamReachMetres=12000</c>).
/// </summary>
public sealed class CoverageOptions
{
    public const string SectionName = "GeoAwareness:Coverage";

    public double OperatingBaseReachMetres { get; set; } = ReachDistances.Defaults.OperatingBaseMetres;

    public double CompanyOperatingBaseReachMetres { get; set; } = ReachDistances.Defaults.CompanyOperatingBaseMetres;

    public double TemporaryOperatingBaseReachMetres { get; set; } = ReachDistances.Defaults.TemporaryOperatingBaseMetres;

    public double SurgeTeamReachMetres { get; set; } = ReachDistances.Defaults.SurgeTeamMetres;

    /// <summary>The longest reach a request (or this configuration) may give.</summary>
    public double MaxReachMetres { get; set; } = ReachDistances.MaxMetres;

    internal ReachDistances Reach => new(OperatingBaseReachMetres, CompanyOperatingBaseReachMetres, TemporaryOperatingBaseReachMetres, SurgeTeamReachMetres);

    /// <summary>What is wrong with the configuration, for the operator at start-up; null when nothing is.</summary>
    internal string? Problem()
    {
        var errors = new FieldErrors();
        if (!double.IsFinite(MaxReachMetres) || MaxReachMetres <= 0)
        {
            errors.Add($"{SectionName}:{nameof(MaxReachMetres)}", $"{MaxReachMetres} is not a distance above 0");
        }

        foreach (var (name, metres) in new[]
        {
            (nameof(OperatingBaseReachMetres), OperatingBaseReachMetres), (nameof(CompanyOperatingBaseReachMetres), CompanyOperatingBaseReachMetres),
            (nameof(TemporaryOperatingBaseReachMetres), TemporaryOperatingBaseReachMetres), (nameof(SurgeTeamReachMetres), SurgeTeamReachMetres),
        })
        {
            // 0 means "the default" in a request; as the default itself it would mean no reach at all.
            if (metres == 0)
            {
                errors.Add($"{SectionName}:{name}", "must be above 0");
            }
            else
            {
                ReachDistances.Check(metres, $"{SectionName}:{name}", MaxReachMetres, errors);
            }
        }

        return errors.Any ? string.Join("; ", errors.All) : null;
    }
}
