using System.CommandLine;
using Geo.Api.V1;
using Geo.Cli.Connection;
using Geo.Cli.Demo;
using Geo.Synthetic;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware demo</c>: loads the demo mission into a running service. Registering it needs a
/// planner (registry and deployments) and ingesting its observations a supervisor (planners do
/// not submit observations): an administrator's token does both by issuing itself one of each for
/// the load and revoking them after.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var seed = new Option<int>("--seed")
        {
            Description = "the demo mission's seed: the same seed gives the same mission",
            DefaultValueFactory = _ => DemoMission.DefaultSeed,
        };
        var supervisorToken = new Option<string>("--supervisor-token")
        {
            Description = "a supervisor's token for the observations, when --token is a planner's",
            HelpName = "token",
        };
        var command = new Command(
            "demo",
            "Load the demo mission into the service: a region around Goma with settlements and roads, an operating base, company and temporary bases, " +
            "CLA teams with gaps on purpose, and a year of observations. Loads only into an empty service; running it again changes nothing.\n" +
            "Needs an administrator's token, or a planner's with --supervisor-token.\n\n" +
            "Examples:\n" +
            "  geoaware demo --token $ADMIN_TOKEN\n" +
            "  geoaware demo --token $PLANNER_TOKEN --supervisor-token $SUPERVISOR_TOKEN\n" +
            "  geoaware demo --seed 7 --service http://10.0.0.5:50051 --token $ADMIN_TOKEN")
        {
            seed,
            supervisorToken,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var me = await service.Api.Access.WhoAmIAsync(new WhoAmIRequest(), service.Options(cancellationToken)).ConfigureAwait(false);
            var report = me.Role switch
            {
                Role.Administrator => await LoadAsAdministratorAsync(service, parse.GetValue(seed), cancellationToken).ConfigureAwait(false),
                Role.Planner when parse.GetValue(supervisorToken) is { Length: > 0 } other =>
                    await LoadAsync(service, other, parse.GetValue(seed), cancellationToken).ConfigureAwait(false),
                Role.Planner => throw new CliException(ExitCodes.Usage, "a planner's token registers the mission, but its observations need a supervisor's: pass --supervisor-token"),
                _ => throw new CliException(ExitCodes.PermissionDenied, $"loading the demo needs an administrator's token, or a planner's with --supervisor-token; this token is a {me.Role}'s"),
            };
            await context.Output.WriteLineAsync(DemoText.Loaded(report)).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<DemoLoadReport> LoadAsync(ServiceConnection planner, string supervisorToken, int seed, CancellationToken cancellationToken)
    {
        using var supervisor = new ServiceConnection(planner.Address, supervisorToken);
        var loader = new DemoLoader(planner, supervisor);
        var loadDate = await loader.LoadDateAsync(seed, DateOnly.FromDateTime(DateTime.UtcNow), cancellationToken).ConfigureAwait(false)
            ?? throw new CliException(ExitCodes.Failed, DemoText.NotEmpty(seed));
        return await loader.LoadAsync(seed, loadDate, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Issues a planner's and a supervisor's token for one day, loads with them, and revokes both whatever happens.</summary>
    private static async Task<DemoLoadReport> LoadAsAdministratorAsync(ServiceConnection administrator, int seed, CancellationToken cancellationToken)
    {
        var planner = await IssueAsync(administrator, Role.Planner, cancellationToken).ConfigureAwait(false);
        try
        {
            var supervisor = await IssueAsync(administrator, Role.Supervisor, cancellationToken).ConfigureAwait(false);
            try
            {
                using var plannerConnection = new ServiceConnection(administrator.Address, planner.Token);
                return await LoadAsync(plannerConnection, supervisor.Token, seed, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await RevokeAsync(administrator, supervisor.Info.Id).ConfigureAwait(false);
            }
        }
        finally
        {
            await RevokeAsync(administrator, planner.Info.Id).ConfigureAwait(false);
        }
    }

    private static Task<IssuedToken> IssueAsync(ServiceConnection administrator, Role role, CancellationToken cancellationToken) =>
        administrator.Api.Access.IssueTokenAsync(
            new IssueTokenRequest { Role = role, Subject = DemoText.LoaderSubject, ValidDays = 1, Note = "geoaware demo: loads the demo mission, revoked when done" },
            administrator.Options(cancellationToken)).ResponseAsync;

    /// <summary>Revokes even when the load was cancelled: a loader's token must not outlive the load.</summary>
    private static Task<TokenInfo> RevokeAsync(ServiceConnection administrator, string id) =>
        administrator.Api.Access.RevokeTokenAsync(new RevokeTokenRequest { Id = id }, administrator.Options(CancellationToken.None)).ResponseAsync;
}
