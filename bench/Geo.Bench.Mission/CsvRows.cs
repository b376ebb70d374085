using Geo.Api;
using System.Globalization;
using System.Text;
using Geo.Core.Domain;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace Geo.Bench.Mission;

/// <summary>
/// Observation rows as CSV that psql can COPY into a table shaped like <c>observations</c>:
/// the same values the service stores (geometry as hex EWKB, the content hash as bytea hex).
/// </summary>
internal static class CsvRows
{
    public const string Columns =
        "id, reporter_id, observed_at, reported_at, location, area, location_precision, category, severity, affected, affected_groups, vulnerability, " +
        "community_id, base_id, notes, content_hash";

    private static readonly WKBWriter Writer = new(ByteOrder.LittleEndian, handleSRID: true, emitZ: false);

    public static void Write(TextWriter output, Observation o)
    {
        var line = new StringBuilder(512);
        line.Append(o.Id).Append(',');
        line.Append(o.ReporterId).Append(',');
        line.Append(Time(o.ObservedAt)).Append(',');
        line.Append(Time(o.ReportedAt)).Append(',');
        line.Append(PointHex(o.Location.Longitude, o.Location.Latitude)).Append(',');
        if (o.Area is not null)
        {
            var multi = o.Area as MultiPolygon ?? o.Area.Factory.CreateMultiPolygon([(Polygon)o.Area]);
            multi.SRID = 4326;
            line.Append(Convert.ToHexString(Writer.Write(multi)));
        }

        line.Append(',');
        line.Append((int)o.Precision).Append(',').Append((int)o.Category).Append(',').Append(o.Severity).Append(',');
        line.Append("\"{").Append(string.Join(',', o.Affected.Counts)).Append("}\",");
        line.Append(o.Affected.GroupMask).Append(',').Append((int)o.Vulnerabilities).Append(',');
        line.Append(o.CommunityId).Append(',').Append(o.BaseId).Append(',');
        line.Append('"').Append(o.Notes.Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\",");
        line.Append("\\x").Append(Convert.ToHexString(ObservationFingerprint.Compute(o)));
        output.Write(line.Append('\n'));
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'+00'", CultureInfo.InvariantCulture);

    /// <summary>EWKB of POINT(x y) with SRID 4326, little-endian, as hex.</summary>
    private static string PointHex(double x, double y)
    {
        Span<byte> bytes = stackalloc byte[25];
        bytes[0] = 1;
        BitConverter.TryWriteBytes(bytes[1..], 0x20000001u);
        BitConverter.TryWriteBytes(bytes[5..], 4326u);
        BitConverter.TryWriteBytes(bytes[9..], x);
        BitConverter.TryWriteBytes(bytes[17..], y);
        return Convert.ToHexString(bytes);
    }
}
