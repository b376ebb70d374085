using Geo.Core.Domain;
using Geo.Core.Validation;

namespace Geo.Core.Coverage;

/// <summary>CLAs a plan would deploy to a base on the date of the question ("a team of two, one of them female, to base X").</summary>
public sealed record PlannedTeam(string BaseId, int ClaCount, int FemaleCount)
{
    /// <summary>More CLAs than this at one base in one plan is a typing mistake, not a deployment.</summary>
    public const int MaxClas = 50;

    /// <summary>A plan names at most this many teams: more than the bases of any mission.</summary>
    public const int MaxTeams = 1000;

    /// <summary>
    /// The plan's teams, each under <c>teams[i]</c> (a plan may have none when it has changes).
    /// Whether each base exists and is open is for the caller to check against storage.
    /// </summary>
    public static void Check(IReadOnlyList<PlannedTeam> teams, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(teams);
        ArgumentNullException.ThrowIfNull(errors);
        if (teams.Count > MaxTeams)
        {
            errors.Add("teams", $"has {teams.Count} teams; at most {MaxTeams}");
            return;
        }

        for (var i = 0; i < teams.Count; i++)
        {
            var team = teams[i];
            var at = errors.At("teams").At($"[{i}]");
            ObservationRules.CheckId(team.BaseId, "base_id", at);
            if (team.ClaCount is < 1 or > MaxClas)
            {
                at.Add("cla_count", $"{team.ClaCount} is out of range 1..{MaxClas}");
            }

            if (team.FemaleCount < 0)
            {
                at.Add("female_count", $"{team.FemaleCount} is negative");
            }
            else if (team.FemaleCount > team.ClaCount)
            {
                at.Add("female_count", $"{team.FemaleCount} is more than cla_count {team.ClaCount}");
            }
        }
    }
}
