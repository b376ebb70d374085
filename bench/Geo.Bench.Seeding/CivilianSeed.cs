using System.Globalization;
using System.Text;
using Geo.Api.V1;
using Google.Protobuf;

namespace Geo.Bench.Seeding;

/// <summary>A box of the map in degrees: where a benchmark spreads its civilian records, uniformly.</summary>
public readonly record struct DegreeBox(double West, double South, double Width, double Height);

/// <summary>
/// The civilian picture as a mission receives it: facilities as an OpenStreetMap export
/// (ImportFacilities) and presence as one 3W sheet (ImportPresence), spread uniformly over a box.
/// </summary>
public static class CivilianSeed
{
    /// <summary>Facilities a call: an export of a district, well under the service's message limit.</summary>
    public const int FacilityBatch = 5_000;

    /// <summary>Imports <paramref name="count"/> facilities (schools, clinics, wells, places of worship, markets in turn), mission-shared.</summary>
    public static async Task ImportFacilitiesAsync(CivilianPicture.CivilianPictureClient civilian, int count, DegreeBox box, Random random, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(civilian);
        ArgumentNullException.ThrowIfNull(random);
        for (var first = 0; first < count; first += FacilityBatch)
        {
            var json = new StringBuilder("{\"type\":\"FeatureCollection\",\"features\":[");
            for (var i = first; i < Math.Min(count, first + FacilityBatch); i++)
            {
                var (tag, value) = (i % 5) switch { 0 => ("amenity", "school"), 1 => ("amenity", "clinic"), 2 => ("man_made", "water_well"), 3 => ("amenity", "place_of_worship"), _ => ("amenity", "marketplace") };
                json.Append(CultureInfo.InvariantCulture, $"{(i > first ? "," : "")}{{\"type\":\"Feature\",\"id\":\"node/{i}\",\"properties\":{{\"{tag}\":\"{value}\",\"name\":\"Site {i}\",\"source\":\"bench\"}},");
                json.Append(CultureInfo.InvariantCulture, $"\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{box.West + (random.NextDouble() * box.Width):F5},{box.South + (random.NextDouble() * box.Height):F5}]}}}}");
            }

            json.Append("]}");
            var report = await civilian.ImportFacilitiesAsync(
                new ImportFacilitiesRequest { Geojson = ByteString.CopyFromUtf8(json.ToString()), DefaultSharing = SharingLevel.Mission }, cancellationToken: cancellationToken);
            if (report.Problems.Count > 0)
            {
                throw new InvalidOperationException(report.Problems[0].ToString());
            }
        }
    }

    /// <summary>Imports <paramref name="count"/> presence records of 120 organisations over six sectors, as one 3W sheet, mission-shared.</summary>
    public static async Task ImportPresenceAsync(CivilianPicture.CivilianPictureClient civilian, int count, DegreeBox box, Random random, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(civilian);
        ArgumentNullException.ThrowIfNull(random);
        var sheet = new StringBuilder("#org+name,#org+type,#sector,#activity,#geo+lat,#geo+lon,#date+start\r\n");
        string[] sectors = ["Health", "WASH", "Protection", "Education", "Food Security", "Shelter/NFI"];
        for (var i = 0; i < count; i++)
        {
            sheet.Append(CultureInfo.InvariantCulture,
                $"Organisation {i % 120},NNGO,{sectors[i % sectors.Length]},Activity {i},{box.South + (random.NextDouble() * box.Height):F5},{box.West + (random.NextDouble() * box.Width):F5},2026-0{1 + (i % 9)}-01\r\n");
        }

        var imported = await civilian.ImportPresenceAsync(
            new ImportPresenceRequest { Csv = ByteString.CopyFromUtf8(sheet.ToString()), DefaultSharing = SharingLevel.Mission }, cancellationToken: cancellationToken);
        if (imported.Problems.Count > 0)
        {
            throw new InvalidOperationException(imported.Problems[0].ToString());
        }
    }
}
