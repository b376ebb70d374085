using Geo.Core.Indicators;
using Geo.Exporters.Feeds;
using V1 = Geo.Api.V1;

namespace Geo.Cli.Commands;

/// <summary>
/// The words <c>geoaware heatmap</c> accepts for codes: the feeds' and indicators' code words
/// (threat_of_physical_violence, female, child, verified), with a hyphen allowed for the
/// underscore, and the gender/age selectors an analyst asks for by name.
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

    public static IReadOnlyDictionary<string, V1.Category> Categories { get; } =
        Enum.GetValues<Core.Domain.ObservationCategory>().ToDictionary(c => Disaggregation.CategoryName(c), c => (V1.Category)c);

    public static IReadOnlyDictionary<string, V1.Sex> Sexes { get; } =
        Enum.GetValues<Core.Domain.Sex>().ToDictionary(s => Disaggregation.SexName(s), s => (V1.Sex)s);

    public static IReadOnlyDictionary<string, V1.AgeGroup> Ages { get; } =
        Enum.GetValues<Core.Domain.AgeGroup>().ToDictionary(a => Disaggregation.AgeName(a), a => (V1.AgeGroup)a);

    public static IReadOnlyDictionary<string, V1.VerificationStatus> Statuses { get; } =
        Enum.GetValues<Core.Domain.VerificationStatus>().ToDictionary(s => FeedCodes.Verification(s), s => (V1.VerificationStatus)s);

    /// <summary>The API's own names (VULNERABILITY_MINORITIES as minorities): no other code word exists for them.</summary>
    public static IReadOnlyDictionary<string, V1.Vulnerability> Vulnerabilities { get; } =
        V1.CommonReflection.Descriptor.EnumTypes.Single(e => e.ClrType == typeof(V1.Vulnerability)).Values
            .Where(v => v.Number != 0)
            .ToDictionary(v => v.Name["VULNERABILITY_".Length..].ToLowerInvariant(), v => (V1.Vulnerability)v.Number);

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

    public static IReadOnlyDictionary<string, V1.Classification> Classifications { get; } = new Dictionary<string, V1.Classification>
    {
        ["quantile"] = V1.Classification.Quantile,
        ["natural-breaks"] = V1.Classification.NaturalBreaks,
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
            if (Normalised(key) == Normalised(word))
            {
                value = candidate;
                return true;
            }
        }

        value = default!;
        return false;
    }

    /// <summary>The words as help and errors show them: hyphenated, comma-separated.</summary>
    public static string List<T>(IReadOnlyDictionary<string, T> words) => string.Join(", ", words.Keys.Select(k => k.Replace('_', '-')));

    private static string Normalised(string word) => word.Trim().ToLowerInvariant().Replace('-', '_');

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
