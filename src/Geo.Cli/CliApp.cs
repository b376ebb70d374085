using System.CommandLine;
using Geo.Cli.Commands;

namespace Geo.Cli;

/// <summary>The <c>geoaware</c> command tree and how it is run.</summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var context = new CliContext(output, error);
        var root = Build(context);
        // No response files: "@file" is a value of its own (query --polygon @area.geojson), never a list of arguments.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"geoaware: {problem.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync($"see: {string.Join(' ', ["geoaware", .. CommandPath(parse.CommandResult.Command, root)])} --help").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand(
            "geoaware: the GeoAwareness command-line tool. Talks to the service over gRPC with a token.\n\n" +
            "Examples:\n" +
            "  export GEOAWARE_TOKEN=...            # the token printed by scripts/run.sh\n" +
            "  geoaware gaps                        # bases and teams with their coverage gaps\n" +
            "  geoaware query --bbox 29.0,-1.8,29.4,-1.4 --from 2026-10-01 --format table");
        context.Service.AddTo(root);
        // In the order a newcomer meets them: run it, load it, get a token, then the jobs.
        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(DbCommand.Create(context));
        root.Subcommands.Add(TokenCommand.Create(context));
        root.Subcommands.Add(WhoAmICommand.Create(context));
        root.Subcommands.Add(IngestCommand.Create(context));
        root.Subcommands.Add(QueryCommand.Create(context));
        root.Subcommands.Add(WatchCommand.Create(context));
        root.Subcommands.Add(AlertsCommand.Create(context));
        root.Subcommands.Add(WebhooksCommand.Create(context));
        root.Subcommands.Add(ActorsCommand.Create(context));
        root.Subcommands.Add(FacilitiesCommand.Create(context));
        root.Subcommands.Add(CivilWorksCommands.Qips(context));
        root.Subcommands.Add(CivilWorksCommands.Assistance(context));
        root.Subcommands.Add(OpsCommand.Create(context));
        root.Subcommands.Add(CivoesCommand.Create(context));
        root.Subcommands.Add(HeatmapCommand.Create(context));
        root.Subcommands.Add(GapsCommand.Create(context));
        root.Subcommands.Add(RoadsCommand.Create(context));
        root.Subcommands.Add(PlanCommand.Create(context));
        root.Subcommands.Add(FeedCommand.Create(context));
        root.Subcommands.Add(IndicatorsCommand.Create(context));
        return root;
    }

    private static List<string> CommandPath(Command command, RootCommand root)
    {
        var path = new List<string>();
        for (var current = command; current is not null && current != root; current = current.Parents.OfType<Command>().FirstOrDefault())
        {
            path.Insert(0, current.Name);
        }

        return path;
    }
}
