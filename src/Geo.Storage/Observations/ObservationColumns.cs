using Geo.Core.Domain;
using Geo.Core.Spatial;
using Npgsql;

namespace Geo.Storage.Observations;

/// <summary>The one place that knows how an observation row is read back.</summary>
internal static class ObservationColumns
{
    public const string Select =
        "id, reporter_id, observed_at, reported_at, ST_X(location), ST_Y(location), ST_AsEWKB(area), location_precision, category, severity, " +
        "affected, vulnerability, community_id, base_id, verification, response, response_at, summary, version, received_at";

    public static StoredObservation Read(NpgsqlDataReader reader)
    {
        var observation = new Observation
        {
            Id = reader.GetString(0),
            ReporterId = reader.GetString(1),
            ObservedAt = reader.GetFieldValue<DateTimeOffset>(2),
            ReportedAt = reader.GetFieldValue<DateTimeOffset>(3),
            Location = new GeoPoint(reader.GetDouble(4), reader.GetDouble(5)),
            Area = reader.IsDBNull(6) ? null : Ewkb.Read(reader.GetFieldValue<byte[]>(6)),
            Precision = (LocationPrecision)reader.GetInt16(7),
            Category = (ObservationCategory)reader.GetInt16(8),
            Severity = reader.GetInt16(9),
            Affected = AffectedPeople.FromCells(reader.GetFieldValue<int[]>(10)),
            Vulnerabilities = (Vulnerabilities)reader.GetInt32(11),
            CommunityId = reader.IsDBNull(12) ? null : reader.GetString(12),
            BaseId = reader.IsDBNull(13) ? null : reader.GetString(13),
            Summary = reader.GetString(17),
        };
        var response = reader.IsDBNull(15) && reader.IsDBNull(16)
            ? null
            : new ObservationResponse(reader.IsDBNull(15) ? string.Empty : reader.GetString(15), reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16));
        return new StoredObservation(observation, (VerificationStatus)reader.GetInt16(14), response, reader.GetInt64(18), reader.GetFieldValue<DateTimeOffset>(19));
    }
}
