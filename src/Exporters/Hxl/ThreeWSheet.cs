using System.Globalization;
using System.Text;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using NetTopologySuite.Geometries;

namespace Geo.Exporters.Hxl;

/// <summary>One row of a 3W sheet as read: the organisation as the sheet names it, and the presence without its ids.</summary>
public sealed record ThreeWRow(
    int Line,
    string OrganisationName,
    string OrganisationAcronym,
    OrganisationKind? OrganisationKind,
    bool? Humanitarian,
    Presence Presence,
    SharingLevel? Sharing,
    string Id);

/// <summary>What a problem in a sheet is: where (line, column) and why.</summary>
public sealed record SheetProblem(int Line, string Column, string Message);

/// <summary>A sheet read: its rows, every problem, and the columns it had that are not read.</summary>
public sealed record ThreeWRead(IReadOnlyList<ThreeWRow> Rows, IReadOnlyList<SheetProblem> Problems, IReadOnlyList<string> IgnoredColumns);

/// <summary>
/// A presence record to write, with its organisation and, for a P-code, the area's level (1 or 2)
/// and names: for an adm2 area, its adm1 (code and name) too.
/// </summary>
public sealed record ThreeWRecord(Presence Presence, Organisation Organisation, int PcodeLevel, string Adm1Code = "", string Adm1Name = "", string Adm2Name = "");

/// <summary>
/// OCHA 3W/4W sheets as HXL-tagged CSV: a header row for people, the hashtag row under it, then
/// one row per presence. Reading finds the hashtag row (HXL: the first row whose cells are all
/// hashtags or empty, within the first 25) and maps columns by hashtag and attributes, whatever
/// their order or header; writing gives the columns <see cref="Columns"/> names.
/// </summary>
public static class ThreeWSheet
{
    public const string MediaType = "text/csv";

    private static readonly (string Attribute, Sex Sex)[] SexAttributes = [("f", Sex.Female), ("m", Sex.Male)];

    private static readonly (string Attribute, AgeGroup Age)[] AgeAttributes =
        [("infants", AgeGroup.Child), ("children", AgeGroup.Child), ("adolescents", AgeGroup.Child), ("youth", AgeGroup.Youth), ("adults", AgeGroup.Adult), ("elderly", AgeGroup.Older)];

    private static readonly string[] AgeWritten = ["children", "youth", "adults", "elderly"];

    /// <summary>The columns written, in order: header, hashtag.</summary>
    public static IReadOnlyList<(string Header, string Hashtag)> Columns { get; } = BuildColumns();

    public static ThreeWRead Read(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var problems = new List<SheetProblem>();
        var (table, missingRow) = HxlTable.Read(csv, "#org+name, #sector, #adm1+code, #date+start");
        if (table is null)
        {
            problems.Add(missingRow!);
            return new ThreeWRead([], problems, []);
        }

        var map = new ColumnMap(table.Hashtags, table.Headers);
        foreach (var missing in map.Missing())
        {
            problems.Add(new SheetProblem(table.HashtagLine, missing.Column, missing.Message));
        }

        var rows = new List<ThreeWRow>();
        if (problems.Count == 0)
        {
            foreach (var record in table.Rows)
            {
                if (map.Row(record, problems) is { } row)
                {
                    rows.Add(row);
                }
            }
        }

        return new ThreeWRead(rows, problems, map.Ignored);
    }

    /// <summary>The sheet's lines: the header row, the hashtag row, then one line per record, each ending in CRLF.</summary>
    public static IEnumerable<string> Write(IEnumerable<ThreeWRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return Header().Concat(records.Select(Line));
    }

    /// <summary>The header row (for people) and the hashtag row under it.</summary>
    public static IEnumerable<string> Header()
    {
        yield return CsvLine(Columns.Select(c => c.Header));
        yield return CsvLine(Columns.Select(c => c.Hashtag));
    }

    public static string Line(ThreeWRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return CsvLine(Fields(record));
    }

