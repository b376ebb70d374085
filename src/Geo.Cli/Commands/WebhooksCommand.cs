using System.CommandLine;
using System.Globalization;
using Geo.Api.V1;
using Geo.Cli.Arguments;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware webhooks create|list|show|pause|resume|rotate-secret|delete|deliveries</c>: the
/// administrator's side of outbound webhooks. The secret is printed once, by create and rotate-secret.
/// </summary>
internal static class WebhooksCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("webhooks",
            "Outbound webhooks for systems that cannot hold a watch open: each event a watch would push, POSTed as signed JSON, in order, at least once.\n\n" +
            "Examples:\n" +
            "  geoaware webhooks create sage-gateway https://gateway.example/hooks --token-id 3fa1c07e9b2d4a51 --category early-warning-alert\n" +
            "  geoaware webhooks list\n" +
            "  geoaware webhooks deliveries hook-9c2e… --limit 20\n" +
            "  geoaware webhooks resume hook-9c2e…");
        command.Subcommands.Add(CreateHook(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Step(context, "show", "One hook: its state, cursor, failures and counts (Webhooks.GetWebhook)."));
        command.Subcommands.Add(Step(context, "pause", "Stop delivering; the cursor is kept (Webhooks.PauseWebhook)."));
        command.Subcommands.Add(Step(context, "resume", "Deliver again from the cursor, failures forgotten: after a pause or a suspension (Webhooks.ResumeWebhook)."));
        command.Subcommands.Add(Step(context, "rotate-secret", "A new signing secret, printed this once; the old one stops at once (Webhooks.RotateWebhookSecret)."));
        command.Subcommands.Add(Step(context, "delete", "Remove a hook and its delivery log (Webhooks.DeleteWebhook)."));
        command.Subcommands.Add(Deliveries(context));
        return command;
    }

    private static Command CreateHook(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "a name for people, 1 to 200 characters" };
        var url = new Argument<string>("url") { Description = "where to POST: an absolute http or https URL" };
        var token = new Option<string>("--token-id") { Description = "the token the hook acts for (an analyst's or importer's): it delivers what that token may see", Required = true, HelpName = "id" };
        var sector = new Option<string>("--sector") { Description = "a sector's area (its id) instead of --bbox, --polygon or --near", HelpName = "id" };
        var cursor = new Option<string>("--cursor") { Description = "deliver what came after this cursor; default: from now", HelpName = "cursor" };
        var command = new Command("create",
            "Register a hook with the filter of a watch (Webhooks.CreateWebhook); prints its id and its secret, shown this once.\n\n" +
            "Example:\n  geoaware webhooks create sage-gateway https://gateway.example/hooks --token-id 3fa1c07e9b2d4a51 --bbox 29.0,-1.8,29.4,-1.4 --min-severity 4")
        {
            name, url, token,
        };
        foreach (var option in QueryCommand.FilterOptions)
        {
            command.Options.Add(option);
        }

        command.Options.Add(sector);
        command.Options.Add(cursor);
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = new CreateWebhookRequest
            {
                Name = parse.GetValue(name)!,
                Url = parse.GetValue(url)!,
                TokenId = parse.GetValue(token)!,
                Watch = new WatchRequest
                {
                    Filter = await QueryCommand.FilterAsync(parse, cancellationToken).ConfigureAwait(false),
                    SectorId = parse.GetValue(sector) ?? string.Empty,
                    Cursor = parse.GetValue(cursor) ?? string.Empty,
                },
            };
            var created = await service.Api.Webhooks.CreateWebhookAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
            await WriteSecretAsync(context, created).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("list", "Every hook, as a table (Webhooks.ListWebhooks).\n\nExample:\n  geoaware webhooks list");
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var listed = await service.Api.Webhooks.ListWebhooksAsync(new ListWebhooksRequest(), service.Options(cancellationToken)).ConfigureAwait(false);
            await context.Output.WriteLineAsync("id\tname\tstate\tdelivered\tfailures\turl\treason").ConfigureAwait(false);
            foreach (var hook in listed.Webhooks)
            {
                await WriteRowAsync(context, hook).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Step(CliContext context, string name, string description)
    {
        var id = new Argument<string>("id") { Description = "the hook's id (hook-…)" };
        var command = new Command(name, $"{description}\n\nExample:\n  geoaware webhooks {name} hook-9c2e…") { id };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = new WebhookRequest { Id = parse.GetValue(id)! };
            var options = service.Options(cancellationToken);
            var hooks = service.Api.Webhooks;
            if (name == "rotate-secret")
            {
                await WriteSecretAsync(context, await hooks.RotateWebhookSecretAsync(request, options).ConfigureAwait(false)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var hook = name switch
            {
                "pause" => await hooks.PauseWebhookAsync(request, options).ConfigureAwait(false),
                "resume" => await hooks.ResumeWebhookAsync(request, options).ConfigureAwait(false),
                "delete" => await hooks.DeleteWebhookAsync(request, options).ConfigureAwait(false),
                _ => await hooks.GetWebhookAsync(request, options).ConfigureAwait(false),
            };
            await context.Output.WriteLineAsync("id\tname\tstate\tdelivered\tfailures\turl\treason").ConfigureAwait(false);
            await WriteRowAsync(context, hook).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Deliveries(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "the hook's id (hook-…)" };
        var limit = CliOptions.Count("--limit", "at most this many attempts, newest first (default 100)", 1, 1000);
        var command = new Command("deliveries",
            "The hook's latest delivery attempts, newest first (Webhooks.ListDeliveries).\n\nExample:\n  geoaware webhooks deliveries hook-9c2e… --limit 20")
        {
            id, limit,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = new ListDeliveriesRequest { Id = parse.GetValue(id)!, Limit = parse.GetValue(limit) ?? 0 };
            var log = await service.Api.Webhooks.ListDeliveriesAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
            await context.Output.WriteLineAsync("attempted_at\tevent\tattempt\thttp\toutcome\tms\terror").ConfigureAwait(false);
            foreach (var d in log.Deliveries)
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{d.AttemptedAt.ToDateTimeOffset():yyyy-MM-ddTHH:mm:ss.fffZ}\t{d.EventKind} {d.EventCursor}\t{d.Attempt}\t{(d.HttpStatus == 0 ? "-" : d.HttpStatus)}\t{(d.Delivered ? "delivered" : "failed")}\t{d.DurationMs}\t{(d.Error.Length == 0 ? "-" : d.Error)}"))
                    .ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task WriteSecretAsync(CliContext context, CreatedWebhook created)
    {
        await context.Output.WriteLineAsync($"id: {created.Webhook.Id}").ConfigureAwait(false);
        await context.Output.WriteLineAsync($"secret: {created.Secret}").ConfigureAwait(false);
        await context.Error.WriteLineAsync("Keep the secret now: it is not shown again. The receiver checks X-GeoAwareness-Signature with it (see the README).").ConfigureAwait(false);
    }

    private static Task WriteRowAsync(CliContext context, Webhook hook) =>
        context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{hook.Id}\t{hook.Name}\t{Geo.Grpc.Hosting.CodeWords.Of(hook.State)}\t{hook.Delivered}\t{hook.ConsecutiveFailures}\t{hook.Url}\t{(hook.StateReason.Length == 0 ? "-" : hook.StateReason)}"));
}
