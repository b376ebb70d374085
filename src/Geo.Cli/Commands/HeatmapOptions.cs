using System.CommandLine;
using System.CommandLine.Parsing;
using Geo.Cli.Arguments;
using Geo.Cli.Pictures;
using Geo.Core.HeatMaps;
using V1 = Geo.Api.V1;

namespace Geo.Cli.Commands;

/// <summary>
/// The options of <c>geoaware heatmap</c>. Each one checks its own value as it is parsed, so a
/// bad value is a usage error (exit 2) that names the option; what depends on several options is
/// checked by <see cref="HeatmapRequestReader"/>. Values the other commands take too are read by
/// <see cref="CliOptions"/>; the words here are the heat map's own (selectors, methods, grids, weights).
/// </summary>
/// <param name="selectorName">The selector's option: <c>--selector</c> for the heat map, <c>--group</c> for the group gaps.</param>
internal sealed class HeatmapOptions(string selectorName = "--selector")
{
    public Option<V1.BoundingBox?> Bbox { get; } = CliOptions.Bbox("the area in WGS84 degrees (required, or --polygon)");

    public Option<string> Polygon { get; } = new(PolygonText.Option)
    {
        Description = "the area as a polygon or multipolygon: WKT, a GeoJSON geometry, or @file holding either",
        HelpName = "shape",
    };

    public Option<DateTimeOffset?> From { get; } = CliOptions.Time("--from", "start of the period, inclusive (default: 12 months before --to)");

    public Option<DateTimeOffset?> To { get; } = CliOptions.Time("--to", "end of the period, exclusive (default: the end of today, UTC)");

    public Option<HeatmapWords.Selector> Selector { get; } = new(selectorName)
    {
        Description = $"who is affected: {HeatmapWords.List(HeatmapWords.Selectors)}, or sex:age (female:child, female, male:youth,adult, any:older)",
        HelpName = "selector",
        CustomParser = result =>
        {
            var word = result.Tokens[0].Value;
            if (HeatmapWords.TryFindSelector(word, out var selector))
            {
                return selector;
            }

            result.AddError($"{selectorName}: '{word}' is not one of: {HeatmapWords.List(HeatmapWords.Selectors)}, nor sex:age ({string.Join(", ", Geo.Grpc.Hosting.CodeWords.All<V1.Sex>())} : {string.Join(",", Geo.Grpc.Hosting.CodeWords.All<V1.AgeGroup>())})");
            return null!;
        },
    };

    public Option<V1.Sex[]> Sex { get; } = CliOptions.Codes<V1.Sex>("--sex", "affecting these sexes (narrows --selector)");

    public Option<V1.AgeGroup[]> Age { get; } = CliOptions.Codes<V1.AgeGroup>("--age", "affecting these age groups (narrows --selector)");

    public Option<V1.Category[]> Category { get; } = new("--category")
    {
        Description = $"observation categories (repeatable), or all (default: the threat and alert categories): {string.Join(", ", Geo.Grpc.Hosting.CodeWords.All<V1.Category>())}",
        HelpName = "category",
        Arity = ArgumentArity.ZeroOrMore,
        CustomParser = result =>
        {
            var words = result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            if (words.Any(w => Geo.Grpc.Hosting.CodeWords.Matches(w, "all")))
            {
                return [.. Enum.GetValues<V1.Category>().Where(c => c != V1.Category.Unspecified)];
            }

            return [.. words.Select(w => CliOptions.ReadCode<V1.Category>(result, w) ?? default).Distinct()];
        },
    };

    public Option<int?> MinSeverity { get; } = CliOptions.Count("--min-severity", "only observations of at least this severity", 1, 5);

    public Option<V1.VerificationStatus[]> Status { get; } = CliOptions.Codes<V1.VerificationStatus>("--status", "verification statuses (default: reported and verified)");

    public Option<bool> IncludeDiscredited { get; } = new("--include-discredited")
    {
        Description = "count discredited reports too (every status; the default leaves them out)",
    };

    public Option<bool> Events { get; } = CliOptions.Events(string.Empty);

    public Option<V1.Vulnerability[]> Vulnerability { get; } = CliOptions.Codes<V1.Vulnerability>("--vulnerability", "observations affecting these vulnerable groups");

    public Option<V1.HeatMapMethod> Method { get; } = Word("--method", HeatmapWords.Methods, "the surface (default: counts)");