    private static string CsvLine(IEnumerable<string> fields)
    {
        var line = new StringBuilder();
        Csv.CsvRow.Append(line, fields);
        return line.ToString();
    }

    private static List<string> Fields(ThreeWRecord record)
    {
        var (p, o) = (record.Presence, record.Organisation);
        var point = p.Location as Point;
        var fields = new List<string>
        {
            Csv.CsvRow.Neutralised(o.Name), Csv.CsvRow.Neutralised(o.Acronym), ThreeWWords.Of(o.Kind), o.Humanitarian ? "yes" : "no",
            ThreeWWords.Of(p.Sector), Csv.CsvRow.Neutralised(p.Activity),
            p.Location is not null ? string.Empty : record.PcodeLevel == 1 ? p.Pcode : record.Adm1Code,
            p.Location is null ? Csv.CsvRow.Neutralised(record.Adm1Name) : string.Empty,
            p.Location is null && record.PcodeLevel == 2 ? p.Pcode : string.Empty,
            p.Location is null && record.PcodeLevel == 2 ? Csv.CsvRow.Neutralised(record.Adm2Name) : string.Empty,
            Csv.CsvRow.Neutralised(p.LocationName),
            point is null ? string.Empty : point.Y.ToString("R", CultureInfo.InvariantCulture),
            point is null ? string.Empty : point.X.ToString("R", CultureInfo.InvariantCulture),
            p.Location is null or Point ? string.Empty : p.Location.AsText(),
            ThreeWWords.Of(p.Status), p.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            p.End?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? string.Empty,
        };
        AddCounts(fields, p.TargetedTotal, p.Targeted);
        AddCounts(fields, p.ReachedTotal, p.Reached);
        fields.Add(ThreeWWords.Of(p.Sharing));
        fields.Add(p.Id);
        return fields;
    }

    private static void AddCounts(List<string> fields, int? total, AffectedPeople? people)
    {
        fields.Add(total?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            fields.Add(people is null ? string.Empty : people.Counts[cell].ToString(CultureInfo.InvariantCulture));
        }
    }

    private static List<(string, string)> BuildColumns()
    {
        var columns = new List<(string, string)>
        {
            ("Organisation", "#org+name"), ("Acronym", "#org+acronym"), ("Organisation type", "#org+type"), ("Humanitarian", "#meta+humanitarian"),
            ("Sector", "#sector"), ("Activity", "#activity"), ("Admin 1 P-code", "#adm1+code"), ("Admin 1", "#adm1+name"), ("Admin 2 P-code", "#adm2+code"), ("Admin 2", "#adm2+name"),
            ("Location", "#loc+name"), ("Latitude", "#geo+lat"), ("Longitude", "#geo+lon"), ("Area (WKT)", "#geo+wkt"),
            ("Status", "#status"), ("Start date", "#date+start"), ("End date", "#date+end"),
        };
        foreach (var (measure, word) in new[] { ("targeted", "Targeted"), ("reached", "Reached") })
        {
            columns.Add(($"{word} (total)", $"#{measure}+total"));
            for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
            {
                var sex = AffectedPeople.SexOfCell(cell);
                var age = AgeWritten[(int)AffectedPeople.AgeOfCell(cell) - 1];
                var sexAttribute = sex switch { Sex.Female => "+f", Sex.Male => "+m", _ => string.Empty };
                var sexWord = sex switch { Sex.Female => "female ", Sex.Male => "male ", _ => "sex unknown, " };
                columns.Add(($"{word} ({sexWord}{age})", $"#{measure}{sexAttribute}+{age}"));
            }
        }

        columns.Add(("Sharing", "#meta+sharing"));
        columns.Add(("Record id", "#meta+id"));
        return columns;
    }

    /// <summary>Which column holds what, found from the hashtag row.</summary>
    private sealed class ColumnMap
    {
        private readonly Dictionary<string, int> _single = new(StringComparer.Ordinal);
        private readonly List<(int Column, bool Reached, Sex Sex, AgeGroup Age)> _groups = [];
        private readonly List<string> _hashtags = [];

