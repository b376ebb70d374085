using System.CommandLine;
using Geo.Api.V1;
using Geo.Cli.Arguments;
using Geo.Cli.Output;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware indicators</c>: the CPAS indicators of a period and level from Indicators.Export,
/// written byte for byte as the service made them (the same document as GET /indicators).
/// </summary>
internal static class IndicatorsCommand
{
    public static Command Create(CliContext context)
    {
        var period = new Option<string>("--period")
        {
            Description = "a month (2026-10), a quarter (2026-Q3), or from..to, both days included (2026-07-15..2026-08-14)",
            HelpName = "period",
            Required = true,
        };
        var level = CliOptions.Code<IndicatorLevel>("--level", "one unit for the mission, one per sector or one per base (default mission)");
        var id = new Option<string>("--id") { Description = "only this sector (its name) or base (its id) of the level", HelpName = "sector-or-base" };
        var format = CliOptions.OneOf("--format", "the document's format", "csv", "json");
        var hxl = new Option<bool>("--hxl") { Description = "CSV only: a row of HXL hashtags under the header row" };
        var output = new Option<FileInfo>("--output") { Description = "write to this file instead of stdout", HelpName = "file" };
        var events = CliOptions.Events(
            " (THREAT-OBS, EW-ALERTS and MDMH-OBS count events, THREAT-PEOPLE people once per event, EW-RESPONSE-24H alert events; the rest are unchanged)");
        var command = new Command("indicators",
            "CPAS indicators for a period and level, as CSV or JSON, byte for byte what GET /indicators answers.\n\n" +
            "Examples:\n" +
            "  geoaware indicators --period 2026-Q3 --level sector --hxl --output q3-sectors.csv\n" +
            "  geoaware indicators --period 2026-10 --level base --id tob-kiwanja --format json\n" +
            "  geoaware indicators --period 2026-07-15..2026-08-14\n" +
            "  geoaware indicators --period 2026-Q3 --events --format json")
        {
            period, level, id, format, hxl, output, events,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = new ExportIndicatorsRequest
            {
                Level = parse.GetValue(level) ?? IndicatorLevel.Mission,
                Id = parse.GetValue(id) ?? string.Empty,
                Format = parse.GetValue(format) == "json" ? ExportFormat.Json : ExportFormat.Csv,
                Hxl = parse.GetValue(hxl),
                CountEvents = parse.GetValue(events),
            };
            ReadPeriod(parse.GetValue(period)!, request);
            var document = await service.Api.Indicators.ExportAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
            var file = parse.GetValue(output);
            if (file is null)
            {
                await using var stdout = Console.OpenStandardOutput();
                await stdout.WriteAsync(document.Content.Memory, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await AtomicFile.WriteAsync(file.FullName, async stream =>
                {
                    await stream.WriteAsync(document.Content.Memory, cancellationToken).ConfigureAwait(false);
                    return document.Content.Length;
                }, cancellationToken).ConfigureAwait(false);
                await context.Error.WriteLineAsync($"wrote {document.Filename} ({document.Content.Length} bytes) to {file.FullName}").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A month or quarter goes to the service as written; from..to becomes the request's two dates.</summary>
    private static void ReadPeriod(string text, ExportIndicatorsRequest request)
    {
        var range = text.Split("..");
        if (range.Length == 1)
        {
            request.Period = text;
            return;
        }

        if (range.Length != 2 || CliOptions.ReadDay(range[0]) is not { } from || CliOptions.ReadDay(range[1]) is not { } to)
        {
            throw new CliException(ExitCodes.Usage, $"--period: '{text}' is not from..to with two dates (2026-07-15..2026-08-14)");
        }

        request.From = new CalendarDate { Year = from.Year, Month = from.Month, Day = from.Day };
        request.To = new CalendarDate { Year = to.Year, Month = to.Month, Day = to.Day };
    }
}
