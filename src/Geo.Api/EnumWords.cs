using System.Text;

namespace Geo.Api;

/// <summary>An enum value as a reader says it: RiskLevel.High and FacilityStatus.NotFunctional read "high" and "not functional".</summary>
public static class EnumWords
{
    public static string Spoken<T>(T value)
        where T : struct, Enum
    {
        var words = new StringBuilder();
        foreach (var c in value.ToString())
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(c));
        }

        return words.ToString();
    }
}
