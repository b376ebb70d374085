using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Geo.Grpc.Tests.Telemetry;

/// <summary>The samples of a Prometheus text exposition (format 0.0.4): name, labels and value per line.</summary>
internal static partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public static List<Sample> Parse(string exposition)
    {
        var samples = new List<Sample>();
        foreach (var line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = SampleLine().Match(line);
            if (!match.Success)
            {
                throw new FormatException($"not a sample line of the text format: {line}");
            }

            samples.Add(new Sample(match.Groups["name"].Value, Labels(match.Groups["labels"].Value), ParseValue(match.Groups["value"].Value)));
        }

        return samples;
    }

    /// <summary>The one sample named <paramref name="name"/> whose labels include <paramref name="labels"/>, or null.</summary>
    public static double? Value(IEnumerable<Sample> samples, string name, params (string Name, string Value)[] labels)
    {
        var matching = samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).ToList();
        return matching.Count switch
        {
            0 => null,
            1 => matching[0].Value,
            _ => throw new InvalidOperationException($"{matching.Count} samples of {name} match: {string.Join("; ", matching)}"),
        };
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    /// <summary>name="value" pairs, separated by commas; values escape backslash, double quote and newline.</summary>
    private static Dictionary<string, string> Labels(string text)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            var equals = text.IndexOf('=', i);
            var name = text[i..equals];
            var value = new StringBuilder();
            var j = equals + 2;
            for (; text[j] != '"'; j++)
            {
                value.Append(text[j] == '\\' ? text[++j] switch { 'n' => '\n', var c => c } : text[j]);
            }

            labels[name] = value.ToString();
            i = j + 1;
            if (i < text.Length && text[i] == ',')
            {
                i++;
            }
        }

        return labels;
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( -?\d+)?$""")]
    private static partial Regex SampleLine();
}
