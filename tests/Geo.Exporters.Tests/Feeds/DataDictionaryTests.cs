using Geo.Exporters.Feeds;
using Xunit;

namespace Geo.Exporters.Tests.Feeds;

/// <summary>The README's data dictionary is what importers build on: it must list exactly the fields the feed writes.</summary>
public sealed class DataDictionaryTests
{
    private static string ReadmeText()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GeoAwareness.sln")))
        {
            directory = directory.Parent;
        }

        Assert.True(directory is not null, "the repository root (GeoAwareness.sln) was not found above " + AppContext.BaseDirectory);
        return File.ReadAllText(Path.Combine(directory.FullName, "README.md"));
    }

    /// <summary>The rows of the observation feed's dictionary table: | `name` | type | meaning | HXL | Ushahidi |.</summary>
    private static List<string[]> DictionaryRows()
    {
        var text = ReadmeText();
        var start = text.IndexOf("### Observation feed: data dictionary", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no '### Observation feed: data dictionary' section");
        var end = text.IndexOf("\n#", start + 10, StringComparison.Ordinal);
        var section = end < 0 ? text[start..] : text[start..end];
        return section.Split('\n')
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line.Trim().Trim('|').Split('|').Select(cell => cell.Trim()).ToArray())
            .ToList();
    }

    [Fact]
    public void Readme_ObservationDictionary_ListsEveryFieldTheFeedWritesInOrder()
    {
        var documented = DictionaryRows().Select(row => row[0].Trim('`')).ToList();

        Assert.Equal(ObservationFields.All.Select(f => f.Name), documented);
    }

    [Fact]
    public void Readme_ObservationDictionary_GivesEachFieldItsTypeAndHxlTag()
    {
        var rows = DictionaryRows().ToDictionary(row => row[0].Trim('`'));

        foreach (var field in ObservationFields.All)
        {
            Assert.Equal(field.Type, rows[field.Name][1]);
            Assert.Equal(field.Hxl, rows[field.Name][3].Trim('`'));
            Assert.Equal(field.Ushahidi, rows[field.Name][4]);
        }
    }
}
