using System.CommandLine;
using System.Globalization;
using Geo.Api.V1;
using Geo.Cli.Arguments;
using Geo.Cli.Output;
using Google.Protobuf;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware actors import|export|list|summary</c>: who does what where (OCHA 3W), loaded from and
/// written to HXL-tagged CSV, listed as the token may read it, and counted per grid cell.
/// </summary>
internal static class ActorsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("actors",
            "Civilian actors and their presence (OCHA 3W/4W), shared only as far as each record's level allows.\n\n" +
            "Examples:\n" +
            "  geoaware actors import 3w-nord-kivu.csv --default-sharing mission\n" +
            "  geoaware actors export --bbox 28.5,-2.0,29.9,1.0 --output 3w.csv\n" +
            "  geoaware actors list --sector health,wash\n" +
            "  geoaware actors summary --bbox 28.5,-2.0,29.9,1.0");
        command.Subcommands.Add(Import(context));
        command.Subcommands.Add(Export(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Summary(context));
        return command;
    }

    private static Command Import(CliContext context)
    {
        var file = new Argument<FileInfo>("file") { Description = "a 3W sheet: UTF-8 CSV with the HXL hashtag row under its header row" };
        var sharing = CliOptions.Code<SharingLevel>("--default-sharing", "the level of rows without #meta+sharing (default liaison-only)");
        var dryRun = new Option<bool>("--dry-run") { Description = "check every row and report; store nothing" };
        var command = new Command("import",
            "Load a 3W sheet (CivilianPicture.ImportPresence): every row checked, all stored or none; every refused row reported by line and column.\n\n" +
            "Example:\n  geoaware actors import 3w-nord-kivu.csv --default-sharing mission --dry-run")
        {
            file, sharing, dryRun,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CliException(ExitCodes.Usage, $"file: '{path.FullName}' does not exist");
            }

            var request = new ImportPresenceRequest
            {
                Csv = ByteString.CopyFrom(await File.ReadAllBytesAsync(path.FullName, cancellationToken).ConfigureAwait(false)),
                DefaultSharing = parse.GetValue(sharing) ?? SharingLevel.LiaisonOnly,
                DryRun = parse.GetValue(dryRun),
            };
            var report = await service.Api.Civilian.ImportPresenceAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
            foreach (var ignored in report.IgnoredColumns)
            {
                await context.Error.WriteLineAsync($"not read: {ignored}").ConfigureAwait(false);
            }

            foreach (var problem in report.Problems)
            {
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"line {problem.Line}, {problem.Column}: {problem.Message}")).ConfigureAwait(false);
            }

            if (report.Problems.Count > 0)
            {
                await context.Error.WriteLineAsync($"{report.Problems.Count} problem(s) in {report.Rows} rows: nothing stored").ConfigureAwait(false);
                return ExitCodes.RowsRejected;
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{(request.DryRun ? "would store" : "stored")}: {report.Rows} rows, {report.Created} created, {report.Updated} updated, {report.Unchanged} unchanged, {report.OrganisationsCreated} new organisations"))
                .ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Export(CliContext context)
    {
        var bbox = CliOptions.Bbox("only presence in this box");
        var sectors = CliOptions.Codes<Cluster>("--sector", "only these sectors");
        var output = new Option<FileInfo>("--output") { Description = "write to this file instead of stdout", HelpName = "file" };
        var command = new Command("export",
            "The presence the token reads in full, as a 3W sheet in HXL-tagged CSV (CivilianPicture.ExportPresence).\n\n" +
            "Example:\n  geoaware actors export --sector protection --output 3w-protection.csv")
        {
            bbox, sectors, output,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = new ExportPresenceRequest();
            if (parse.GetValue(bbox) is { } box)
            {
                request.Area = new Area { Bbox = box };
            }

            request.Sectors.AddRange(parse.GetValue(sectors) ?? []);
            async Task<long> WriteAsync(Stream stream)
            {
                long bytes = 0;
                await foreach (var chunk in service.StreamAsync(o => service.Api.Civilian.ExportPresence(request, o), cancellationToken).ConfigureAwait(false))
                {
                    await stream.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
                    bytes += chunk.Data.Length;
                }

                return bytes;
            }

            if (parse.GetValue(output) is { } file)
            {
                var bytes = await AtomicFile.WriteAsync(file.FullName, WriteAsync, cancellationToken).ConfigureAwait(false);
                await context.Error.WriteLineAsync($"wrote {bytes} bytes to {file.FullName}").ConfigureAwait(false);
            }
            else
            {
                await using var stdout = Console.OpenStandardOutput();
                await WriteAsync(stdout).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var bbox = CliOptions.Bbox("only presence in this box");
        var sectors = CliOptions.Codes<Cluster>("--sector", "only these sectors");
        var command = new Command("list", "The presence the token reads in full, as a table (CivilianPicture.ListPresence).\n\nExample:\n  geoaware actors list --sector health")
        {
            bbox, sectors,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = new ListPresenceRequest { PageSize = 500 };
            if (parse.GetValue(bbox) is { } box)
            {
                request.Area = new Area { Bbox = box };
            }

            request.Sectors.AddRange(parse.GetValue(sectors) ?? []);
            await context.Output.WriteLineAsync("id\torganisation\tsector\tactivity\tplace\tstatus\tstart\tend\tsharing").ConfigureAwait(false);
            while (true)
            {
                var page = await service.Api.Civilian.ListPresenceAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
                foreach (var p in page.Presence)
                {
                    var place = p.PlaceCase == OperationalPresence.PlaceOneofCase.Pcode ? p.Pcode
                        : p.Location.KindCase == Shape.KindOneofCase.Point ? string.Create(CultureInfo.InvariantCulture, $"{p.Location.Point.Latitude},{p.Location.Point.Longitude}")
                        : "area";
                    await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{p.Id}\t{(p.OrganisationAcronym.Length > 0 ? p.OrganisationAcronym : p.OrganisationName)}\t{Word(p.Sector)}\t{p.Activity}\t{place}\t{Word(p.Status)}\t{Day(p.Start)}\t{Day(p.End)}\t{Word(p.Sharing)}"))
                        .ConfigureAwait(false);
                }

                if (page.NextPageToken.Length == 0)
                {
                    return ExitCodes.Ok;
                }

                request.PageToken = page.NextPageToken;
            }
        });
        return command;
    }

    private static Command Summary(CliContext context)
    {
        var bbox = CliOptions.Bbox("the cells this box touches");
        bbox.Required = true;
        var sectors = CliOptions.Codes<Cluster>("--sector", "only these sectors");
        var command = new Command("summary",
            "Organisations and records per sector per grid cell, every record counted, none named (CivilianPicture.SummarizePresence).\n\n" +
            "Example:\n  geoaware actors summary --bbox 28.5,-2.0,29.9,1.0 --sector protection")
        {
            bbox, sectors,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = new SummarizePresenceRequest { Area = new Area { Bbox = parse.GetValue(bbox)! } };
            request.Sectors.AddRange(parse.GetValue(sectors) ?? []);
            var summary = await service.Api.Civilian.SummarizePresenceAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
            await context.Output.WriteLineAsync("cell (west,south,east,north)\tsector\torganisations\trecords").ConfigureAwait(false);
            foreach (var cell in summary.Cells)
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{cell.Cell.West},{cell.Cell.South},{cell.Cell.East},{cell.Cell.North}\t{Word(cell.Sector)}\t{cell.Organisations}\t{cell.Records}")).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Word<T>(T code)
        where T : struct, Enum => Geo.Grpc.Hosting.CodeWords.Of(code);

    private static string Day(CalendarDate? date) => date is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{date.Year:0000}-{date.Month:00}-{date.Day:00}");
}
