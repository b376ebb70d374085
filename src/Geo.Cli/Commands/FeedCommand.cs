using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using Geo.Api.V1;
using Geo.Cli.Arguments;
using Geo.Cli.Connection;
using Geo.Cli.Output;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware feed pull</c>: what a SAGE importer does. Pulls the observation feed from the saved
/// cursor, writes each page, and only then saves the next cursor, so that a crash never skips a record;
/// <c>geoaware feed layer</c>: one of the coverage layers as a FeatureCollection.
/// </summary>
internal static class FeedCommand
{
    private const string DefaultCursorFile = ".geoaware/feed.cursor";

    public static Command Create(CliContext context)
    {
        var command = new Command("feed",
            "The SAGE feeds (an importer's token): pull observations incrementally with a saved cursor, or a layer.\n\n" +
            "Examples:\n" +
            "  geoaware feed pull --cursor-file sage.cursor --output pages/ --follow\n" +
            "  geoaware feed pull --all --output everything.geojson\n" +
            "  geoaware feed layer coverage-gaps --output gaps.geojson");
        command.Subcommands.Add(Pull(context));
        command.Subcommands.Add(Layer(context));
        return command;
    }

    private static Command Pull(CliContext context)
    {
        var cursorFile = new Option<FileInfo>("--cursor-file")
        {
            Description = $"where the cursor is kept between pulls (default {DefaultCursorFile}); absent at first, to start from the beginning",
            HelpName = "file",
        };
        var output = new Option<string>("--output")
        {
            Description = "a file for the page, or a folder (an existing one, or a path ending in /) for one file per page; default stdout",
            HelpName = "file|folder/",
        };
        var limit = CliOptions.Count("--limit", "features per page; absent for the service's default (1,000)", 1, 1_000_000);
        var all = new Option<bool>("--all") { Description = "everything after the cursor in one document (a full export)" };
        var follow = new Option<bool>("--follow") { Description = "keep pulling pages while the service says more are waiting (needs --output folder/)" };
        var command = new Command("pull",
            "Pull the observation feed from the saved cursor; write each page (atomically, to a file or folder) and then save the next cursor.\n" +
            "A page file is named after the cursor it was pulled from: pulling again after a crash replaces it rather than adding a copy.\n\n" +
            "Examples:\n" +
            "  geoaware feed pull --cursor-file sage.cursor --output pages/ --follow\n" +
            "  geoaware feed pull --limit 5000 --output latest.geojson\n" +
            "  geoaware feed pull --all > everything.geojson")
        {
            cursorFile, output, limit, all, follow,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var target = parse.GetValue(output);
            var folder = target is not null && (Directory.Exists(target) || target.EndsWith('/') || target.EndsWith(Path.DirectorySeparatorChar));
            if (parse.GetValue(all) && parse.GetValue(limit) is not null)
            {
                throw new CliException(ExitCodes.Usage, "--all and --limit: give one of them");
            }

            if (parse.GetValue(follow) && !folder)
            {
                throw new CliException(ExitCodes.Usage, "--follow: needs --output folder/, one file per page");
            }

            var cursors = new FileInfo((parse.GetValue(cursorFile) ?? new FileInfo(DefaultCursorFile)).FullName);
            var cursor = cursors.Exists ? (await File.ReadAllTextAsync(cursors.FullName, cancellationToken).ConfigureAwait(false)).Trim() : string.Empty;
            if (folder)
            {
                Directory.CreateDirectory(target!);
            }

            while (true)
            {
                var request = new PullObservationsRequest { Cursor = cursor, Limit = parse.GetValue(limit) ?? 0, All = parse.GetValue(all) };
                var destination = target is null ? null : folder ? Path.Combine(target, PageName(cursor)) : target;
                var end = await PullPageAsync(service, request, destination, cancellationToken).ConfigureAwait(false);
                await AtomicFile.WriteAsync(cursors.FullName, async file =>
                {
                    await file.WriteAsync(Encoding.UTF8.GetBytes(end.NextCursor + "\n"), cancellationToken).ConfigureAwait(false);
                    return end;
                }, cancellationToken).ConfigureAwait(false);
                await context.Error.WriteLineAsync(
                    $"{end.Features} features{(destination is null ? string.Empty : $" to {destination}")}; cursor saved in {cursors.FullName}{(end.More ? "; more waiting" : "; caught up")}")
                    .ConfigureAwait(false);
                cursor = end.NextCursor;
                if (!parse.GetValue(follow) || !end.More)
                {
                    return ExitCodes.Ok;
                }
            }
        });
        return command;
    }

    private static Command Layer(CliContext context)
    {
        string[] names = ["bases", "coverage-gaps", "communities-at-risk", "isochrones"];
        var name = new Argument<string>("layer") { Description = $"which layer: {string.Join(", ", names)}" };
        name.AcceptOnlyFromAmong(names);
        var output = new Option<string>("--output") { Description = "write to this file (atomically) instead of stdout", HelpName = "file" };
        var command = new Command("layer",
            "One coverage layer as a GeoJSON FeatureCollection, as the HTTP feed /feeds/layers/{layer} serves it.\n\n" +
            "Examples:\n" +
            "  geoaware feed layer bases --output bases.geojson\n" +
            "  geoaware feed layer communities-at-risk --at 2026-10-01 --sector north\n" +
            "  geoaware feed layer isochrones --reach-time 2h --travel vehicle --output reach.geojson")
        {
            name, output,
        };
        CoverageOptions.AddTo(command);
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var coverage = CoverageOptions.Request(parse);

            var request = parse.GetValue(name) switch
            {
                "bases" => new PullLayerRequest { Bases = coverage },
                "coverage-gaps" => new PullLayerRequest { CoverageGaps = coverage },
                "isochrones" => new PullLayerRequest { Isochrones = coverage },
                _ => new PullLayerRequest { CommunitiesAtRisk = coverage },
            };
            var chunks = service.StreamAsync(o => service.Api.Feeds.PullLayer(request, o), cancellationToken);
            var end = await WriteDocumentAsync(chunks, parse.GetValue(output), cancellationToken).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"{end.Features} features").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Task<FeedPageEnd> PullPageAsync(ServiceConnection service, PullObservationsRequest request, string? destination, CancellationToken cancellationToken) =>
        WriteDocumentAsync(
            service.StreamAsync(o => service.Api.Feeds.PullObservations(request, o), cancellationToken),
            destination, cancellationToken);

    /// <summary>Streams a feed document to stdout, or atomically to <paramref name="destination"/>: a broken pull leaves nothing half-written behind.</summary>
    private static async Task<FeedPageEnd> WriteDocumentAsync(IAsyncEnumerable<FeedChunk> chunks, string? destination, CancellationToken cancellationToken)
    {
        if (destination is not null)
        {
            return await AtomicFile.WriteAsync(destination, stream => CopyAsync(chunks, stream, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        await using var output = Console.OpenStandardOutput();
        return await CopyAsync(chunks, output, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<FeedPageEnd> CopyAsync(IAsyncEnumerable<FeedChunk> chunks, Stream stream, CancellationToken cancellationToken)
    {
        FeedPageEnd? end = null;
        await foreach (var chunk in chunks.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await stream.WriteAsync(chunk.Geojson.Memory, cancellationToken).ConfigureAwait(false);
            end = chunk.End ?? end;
        }

        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return end ?? throw new CliException(ExitCodes.Failed, "the feed ended without its last message: nothing was saved, pull again");
    }

    /// <summary>A page's file, named after the cursor it starts from, so that pulling the same page again replaces it.</summary>
    private static string PageName(string cursor) =>
        cursor.Length == 0
            ? "observations-start.geojson"
            : $"observations-after-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(cursor)).AsSpan(0, 8))}.geojson";
}
