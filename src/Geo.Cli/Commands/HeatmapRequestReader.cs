using System.CommandLine;
using System.Globalization;
using Geo.Cli.Arguments;
using Geo.Cli.Pictures;
using Geo.Core.Spatial;
using NetTopologySuite.Geometries;
using V1 = Geo.Api.V1;

namespace Geo.Cli.Commands;

/// <summary>What <c>geoaware heatmap</c> asks the layer feed for, and what the picture needs beside the answer.</summary>
internal sealed record HeatmapAsk(V1.PullLayerRequest Request, IReadOnlyList<AreaRing> Area, string Who);

/// <summary>
/// Turns the parsed options into the layer feed's request, with the defaults the command adds
/// (the last 12 months, 1 km cells) and the checks that need more than one option. The area is
/// required: the service needs one, and the extent of the registry is not something every token
/// may read.
/// </summary>
internal static class HeatmapRequestReader
{
    public const double DefaultCellMetres = 1000;

    public static async Task<HeatmapAsk> ReadAsync(ParseResult parse, HeatmapOptions options, CancellationToken cancellationToken)
    {
        var (request, outline, who) = await ReadMapAsync(parse, options, cancellationToken).ConfigureAwait(false);
        request.IncludeEmpty = parse.GetValue(options.IncludeEmpty);
        if (parse.GetResult(options.Png) is null && (parse.GetResult(options.Width) ?? parse.GetResult(options.Height)) is { } size)
        {
            throw new CliException(ExitCodes.Usage, $"{size.IdentifierToken?.Value}: only with --png");
        }

        var layer = request.Method == V1.HeatMapMethod.HotSpots ? new V1.PullLayerRequest { HotSpots = request } : new V1.PullLayerRequest { HeatMap = request };
        return new HeatmapAsk(layer, outline, who);
    }

    /// <summary>The heat map the options of <see cref="HeatmapOptions.AddMapTo"/> ask for, the area's outline, and how the legend names who is affected.</summary>
    public static async Task<(V1.HeatMapRequest Request, IReadOnlyList<AreaRing> Outline, string Who)> ReadMapAsync(
        ParseResult parse, HeatmapOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(options);
        var filter = new V1.ObservationFilter { MinSeverity = parse.GetValue(options.MinSeverity) ?? 0 };
        var request = new V1.HeatMapRequest
        {
            Filter = filter,
            CellSizeMetres = parse.GetValue(options.CellMetres) ?? DefaultCellMetres,
            Shape = parse.GetValue(options.Grid),
            Method = parse.GetValue(options.Method),
            Classification = parse.GetValue(options.Classes) ?? default,
            Classes = parse.GetValue(options.ClassCount) ?? 0,
            MinCount = parse.GetValue(options.MinCount) ?? 0,
            CountEvents = parse.GetValue(options.Events),
        };
        var (area, outline) = await AreaAsync(parse, options, cancellationToken).ConfigureAwait(false);
        filter.Area = area;
        Period(parse, options, filter);
        var who = Selection(parse, options, filter);
        filter.Categories.AddRange(parse.GetValue(options.Category) ?? []);
        filter.Verification.AddRange(parse.GetValue(options.Status) ?? []);
        if (parse.GetValue(options.IncludeDiscredited))
        {
            // The service leaves discredited reports out when no status is given: every status, asked for by name.
            if (filter.Verification.Count > 0)
            {
                throw new CliException(ExitCodes.Usage, "--include-discredited: give it or --status, not both");
            }

            filter.Verification.AddRange(Enum.GetValues<V1.VerificationStatus>().Where(v => v != V1.VerificationStatus.Unspecified));
        }

        filter.Vulnerabilities.AddRange(parse.GetValue(options.Vulnerability) ?? []);
        MethodParameters(parse, options, request);
        return (request, outline, who);
    }