        public ColumnMap(IReadOnlyList<HxlTag?> hashtags, IReadOnlyList<string> headers)
        {
            for (var i = 0; i < hashtags.Count; i++)
            {
                var tag = hashtags[i];
                _hashtags.Add(tag?.ToString() ?? string.Empty);
                if (tag is null)
                {
                    continue;
                }

                if (Single(tag) is { } key)
                {
                    if (!_single.TryAdd(key, i))
                    {
                        Ignored.Add($"{tag} (column {i + 1}, {HeaderOf(headers, i)}): a second column for it; the first is read");
                    }
                }
                else if (tag.Tag is "#targeted" or "#reached" && Group(tag) is { } group)
                {
                    _groups.Add((i, tag.Tag == "#reached", group.Sex, group.Age));
                }
                else
                {
                    Ignored.Add($"{tag} (column {i + 1}, {HeaderOf(headers, i)})");
                }
            }
        }

        public List<string> Ignored { get; } = [];

        public IEnumerable<(string Column, string Message)> Missing()
        {
            if (!_single.ContainsKey("org"))
            {
                yield return ("#org+name", "is required: the organisation's name (a column tagged #org+name)");
            }

            if (!_single.ContainsKey("sector"))
            {
                yield return ("#sector", "is required: the cluster or sector of each row");
            }

            if (!_single.ContainsKey("date+start"))
            {
                yield return ("#date+start", "is required: when each activity starts (YYYY-MM-DD)");
            }

            if (!_single.ContainsKey("geo+lat") && !_single.ContainsKey("adm1+code") && !_single.ContainsKey("adm2+code") && !_single.ContainsKey("geo+wkt"))
            {
                yield return ("#adm1+code", "no place: give #geo+lat and #geo+lon, or #adm2+code or #adm1+code (P-codes)");
            }

            if (_single.ContainsKey("geo+lat") != _single.ContainsKey("geo+lon"))
            {
                yield return (_single.ContainsKey("geo+lat") ? "#geo+lon" : "#geo+lat", "#geo+lat and #geo+lon come together");
            }
        }

