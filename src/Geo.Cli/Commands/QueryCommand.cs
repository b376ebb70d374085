using System.CommandLine;
using Geo.Api.V1;
using Geo.Cli.Arguments;
using Geo.Cli.Output;
using Geo.Grpc.Hosting;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Geo.Cli.Commands;

/// <summary>
/// <c>geoaware query</c>: observations of an area and period, filtered, as a table, CSV or GeoJSON,
/// streamed page by page from Observations.Query; or only their count, or a summary.
/// </summary>
internal static class QueryCommand
{
    private static readonly Option<BoundingBox?> Bbox = CliOptions.Bbox("a bounding box in WGS84 degrees");
    private static readonly Option<string> Polygon = new(PolygonText.Option)
    {
        Description = "a polygon or multipolygon in WGS84: WKT, GeoJSON text, or @file holding either",
        HelpName = "wkt|geojson|@file",
    };

    private static readonly Option<double[]?> Near = CliOptions.Numbers("--near", "lon,lat", "the centre of a circle (with --radius)");
    private static readonly Option<double?> Radius = new("--radius") { Description = "the circle's radius in metres (with --near)", HelpName = "metres" };
    private static readonly Option<DateTimeOffset?> From = CliOptions.Time("--from", "observed at or after");
    private static readonly Option<DateTimeOffset?> To = CliOptions.Time("--to", "observed before");
    private static readonly Option<Category[]> Categories = CliOptions.Codes<Category>("--category", "only these categories");
    private static readonly Option<int?> MinSeverity = CliOptions.Count("--min-severity", "only this severity and above", 1, 5);
    private static readonly Option<VerificationStatus[]> Statuses = CliOptions.Codes<VerificationStatus>("--status", "only these verification states");
    private static readonly Option<Sex[]> Sexes = CliOptions.Codes<Sex>("--sex", "affecting at least one person of these sexes (and --age)");
    private static readonly Option<AgeGroup[]> Ages = CliOptions.Codes<AgeGroup>("--age", "affecting at least one person of these age groups (and --sex)");
    private static readonly Option<Vulnerability[]> Vulnerabilities = CliOptions.Codes<Vulnerability>("--vulnerability", "carrying any of these vulnerability flags");
    private static readonly Option<string[]> Communities = new("--community") { Description = "linked to these communities (repeatable)", Arity = ArgumentArity.ZeroOrMore };
    private static readonly Option<string[]> Bases = new("--base") { Description = "linked to these bases (repeatable)", Arity = ArgumentArity.ZeroOrMore };
    private static readonly Option<string> Format = CliOptions.OneOf("--format", "how to write the observations", "table", "geojson", "csv");
    private static readonly Option<FileInfo> Output = new("--output") { Description = "write to this file instead of stdout", HelpName = "file" };
    private static readonly Option<bool> CountOnly = new("--count") { Description = "print only how many observations match (Observations.Count)" };
    private static readonly Option<bool> Summary = new("--summary") { Description = "print counts by category and by sex and age group (Observations.Summarize)" };
    private static readonly Option<bool> Events = CliOptions.Events(" (with --count: the number of events; with --summary: events beside the observations, people once per event)");
    private static readonly Option<int?> PageSize = CliOptions.Count("--page-size", "observations per streamed page; 0 or absent for the service's default", 1, 5000);
    private static readonly Option<int?> Retries = CliOptions.Count(
        "--retries", "times to resume a stream broken by the network or an unavailable service, from the last page received whole; default 5", 0, 100);

    /// <summary>The first wait before resuming; it doubles with each failure in a row, up to <see cref="LongestWait"/>.</summary>
    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(30);

