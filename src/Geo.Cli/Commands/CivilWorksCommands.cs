using System.CommandLine;
using System.Globalization;
using Geo.Api.V1;
using Geo.Cli.Arguments;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware qips list|propose|step|summary</c> and <c>geoaware assistance list|request|step</c>:
/// quick impact projects and civil assistance requests from a terminal, each step as the service checks and audits it.
/// </summary>
internal static class CivilWorksCommands
{
    public static Command Qips(CliContext context)
    {
        var command = new Command("qips",
            "Quick impact projects (UN-CIMIC policy 10.2.6): proposed, approved, implementing, completed or cancelled.\n\n" +
            "Examples:\n" +
            "  geoaware qips propose qip-mavivi-well \"Borehole for Mavivi\" --sector wash --budget 24500 --planned 2026-12-31 --at 0.55,29.46\n" +
            "  geoaware qips step qip-mavivi-well approved --approved-by \"HOMC designee\"\n" +
            "  geoaware qips list --state implementing\n" +
            "  geoaware qips summary");
        var state = CliOptions.Codes<QipState>("--state", "only projects in these states");
        var list = new Command("list", "Projects, by id (CivilianPicture.ListQips).\n\nExample:\n  geoaware qips list --state approved,implementing") { state };
        context.OnService(list, async (parse, service, cancellationToken) =>
        {
            var request = new ListCivilWorksRequest { PageSize = 500 };
            request.States.AddRange((parse.GetValue(state) ?? []).Select(s => (int)s));
            await context.Output.WriteLineAsync("id\ttitle\tsector\tstate\tbudget_usd\tplanned\tcompleted\ton_time").ConfigureAwait(false);
            while (true)
            {
                var page = await service.Api.Civilian.ListQipsAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
                foreach (var p in page.Projects)
                {
                    await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{p.Id}\t{p.Title}\t{Word(p.Sector)}\t{Word(p.State)}\t{p.BudgetUsd:0.00}\t{Day(p.PlannedCompletion)}\t{Day(p.CompletedOn)}\t{(p.CompletedOnTime ? "yes" : "-")}")).ConfigureAwait(false);
                }

                if (page.NextPageToken.Length == 0)
                {
                    return ExitCodes.Ok;
                }

                request.PageToken = page.NextPageToken;
            }
        });
        command.Subcommands.Add(list);

        var id = new Argument<string>("id") { Description = "the project's id" };
        var title = new Argument<string>("title") { Description = "what it is, 1 to 200 characters" };
        var sector = CliOptions.Code<Cluster>("--sector", "its sector");
        sector.Required = true;
        var budget = CliOptions.Number("--budget", "budget in US dollars", 0, 1e12);
        var planned = CliOptions.Day("--planned", "planned completion date");
        planned.Required = true;
        var at = CliOptions.Numbers("--at", "latitude,longitude", "where: latitude,longitude");
        var community = new Option<string>("--community") { Description = "the community it serves (its id)", HelpName = "id" };
        var requestedBy = new Option<string>("--requested-by") { Description = "who asked for it", HelpName = "party" };
        var implementedBy = new Option<string>("--implemented-by") { Description = "who carries it out", HelpName = "party" };
        var propose = new Command("propose", "Propose a project (CivilianPicture.CreateQip).\n\nExample:\n  geoaware qips propose qip-1 \"Market shelter\" --sector shelter --budget 9000 --planned 2026-12-15 --community comm-kasindi")
        {
            id, title, sector, budget, planned, at, community, requestedBy, implementedBy,
        };
        context.OnService(propose, async (parse, service, cancellationToken) =>
        {
            var project = new QuickImpactProject
            {
                Id = parse.GetValue(id)!, Title = parse.GetValue(title)!, Sector = parse.GetValue(sector) ?? Cluster.Unspecified, BudgetUsd = parse.GetValue(budget) ?? 0,
                PlannedCompletion = Date(parse.GetValue(planned)), Scope = Scope(parse.GetValue(at), parse.GetValue(community), parse.GetValue(requestedBy), parse.GetValue(implementedBy)),
            };
            var created = await service.Api.Civilian.CreateQipAsync(project, service.Options(cancellationToken)).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"{created.Id}\t{Word(created.State)}\tversion {created.Version}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(propose);

        var stepId = new Argument<string>("id") { Description = "the project's id" };
        var to = new Argument<string>("to") { Description = "approved, implementing, completed or cancelled" };
        var approvedBy = new Option<string>("--approved-by") { Description = "to approved: who approved (the HOMC or a designee)", HelpName = "who" };
        var completedOn = CliOptions.Day("--completed-on", "to completed: when");
        var reason = new Option<string>("--reason") { Description = "to cancelled: why", HelpName = "text" };
        var version = CliOptions.Count("--expected-version", "refuse (ABORTED) when the project changed since this version", 1, int.MaxValue);
        var step = new Command("step", "Move a project one step (CivilianPicture.AdvanceQip); the service refuses a step out of order and says which come next.\n\nExample:\n  geoaware qips step qip-1 completed --completed-on 2026-12-10")
        {
            stepId, to, approvedBy, completedOn, reason, version,
        };
        context.OnService(step, async (parse, service, cancellationToken) =>
        {
            var request = new AdvanceQipRequest
            {
                Id = parse.GetValue(stepId)!, To = Code<QipState>(parse.GetValue(to)!), ApprovedBy = parse.GetValue(approvedBy) ?? string.Empty, Reason = parse.GetValue(reason) ?? string.Empty,
                ExpectedVersion = parse.GetValue(version) ?? 0,
            };
            if (parse.GetValue(completedOn) is { } day)
            {
                request.CompletedOn = Date(day);
            }

            var moved = await service.Api.Civilian.AdvanceQipAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"{moved.Id}\t{Word(moved.State)}\tversion {moved.Version}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(step);

        var summary = new Command("summary", "Projects by state and sector, completed on time; requests by outcome and time to decision (CivilianPicture.SummarizeCivilWorks).\n\nExample:\n  geoaware qips summary");
        context.OnService(summary, async (parse, service, cancellationToken) =>
        {
            var figures = await service.Api.Civilian.SummarizeCivilWorksAsync(new SummarizeCivilWorksRequest(), service.Options(cancellationToken)).ConfigureAwait(false);
            foreach (var count in figures.Qips)
            {
                await context.Output.WriteLineAsync($"qips\t{count.State}\t{Word(count.Sector)}\t{count.Count}").ConfigureAwait(false);
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"qips completed\t{figures.QipsCompleted}\ton time\t{figures.QipsCompletedOnTime}")).ConfigureAwait(false);
            foreach (var count in figures.Requests)
            {
                await context.Output.WriteLineAsync($"requests\t{count.State}\t{count.Count}").ConfigureAwait(false);
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"requests decided\t{figures.RequestsDecided}\tmean hours\t{figures.MeanHoursToDecision:0.##}\tmedian hours\t{figures.MedianHoursToDecision:0.##}")).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(summary);
        return command;
    }

    public static Command Assistance(CliContext context)
    {
        var command = new Command("assistance",
            "Civil assistance requests (UN-CIMIC policy 10.2.7): a last resort, limited in time and space, decided through the mission's process.\n\n" +
            "Examples:\n" +
            "  geoaware assistance request car-oicha \"Airlift of medical supplies\" --from 2026-12-08 --to 2026-12-10 --at 0.70,29.51 --last-resort \"road cut, no civilian aircraft before Friday\"\n" +
            "  geoaware assistance step car-oicha reviewed\n" +
            "  geoaware assistance step car-oicha approved --decided-by \"HOMC with the DSRSG/RC/HC\"\n" +
            "  geoaware assistance list --state requested,reviewed");
        var state = CliOptions.Codes<AssistanceState>("--state", "only requests in these states");
        var list = new Command("list", "Requests, by id (CivilianPicture.ListAssistanceRequests).\n\nExample:\n  geoaware assistance list --state approved") { state };
        context.OnService(list, async (parse, service, cancellationToken) =>
        {
            var request = new ListCivilWorksRequest { PageSize = 500 };
            request.States.AddRange((parse.GetValue(state) ?? []).Select(s => (int)s));
            await context.Output.WriteLineAsync("id\ttitle\tstate\tneeded\tdecided_by\tlast_resort").ConfigureAwait(false);
            while (true)
            {
                var page = await service.Api.Civilian.ListAssistanceRequestsAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
                foreach (var r in page.Requests)
                {
                    await context.Output.WriteLineAsync(
                        $"{r.Id}\t{r.Title}\t{Word(r.State)}\t{Day(r.NeededFrom)}..{Day(r.NeededTo)}\t{(r.DecidedBy.Length == 0 ? "-" : r.DecidedBy)}\t{(r.LastResort.Length == 0 ? "none stated" : "stated")}").ConfigureAwait(false);
                }

                if (page.NextPageToken.Length == 0)
                {
                    return ExitCodes.Ok;
                }

                request.PageToken = page.NextPageToken;
            }
        });
        command.Subcommands.Add(list);

        var id = new Argument<string>("id") { Description = "the request's id" };
        var title = new Argument<string>("title") { Description = "what is asked, 1 to 200 characters" };
        var from = CliOptions.Day("--from", "needed from");
        from.Required = true;
        var until = CliOptions.Day("--to", "needed until");
        until.Required = true;
        var at = CliOptions.Numbers("--at", "latitude,longitude", "where: latitude,longitude");
        var community = new Option<string>("--community") { Description = "the community it serves (its id)", HelpName = "id" };
        var requestedBy = new Option<string>("--requested-by") { Description = "the requesting organisation", HelpName = "party" };
        var lastResort = new Option<string>("--last-resort") { Description = "why no civilian capacity can do it in time", HelpName = "text" };
        var description = new Option<string>("--description") { Description = "what exactly, at most 4000 characters", HelpName = "text" };
        var create = new Command("request", "Record a request (CivilianPicture.CreateAssistanceRequest).\n\nExample:\n  geoaware assistance request car-1 \"Bridge repair\" --from 2026-12-08 --to 2026-12-20 --community comm-kasindi")
        {
            id, title, from, until, at, community, requestedBy, lastResort, description,
        };
        context.OnService(create, async (parse, service, cancellationToken) =>
        {
            var request = new CivilAssistanceRequest
            {
                Id = parse.GetValue(id)!, Title = parse.GetValue(title)!, Description = parse.GetValue(description) ?? string.Empty, LastResort = parse.GetValue(lastResort) ?? string.Empty,
                NeededFrom = Date(parse.GetValue(from)), NeededTo = Date(parse.GetValue(until)),
                Scope = Scope(parse.GetValue(at), parse.GetValue(community), parse.GetValue(requestedBy), null),
            };
            var created = await service.Api.Civilian.CreateAssistanceRequestAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"{created.Id}\t{Word(created.State)}\tversion {created.Version}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(create);

        var stepId = new Argument<string>("id") { Description = "the request's id" };
        var to = new Argument<string>("to") { Description = "reviewed, approved, refused, executed or closed" };
        var decidedBy = new Option<string>("--decided-by") { Description = "to approved or refused: who decided", HelpName = "who" };
        var reason = new Option<string>("--reason") { Description = "to refused: why", HelpName = "text" };
        var stepLastResort = new Option<string>("--last-resort") { Description = "to reviewed or approved: the last-resort statement, when the request has none yet", HelpName = "text" };
        var version = CliOptions.Count("--expected-version", "refuse (ABORTED) when the request changed since this version", 1, int.MaxValue);
        var step = new Command("step", "Move a request one step (CivilianPicture.AdvanceAssistanceRequest).\n\nExample:\n  geoaware assistance step car-1 refused --decided-by HOMC --reason \"civilian capacity available\"")
        {
            stepId, to, decidedBy, reason, stepLastResort, version,
        };
        context.OnService(step, async (parse, service, cancellationToken) =>
        {
            var request = new AssistanceStepRequest
            {
                Id = parse.GetValue(stepId)!, To = Code<AssistanceState>(parse.GetValue(to)!), DecidedBy = parse.GetValue(decidedBy) ?? string.Empty,
                Reason = parse.GetValue(reason) ?? string.Empty, LastResort = parse.GetValue(stepLastResort) ?? string.Empty, ExpectedVersion = parse.GetValue(version) ?? 0,
            };
            var moved = await service.Api.Civilian.AdvanceAssistanceRequestAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"{moved.Id}\t{Word(moved.State)}\tversion {moved.Version}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(step);
        return command;
    }

    private static CivilWorkScope Scope(double[]? at, string? community, string? requestedBy, string? implementedBy)
    {
        var scope = new CivilWorkScope { CommunityId = community ?? string.Empty, RequestedBy = requestedBy ?? string.Empty, ImplementedBy = implementedBy ?? string.Empty };
        if (at is { Length: 2 })
        {
            scope.Location = new GeoPoint { Latitude = at[0], Longitude = at[1] };
        }
        else if (at is not null)
        {
            throw new CliException(ExitCodes.Usage, "--at: give latitude,longitude (two numbers)");
        }

        return scope;
    }

    private static T Code<T>(string word)
        where T : struct, Enum =>
        Geo.Grpc.Hosting.CodeWords.Parse<T>(word) is { } code
            ? code
            : throw new CliException(ExitCodes.Usage, $"to: '{word}' is not one of {string.Join(", ", Geo.Grpc.Hosting.CodeWords.All<T>())}");

    private static CalendarDate? Date(DateOnly? day) => day is { } d ? new CalendarDate { Year = d.Year, Month = d.Month, Day = d.Day } : null;

    private static string Word<T>(T code)
        where T : struct, Enum => Geo.Grpc.Hosting.CodeWords.Of(code);

    private static string Day(CalendarDate? date) => date is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{date.Year:0000}-{date.Month:00}-{date.Day:00}");
}