    private static async Task<(V1.Area Area, IReadOnlyList<AreaRing> Outline)> AreaAsync(ParseResult parse, HeatmapOptions options, CancellationToken cancellationToken)
    {
        var box = parse.GetValue(options.Bbox);
        var polygon = parse.GetValue(options.Polygon);
        if ((box is null) == (polygon is null))
        {
            throw new CliException(ExitCodes.Usage, box is null
                ? "--bbox or --polygon is required: the area to map (e.g. --bbox 29.0,-1.8,29.4,-1.4)"
                : "--bbox and --polygon: give one area, not both");
        }

        if (box is not null)
        {
            AreaRing ring = new([(box.West, box.South), (box.East, box.South), (box.East, box.North), (box.West, box.North)]);
            return (new V1.Area { Bbox = box }, [ring]);
        }

        var (shape, geometry) = await PolygonText.ReadAsync(polygon!, cancellationToken).ConfigureAwait(false);
        var rings = new List<AreaRing>();
        for (var i = 0; i < geometry.NumGeometries; i++)
        {
            var part = (Polygon)geometry.GetGeometryN(i);
            foreach (var ring in new[] { part.Shell }.Concat(part.Holes))
            {
                rings.Add(new AreaRing(ring.Coordinates.Select(c => (c.X, c.Y)).ToList()));
            }
        }

        return (new V1.Area { Shape = shape }, rings);
    }

    private static void Period(ParseResult parse, HeatmapOptions options, V1.ObservationFilter request)
    {
        var to = parse.GetValue(options.To) ?? new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1), TimeSpan.Zero);
        var from = parse.GetValue(options.From) ?? to.AddMonths(-12);
        if (from >= to)
        {
            throw new CliException(ExitCodes.Usage, string.Create(CultureInfo.InvariantCulture, $"--from: {from:yyyy-MM-ddTHH:mm:ssZ} is not before --to {to:yyyy-MM-ddTHH:mm:ssZ}"));
        }

        request.ObservedFrom = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(from);
        request.ObservedTo = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(to);
    }

    /// <summary>The selector narrowed by --sex and --age (an empty list means any); returns how the legend names it.</summary>
    private static string Selection(ParseResult parse, HeatmapOptions options, V1.ObservationFilter request)
    {
        var selector = parse.GetValue(options.Selector) ?? HeatmapWords.Selectors["all"];
        var name = parse.GetResult(options.Selector)?.Tokens[0].Value;
        var sexes = Narrowed(selector.Sexes, parse.GetValue(options.Sex) ?? [], "--sex", name);
        var ages = Narrowed(selector.Ages, parse.GetValue(options.Age) ?? [], "--age", name);
        request.AffectedSexes.AddRange(sexes);
        request.AffectedAgeGroups.AddRange(ages);
        return HeatmapWords.Describe(sexes, ages);
    }

    private static T[] Narrowed<T>(T[] bySelector, T[] given, string option, string? selector)
    {
        if (bySelector.Length == 0 || given.Length == 0)
        {
            return bySelector.Length == 0 ? given : bySelector;
        }

        var both = given.Intersect(bySelector).ToArray();
        return both.Length > 0 ? both : throw new CliException(ExitCodes.Usage, $"{option}: selects no one within --selector {selector}");
    }

    private static void MethodParameters(ParseResult parse, HeatmapOptions options, V1.HeatMapRequest request)
    {
        var method = request.Method;
        if (parse.GetValue(options.BandwidthMetres) is { } bandwidth)
        {
            request.BandwidthMetres = method == V1.HeatMapMethod.KernelDensity ? bandwidth : throw new CliException(ExitCodes.Usage, "--bandwidth-metres: only with --method density");
        }

        if (parse.GetValue(options.DistanceBandMetres) is { } band)
        {
            request.DistanceBandMetres = method == V1.HeatMapMethod.HotSpots ? band : throw new CliException(ExitCodes.Usage, "--distance-band-metres: only with --method hot-spots");
        }

        var weights = parse.GetValue(options.Weight) ?? [];
        var halfLife = parse.GetValue(options.HalfLifeDays);
        if (weights.Length == 0 && halfLife is null)
        {
            if (method == V1.HeatMapMethod.WeightedSum)
            {
                throw new CliException(ExitCodes.Usage, "--method weighted: needs --weight severity, --weight people or --half-life-days");
            }

            return;
        }

        if (method is V1.HeatMapMethod.Unspecified or V1.HeatMapMethod.Count)
        {
            throw new CliException(ExitCodes.Usage, $"{(weights.Length > 0 ? "--weight" : "--half-life-days")}: counts are not weighted; use --method weighted, density or hot-spots");
        }

        request.Weighting = new V1.Weighting
        {
            BySeverity = weights.Contains(HeatmapWords.Weight.Severity),
            ByPeople = weights.Contains(HeatmapWords.Weight.People),
            HalfLife = halfLife is { } days ? Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromDays(days)) : null,
        };
    }
}
