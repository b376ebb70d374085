using Geo.Core.Spatial;
using Geo.Core.Validation;

namespace Geo.Core.Domain;

/// <summary>What communities, bases and deployments must satisfy before they are stored.</summary>
public static class RegistryRules
{
    public const int MaxNameLength = 200;

    public static void Check(Community community, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(community);
        ArgumentNullException.ThrowIfNull(errors);
        ObservationRules.CheckId(community.Id, "id", errors);
        CheckName(community.Name, errors);
        if (GeometryRules.Check(community.Location, "Point", "Polygon", "MultiPolygon") is { } problem)
        {
            errors.Add("location", problem);
        }

        if (community.RiskLevel != RiskLevel.Unassessed)
        {
            CodeRules.CheckDefined(community.RiskLevel, "risk_level", errors);
        }
    }

    public static void Check(Base station, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(station);
        ArgumentNullException.ThrowIfNull(errors);
        ObservationRules.CheckId(station.Id, "id", errors);
        CheckName(station.Name, errors);
        CodeRules.CheckDefined(station.Kind, "kind", errors);
        PointRules.Check(station.Location, errors.At("location"));
        if (station.OpenedOn is { } opened && station.ClosedOn is { } closed && closed < opened)
        {
            errors.Add("closed_on", $"{closed:yyyy-MM-dd} is before opened_on {opened:yyyy-MM-dd}");
        }
    }

    public static void Check(ClaDeployment deployment, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(errors);
        ObservationRules.CheckId(deployment.Id, "id", errors);
        ObservationRules.CheckId(deployment.ClaId, "cla_id", errors);
        ObservationRules.CheckId(deployment.BaseId, "base_id", errors);
        ObservationRules.CheckOptionalId(deployment.HomeCommunityId, "home_community_id", errors);
        if (deployment.Sex is not (Sex.Female or Sex.Male))
        {
            errors.Add("sex", deployment.Sex == 0 ? "is required" : $"{(int)deployment.Sex} is not FEMALE (1) or MALE (2)");
        }

        if (deployment.From == default)
        {
            errors.Add("from", "is required");
        }
        else if (deployment.To is { } to && to < deployment.From)
        {
            errors.Add("to", $"{to:yyyy-MM-dd} is before from {deployment.From:yyyy-MM-dd}");
        }
    }

    private static void CheckName(string name, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add("name", "is required");
        }
        else if (name.Length > MaxNameLength)
        {
            errors.Add("name", $"has {name.Length} characters; at most {MaxNameLength}");
        }
    }
}
