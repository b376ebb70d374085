using System.CommandLine;
using System.Globalization;
using Geo.Api.V1;
using Geo.Cli.Arguments;
using Geo.Cli.Output;
using Geo.Grpc.Hosting;
using Google.Protobuf;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware plan FILE</c>: a what-if plan (Coverage.PlanDeployment's request as proto3 JSON,
/// the form <c>plan show --format json</c> prints) judged by the service, and what it changes:
/// bases opened and closed, team gaps closed and opened, communities brought in and left out of
/// reach, group-gap cells. <c>--save NAME</c> saves it; list, show, compare, export and delete
/// work on saved plans (the Plans service).
/// </summary>
internal static class PlanCommand
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    // Unknown fields are refused: a misspelt change must not silently drop out of the plan.
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("file") { Description = "the plan: PlanDeploymentRequest as proto3 JSON (see the README, or `geoaware plan show NAME --format json`)", Arity = ArgumentArity.ZeroOrOne };
        var save = new Option<string>("--save") { Description = "save the plan under this name too", HelpName = "name" };
        var replace = new Option<bool>("--replace") { Description = "with --save: save over a plan of that name" };
        var format = CliOptions.OneOf("--format", "how to write the changes", "table", "json");
        var command = new Command("plan",
            "Apply a what-if plan and print what it changes against today; save, list, show, compare, export and delete saved plans.\n\n" +
            "Examples:\n" +
            "  geoaware plan tob-kalunguta.json\n" +
            "  geoaware plan tob-kalunguta.json --save tob-kalunguta\n" +
            "  geoaware plan compare tob-kalunguta move-two-clas\n" +
            "  geoaware plan export tob-kalunguta --layer bases --output bases.geojson")
        {
            file, save, replace, format,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var path = parse.GetValue(file) ?? throw new CliException(ExitCodes.Usage, "file: is required: the plan to apply (or a subcommand: list, show, compare, export, delete)");
            var plan = await ReadAsync(path, cancellationToken).ConfigureAwait(false);
            PlanDeploymentReport report;
            if (parse.GetValue(save) is { } name)
            {
                var saved = await service.Api.Plans.SavePlanAsync(new SavePlanRequest { Name = name, Plan = plan, Replace = parse.GetValue(replace) }, service.Options(cancellationToken)).ConfigureAwait(false);
                report = saved.Report;
                plan = saved.Plan;
                await context.Error.WriteLineAsync($"saved as '{saved.Name}'").ConfigureAwait(false);
            }
            else
            {
                report = await service.Api.Coverage.PlanDeploymentAsync(plan, service.Options(cancellationToken)).ConfigureAwait(false);
            }

            await WriteAsync(context, parse.GetValue(format), report, plan.Changes.Count + plan.Teams.Count).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Show(context));
        command.Subcommands.Add(Compare(context));
        command.Subcommands.Add(Export(context));
        command.Subcommands.Add(Delete(context));
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("list", "The saved plans you may see: name, date, changes, who saved it and when.\n\nExample:\n  geoaware plan list");
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var plans = await service.Api.Plans.ListPlansAsync(new ListPlansRequest(), service.Options(cancellationToken)).ConfigureAwait(false);
            var table = Tables.Create("name", "date", "sector", "changes", "saved by", "saved at");
            foreach (var saved in plans.Plans)
            {
                Tables.AddRow(table, saved.Name, Date(saved.Plan.Coverage?.At), saved.Plan.Coverage?.Sector ?? string.Empty,
                    $"{saved.Plan.Changes.Count + saved.Plan.Teams.Count}", saved.SavedBy, saved.SavedAt.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture));
            }

            Tables.Write(context, table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "the saved plan" };
        var format = CliOptions.OneOf("--format", "table: what it changes; json: the whole saved plan (its plan is a plan file)", "table", "json");
        var command = new Command("show", "A saved plan and what it changes, judged against the registry as it is now.\n\nExamples:\n  geoaware plan show tob-kalunguta\n  geoaware plan show tob-kalunguta --format json") { name, format };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var saved = await service.Api.Plans.GetPlanAsync(new GetPlanRequest { Name = parse.GetValue(name)! }, service.Options(cancellationToken)).ConfigureAwait(false);
            if (parse.GetValue(format) == "json")
            {
                await context.Output.WriteLineAsync(Json.Format(saved)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await context.Output.WriteLineAsync($"Plan '{saved.Name}', saved by {saved.SavedBy}").ConfigureAwait(false);
            await WriteAsync(context, "table", saved.Report, saved.Plan.Changes.Count + saved.Plan.Teams.Count).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Compare(CliContext context)
    {
        var left = new Argument<string>("left") { Description = "a saved plan" };
        var right = new Argument<string>("right") { Description = "another saved plan (default: today, no change)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("compare", "Two saved plans side by side, or one against today.\n\nExamples:\n  geoaware plan compare tob-kalunguta move-two-clas\n  geoaware plan compare tob-kalunguta") { left, right };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var both = await service.Api.Plans.ComparePlansAsync(new ComparePlansRequest { Left = parse.GetValue(left)!, Right = parse.GetValue(right) ?? string.Empty }, service.Options(cancellationToken))
                .ConfigureAwait(false);
            var (l, r) = (both.Left.Report, both.Right.Report);
            var table = Tables.Create(string.Empty, both.Left.Name, both.Right.Name.Length == 0 ? "today" : both.Right.Name);
            void Row(string what, Func<PlanDeploymentReport, string> value) => Tables.AddRow(table, what, value(l), value(r));
            Row("bases opened", p => Words(p.OpenedBaseIds));
            Row("bases closed", p => Words(p.ClosedBaseIds));
            Row("team gaps closed", p => Gaps(p.ClosedTeamGaps));
            Row("team gaps opened", p => Gaps(p.OpenedTeamGaps));
            Row("brought within reach", p => Words(p.CommunitiesBroughtInReach.Select(c => c.CommunityId)));
            Row("left out of reach", p => Words(p.CommunitiesPutOutOfReach.Select(c => c.CommunityId)));
            Row("bases without a CLA", p => $"{p.After.BasesWithoutCla}");
            Row("bases below two CLAs", p => $"{p.After.BasesBelowMinimum}");
            Row("teams without a woman", p => $"{p.After.TeamsWithoutFemaleCla}");
            Row("communities out of reach", p => $"{p.After.CommunitiesOutOfReach.Count} of {p.After.CommunitiesAtRisk}");
            Row("group-gap cells", p => $"{p.GroupGapCellsAfter} (closed {p.ClosedGroupGapCells.Count}, opened {p.OpenedGroupGapCells.Count})");
            Tables.Write(context, table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Export(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "the saved plan" };
        var layer = CliOptions.OneOf("--layer", "bases: every base after the plan with its gaps; communities: those it brings within reach or leaves out of it", "bases", "communities");
        var output = new Option<FileInfo>("--output") { Description = "write the GeoJSON here (default: standard output)", HelpName = "file" };
        var command = new Command("export", "A layer of a saved plan's result as GeoJSON.\n\nExamples:\n  geoaware plan export tob-kalunguta --layer bases --output bases.geojson\n  geoaware plan export tob-kalunguta --layer communities > communities.geojson") { name, layer, output };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = new ExportPlanRequest { Name = parse.GetValue(name)!, Layer = parse.GetValue(layer) == "communities" ? PlanLayer.CommunitiesChanged : PlanLayer.Bases };
            var exported = await service.Api.Plans.ExportPlanAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
            if (parse.GetValue(output) is { } path)
            {
                await AtomicFile.WriteAsync(path.FullName, async stream => { await stream.WriteAsync(exported.Geojson.Memory, cancellationToken).ConfigureAwait(false); return 0; }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await context.Output.WriteLineAsync(exported.Geojson.ToStringUtf8()).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "the saved plan" };
        var command = new Command("delete", "Delete a saved plan.\n\nExample:\n  geoaware plan delete tob-kalunguta") { name };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            await service.Api.Plans.DeletePlanAsync(new DeletePlanRequest { Name = parse.GetValue(name)! }, service.Options(cancellationToken)).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"deleted '{parse.GetValue(name)}'").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<PlanDeploymentRequest> ReadAsync(FileInfo path, CancellationToken cancellationToken)
    {
        if (!path.Exists)
        {
            throw new CliException(ExitCodes.Usage, $"file: '{path.FullName}' does not exist");
        }

        var text = await File.ReadAllTextAsync(path.FullName, cancellationToken).ConfigureAwait(false);
        try
        {
            return Parser.Parse<PlanDeploymentRequest>(text);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            throw new CliException(ExitCodes.Usage, $"file: '{path.Name}' is not a plan (PlanDeploymentRequest as proto3 JSON): {e.Message}");
        }
    }

    private static async Task WriteAsync(CliContext context, string? format, PlanDeploymentReport report, int changes)
    {
        if (format == "json")
        {
            await context.Output.WriteLineAsync(Json.Format(report)).ConfigureAwait(false);
            return;
        }

        var after = report.After;
        var output = context.Output;
        await output.WriteLineAsync($"Plan on {Date(after.At)}: {changes} changes").ConfigureAwait(false);
        await output.WriteLineAsync($"Bases opened: {Words(report.OpenedBaseIds)}").ConfigureAwait(false);
        await output.WriteLineAsync($"Bases closed: {Words(report.ClosedBaseIds)}").ConfigureAwait(false);
        await output.WriteLineAsync($"Team gaps closed: {Gaps(report.ClosedTeamGaps)}").ConfigureAwait(false);
        await output.WriteLineAsync($"Team gaps opened: {Gaps(report.OpenedTeamGaps)}").ConfigureAwait(false);
        await WriteCommunitiesAsync(context, "Communities brought within reach:", report.CommunitiesBroughtInReach).ConfigureAwait(false);
        await WriteCommunitiesAsync(context, "Communities left out of reach:", report.CommunitiesPutOutOfReach).ConfigureAwait(false);
        if (report.GroupGapCellsBefore + report.GroupGapCellsAfter > 0)
        {
            await output.WriteLineAsync(
                $"Group-gap cells: {report.GroupGapCellsBefore} before, {report.GroupGapCellsAfter} after; {report.ClosedGroupGapCells.Count} closed, {report.OpenedGroupGapCells.Count} opened").ConfigureAwait(false);
        }

        await output.WriteLineAsync(
            $"After the plan: {after.Bases.Count} open bases; {after.BasesWithoutCla} without a CLA, {after.BasesBelowMinimum} below two CLAs, " +
            $"{after.TeamsWithoutFemaleCla} teams without a female CLA; {after.CommunitiesOutOfReach.Count} of {after.CommunitiesAtRisk} communities at risk out of reach").ConfigureAwait(false);
    }

    private static async Task WriteCommunitiesAsync(CliContext context, string title, Google.Protobuf.Collections.RepeatedField<CommunityReach> communities)
    {
        await context.Output.WriteLineAsync(communities.Count == 0 ? $"{title} none" : title).ConfigureAwait(false);
        if (communities.Count == 0)
        {
            return;
        }

        GapsCommand.WriteCommunities(context, communities);
    }

    private static string Words(IEnumerable<string> words) => words.Any() ? string.Join(", ", words) : "none";

    private static string Gaps(IEnumerable<ClosedTeamGap> gaps) => Words(gaps.Select(g => $"{g.BaseId} {CodeWords.Of(g.Gap)}"));

    private static string Date(CalendarDate? date) => date is null ? "today" : $"{date.Year:D4}-{date.Month:D2}-{date.Day:D2}";
}
