using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Geo.Cli.Pictures;
using Geo.Core.HeatMaps;
using V1 = Geo.Api.V1;

namespace Geo.Cli.Commands;

/// <summary>
/// The options of <c>geoaware heatmap</c>. Each one checks its own value as it is parsed, so a
/// bad value is a usage error (exit 2) that names the option; what depends on several options is
/// checked by <see cref="HeatmapRequestReader"/>.
/// </summary>
internal sealed class HeatmapOptions
{
    public Option<V1.BoundingBox> Bbox { get; } = new("--bbox")
    {
        Description = "the area: minLon,minLat,maxLon,maxLat in WGS84 degrees (required, or --polygon)",
        HelpName = "box",
        CustomParser = ParseBox,
    };

    public Option<string> Polygon { get; } = new("--polygon")
    {
        Description = "the area as a polygon or multipolygon: WKT, a GeoJSON geometry, or @file holding either",
        HelpName = "shape",
    };

    public Option<DateTimeOffset?> From { get; } = Time("--from", "start of the period, inclusive: yyyy-MM-dd (UTC midnight) or an ISO 8601 time (default: 12 months before --to)");

    public Option<DateTimeOffset?> To { get; } = Time("--to", "end of the period, exclusive (default: the end of today, UTC)");

    public Option<HeatmapWords.Selector> Selector { get; } = Word("--selector", HeatmapWords.Selectors, "who is affected, by name");

    public Option<V1.Sex[]> Sex { get; } = Words("--sex", HeatmapWords.Sexes, "affecting these sexes (repeatable or comma-separated; narrows --selector)");

    public Option<V1.AgeGroup[]> Age { get; } = Words("--age", HeatmapWords.Ages, "affecting these age groups (narrows --selector)");

    public Option<V1.Category[]> Category { get; } = Words("--category", HeatmapWords.Categories, "observation categories");

    public Option<int?> MinSeverity { get; } = Integer("--min-severity", 1, 5, "only observations of at least this severity");

    public Option<V1.VerificationStatus[]> Status { get; } = Words("--status", HeatmapWords.Statuses, "verification statuses");

    public Option<V1.Vulnerability[]> Vulnerability { get; } = Words("--vulnerability", HeatmapWords.Vulnerabilities, "observations affecting these vulnerable groups");

    public Option<V1.HeatMapMethod> Method { get; } = Word("--method", HeatmapWords.Methods, "the surface (default: counts)");

    public Option<HeatmapWords.Weight[]> Weight { get; } = Words("--weight", HeatmapWords.Weights, "what weighs an observation (weighted needs one of these or --half-life-days)");

    public Option<double?> HalfLifeDays { get; } = Number("--half-life-days", 0.01, 36_500, "time decay: an observation's weight halves every this many days before the period's end");

    public Option<V1.GridShape> Grid { get; } = Word("--grid", HeatmapWords.Grids, "cell shape (default: square; a hexagon's size is its side)");

    public Option<double?> CellMetres { get; } = Number("--cell-metres", HeatMapLimits.MinCellSizeMetres, HeatMapLimits.MaxCellSizeMetres, "cell size in metres (default: 1000)");

    public Option<double?> BandwidthMetres { get; } = Number("--bandwidth-metres", 1, 10_000_000, "density: the kernel's radius (default: 5 cells)");

    public Option<double?> DistanceBandMetres { get; } = Number("--distance-band-metres", 1, 10_000_000, "hot-spots: the neighbours' distance (default: 3 cells)");

    public Option<V1.Classification> Classes { get; } = Word("--classes", HeatmapWords.Classifications, "how cells are classed (default: quantile)");

    public Option<int?> ClassCount { get; } = Integer("--class-count", 2, 10, "number of classes (default: 5)");

    public Option<int?> MinCount { get; } = Integer("--min-count", 0, int.MaxValue, "withhold cells resting on fewer observations (a coarsened token's minimum still applies)");

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

    public Option<int?> Width { get; } = Integer("--width", HeatMapPicture.MinWidth, 8000, "picture width in pixels (default: 1200)");

    public Option<int?> Height { get; } = Integer("--height", HeatMapPicture.MinHeight, 8000, "picture height in pixels (default: 800)");

    public void AddTo(Command command)
    {
        Option[] all =
        [
            Bbox, Polygon, From, To, Selector, Sex, Age, Category, MinSeverity, Status, Vulnerability, Method, Weight, HalfLifeDays,
            Grid, CellMetres, BandwidthMetres, DistanceBandMetres, Classes, ClassCount, MinCount, IncludeEmpty, GeoJson, Png, Width, Height,
        ];
        foreach (var option in all)
        {
            command.Options.Add(option);
        }
    }

    private static V1.BoundingBox? ParseBox(ArgumentResult result)
    {
        var text = result.Tokens[0].Value;
        var parts = text.Split(',');
        var numbers = new double[parts.Length];
        if (parts.Length != 4 || !parts.Select((p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i])).All(ok => ok))
        {
            result.AddError($"--bbox: '{text}' is not four comma-separated numbers minLon,minLat,maxLon,maxLat");
            return null;
        }

        var (west, south, east, north) = (numbers[0], numbers[1], numbers[2], numbers[3]);
        if (numbers.Any(n => !double.IsFinite(n)) || west < -180 || east > 180 || south < -90 || north > 90)
        {
            result.AddError($"--bbox: '{text}' is outside -180..180 longitude, -90..90 latitude");
        }
        else if (west >= east || south >= north)
        {
            result.AddError($"--bbox: '{text}' is empty: minLon must be below maxLon and minLat below maxLat (a box across the antimeridian needs --polygon)");
        }

        return new V1.BoundingBox { West = west, South = south, East = east, North = north };
    }

    private static Option<DateTimeOffset?> Time(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "time",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
                || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
            {
                return date.ToUniversalTime();
            }

            result.AddError($"{name}: '{text}' is not a date (yyyy-MM-dd) or an ISO 8601 time");
            return null;
        },
    };

    private static Option<double?> Number(string name, double min, double max, string description) => new(name)
    {
        Description = description,
        HelpName = "number",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                result.AddError($"{name}: '{text}' is not a number");
                return null;
            }

            if (value < min || value > max)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name}: {text} is out of range {min:0.##}..{max:0.##}"));
            }

            return value;
        },
    };

    private static Option<int?> Integer(string name, int min, int max, string description) => new(name)
    {
        Description = description,
        HelpName = "n",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                result.AddError($"{name}: '{text}' is not a whole number");
                return null;
            }

            if (value < min || value > max)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name}: {value} is out of range {min}..{max}"));
            }

            return value;
        },
    };

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