        public ThreeWRow? Row((int Line, string[] Cells) record, List<SheetProblem> problems)
        {
            var line = record.Line;
            var before = problems.Count;
            string Cell(string key) => _single.TryGetValue(key, out var i) && i < record.Cells.Length ? Unneutralised(record.Cells[i].Trim()) : string.Empty;
            void Problem(string key, string message) => problems.Add(new SheetProblem(line, _single.TryGetValue(key, out var i) ? _hashtags[i] : "#" + key, message));

            var name = Cell("org");
            if (name.Length == 0)
            {
                Problem("org", "is empty: every row names its organisation");
            }

            OrganisationKind? kind = null;
            if (Cell("org+type") is { Length: > 0 } typeText)
            {
                kind = ThreeWWords.Kind(typeText);
                if (kind is null)
                {
                    Problem("org+type", $"{Quote(typeText)} is not a kind of organisation this service knows ({ThreeWWords.Known<OrganisationKind>()})");
                }
            }

            bool? humanitarian = Cell("meta+humanitarian").ToLowerInvariant() switch
            {
                "" => null,
                "yes" or "y" or "true" or "1" => true,
                "no" or "n" or "false" or "0" => false,
                var other => Bad("meta+humanitarian", $"{Quote(other)} is not yes or no"),
            };

            var sectorText = Cell("sector");
            var sector = ThreeWWords.Sector(sectorText);
            if (sector is null)
            {
                Problem("sector", sectorText.Length == 0 ? "is empty" : $"{Quote(sectorText)} is not a sector this service knows (IASC clusters: {ThreeWWords.Known<Cluster>()})");
            }

            var activity = Cell("activity");
            if (activity.Length == 0)
            {
                // 3W sheets often leave the activity to the sector: keep the row, say what it is.
                activity = sectorText;
            }

            Geometry? location = null;
            var pcode = string.Empty;
            var (latText, lonText, wkt) = (Cell("geo+lat"), Cell("geo+lon"), Cell("geo+wkt"));
            if (latText.Length > 0 || lonText.Length > 0)
            {
                var lat = Coordinate(latText, "geo+lat", -90, 90);
                var lon = Coordinate(lonText, "geo+lon", -180, 180);
                if (lat is { } y && lon is { } x)
                {
                    location = ShapeReader.Factory.CreatePoint(new NetTopologySuite.Geometries.Coordinate(x, y));
                }
            }
            else if (wkt.Length > 0)
            {
                var (shape, error) = ShapeReader.ReadWkt(wkt);
                if (error is not null)
                {
                    Problem("geo+wkt", error);
                }

                location = shape;
            }
            else
            {
                pcode = Cell("adm2+code") is { Length: > 0 } adm2 ? adm2 : Cell("adm1+code");
                if (pcode.Length == 0)
                {
                    Problem("adm1+code", "no place in this row: #geo+lat and #geo+lon, or a P-code in #adm2+code or #adm1+code");
                }
            }

            var start = Date("date+start", required: true);
            var end = Date("date+end", required: false);
            var statusText = Cell("status");
            var status = statusText.Length == 0 ? (end is { } e && e < DateOnly.FromDateTime(DateTime.UtcNow) ? PresenceStatus.Finished : PresenceStatus.Ongoing) : ThreeWWords.Status(statusText);
            if (status is null)
            {
                Problem("status", $"{Quote(statusText)} is not a status this service knows ({ThreeWWords.Known<PresenceStatus>()})");
            }

            SharingLevel? sharing = null;
            if (Cell("meta+sharing") is { Length: > 0 } sharingText)
            {
                sharing = ThreeWWords.Sharing(sharingText);
                if (sharing is null)
                {
                    Problem("meta+sharing", $"{Quote(sharingText)} is not a sharing level ({ThreeWWords.Known<SharingLevel>()})");
                }
            }

            var targetedTotal = Count("targeted+total");
            var reachedTotal = Count("reached+total");
            var targeted = People(false);
            var reached = People(true);
            if (problems.Count > before)
            {
                return null;
            }

            var presence = new Presence
            {
                Id = string.Empty,
                OrganisationId = string.Empty,
                Sector = sector!.Value,
                Activity = activity,
                Location = location,
                Pcode = pcode,
                // The place's name: the sheet's #loc+name; a sheet without that column names the place by its admin area.
                LocationName = _single.ContainsKey("loc+name") ? Cell("loc+name") : new[] { Cell("adm2+name"), Cell("adm1+name") }.FirstOrDefault(n => n.Length > 0) ?? string.Empty,
                Start = start!.Value,
                End = end,
                Status = status!.Value,
                Targeted = targeted,
                Reached = reached,
                TargetedTotal = targetedTotal,
                ReachedTotal = reachedTotal,
            };
            return new ThreeWRow(line, name, Cell("org+acronym"), kind, humanitarian, presence, sharing, Cell("meta+id"));

            bool? Bad(string key, string message)
            {
                Problem(key, message);
                return null;
            }

            double? Coordinate(string text, string key, double min, double max)
            {
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= min && value <= max)
                {
                    return value;
                }

                Problem(key, text.Length == 0 ? "is empty (give both #geo+lat and #geo+lon)" : $"{Quote(text)} is not a number between {min} and {max}");
                return null;
            }

            DateOnly? Date(string key, bool required)
            {
                var text = Cell(key);
                if (text.Length == 0)
                {
                    if (required)
                    {
                        Problem(key, "is empty");
                    }

                    return null;
                }

                if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    return date;
                }

                Problem(key, $"{Quote(text)} is not a date as YYYY-MM-DD");
                return null;
            }

