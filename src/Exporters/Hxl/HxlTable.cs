using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace Geo.Exporters.Hxl;

/// <summary>
/// An HXL-tagged CSV as HXL reads one: any title lines, a header row for people, the hashtag row
/// (the first row, within 25, whose cells are all hashtags or empty), then the data rows, each with
/// its line in the file. Blank rows are left out.
/// </summary>
public sealed record HxlTable(int HashtagLine, IReadOnlyList<HxlTag?> Hashtags, IReadOnlyList<string> Headers, IReadOnlyList<(int Line, string[] Cells)> Rows)
{
    private const int HashtagRowSearch = 25;

    /// <summary>The table, or the problem that there is none (<paramref name="examples"/> names hashtags the reader expects).</summary>
    public static (HxlTable? Table, SheetProblem? Problem) Read(string csv, string examples)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var lines = Records(csv);
        var index = lines.Take(HashtagRowSearch).ToList().FindIndex(r => r.Cells.Any(c => c.Trim().Length > 0) && r.Cells.All(c => c.Trim().Length == 0 || HxlTag.Parse(c) is not null));
        if (index < 0)
        {
            return (null, new SheetProblem(0, "hashtag row", lines.Count == 0
                ? "the file is empty"
                : $"no HXL hashtag row in the first {HashtagRowSearch} rows: a row whose cells are hashtags such as {examples} (under the header row)"));
        }

        var rows = lines.Skip(index + 1).Where(r => r.Cells.Any(c => c.Trim().Length > 0)).ToList();
        return (new HxlTable(lines[index].Line, [.. lines[index].Cells.Select(HxlTag.Parse)], index > 0 ? lines[index - 1].Cells : [], rows), null);
    }

    /// <summary>A column's header for a message: its text in quotes, or "no header".</summary>
    public string HeaderOf(int column) => column < Headers.Count && Headers[column].Trim().Length > 0 ? $"\"{Headers[column].Trim()}\"" : "no header";

    private static List<(int Line, string[] Cells)> Records(string csv)
    {
        var records = new List<(int, string[])>();
        using var reader = new StringReader(csv);
        using var parser = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = null, DetectColumnCountChanges = false });
        while (parser.Read())
        {
            records.Add((parser.RawRow, parser.Record ?? []));
        }

        return records;
    }
}
