using System.Text;

namespace Geo.Grpc.Hosting;

/// <summary>
/// The API's enum codes as a person types them on a command line: the member's name in kebab case
/// (cpas-focal-point, threat-of-physical-violence, women-protection). Case, hyphens and underscores
/// are ignored when reading, so the feeds' spelling (threat_of_physical_violence) works too.
/// </summary>
public static class CodeWords
{
    /// <summary>The word for <paramref name="value"/>: Role.CpasFocalPoint is cpas-focal-point.</summary>
    public static string Of<T>(T value)
        where T : struct, Enum => Kebab(value.ToString());

    /// <summary>Every word of the enum except its zero value ("unspecified", "none"), in declaration order.</summary>
    public static IReadOnlyList<string> All<T>()
        where T : struct, Enum => Values<T>().Select(v => Of(v)).ToList();

    /// <summary>The value <paramref name="text"/> names, or null when it names none (or only the zero value).</summary>
    public static T? Parse<T>(string text)
        where T : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var value in Values<T>())
        {
            if (Matches(text, value.ToString()))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="text"/> as typed names <paramref name="word"/>, ignoring case, hyphens and underscores.</summary>
    public static bool Matches(string text, string word)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(word);
        return Squash(text) == Squash(word);
    }

    private static IEnumerable<T> Values<T>()
        where T : struct, Enum => Enum.GetValues<T>().Where(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) != 0);

    private static string Kebab(string name)
    {
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    private static string Squash(string text) =>
        text.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).Trim().ToLowerInvariant();
}
