using System.CommandLine;
using Geo.Api.V1;

namespace Geo.Cli.Commands;

/// <summary><c>geoaware whoami</c>: which token the tool is using, its role, areas and expiry.</summary>
internal static class WhoAmICommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("whoami", "Show the caller behind the token: role, subject, areas, expiry.\n\nExample:\n  geoaware whoami --token $GEOAWARE_TOKEN");
        context.OnService(command, async (_, service, cancellationToken) =>
        {
            var me = await service.Api.Access.WhoAmIAsync(new WhoAmIRequest(), service.Options(cancellationToken)).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"{me.Subject}\t{me.Role}\t{me.Id}\texpires {me.ExpiresAt?.ToDateTimeOffset():yyyy-MM-dd}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
