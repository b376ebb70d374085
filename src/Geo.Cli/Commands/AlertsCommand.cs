using System.CommandLine;
using System.Globalization;
using Geo.Api.V1;
using Geo.Cli.Arguments;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware alerts list|ack|respond|close</c>: the alerts someone must act on, as a table
/// (oldest first, with their age and escalation), and the steps of acting on one.
/// </summary>
internal static class AlertsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("alerts",
            "The alerts someone must act on (early warnings, incidents against CLAs, severe threats), and acting on them.\n\n" +
            "Examples:\n" +
            "  geoaware alerts list --bbox 29.0,-1.8,29.4,-1.4 --escalated\n" +
            "  geoaware alerts ack alert-obs-3fa1…\n" +
            "  geoaware alerts respond alert-obs-3fa1… \"Patrol sent from COB Kiwanja at 14:05\"\n" +
            "  geoaware alerts close alert-obs-3fa1… --note \"community informed\"");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Step(context, "ack",
            "Acknowledge an alert: you have seen it and own it (Alerts.Acknowledge).\n\nExample:\n  geoaware alerts ack alert-obs-3fa1…", text: null));
        command.Subcommands.Add(Step(context, "respond",
            "Record what was done (Alerts.Respond; also the observation's response).\n\nExample:\n  geoaware alerts respond alert-obs-3fa1… \"Patrol sent at 14:05\"",
            text: "response"));
        command.Subcommands.Add(Step(context, "close",
            "Close an alert (Alerts.Close).\n\nExample:\n  geoaware alerts close alert-obs-3fa1… --note \"community informed\"", text: "--note"));
        return command;
    }

    private static Command List(CliContext context)
    {
        var bbox = CliOptions.Bbox("only alerts in this box");
        var states = CliOptions.Codes<AlertState>("--state", "only these states (default: all but closed)");
        var kinds = CliOptions.Codes<AlertKind>("--kind", "only these kinds");
        var minAge = CliOptions.Count("--min-age-minutes", "only alerts opened at least this many minutes ago", 0, 1_000_000);
        var escalated = new Option<bool>("--escalated") { Description = "only escalated alerts" };
        var command = new Command("list",
            "Alerts the token may see, oldest first, with their age and escalation (Alerts.ListAlerts).\n\n" +
            "Examples:\n  geoaware alerts list --escalated\n  geoaware alerts list --bbox 29.0,-1.8,29.4,-1.4 --kind early-warning --state open,acknowledged")
        {
            bbox, states, kinds, minAge, escalated,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = new ListAlertsRequest { MinAgeSeconds = (parse.GetValue(minAge) ?? 0) * 60, EscalatedOnly = parse.GetValue(escalated) };
            if (parse.GetValue(bbox) is { } box)
            {
                request.Area = new Area { Bbox = box };
            }

            request.States.AddRange(parse.GetValue(states) ?? []);
            request.Kinds.AddRange(parse.GetValue(kinds) ?? []);
            var now = DateTimeOffset.UtcNow;
            await context.Output.WriteLineAsync("id\tkind\tseverity\tstate\tage\tescalated\tnearest base").ConfigureAwait(false);
            await foreach (var alert in service.StreamAsync(o => service.Api.Alerts.ListAlerts(request, o), cancellationToken).ConfigureAwait(false))
            {
                var age = now - alert.OpenedAt.ToDateTimeOffset();
                var escalation = string.Join(",", new[]
                {
                    alert.EscalatedUnacknowledgedAt is null ? null : "unacknowledged",
                    alert.EscalatedUnansweredAt is null ? null : "unanswered",
                }.OfType<string>());
                var nearest = alert.Nearest.Count == 0 ? "-" : alert.Nearest[0].Base.Id;
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{alert.Id}\t{Word(alert.Kind)}\t{alert.Severity}\t{Word(alert.State)}\t{Age(age)}\t{(escalation.Length == 0 ? "-" : escalation)}\t{nearest}")).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>ack, respond (with the response as its second argument) and close (with --note).</summary>
    private static Command Step(CliContext context, string name, string description, string? text)
    {
        var id = new Argument<string>("id") { Description = "the alert's id (alert-obs-…)" };
        var response = new Argument<string>("response") { Description = "what was done, 1 to 2000 characters" };
        var note = new Option<string>("--note") { Description = "why it is closed, at most 2000 characters" };
        var version = CliOptions.Count("--expected-version", "refuse (ABORTED) when the alert changed since this version", 1, int.MaxValue);
        var command = new Command(name, description) { id, version };
        if (text == "response")
        {
            command.Arguments.Add(response);
        }
        else if (text == "--note")
        {
            command.Options.Add(note);
        }

        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var alertId = parse.GetValue(id)!;
            long expected = parse.GetValue(version) ?? 0;
            var options = service.Options(cancellationToken);
            var alert = name switch
            {
                "ack" => await service.Api.Alerts.AcknowledgeAsync(new AlertRequest { Id = alertId, ExpectedVersion = expected }, options).ConfigureAwait(false),
                "respond" => await service.Api.Alerts.RespondAsync(
                    new RespondToAlertRequest { Id = alertId, ExpectedVersion = expected, Response = parse.GetValue(response) ?? string.Empty }, options).ConfigureAwait(false),
                _ => await service.Api.Alerts.CloseAsync(new CloseAlertRequest { Id = alertId, ExpectedVersion = expected, Note = parse.GetValue(note) ?? string.Empty }, options)
                    .ConfigureAwait(false),
            };
            await context.Output.WriteLineAsync($"{alert.Id}\t{Word(alert.State)}\tversion {alert.Version}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Word<T>(T code)
        where T : struct, Enum => Geo.Grpc.Hosting.CodeWords.Of(code);

    private static string Age(TimeSpan age) => age.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours}h{age.Minutes:00}m")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)age.TotalMinutes)}m");
}
