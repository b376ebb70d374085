using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Geo.Grpc.Hosting;
using V1 = Geo.Api.V1;

namespace Geo.Cli.Arguments;

/// <summary>
/// Options that read the mission's values: API codes by their words, dates and times, lists of
/// numbers. A malformed value is a parse error that names the option and what it expects, so the
/// command never runs with it (exit 2).
/// </summary>
internal static class CliOptions
{
    /// <summary>One API code by its word (<see cref="CodeWords"/>): <c>--role cpas-focal-point</c>.</summary>
    public static Option<T?> Code<T>(string name, string description)
        where T : struct, Enum => new(name)
        {
            Description = $"{description}: {string.Join(", ", CodeWords.All<T>())}",
            HelpName = typeof(T).Name.ToLowerInvariant(),
            CustomParser = result => result.Tokens.Count == 0 ? null : ReadCode<T>(result, result.Tokens[0].Value),
        };

    /// <summary>A repeatable API code (<c>--sex female --sex unknown</c>, or <c>--sex female,unknown</c>).</summary>
    public static Option<T[]> Codes<T>(string name, string description)
        where T : struct, Enum => new(name)
        {
            Description = $"{description} (repeatable): {string.Join(", ", CodeWords.All<T>())}",
            HelpName = typeof(T).Name.ToLowerInvariant(),
            Arity = ArgumentArity.ZeroOrMore,
            CustomParser = result => result.Tokens
                .SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(word => ReadCode<T>(result, word) ?? default)
                .Distinct()
                .ToArray(),
        };

    /// <summary>A UTC time: a day (2026-10-01, its midnight) or an ISO 8601 time with an offset or Z.</summary>
    public static Option<DateTimeOffset?> Time(string name, string description) => new(name)
    {
        Description = $"{description} (a day such as 2026-10-01, or a time such as 2026-10-01T06:00:00Z)",
        HelpName = "time",
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return null;
            }

            var text = result.Tokens[0].Value;
            if (ReadDay(text) is { } day)
            {
                return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            }

            if (text.Contains('T', StringComparison.Ordinal)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
            {
                return time;
            }

            result.AddError($"{name}: '{text}' is not a day (2026-10-01) or a UTC time (2026-10-01T06:00:00Z)");
            return null;
        },
    };

    /// <summary>A calendar day, 2026-10-01.</summary>
    public static Option<DateOnly?> Day(string name, string description) => new(name)
    {
        Description = $"{description} (yyyy-mm-dd)",
        HelpName = "date",
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return null;
            }

            var text = result.Tokens[0].Value;
            if (ReadDay(text) is { } day)
            {
                return day;
            }

            result.AddError($"{name}: '{text}' is not a date (yyyy-mm-dd, e.g. 2026-10-01)");
            return null;
        },
    };

    /// <summary>Comma-separated numbers, exactly as many as <paramref name="names"/> says (<c>minLon,minLat,maxLon,maxLat</c>).</summary>
    public static Option<double[]?> Numbers(string name, string names, string description) => new(name)
    {
        Description = $"{description} ({names})",
        HelpName = names,
        // Array options default to an empty array; an absent list of numbers is no value at all.
        DefaultValueFactory = _ => null,
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return null;
            }

            var text = result.Tokens[0].Value;
            if (ReadNumbers(text, names.Split(',').Length) is { } values)
            {
                return values;
            }

            result.AddError($"{name}: expected {names}, got '{text}'");
            return null;
        },
    };

    /// <summary>
    /// <c>--bbox minLon,minLat,maxLon,maxLat</c> in WGS84 degrees, checked to be a box on the globe
    /// with some area; one that crosses the antimeridian is a polygon.
    /// </summary>
    public static Option<V1.BoundingBox?> Bbox(string description) => new("--bbox")
    {
        Description = description,
        HelpName = "minLon,minLat,maxLon,maxLat",
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return null;
            }

            var text = result.Tokens[0].Value;
            if (ReadNumbers(text, 4) is not { } numbers)
            {
                result.AddError($"--bbox: '{text}' is not four comma-separated numbers minLon,minLat,maxLon,maxLat");
                return null;
            }

            var (west, south, east, north) = (numbers[0], numbers[1], numbers[2], numbers[3]);
            if (west < -180 || east > 180 || south < -90 || north > 90)
            {
                result.AddError($"--bbox: '{text}' is outside -180..180 longitude, -90..90 latitude");
            }
            else if (west >= east || south >= north)
            {
                result.AddError($"--bbox: '{text}' is empty: minLon must be below maxLon and minLat below maxLat (a box across the antimeridian needs --polygon)");
            }

            return new V1.BoundingBox { West = west, South = south, East = east, North = north };
        },
    };

    /// <summary>A finite number in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static Option<double?> Number(string name, string description, double min, double max) => new(name)
    {
        Description = description,
        HelpName = "number",
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return null;
            }

            var text = result.Tokens[0].Value;
            if (ReadNumbers(text, 1) is not [var value])
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

    /// <summary>A whole number in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static Option<int?> Count(string name, string description, int min, int max) => new(name)
    {
        Description = $"{description} ({min} to {max})",
        HelpName = "n",
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return null;
            }

            var text = result.Tokens[0].Value;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a whole number from {min} to {max}");
            return null;
        },
    };

    /// <summary>One word of a fixed list (an output format): <c>--format table|geojson|csv</c>.</summary>
    public static Option<string> OneOf(string name, string description, params string[] words) => new(name)
    {
        Description = $"{description}: {string.Join(", ", words)} (default {words[0]})",
        HelpName = string.Join('|', words),
        DefaultValueFactory = _ => words[0],
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? words[0] : result.Tokens[0].Value;
            if (words.Contains(text, StringComparer.OrdinalIgnoreCase))
            {
                return text.ToLowerInvariant();
            }

            result.AddError($"{name}: '{text}' is not one of {string.Join(", ", words)}");
            return words[0];
        },
    };

    /// <summary>
    /// <c>--events</c>, the services' count_events, spelled the same on every command that counts
    /// observations (heatmap, query --count or --summary, indicators); <paramref name="what"/> says what it changes there.
    /// </summary>
    public static Option<bool> Events(string what) => new("--events")
    {
        Description = $"count events rather than reports: observations a supervisor linked as one event count once{what}",
    };

    /// <summary>A calendar day written yyyy-mm-dd, or null.</summary>
    public static DateOnly? ReadDay(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    /// <summary>Exactly <paramref name="count"/> comma-separated finite numbers, or null.</summary>
    private static double[]? ReadNumbers(string text, int count)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != count)
        {
            return null;
        }

        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
            {
                return null;
            }
        }

        return values;
    }

    internal static T? ReadCode<T>(ArgumentResult result, string word)
        where T : struct, Enum
    {
        if (CodeWords.Parse<T>(word) is { } value)
        {
            return value;
        }

        var option = result.Parent is OptionResult parent ? parent.Option.Name : typeof(T).Name;
        result.AddError($"{option}: '{word}' is not one of {string.Join(", ", CodeWords.All<T>())}");
        return null;
    }
}