    public Option<HeatmapWords.Weight[]> Weight { get; } = Words("--weight", HeatmapWords.Weights, "what weighs an observation (weighted needs one of these or --half-life-days)");

    public Option<double?> HalfLifeDays { get; } = CliOptions.Number("--half-life-days", "time decay: an observation's weight halves every this many days before the period's end", 0.01, 36_500);

    public Option<V1.GridShape> Grid { get; } = Word("--grid", HeatmapWords.Grids, "cell shape (default: square; a hexagon's size is its side)");

    public Option<double?> CellMetres { get; } = CliOptions.Number("--cell-metres", "cell size in metres (default: 1000)", HeatMapLimits.MinCellSizeMetres, HeatMapLimits.MaxCellSizeMetres);

    public Option<double?> BandwidthMetres { get; } = CliOptions.Number("--bandwidth-metres", "density: the kernel's radius (default: 5 cells)", 1, 10_000_000);

    public Option<double?> DistanceBandMetres { get; } = CliOptions.Number("--distance-band-metres", "hot-spots: the neighbours' distance (default: 3 cells)", 1, 10_000_000);

    public Option<V1.Classification?> Classes { get; } = CliOptions.Code<V1.Classification>("--classes", "how cells are classed (default: quantile)");

    public Option<int?> ClassCount { get; } = CliOptions.Count("--class-count", "number of classes (default: 5)", 2, 10);

    public Option<int?> MinCount { get; } = CliOptions.Count("--min-count", "withhold cells resting on fewer observations (a coarsened token's minimum still applies)", 0, int.MaxValue);

    public Option<bool> IncludeEmpty { get; } = new("--include-empty")
    {
        Description = "also cells with no observation; with hot-spots, every cell including those not significant",
    };

    public Option<string> GeoJson { get; } = new("--geojson")
    {
        Description = "write the layer's GeoJSON here ('-' for stdout; the default when --png is not given)",
        HelpName = "file",
    };

    public Option<string> Png { get; } = new("--png")
    {
        Description = "draw the cells with a legend as a PNG picture here",
        HelpName = "file",
    };

    public Option<int?> Width { get; } = CliOptions.Count("--width", "picture width in pixels (default: 1200)", HeatMapPicture.MinWidth, 8000);

    public Option<int?> Height { get; } = CliOptions.Count("--height", "picture height in pixels (default: 800)", HeatMapPicture.MinHeight, 8000);

    /// <summary>The heat map's options: the map's (<see cref="AddMapTo"/>) and the outputs'.</summary>
    public void AddTo(Command command)
    {
        AddMapTo(command);
        foreach (var option in (Option[])[IncludeEmpty, GeoJson, Png, Width, Height])
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The options that say which map: area, period, filters, selector, method and grid (<see cref="HeatmapRequestReader.ReadMapAsync"/> reads them).</summary>
    public IReadOnlyList<Option> Map =>
    [
        Bbox, Polygon, From, To, Selector, Sex, Age, Category, MinSeverity, Status, IncludeDiscredited, Vulnerability, Events, Method, Weight, HalfLifeDays,
        Grid, CellMetres, BandwidthMetres, DistanceBandMetres, Classes, ClassCount, MinCount,
    ];

    public void AddMapTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in Map)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>One word of <paramref name="words"/>; when the option is absent the value is default (null, or a proto enum's UNSPECIFIED: the service's default).</summary>
    private static Option<T> Word<T>(string name, IReadOnlyDictionary<string, T> words, string description) => new(name)
    {
        Description = $"{description}: {HeatmapWords.List(words)}",
        HelpName = "word",
        CustomParser = result => Find(result, name, words, result.Tokens[0].Value, out var value) ? value : default!,
    };

    private static Option<T[]> Words<T>(string name, IReadOnlyDictionary<string, T> words, string description) => new(name)
    {
        Description = $"{description}: {HeatmapWords.List(words)}",
        HelpName = "word",
        CustomParser = result =>
        {
            var values = new List<T>();
            foreach (var word in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                if (Find(result, name, words, word, out var value) && !values.Contains(value))
                {
                    values.Add(value);
                }
            }

            return [.. values];
        },
    };

    private static bool Find<T>(ArgumentResult result, string name, IReadOnlyDictionary<string, T> words, string word, out T value)
    {
        if (HeatmapWords.TryFind(words, word, out value))
        {
            return true;
        }

        result.AddError($"{name}: '{word}' is not one of: {HeatmapWords.List(words)}");
        return false;
    }
}
