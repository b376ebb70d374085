using System.CommandLine;
using System.Globalization;
using System.Text;
using Geo.Api;
using Geo.Api.V1;
using Geo.Cli.Arguments;
using Geo.Cli.Output;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware civoes --bbox W,S,E,N --period 2026-Q3</c>: the civil operational estimate of an area
/// from CivilEstimates.GetCivilEstimate, as a summary, as proto3 JSON, or as the printable page
/// the service serves at /civoes.html.
/// </summary>
internal static class CivoesCommand
{
    public static Command Create(CliContext context)
    {
        var bbox = CliOptions.Bbox("the area in WGS84 degrees: west,south,east,north (required)");
        bbox.Required = true;
        var period = new Option<string>("--period")
        {
            Description = "a month (2026-10), a quarter (2026-Q3), or from..to, both days included (2026-07-15..2026-08-14)",
            HelpName = "period",
            Required = true,
        };
        var html = new Option<FileInfo>("--html") { Description = "write the printable page to this file", HelpName = "file" };
        var json = new Option<bool>("--json") { Description = "print the estimate as proto3 JSON instead of a summary" };
        var command = new Command("civoes",
            "The civil operational estimate (CIV-OES) of an area for a period: civilian situation, actors and facilities, threats and their change, " +
            "coverage gaps, civil works, and the risks and opportunities the stated rules raise, every section naming the call behind it.\n\n" +
            "Examples:\n" +
            "  geoaware civoes --bbox 29.0,-1.9,29.9,-1.0 --period 2026-Q3\n" +
            "  geoaware civoes --bbox 29.0,-1.9,29.9,-1.0 --period 2026-07-01..2026-09-30 --html civoes-q3.html")
        {
            bbox, period, html, json,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var request = new CivilEstimateRequest { Bbox = parse.GetValue(bbox) };
            var text = parse.GetValue(period)!;
            var range = text.Split("..");
            if (range.Length == 1)
            {
                request.Period = text;
            }
            else if (range.Length == 2 && CliOptions.ReadDay(range[0]) is { } from && CliOptions.ReadDay(range[1]) is { } to)
            {
                request.From = new CalendarDate { Year = from.Year, Month = from.Month, Day = from.Day };
                request.To = new CalendarDate { Year = to.Year, Month = to.Month, Day = to.Day };
            }
            else
            {
                throw new CliException(ExitCodes.Usage, $"--period: '{text}' is not a month, a quarter, or from..to with two dates (2026-07-15..2026-08-14)");
            }

            var estimate = await service.Api.CivilEstimates.GetCivilEstimateAsync(request, service.Options(cancellationToken)).ConfigureAwait(false);
            if (parse.GetValue(html) is { } file)
            {
                var page = Encoding.UTF8.GetBytes(CivilEstimatePage.Render(estimate));
                await AtomicFile.WriteAsync(file.FullName, async stream =>
                {
                    await stream.WriteAsync(page, cancellationToken).ConfigureAwait(false);
                    return page.Length;
                }, cancellationToken).ConfigureAwait(false);
                await context.Error.WriteLineAsync($"wrote the CIV-OES page ({page.Length} bytes) to {file.FullName}").ConfigureAwait(false);
            }

            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(Google.Protobuf.JsonFormatter.Default.Format(estimate)).ConfigureAwait(false);
            }
            else if (parse.GetValue(html) is null)
            {
                await WriteAsync(context.Output, estimate).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task WriteAsync(TextWriter output, CivilEstimate e)
    {
        static string Day(CalendarDate d) => string.Create(CultureInfo.InvariantCulture, $"{d.Year:D4}-{d.Month:D2}-{d.Day:D2}");
        static string Opt(bool has, long value) => has ? value.ToString(CultureInfo.InvariantCulture) : "withheld";
        await output.WriteLineAsync($"CIV-OES {Day(e.From)}..{Day(e.To)} for {e.GeneratedFor}").ConfigureAwait(false);
        foreach (var w in e.Withheld)
        {
            await output.WriteLineAsync($"withheld: {w.Section} (needs {w.Permission})").ConfigureAwait(false);
        }

        if (e.Situation is { } s)
        {
            await output.WriteLineAsync($"situation: {s.Communities} communities, {s.AtRisk.Count} at risk, population {s.PopulationTotal}").ConfigureAwait(false);
        }

        if (e.Actors is { } a)
        {
            await output.WriteLineAsync($"actors: {a.Sectors.Sum(x => x.Records)} presence records in {a.Sectors.Count} sectors; {a.FacilitiesTotal} facilities").ConfigureAwait(false);
        }

        if (e.Threats is { } t)
        {
            await output.WriteLineAsync($"threats: {Opt(t.HasObservations, t.Observations)} (previous period {Opt(t.HasPreviousObservations, t.PreviousObservations)}); {t.HotSpots.Count} hot spot cells")
                .ConfigureAwait(false);
        }

        if (e.Coverage is { } c)
        {
            await output.WriteLineAsync($"coverage: {c.Bases.Count} of {c.BasesInArea} bases with a team gap; {c.CommunitiesOutOfReach.Count} communities at risk out of reach; " +
                $"{c.WomenAndGirlsGaps.Count} cells of women and girls without a female CLA").ConfigureAwait(false);
        }

        if (e.CivilWorks is { } w2)
        {
            await output.WriteLineAsync($"civil works: {w2.Qips.Sum(q => q.Count)} QIPs, {w2.Requests.Sum(r => r.Count)} assistance requests").ConfigureAwait(false);
        }

        foreach (var f in e.Risks.Concat(e.Opportunities))
        {
            await output.WriteLineAsync($"{(f.Kind == FindingKind.Risk ? "risk" : "opportunity")}\t{f.Rule}\t{f.Summary}").ConfigureAwait(false);
        }
    }
}