            int? Count(string key)
            {
                var text = Cell(key).Replace(",", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal);
                if (text.Length == 0)
                {
                    return null;
                }

                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    return count;
                }

                Problem(key, $"{Quote(text)} is not a whole number of people (0 or more)");
                return null;
            }

            AffectedPeople? People(bool isReached)
            {
                var columns = _groups.Where(g => g.Reached == isReached).ToList();
                if (columns.All(g => g.Column >= record.Cells.Length || record.Cells[g.Column].Trim().Length == 0))
                {
                    return null;
                }

                var entries = new List<(Sex, AgeGroup, int)>();
                foreach (var group in columns)
                {
                    var text = group.Column < record.Cells.Length ? record.Cells[group.Column].Trim().Replace(",", string.Empty, StringComparison.Ordinal) : string.Empty;
                    if (text.Length == 0)
                    {
                        continue;
                    }

                    if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                    {
                        entries.Add((group.Sex, group.Age, count));
                    }
                    else
                    {
                        problems.Add(new SheetProblem(line, _hashtags[group.Column], $"{Quote(text)} is not a whole number of people (0 or more)"));
                    }
                }

                return AffectedPeople.FromEntries(entries);
            }
        }

        /// <summary>The key of a column read once per row, or null for counts and unknown columns.</summary>
        private static string? Single(HxlTag tag) => tag.Tag switch
        {
            "#org" when tag.Has("acronym") => "org+acronym",
            "#org" when tag.Has("type") => "org+type",
            "#org" when tag.Attributes.Count == 0 || tag.Has("name") || tag.Has("impl") => "org",
            "#sector" => "sector",
            "#activity" => "activity",
            "#adm1" when tag.Has("code") => "adm1+code",
            "#adm2" when tag.Has("code") => "adm2+code",
            "#adm1" when tag.Has("name") || tag.Attributes.Count == 0 => "adm1+name",
            "#adm2" when tag.Has("name") || tag.Attributes.Count == 0 => "adm2+name",
            "#loc" when tag.Has("name") || tag.Attributes.Count == 0 => "loc+name",
            "#geo" when tag.Has("lat") => "geo+lat",
            "#geo" when tag.Has("lon") => "geo+lon",
            "#geo" when tag.Has("wkt") => "geo+wkt",
            "#status" => "status",
            "#date" when tag.Has("start") => "date+start",
            "#date" when tag.Has("end") => "date+end",
            "#targeted" when tag.Has("total") || tag.Attributes.Count == 0 => "targeted+total",
            "#reached" when tag.Has("total") || tag.Attributes.Count == 0 => "reached+total",
            "#meta" when tag.Has("sharing") => "meta+sharing",
            "#meta" when tag.Has("humanitarian") => "meta+humanitarian",
            "#meta" when tag.Has("id") => "meta+id",
            _ => null,
        };

        /// <summary>The sex and age group of a count column: an age attribute is needed (sex may be left out: unknown).</summary>
        private static (Sex Sex, AgeGroup Age)? Group(HxlTag tag)
        {
            var sexes = SexAttributes.Where(s => tag.Has(s.Attribute)).ToList();
            var ages = AgeAttributes.Where(a => tag.Has(a.Attribute)).ToList();
            return sexes.Count <= 1 && ages.Count == 1 ? (sexes.Count == 1 ? sexes[0].Sex : Sex.Unknown, ages[0].Age) : null;
        }

        private static string HeaderOf(IReadOnlyList<string> headers, int i) => i < headers.Count && headers[i].Trim().Length > 0 ? $"\"{headers[i].Trim()}\"" : "no header";

        private static string Quote(string text) => Geo.Core.Validation.FieldErrors.Quote(text);

        /// <summary>Undoes the apostrophe an export puts before text a spreadsheet would run as a formula.</summary>
        private static string Unneutralised(string text) => text.Length > 1 && text[0] == '\'' && text[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? text[1..] : text;
    }
}
