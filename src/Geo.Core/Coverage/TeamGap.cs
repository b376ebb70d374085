using Geo.Core.Domain;

namespace Geo.Core.Coverage;

/// <summary>What a base's CLA team lacks under the CLA policy. The gaps of one base never overlap.</summary>
public enum TeamGap
{
    /// <summary>No CLA is deployed at the base.</summary>
    NoCla = 1,

    /// <summary>One CLA, where policy para 54 asks for at least two.</summary>
    BelowMinimum = 2,

    /// <summary>CLAs, none of them female (policy para 53).</summary>
    NoFemaleCla = 3,
}

/// <summary>The gaps of a team.</summary>
public static class TeamGaps
{
    private static readonly TeamGap[] NoCla = [TeamGap.NoCla];
    private static readonly TeamGap[] BelowMinimum = [TeamGap.BelowMinimum];
    private static readonly TeamGap[] BelowMinimumNoFemale = [TeamGap.BelowMinimum, TeamGap.NoFemaleCla];
    private static readonly TeamGap[] NoFemale = [TeamGap.NoFemaleCla];

    /// <summary>
    /// A base with no CLA has that one gap: "no female CLA" and "below minimum" would only say the
    /// same thing again and count it twice. A lone female CLA is below the minimum only; a lone
    /// male CLA is below the minimum and without a female CLA.
    /// </summary>
    public static IReadOnlyList<TeamGap> Of(ClaTeam team)
    {
        ArgumentNullException.ThrowIfNull(team);
        return team.ClaCount switch
        {
            <= 0 => NoCla,
            < DeploymentRules.MinimumTeamSize => team.HasFemaleCla ? BelowMinimum : BelowMinimumNoFemale,
            _ => team.HasFemaleCla ? [] : NoFemale,
        };
    }
}
