using System.CommandLine;
using Geo.Api.V1;
using Geo.Cli.Output;
using Google.Protobuf;
using Grpc.Core;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware watch</c>: Observations.Watch as JSON lines on stdout, one per observation created,
/// changed or withdrawn, resumed from the last cursor when the link breaks, so that nothing is
/// lost or written twice; with <c>--cursor-file</c> the cursor survives the tool itself.
/// </summary>
internal static class WatchCommand
{
    /// <summary>The trailer in which the service says where an ended watch resumes (ApiMapping.ResumeCursorKey).</summary>
    private const string ResumeCursorTrailer = "geoawareness-resume-cursor";

    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(30);
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public static Command Create(CliContext context)
    {
        var sector = new Option<string>("--sector") { Description = "watch a sector's area (its id) instead of --bbox, --polygon or --near", HelpName = "id" };
        var cursor = new Option<string>("--cursor") { Description = "resume after this cursor (an event's, or a feed's next_cursor); default: from now", HelpName = "cursor" };
        var cursorFile = new Option<FileInfo>("--cursor-file")
        {
            Description = "read the cursor from this file when it exists, and keep the cursor of every event written there",
            HelpName = "file",
        };
        var heartbeats = new Option<bool>("--heartbeats") { Description = "also write the heartbeats (the link is alive; nothing new)" };
        var retries = CliOptionsRetries();
        var command = new Command("watch",
            "Live: every observation created, changed or withdrawn that matches, as it is committed, as JSON lines (Observations.Watch);\n" +
            "for roles that read planned operations, also each plan in the area marked for a re-check (operationRecheck).\n" +
            "A broken link is resumed from the last event's cursor: nothing is lost or written twice.\n\n" +
            "Examples:\n" +
            "  geoaware watch --bbox 29.0,-1.8,29.4,-1.4 --min-severity 4\n" +
            "  geoaware watch --sector nord --category early-warning-alert --cursor-file ew.cursor | jq .observation.id");
        foreach (var option in QueryCommand.FilterOptions)
        {
            command.Options.Add(option);
        }

        command.Options.Add(sector);
        command.Options.Add(cursor);
        command.Options.Add(cursorFile);
        command.Options.Add(heartbeats);
        command.Options.Add(retries);
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = new WatchRequest
            {
                Filter = await QueryCommand.FilterAsync(parse, cancellationToken).ConfigureAwait(false),
                SectorId = parse.GetValue(sector) ?? string.Empty,
                Cursor = parse.GetValue(cursor) ?? string.Empty,
            };
            var file = parse.GetValue(cursorFile) is { } given ? new FileInfo(given.FullName) : null;
            if (file is { Exists: true } && request.Cursor.Length == 0)
            {
                request.Cursor = (await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false)).Trim();
            }

            var allowed = parse.GetValue(retries) ?? 10;
            var failures = 0;
            while (true)
            {
                try
                {
                    await foreach (var change in service.StreamAsync(o => service.Api.Observations.Watch(request, o), cancellationToken).ConfigureAwait(false))
                    {
                        failures = 0;
                        request.Cursor = change.Cursor;
                        if (change.EventCase != WatchEvent.EventOneofCase.Heartbeat || parse.GetValue(heartbeats))
                        {
                            await context.Output.WriteLineAsync(Json.Format(change)).ConfigureAwait(false);
                            await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                        }

                        if (file is not null)
                        {
                            await AtomicFile.WriteAsync(file.FullName, async stream =>
                            {
                                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(change.Cursor + "\n"), cancellationToken).ConfigureAwait(false);
                                return 0;
                            }, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    return ExitCodes.Ok;
                }
                catch (RpcException e) when (Resumable(e) && failures < allowed && !cancellationToken.IsCancellationRequested)
                {
                    failures++;
                    if (e.Trailers.GetValue(ResumeCursorTrailer) is { Length: > 0 } resume)
                    {
                        request.Cursor = resume;
                    }

                    var wait = TimeSpan.FromTicks(Math.Min(LongestWait.Ticks, FirstWait.Ticks << Math.Min(failures - 1, 16)));
                    await context.Error.WriteLineAsync(
                        $"the watch ended ({e.StatusCode}: {e.Status.Detail}); resuming from the last cursor in {wait.TotalSeconds:0.#} s ({failures} of {allowed})").ConfigureAwait(false);
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
            }
        });
        return command;
    }

    /// <summary>The link broke, the service went away, the reader fell behind, or the watch reached its longest life: none loses anything.</summary>
    private static bool Resumable(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.ResourceExhausted or StatusCode.DeadlineExceeded;

    private static Option<int?> CliOptionsRetries() => Arguments.CliOptions.Count(
        "--retries", "times in a row to resume a broken watch from its last cursor before giving up; default 10", 0, 1000);
}
