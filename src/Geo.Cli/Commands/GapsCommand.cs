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
/// risk out of reach of every staffed base, in the service's order. With <c>--group</c>,
/// Coverage.GetGroupGaps instead: the cells where threats against that gender/age group reach a
/// threshold with no qualifying team within reach, and the communities in them.
/// </summary>
internal static class GapsCommand
{
    public static Command Create(CliContext context)
    {
        var minRisk = CliOptions.Code<RiskLevel>("--min-risk", "communities at or above this risk level count as at risk (default medium)");
        var format = CliOptions.OneOf("--format", "how to write the report", "table", "json");
        var map = new HeatmapOptions("--group");
        var threshold = CliOptions.Number("--threshold", "with --group: cells whose value reaches this are threats to cover (default: 1, in the heat map's unit)", 1e-9, 1e12);
        var command = new Command("gaps",
            "Bases and their CLA teams with their gaps, and the communities at risk that no staffed base reaches; " +
            "with --group, the gender/age gaps: cells where threats against that group reach --threshold and no qualifying team " +
            "(staffed, with a female CLA for women and girls) is within reach. Threats by default: the threat and alert categories, " +
            "discredited reports left out (--category all, --include-discredited to count them).\n\n" +
            "Examples:\n" +
            "  geoaware gaps\n" +
            "  geoaware gaps --at 2026-10-01 --sector north\n" +
            "  geoaware gaps --reach-time 2h --travel vehicle --season rainy\n" +
            "  geoaware gaps --format json > coverage.json\n" +
            "  geoaware gaps --group girls --bbox 29.0,-1.8,29.4,-1.4 --from 2026-01-01 --to 2026-04-01\n" +
            "  geoaware gaps --group female:child,youth --bbox 29.0,-1.8,29.4,-1.4 --events --threshold 2")
        {
            minRisk, format, threshold,
        };
        CoverageOptions.AddTo(command);
        map.AddMapTo(command);
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            if (parse.GetResult(map.Selector) is not null)
            {
                return await GroupGapsAsync(context, service, parse, map, parse.GetValue(threshold) ?? 1, parse.GetValue(format) == "json", cancellationToken).ConfigureAwait(false);
            }

            if (parse.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>().FirstOrDefault(o => !o.Implicit && (o.Option == threshold || map.Map.Contains(o.Option))) is { } stray)
            {
                throw new CliException(ExitCodes.Usage, $"{stray.Option.Name}: only with --group");
            }

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

    private static async Task<int> GroupGapsAsync(
        CliContext context, Connection.ServiceConnection service, ParseResult parse, HeatmapOptions map, double threshold, bool json, CancellationToken cancellationToken)
    {
        var (heatMap, _, who) = await HeatmapRequestReader.ReadMapAsync(parse, map, cancellationToken).ConfigureAwait(false);
        var coverage = CoverageOptions.Request(parse);
        if (coverage.Sector.Length > 0)
        {
            throw new CliException(ExitCodes.Usage, "--sector: not with --group (group gaps are judged over the area given by --bbox or --polygon)");
        }

        var request = new GroupGapsRequest { HeatMap = heatMap, Threshold = threshold, At = coverage.At, ReachTime = coverage.ReachTime };
        var report = await service.Api.Coverage.GetGroupGapsAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
        if (json)
        {
            await context.Output.WriteLineAsync(new JsonFormatter(JsonFormatter.Settings.Default.WithFormatDefaultValues(true)).Format(report)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        var grid = report.Grid;
        var applied = grid.AppliedFilter ?? new AppliedFilter();
        await context.Output.WriteLineAsync(
            $"Gaps for {who}: {report.Cells.Count} of {report.ThreatenedCells} threatened cells (at or above {threshold.ToString("0.###", CultureInfo.InvariantCulture)} {grid.Unit}) " +
            $"have no qualifying team within reach{(report.RequiresFemaleCla ? " (a team with a female CLA)" : string.Empty)}").ConfigureAwait(false);
        await context.Output.WriteLineAsync($"Counted: {Described(applied)}").ConfigureAwait(false);
        var cells = Tables.Create("column", "row", "centre", grid.Unit, "count", "nearest qualifying base", "distance km", "communities");
        foreach (var gap in report.Cells)
        {
            var cell = gap.Cell;
            Tables.AddRow(cells, $"{cell.Column}", $"{cell.Row}",
                cell.Centre is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"{cell.Centre.Latitude:0.0000}, {cell.Centre.Longitude:0.0000}"),
                cell.Value.ToString("0.###", CultureInfo.InvariantCulture), $"{cell.Count}",
                gap.NearestBaseId.Length == 0 ? "none qualifies" : gap.NearestBaseId,
                gap.NearestBaseId.Length == 0 ? string.Empty : (gap.DistanceMetres / 1000).ToString("0.0", CultureInfo.InvariantCulture),
                string.Join(", ", gap.CommunityIds));
        }

        if (report.Cells.Count > 0)
        {
            Tables.Write(context, cells);
        }

        return ExitCodes.Ok;
    }

    /// <summary>The filter the service applied, in words: which categories and statuses, defaults marked, and whether reports or events.</summary>
    internal static string Described(AppliedFilter applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var categories = string.Join(", ", applied.Categories.Select(c => CodeWords.Of(c)));
        var statuses = string.Join(", ", applied.Verification.Select(v => CodeWords.Of(v)));
        return $"{(applied.Counted == CountedUnit.Events ? "events" : "reports")}; categories {categories}{(applied.CategoriesDefaulted ? " (default: threats)" : string.Empty)}; " +
            $"status {statuses}{(applied.VerificationDefaulted ? " (default: discredited left out)" : string.Empty)}";
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
