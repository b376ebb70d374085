using System.Globalization;
using System.Text.Json;
using Geo.Core.Coverage;
using Geo.Exporters.Feeds;

namespace Geo.Exporters.Layers;

/// <summary>What the three coverage layers record about the question they answer, and the report's totals.</summary>
internal static class CoverageMembers
{
    private static readonly JsonEncodedText At = JsonEncodedText.Encode("at");
    private static readonly JsonEncodedText MinRisk = JsonEncodedText.Encode("min_risk");
    private static readonly JsonEncodedText ReachMetres = JsonEncodedText.Encode("reach_metres");
    private static readonly JsonEncodedText OperatingBase = JsonEncodedText.Encode("operating_base");
    private static readonly JsonEncodedText CompanyOperatingBase = JsonEncodedText.Encode("company_operating_base");
    private static readonly JsonEncodedText TemporaryOperatingBase = JsonEncodedText.Encode("temporary_operating_base");
    private static readonly JsonEncodedText SurgeTeam = JsonEncodedText.Encode("surge_team");
    private static readonly JsonEncodedText Bases = JsonEncodedText.Encode("bases");
    private static readonly JsonEncodedText BasesWithoutCla = JsonEncodedText.Encode("bases_without_cla");
    private static readonly JsonEncodedText BasesBelowMinimum = JsonEncodedText.Encode("bases_below_minimum");
    private static readonly JsonEncodedText TeamsWithoutFemaleCla = JsonEncodedText.Encode("teams_without_female_cla");
    private static readonly JsonEncodedText CommunitiesAtRisk = JsonEncodedText.Encode("communities_at_risk");
    private static readonly JsonEncodedText CommunitiesOutOfReach = JsonEncodedText.Encode("communities_out_of_reach");

    public static void Write(Utf8JsonWriter json, CoverageQuestion question, CoverageReport report)
    {
        json.WriteString(At, report.At.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        json.WriteString(MinRisk, FeedCodes.RiskLevel(question.MinRisk));
        json.WriteStartObject(ReachMetres);
        json.WritePropertyName(OperatingBase);
        LayerMembers.WriteReal(json, question.Reach.OperatingBaseMetres);
        json.WritePropertyName(CompanyOperatingBase);
        LayerMembers.WriteReal(json, question.Reach.CompanyOperatingBaseMetres);
        json.WritePropertyName(TemporaryOperatingBase);
        LayerMembers.WriteReal(json, question.Reach.TemporaryOperatingBaseMetres);
        json.WritePropertyName(SurgeTeam);
        LayerMembers.WriteReal(json, question.Reach.SurgeTeamMetres);
        json.WriteEndObject();
        json.WriteNumber(Bases, report.Bases.Count);
        json.WriteNumber(BasesWithoutCla, report.BasesWithoutCla);
        json.WriteNumber(BasesBelowMinimum, report.BasesBelowMinimum);
        json.WriteNumber(TeamsWithoutFemaleCla, report.TeamsWithoutFemaleCla);
        json.WriteNumber(CommunitiesAtRisk, report.CommunitiesAtRisk);
        json.WriteNumber(CommunitiesOutOfReach, report.CommunitiesOutOfReach.Count);
    }
}
