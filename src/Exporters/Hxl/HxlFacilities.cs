using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Exporters.Osm;

namespace Geo.Exporters.Hxl;

/// <summary>
/// Facilities from a healthsites-style CSV tagged with HXL: one facility per row, with
/// <c>#loc+name</c>, <c>#geo+lat</c> and <c>#geo+lon</c>; the type from <c>#loc+type</c> (a type's
/// word such as clinic or water_well, or an OSM value such as hospital or doctors), or else from
/// OSM tags given as <c>#meta+amenity</c>, <c>#meta+healthcare</c> ...; the id from <c>#loc+code</c>
/// or <c>#meta+id</c>; <c>#status</c>, <c>#date+confirmed</c> (or <c>#date+updated</c>) and
/// <c>#capacity</c> (or <c>#meta+beds</c>) into fields. Every other column is kept as a tag
/// (<c>#meta+opening_hours</c> as opening_hours, any other hashtag under its own name): nothing is dropped.
/// </summary>
public static class HxlFacilities
{
    // Keys whose rules name exact values: a loose word is never read through a wildcard rule (healthcare=*, telecom=*).
    private static readonly string[] TypeKeys = ["amenity", "man_made", "office", "building", "power"];

    public static OsmRead Read(string csv)
    {
        var (table, missing) = HxlTable.Read(csv, "#loc+name, #geo+lat, #geo+lon, #loc+type");
        if (table is null)
        {
            return new OsmRead([], [missing!]);
        }

        var problems = new List<SheetProblem>();
        var columns = table.Hashtags.Select((tag, i) => (Tag: tag, Index: i)).Where(c => c.Tag is not null).ToList();
        int? Column(string tag, params string[] attributes) =>
            columns.FirstOrDefault(c => c.Tag!.Tag == tag && attributes.All(c.Tag.Has)) is { Tag: not null } found ? found.Index : null;
        var name = Column("#loc", "name");
        var lat = Column("#geo", "lat");
        var lon = Column("#geo", "lon");
        foreach (var (column, tag) in new[] { (name, "#loc+name"), (lat, "#geo+lat"), (lon, "#geo+lon") })
        {
            if (column is null)
            {
                problems.Add(new SheetProblem(table.HashtagLine, tag, "is required: every facility has a name and a point"));
            }
        }

        if (problems.Count > 0)
        {
            return new OsmRead([], problems);
        }

        var type = Column("#loc", "type");
        var id = Column("#loc", "code") ?? Column("#meta", "id");
        var status = Column("#status");
        var confirmed = Column("#date", "confirmed") ?? Column("#date", "updated");
        var capacity = Column("#capacity") ?? Column("#meta", "beds");
        var read = new HashSet<int?> { name, lat, lon, type, id, status, confirmed, capacity };
        var facilities = new List<OsmFacility>();
        foreach (var (line, cells) in table.Rows)
        {
            string Cell(int? column) => column is { } i && i < cells.Length ? cells[i].Trim() : string.Empty;
            var before = problems.Count;
            var tags = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (tag, index) in columns.Where(c => !read.Contains(c.Index)))
            {
                if (Cell(index) is { Length: > 0 } value)
                {
                    var key = tag!.Tag == "#meta" && tag.Attributes.Count > 0 ? string.Join(":", tag.Attributes.Order(StringComparer.Ordinal)) : tag.ToString();
                    tags[key] = value;
                }
            }

            var facilityName = Cell(name);
            if (facilityName.Length == 0)
            {
                problems.Add(new SheetProblem(line, "#loc+name", "is empty"));
            }

            var latitude = Number(Cell(lat), "#geo+lat", -90, 90);
            var longitude = Number(Cell(lon), "#geo+lon", -180, 180);
            var facilityType = TypeOf(Cell(type), tags);
            if (facilityType is null)
            {
                problems.Add(new SheetProblem(line, "#loc+type", Cell(type).Length > 0
                    ? $"'{Cell(type)}' is not a facility type this service knows ({string.Join(", ", Enum.GetValues<FacilityType>().Select(FacilityTags.HxlType))}, or an OSM value such as hospital or doctors)"
                    : "is empty, and no #meta+amenity, #meta+healthcare ... says the type"));
            }

            var facilityStatus = Cell(status).ToLowerInvariant().Replace('-', ' ').Replace('_', ' ') switch
            {
                "" or "unknown" => FacilityStatus.Unknown,
                "functional" or "functioning" or "operational" or "open" => FacilityStatus.Functional,
                "partially functional" or "partially functioning" => FacilityStatus.PartiallyFunctional,
                "non functional" or "not functional" or "closed" or "destroyed" => FacilityStatus.NotFunctional,
                var other => Bad<FacilityStatus>("#status", $"'{other}' is not a status (functional, partially functional, not functional, unknown)"),
            };
            DateOnly? confirmedOn = null;
            if (Cell(confirmed) is { Length: > 0 } day)
            {
                if (DateOnly.TryParseExact(day.Length >= 10 ? day[..10] : day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                {
                    confirmedOn = parsed;
                }
                else
                {
                    problems.Add(new SheetProblem(line, "#date+confirmed", $"'{day}' is not a date as YYYY-MM-DD"));
                }
            }

            int? beds = null;
            if (Cell(capacity) is { Length: > 0 } count)
            {
                if (int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                {
                    beds = parsed;
                }
                else
                {
                    problems.Add(new SheetProblem(line, "#capacity", $"'{count}' is not a whole number"));
                }
            }

            if (problems.Count > before)
            {
                continue;
            }

            var code = Cell(id);
            facilities.Add(new OsmFacility(line, new Facility
            {
                Id = "fac-hxl-" + (code.Length > 0 && code.Length <= 48 && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
                    ? code.ToLowerInvariant().Replace('_', '-')
                    : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{code}\u0000{facilityName}\u0000{latitude:R}\u0000{longitude:R}")))[..20]),
                Name = facilityName,
                Type = facilityType!.Value,
                Location = ShapeReader.Factory.CreatePoint(new NetTopologySuite.Geometries.Coordinate(longitude!.Value, latitude!.Value)),
                Status = facilityStatus,
                LastConfirmedOn = confirmedOn,
                ConfirmedBy = confirmedOn is null ? string.Empty : "the sheet's #date+confirmed",
                Capacity = beds,
                Tags = tags,
            }));

            double? Number(string text, string column, double min, double max)
            {
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= min && value <= max)
                {
                    return value;
                }

                problems.Add(new SheetProblem(line, column, text.Length == 0 ? "is empty" : $"'{text}' is not a number between {min} and {max}"));
                return null;
            }

            T Bad<T>(string column, string message)
            {
                problems.Add(new SheetProblem(line, column, message));
                return default!;
            }
        }

        return new OsmRead(facilities, problems);
    }

    /// <summary>The type a #loc+type word names (ours, or an OSM value), or the one the row's OSM tags say.</summary>
    private static FacilityType? TypeOf(string word, Dictionary<string, string> tags)
    {
        if (word.Length > 0)
        {
            var normal = word.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');
            if (Enum.GetValues<FacilityType>().FirstOrDefault(t => FacilityTags.HxlType(t) == normal) is var ours && ours != default)
            {
                return ours;
            }

            foreach (var key in TypeKeys)
            {
                if (FacilityTags.TypeOf(new Dictionary<string, string> { [key] = normal }) is { } byTag)
                {
                    return byTag.Type;
                }
            }

            return null;
        }

        return FacilityTags.TypeOf(tags)?.Type;
    }
}
