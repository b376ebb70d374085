using Geo.Core.Indicators;
using Geo.Grpc.Hosting;
using V1 = Geo.Api.V1;

namespace Geo.Cli.Commands;

/// <summary>
/// The words <c>geoaware heatmap</c> has of its own: the gender/age selectors an analyst asks for
/// by name, and shorter names for the method, grid and weights than the API's enums. The API's
/// codes (--sex, --category, ...) are read as every command reads them, by <see cref="CodeWords"/>.
/// </summary>
internal static class HeatmapWords
{
    /// <summary>A gender/age selector: the sexes and age groups it covers (empty: any).</summary>
    public sealed record Selector(V1.Sex[] Sexes, V1.AgeGroup[] Ages);

    private static readonly V1.AgeGroup[] Grown = [V1.AgeGroup.Youth, V1.AgeGroup.Adult, V1.AgeGroup.Older];

    public static IReadOnlyDictionary<string, Selector> Selectors { get; } = new Dictionary<string, Selector>
    {
        ["all"] = new([], []),
        ["women-and-girls"] = new([V1.Sex.Female], []),
        ["women"] = new([V1.Sex.Female], Grown),
        ["girls"] = new([V1.Sex.Female], [V1.AgeGroup.Child]),
        ["men-and-boys"] = new([V1.Sex.Male], []),
        ["men"] = new([V1.Sex.Male], Grown),
        ["boys"] = new([V1.Sex.Male], [V1.AgeGroup.Child]),
        ["children"] = new([], [V1.AgeGroup.Child]),
        ["youth"] = new([], [V1.AgeGroup.Youth]),
        ["older-people"] = new([], [V1.AgeGroup.Older]),
    };

    public static IReadOnlyDictionary<string, V1.HeatMapMethod> Methods { get; } = new Dictionary<string, V1.HeatMapMethod>
    {
        ["counts"] = V1.HeatMapMethod.Count,
        ["weighted"] = V1.HeatMapMethod.WeightedSum,
        ["density"] = V1.HeatMapMethod.KernelDensity,
        ["hot-spots"] = V1.HeatMapMethod.HotSpots,
    };

    public static IReadOnlyDictionary<string, V1.GridShape> Grids { get; } = new Dictionary<string, V1.GridShape>
    {
        ["square"] = V1.GridShape.Square,
        ["hex"] = V1.GridShape.Hexagon,
    };

    public static IReadOnlyDictionary<string, Weight> Weights { get; } = new Dictionary<string, Weight>
    {
        ["severity"] = Weight.Severity,
        ["people"] = Weight.People,
    };

    /// <summary>The value of <paramref name="word"/>, in any case, with hyphens or underscores; false when it is none of <paramref name="words"/>.</summary>
    public static bool TryFind<T>(IReadOnlyDictionary<string, T> words, string word, out T value)
    {
        foreach (var (key, candidate) in words)
        {
            if (CodeWords.Matches(word, key))
            {
                value = candidate;
                return true;
            }
        }

        value = default!;
        return false;
    }

    /// <summary>
    /// A selector by name (<c>girls</c>) or as sex:age, each side one code or a comma list, or
    /// <c>any</c>: <c>female:child</c> is girls, <c>female</c> women and girls, <c>any:older</c> older people.
    /// </summary>
    public static bool TryFindSelector(string word, out Selector selector)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (TryFind(Selectors, word, out selector))
        {
            return true;
        }

        var parts = word.Split(':');
        var sexes = Codes<V1.Sex>(parts[0]);
        var ages = parts.Length == 2 ? Codes<V1.AgeGroup>(parts[1]) : parts.Length == 1 ? [] : null;
        selector = sexes is null || ages is null || (sexes.Length == 0 && ages.Length == 0) ? null! : new Selector(sexes, ages);
        return selector is not null;
    }

    /// <summary>The codes of a comma list (empty for <c>any</c>), or null when a word is none.</summary>
    private static T[]? Codes<T>(string list)
        where T : struct, Enum
    {
        if (CodeWords.Matches(list, "any"))
        {
            return [];
        }

        var codes = list.Split(',', StringSplitOptions.TrimEntries).Select(CodeWords.Parse<T>).ToList();
        return codes.Count == 0 || codes.Any(c => c is null) ? null : [.. codes.Select(c => c!.Value).Distinct()];
    }

    /// <summary>The words as help and errors show them: hyphenated, comma-separated.</summary>
    public static string List<T>(IReadOnlyDictionary<string, T> words) => string.Join(", ", words.Keys.Select(k => k.Replace('_', '-')));

    /// <summary>The name of the selector that covers exactly these sexes and ages, or the groups spelled out ("female x child, youth").</summary>
    public static string Describe(IReadOnlyCollection<V1.Sex> sexes, IReadOnlyCollection<V1.AgeGroup> ages)
    {
        foreach (var (name, selector) in Selectors)
        {
            if (selector.Sexes.ToHashSet().SetEquals(sexes) && selector.Ages.ToHashSet().SetEquals(ages))
            {
                return name == "all" ? "everyone" : name.Replace('-', ' ');
            }
        }

        var sexWords = sexes.Count == 0 ? "any sex" : string.Join(", ", sexes.Select(s => Disaggregation.SexName((Core.Domain.Sex)s)));
        var ageWords = ages.Count == 0 ? "any age" : string.Join(", ", ages.Select(a => Disaggregation.AgeName((Core.Domain.AgeGroup)a)));
        return $"{sexWords} x {ageWords}";
    }

    /// <summary>A part of an observation's weight.</summary>
    internal enum Weight
    {
        Severity = 1,
        People = 2,
    }
}
