using Geo.Core.Domain;

namespace Geo.Core.Coverage;

/// <summary>
/// A base and its CLA team on one date, with how many of the team's deployments the deployment
/// rules flag: to the CLA's own locality (para 48), temporary duty beyond three months (para 50).
/// </summary>
public sealed record BaseTeam(Base Base, ClaTeam Team, int OwnLocalityCount, int TemporaryDutyOverThreeMonthsCount)
{
    /// <summary>
    /// The team of <paramref name="station"/> on <paramref name="at"/>: the deployments there that
    /// are active on that date, each with the warnings <see cref="DeploymentRules.Evaluate"/> gave
    /// it when it was read (they are counted here, not evaluated again).
    /// </summary>
    public static BaseTeam Of(Base station, IEnumerable<(ClaDeployment Deployment, DeploymentWarnings Warnings)> deployments, DateOnly at)
    {
        ArgumentNullException.ThrowIfNull(station);
        ArgumentNullException.ThrowIfNull(deployments);
        int clas = 0, female = 0, temporaryDuty = 0, ownLocality = 0, longDuty = 0;
        foreach (var (deployment, warnings) in deployments)
        {
            if (!string.Equals(deployment.BaseId, station.Id, StringComparison.Ordinal) || !deployment.IsActiveOn(at))
            {
                continue;
            }

            clas++;
            female += deployment.Sex == Sex.Female ? 1 : 0;
            temporaryDuty += deployment.TemporaryDuty ? 1 : 0;
            ownLocality += (warnings & DeploymentWarnings.OwnLocality) != 0 ? 1 : 0;
            longDuty += (warnings & DeploymentWarnings.TemporaryDutyOverThreeMonths) != 0 ? 1 : 0;
        }

        return new BaseTeam(station, new ClaTeam(clas, female, temporaryDuty), ownLocality, longDuty);
    }

    /// <summary>
    /// The team with planned CLAs added. They are new deployments starting on the date, so no
    /// deployment rule flags them yet, and none is on temporary duty.
    /// </summary>
    public BaseTeam With(int clas, int female) =>
        this with { Team = Team with { ClaCount = Team.ClaCount + clas, FemaleCount = Team.FemaleCount + female } };

    /// <summary>The team without one of its deployments (a plan moves the CLA away), and without the warnings it carried.</summary>
    public BaseTeam Without(ClaDeployment deployment, DeploymentWarnings warnings)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return new BaseTeam(
            Base,
            new ClaTeam(Team.ClaCount - 1, Team.FemaleCount - (deployment.Sex == Sex.Female ? 1 : 0), Team.TemporaryDutyCount - (deployment.TemporaryDuty ? 1 : 0)),
            OwnLocalityCount - ((warnings & DeploymentWarnings.OwnLocality) != 0 ? 1 : 0),
            TemporaryDutyOverThreeMonthsCount - ((warnings & DeploymentWarnings.TemporaryDutyOverThreeMonths) != 0 ? 1 : 0));
    }
}
