using System.CommandLine;
using System.Globalization;
using Geo.Api.V1;
using Geo.Cli.Arguments;
using Geo.Cli.Output;
using Geo.Grpc.Hosting;
using Google.Protobuf;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware gaps</c>: Coverage.GetCoverage as a planner reads it: every open base with its CLA
/// team and gaps (no CLA, below two, no female CLA; policy paras 53-54), then the communities at
/// risk out of reach of every staffed base, in the service's order.
/// </summary>
internal static class GapsCommand
{
    public static Command Create(CliContext context)
    {
        var minRisk = CliOptions.Code<RiskLevel>("--min-risk", "communities at or above this risk level count as at risk (default medium)");
        var format = CliOptions.OneOf("--format", "how to write the report", "table", "json");
        var command = new Command("gaps",
            "Bases and their CLA teams with their gaps, and the communities at risk that no staffed base reaches.\n\n" +
            "Examples:\n" +
            "  geoaware gaps\n" +
            "  geoaware gaps --at 2026-10-01 --sector north\n" +
            "  geoaware gaps --reach-time 2h --travel vehicle --season rainy\n" +
            "  geoaware gaps --format json > coverage.json")
        {
            minRisk, format,
        };
        CoverageOptions.AddTo(command);
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = CoverageOptions.Request(parse);
            request.MinRisk = parse.GetValue(minRisk) ?? RiskLevel.Unspecified;

            var report = await service.Api.Coverage.GetCoverageAsync(request, service.Options(cancellationToken))
                .ConfigureAwait(false);
            if (parse.GetValue(format) == "json")
            {
                await context.Output.WriteLineAsync(new JsonFormatter(JsonFormatter.Settings.Default.WithFormatDefaultValues(true)).Format(report)).ConfigureAwait(false);
            }
            else
            {
                await WriteTablesAsync(context, report).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task WriteTablesAsync(CliContext context, CoverageReport report)
    {
        var outOfReach = report.CommunitiesOutOfReach;
        await context.Output.WriteLineAsync(
            $"Coverage on {report.At.Year:D4}-{report.At.Month:D2}-{report.At.Day:D2}: {report.Bases.Count} open bases; {report.BasesWithoutCla} without a CLA, " +
            $"{report.BasesBelowMinimum} below two CLAs, {report.TeamsWithoutFemaleCla} teams without a female CLA; " +
            $"{report.CommunitiesAtRisk} communities at risk, {outOfReach.Count} out of reach" +
            (report.ReachTime is { } time ? $"; reach: {CoverageOptions.Describe(time)} by road" : string.Empty)).ConfigureAwait(false);
        var bases = Tables.Create("base", "name", "kind", "sector", "CLAs", "women", "temporary duty", "flags", "gaps");
        foreach (var station in report.Bases)
        {
            var team = station.Team ?? new ClaTeam();
            var flags = new List<string>();
            if (station.OwnLocalityCount > 0)
            {
                flags.Add($"{station.OwnLocalityCount} in own locality");
            }

            if (station.TemporaryDutyOverThreeMonthsCount > 0)
            {
                flags.Add($"{station.TemporaryDutyOverThreeMonthsCount} temporary duty > 3 months");
            }

            if (station.ReachBasis == ReachBasis.StraightLineNoRoads)
            {
                flags.Add($"no road: {station.ReachMetres / 1000:0.#} km straight line");
            }

            Tables.AddRow(bases, station.Base.Id, station.Base.Name, CodeWords.Of(station.Base.Kind), station.Base.Sector,
                $"{team.ClaCount}", $"{team.FemaleCount}", $"{team.TemporaryDutyCount}", string.Join("; ", flags),
                station.Gaps.Count == 0 ? "none" : string.Join(", ", station.Gaps.Select(g => CodeWords.Of(g))));
        }

        Tables.Write(context, bases);
        await context.Output.WriteLineAsync("Communities at risk out of reach:").ConfigureAwait(false);
        if (outOfReach.Count == 0)
        {
            await context.Output.WriteLineAsync("none").ConfigureAwait(false);
            return;
        }

        WriteCommunities(context, outOfReach);
    }

    /// <summary>Communities at risk with their nearest staffed base, one a row (what plans print too).</summary>
    internal static void WriteCommunities(CliContext context, IEnumerable<CommunityReach> communities)
    {
        var table = Tables.Create("community", "name", "risk", "population", "nearest staffed base", "distance km");
        foreach (var community in communities)
        {
            Tables.AddRow(table, community.CommunityId, community.Name, CodeWords.Of(community.RiskLevel),
                community.Population == 0 ? "unknown" : $"{community.Population}",
                community.NearestBaseId.Length == 0 ? "none staffed" : community.NearestBaseId,
                community.NearestBaseId.Length == 0 ? string.Empty : (community.DistanceMetres / 1000).ToString("0.0", CultureInfo.InvariantCulture));
        }

        Tables.Write(context, table);
    }
}