    public static Command Create(CliContext context)
    {
        var command = new Command("query",
            "Observations of an area and period, filtered, written as they stream in (every page of Observations.Query).\n\n" +
            "Examples:\n" +
            "  geoaware query --bbox 29.0,-1.8,29.4,-1.4 --from 2026-10-01 --category threat-of-physical-violence\n" +
            "  geoaware query --near 29.22,-1.68 --radius 15000 --sex female --age child --format geojson --output girls.geojson\n" +
            "  geoaware query --polygon @sector-north.geojson --from 2026-07-01 --to 2026-10-01 --summary\n" +
            "  geoaware query --bbox 29.0,-1.8,29.4,-1.4 --from 2026-10-01 --count --events")
        {
            Bbox, Polygon, Near, Radius, From, To, Categories, MinSeverity, Statuses, Sexes, Ages, Vulnerabilities, Communities, Bases,
            Format, Output, CountOnly, Summary, Events, PageSize, Retries,
        };
        context.OnService(command, async (parse, service, cancellationToken) =>
        {
            var filter = await FilterAsync(parse, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(CountOnly) && parse.GetValue(Summary))
            {
                throw new CliException(ExitCodes.Usage, "--count and --summary: give one of them");
            }

            filter.CountEvents = parse.GetValue(Events);
            if (filter.CountEvents && !parse.GetValue(CountOnly) && !parse.GetValue(Summary))
            {
                throw new CliException(ExitCodes.Usage, "--events: only with --count or --summary (a listing lists every report)");
            }

            if (parse.GetValue(CountOnly))
            {
                var count = await service.Api.Observations.CountAsync(filter, service.Options(cancellationToken)).ConfigureAwait(false);
                await context.Output.WriteLineAsync(count.Withheld ? $"withheld: too few {Unit(filter)} to show for this token" : $"{(filter.CountEvents ? count.Events : count.Observations)}")
                    .ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (parse.GetValue(Summary))
            {
                var summary = await service.Api.Observations.SummarizeAsync(filter, service.Options(cancellationToken)).ConfigureAwait(false);
                await WriteSummaryAsync(context, summary, filter.CountEvents).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var request = new QueryObservationsRequest { Filter = filter, PageSize = parse.GetValue(PageSize) ?? 0 };
            var pages = ResumingAsync(service, request, parse.GetValue(Retries) ?? 5, context.Error, cancellationToken);
            var format = parse.GetValue(Format)!;
            if (parse.GetValue(Output) is not { } file)
            {
                await using var stdout = System.Console.OpenStandardOutput();
                await WriteAsync(pages, format, stdout, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var written = await AtomicFile.WriteAsync(file.FullName, stream => WriteAsync(pages, format, stream, cancellationToken), cancellationToken).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"wrote {written} observations to {file.FullName}").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The pages of a query, resumed after a stream broken by the network or an unavailable
    /// service: the next call starts after the last page received whole (its page token), so
    /// nothing is written twice or skipped, and an analyst on a poor link loses a wait, not the
    /// download. Failures in a row are bounded by <paramref name="retries"/>; any page received
    /// resets the count.
    /// </summary>
    private static async IAsyncEnumerable<ObservationPage> ResumingAsync(
        Connection.ServiceConnection service, QueryObservationsRequest request, int retries, TextWriter log,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var asked = request.Clone();
        var failures = 0;
        long received = 0;
        var last = false;
        while (true)
        {
            await using var pages = service.StreamAsync(o => service.Api.Observations.Query(asked, o), cancellationToken)
                .GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                ObservationPage? page = null;
                RpcException? broken = null;
                try
                {
                    if (!await pages.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }

                    page = pages.Current;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && failures < retries)
                {
                    broken = e;
                }

                if (broken is not null && last)
                {
                    // The page without a token is the last one: everything arrived, only the
                    // stream's end was lost. Asking again without a token would start over.
                    yield break;
                }

                if (broken is not null)
                {
                    failures++;
                    var wait = TimeSpan.FromTicks(Math.Min(LongestWait.Ticks, FirstWait.Ticks << Math.Min(failures - 1, 16)));
                    await log.WriteLineAsync(
                        $"the stream broke after {received} observations ({broken.Status.Detail}); resuming after the last page received whole in {wait.TotalSeconds:0.#} s ({failures} of {retries})")
                        .ConfigureAwait(false);
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    break;
                }

                failures = 0;
                received += page!.Observations.Count;
                last = page.NextPageToken.Length == 0;
                asked.PageToken = page.NextPageToken;
                yield return page;
            }
        }
    }

    /// <summary>Writes every page as it arrives; returns how many observations were written.</summary>
    private static async Task<long> WriteAsync(IAsyncEnumerable<ObservationPage> pages, string format, Stream output, CancellationToken cancellationToken)
    {
        await using var writer = QueryWriter.For(format, output);
        await foreach (var page in pages.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await writer.WriteAsync(page, cancellationToken).ConfigureAwait(false);
        }

        await writer.EndAsync(cancellationToken).ConfigureAwait(false);
        return writer.Written;
    }

    /// <summary>The options that make an <see cref="ObservationFilter"/>: query and watch share them.</summary>
    internal static System.CommandLine.Option[] FilterOptions => [Bbox, Polygon, Near, Radius, From, To, Categories, MinSeverity, Statuses, Sexes, Ages, Vulnerabilities, Communities, Bases];

    internal static async Task<ObservationFilter> FilterAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var filter = new ObservationFilter { Area = await AreaAsync(parse, cancellationToken).ConfigureAwait(false) };
        if (parse.GetValue(From) is { } from)
        {
            filter.ObservedFrom = Timestamp.FromDateTimeOffset(from);
        }

        if (parse.GetValue(To) is { } to)
        {
            filter.ObservedTo = Timestamp.FromDateTimeOffset(to);
        }

        filter.Categories.AddRange(parse.GetValue(Categories) ?? []);
        filter.MinSeverity = parse.GetValue(MinSeverity) ?? 0;
        filter.Verification.AddRange(parse.GetValue(Statuses) ?? []);
        filter.AffectedSexes.AddRange(parse.GetValue(Sexes) ?? []);
        filter.AffectedAgeGroups.AddRange(parse.GetValue(Ages) ?? []);
        filter.Vulnerabilities.AddRange(parse.GetValue(Vulnerabilities) ?? []);
        filter.CommunityIds.AddRange(parse.GetValue(Communities) ?? []);
        filter.BaseIds.AddRange(parse.GetValue(Bases) ?? []);
        return filter;
    }

    private static async Task<Area?> AreaAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var bbox = Given(parse, Bbox);
        var polygon = Given(parse, Polygon);
        var near = Given(parse, Near);
        var radius = Given(parse, Radius);
        if (new object?[] { bbox, polygon, near }.Count(a => a is not null) > 1)
        {
            throw new CliException(ExitCodes.Usage, "--bbox, --polygon, --near: give at most one area");
        }

        if ((near is null) != (radius is null))
        {
            throw new CliException(ExitCodes.Usage, near is null ? "--radius: needs --near lon,lat" : "--near: needs --radius metres");
        }

        if (bbox is not null)
        {
            return new Area { Bbox = bbox };
        }

        if (near is not null)
        {
            return new Area { Circle = new Circle { Center = new GeoPoint { Longitude = near[0], Latitude = near[1] }, RadiusMetres = radius!.Value } };
        }

        return polygon is null ? null : new Area { Shape = (await PolygonText.ReadAsync(polygon, cancellationToken).ConfigureAwait(false)).Shape };
    }

    /// <summary>The option's value when it was given on the command line; an absent option still has a default value.</summary>
    private static T? Given<T>(ParseResult parse, Option<T> option) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option) : default;

    /// <summary>What a count counts, as its output says it.</summary>
    private static string Unit(ObservationFilter filter) => filter.CountEvents ? "events" : "observations";

    /// <summary>The summary as tables; with <paramref name="events"/> an events column before the observations, and people counted once per event.</summary>
    private static async Task WriteSummaryAsync(CliContext context, ObservationSummary summary, bool events)
    {
        if (summary.Withheld)
        {
            await context.Output.WriteLineAsync($"withheld: too few {(events ? "events" : "observations")} to show for this token").ConfigureAwait(false);
            return;
        }

        await context.Output.WriteLineAsync(
            $"{(events ? $"{summary.Events} events of " : string.Empty)}{summary.Observations} observations, {summary.PeopleAffected} people affected").ConfigureAwait(false);
        string[] counts = events ? ["events", "observations"] : ["observations"];
        string[] Counted(bool withheld, long observations, long counted) =>
            events ? [Shown(withheld, counted), Shown(withheld, observations)] : [Shown(withheld, observations)];

        var categories = Tables.Create(["category", .. counts, "people affected"]);
        foreach (var row in summary.ByCategory)
        {
            Tables.AddRow(categories, [CodeWords.Of(row.Category), .. Counted(row.Withheld, row.Observations, row.Events), Shown(row.Withheld, row.PeopleAffected)]);
        }

        Tables.Write(context, categories);
        var groups = Tables.Create(["sex", "age group", .. counts, "people"]);
        foreach (var row in summary.ByGroup)
        {
            Tables.AddRow(groups, [CodeWords.Of(row.Sex), CodeWords.Of(row.AgeGroup), .. Counted(row.Withheld, row.Observations, row.Events), Shown(row.Withheld, row.People)]);
        }

        Tables.Write(context, groups);
    }

    private static string Shown(bool withheld, long value) => withheld ? "withheld" : $"{value}";
}
