using Geo.Core.Spatial;

namespace Geo.Core.Domain;

/// <summary>The CLA policy's rules on deployments and teams.</summary>
public static class DeploymentRules
{
    /// <summary>Policy para 54: a base is staffed when at least two CLAs are deployed there.</summary>
    public const int MinimumTeamSize = 2;

    /// <summary>Policy para 50: temporary duty beyond three months is flagged.</summary>
    public const int TemporaryDutyMonths = 3;

    /// <summary>A home community within this distance of the base counts as the CLA's own locality.</summary>
    public const double OwnLocalityRadiusMetres = 20_000;

    /// <summary>
    /// The warnings of a deployment at <paramref name="at"/>: its own locality (para 48), when its
    /// home community lies within <see cref="OwnLocalityRadiusMetres"/> of the base or its home
    /// locality names the base's administrative area; and temporary duty beyond three months
    /// (para 50), counted up to <paramref name="at"/> or to its end, whichever comes first.
    /// </summary>
    public static DeploymentWarnings Evaluate(ClaDeployment deployment, Base station, GeoPoint? homeCommunityPoint, DateOnly at)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(station);
        var warnings = DeploymentWarnings.None;
        var sameArea = deployment.HomeLocality.Length > 0 && station.AdminArea.Length > 0
            && string.Equals(deployment.HomeLocality.Trim(), station.AdminArea.Trim(), StringComparison.OrdinalIgnoreCase);
        var nearHome = homeCommunityPoint is { } home && Geodesy.DistanceMetres(home, station.Location) <= OwnLocalityRadiusMetres;
        if (sameArea || nearHome)
        {
            warnings |= DeploymentWarnings.OwnLocality;
        }

        var end = deployment.To is { } to && to < at ? to : at;
        if (deployment.TemporaryDuty && end > deployment.From.AddMonths(TemporaryDutyMonths))
        {
            warnings |= DeploymentWarnings.TemporaryDutyOverThreeMonths;
        }

        return warnings;
    }

    /// <summary>The date a deployment is judged at when written: its planned end, or today while open-ended.</summary>
    public static DateOnly WriteDate(ClaDeployment deployment, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return deployment.To ?? today;
    }
}

/// <summary>The CLAs at one base on one date.</summary>
public sealed record ClaTeam(int ClaCount, int FemaleCount, int TemporaryDutyCount)
{
    public static readonly ClaTeam Empty = new(0, 0, 0);

    /// <summary>Policy para 54.</summary>
    public bool IsStaffed => ClaCount >= DeploymentRules.MinimumTeamSize;

    /// <summary>Policy para 53.</summary>
    public bool HasFemaleCla => FemaleCount > 0;
}
