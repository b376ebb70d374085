using System.CommandLine;
using System.Globalization;
using Geo.Api.V1;
using Geo.Cli.Arguments;
using Geo.Cli.Output;
using Google.Protobuf;

namespace Geo.Cli.Commands;

/// <summary><c>geoaware facilities import|export|list</c>: civilian facilities from an OSM export, to GeoJSON, as a table.</summary>
internal static class FacilitiesCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("facilities",
            "Civilian facilities and protected sites: clinics, schools, water points, camps, bridges.\n\n" +
            "Examples:\n" +
            "  geoaware facilities import beni-osm.geojson --default-sharing mission\n" +
            "  geoaware facilities list --type hospital,clinic --bbox 29.2,-1.7,29.5,0.6\n" +
            "  geoaware facilities export --output facilities.geojson");
        command.Subcommands.Add(Import(context));
        command.Subcommands.Add(Export(context));
        command.Subcommands.Add(List(context));
        return command;
    }

    private static Command Import(CliContext context)
    {
        var file = new Argument<FileInfo>("file") { Description = "GeoJSON as OpenStreetMap export tools write it (overpass turbo, osmtogeojson), or a healthsites-style CSV with HXL hashtags (*.csv)" };
        var sharing = CliOptions.Code<SharingLevel>("--default-sharing", "the level of every imported facility (default liaison-only)");
        var dryRun = new Option<bool>("--dry-run") { Description = "check every feature and report; store nothing" };
        var command = new Command("import", "Load facilities from an OSM export, or from a healthsites-style HXL CSV (CivilianPicture.ImportFacilities): all stored or none.\n\nExamples:\n  geoaware facilities import beni-osm.geojson --dry-run\n  geoaware facilities import healthsites-cod.csv --default-sharing public")
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

            var bytes = ByteString.CopyFrom(await File.ReadAllBytesAsync(path.FullName, cancellationToken).ConfigureAwait(false));
            var request = new ImportFacilitiesRequest { DefaultSharing = parse.GetValue(sharing) ?? SharingLevel.LiaisonOnly, DryRun = parse.GetValue(dryRun) };
            if (string.Equals(path.Extension, ".csv", StringComparison.OrdinalIgnoreCase))
            {
                request.Csv = bytes;
            }
            else
            {
                request.Geojson = bytes;
            }
            var report = await service.Api.Civilian.ImportFacilitiesAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
            foreach (var problem in report.Problems)
            {
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"feature {problem.Line}, {problem.Column}: {problem.Message}")).ConfigureAwait(false);
            }

            if (report.Problems.Count > 0)
            {
                await context.Error.WriteLineAsync($"{report.Problems.Count} problem(s): nothing stored").ConfigureAwait(false);
                return ExitCodes.RowsRejected;
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{(request.DryRun ? "would store" : "stored")}: {report.Features} features, {report.Created} created, {report.Updated} updated, {report.Unchanged} unchanged")).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Export(CliContext context)
    {
        var bbox = CliOptions.Bbox("only facilities in this box");
        var types = CliOptions.Codes<FacilityType>("--type", "only these types");
        var output = new Option<FileInfo>("--output") { Description = "write to this file instead of stdout", HelpName = "file" };
        var command = new Command("export", "The facilities the token reads in full, as GeoJSON (CivilianPicture.ExportFacilities).\n\nExample:\n  geoaware facilities export --type hospital --output hospitals.geojson")
        {
            bbox, types, output,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = Request(parse.GetValue(bbox), parse.GetValue(types));
            async Task<long> WriteAsync(Stream stream)
            {
                long bytes = 0;
                await foreach (var chunk in service.StreamAsync(o => service.Api.Civilian.ExportFacilities(request, o), cancellationToken).ConfigureAwait(false))
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
        var bbox = CliOptions.Bbox("only facilities in this box");
        var types = CliOptions.Codes<FacilityType>("--type", "only these types");
        var command = new Command("list", "The facilities the token reads in full, with how current each is (CivilianPicture.ListFacilities).\n\nExample:\n  geoaware facilities list --type water-well")
        {
            bbox, types,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = Request(parse.GetValue(bbox), parse.GetValue(types));
            request.PageSize = 500;
            await context.Output.WriteLineAsync("id\tname\ttype\tstatus\tconfirmation\tlast confirmed\tnotified\tsharing").ConfigureAwait(false);
            while (true)
            {
                var page = await service.Api.Civilian.ListFacilitiesAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
                foreach (var f in page.Facilities)
                {
                    await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{f.Id}\t{f.Name}\t{Word(f.Type)}\t{Word(f.Status)}\t{Word(f.Confirmation)}\t{Day(f.LastConfirmedOn)}\t{Day(f.Notification?.NotifiedOn)}\t{Word(f.Sharing)}"))
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

    private static ListFacilitiesRequest Request(BoundingBox? box, FacilityType[]? types)
    {
        var request = new ListFacilitiesRequest();
        if (box is not null)
        {
            request.Area = new Area { Bbox = box };
        }

        request.Types_.AddRange(types ?? []);
        return request;
    }

    private static string Word<T>(T code)
        where T : struct, Enum => Geo.Grpc.Hosting.CodeWords.Of(code);

    private static string Day(CalendarDate? date) => date is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{date.Year:0000}-{date.Month:00}-{date.Day:00}");
}
