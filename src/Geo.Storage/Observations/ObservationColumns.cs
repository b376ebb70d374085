using Geo.Core.Domain;
using Geo.Core.Spatial;
using NetTopologySuite.Geometries;
using Npgsql;

namespace Geo.Storage.Observations;

/// <summary>The one place that knows how an observation row is read back.</summary>
internal static class ObservationColumns
{
    /// <summary>
    /// The affected-people cells are read as the array's text (<see cref="AffectedText"/>): Npgsql's
    /// array reader was the largest single cost of streaming a query's rows, and twelve subscripts
    /// cost PostgreSQL more than the text.
    /// </summary>
    private const string AffectedCells = AffectedText.Column;

    public static readonly string Select =
        "id, reporter_id, observed_at, reported_at, ST_X(location), ST_Y(location), area, location_precision, category, severity, " +
        $"{AffectedCells}, vulnerability, community_id, base_id, verification, response, response_at, notes, version, received_at, summary, released_at, released_by, event_id";

    /// <summary>
    /// The columns for what leaves the service in feeds: the reporting CLA, the CLA's own notes
    /// who released it and the event it was linked into are never read (empty in their place), so they cannot be written by
    /// mistake, and a full export does not carry them from the database.
    /// </summary>
    public static readonly string SelectForExport =
        "id, ''::text AS reporter_id, observed_at, reported_at, ST_X(location), ST_Y(location), area, location_precision, category, severity, " +
        $"{AffectedCells}, vulnerability, community_id, base_id, verification, response, response_at, ''::text AS notes, version, received_at, summary, released_at, ''::text AS released_by, NULL::text AS event_id";

    /// <summary>How many columns <see cref="Select"/> names: a query may add its own after them.</summary>
    public const int Count = 24;

    /// <summary>Reads the columns strictly in order, so that it also works with sequential access.</summary>
    public static StoredObservation Read(NpgsqlDataReader reader)
    {
        var id = reader.GetString(0);
        var reporterId = reader.GetString(1);
        var observedAt = reader.GetFieldValue<DateTimeOffset>(2);
        var reportedAt = reader.GetFieldValue<DateTimeOffset>(3);
        var location = new GeoPoint(reader.GetDouble(4), reader.GetDouble(5));
        var area = reader.IsDBNull(6) ? null : reader.GetFieldValue<Geometry>(6);
        var precision = (LocationPrecision)reader.GetInt16(7);
        var category = (ObservationCategory)reader.GetInt16(8);
        var severity = reader.GetInt16(9);
        var cells = new int[AffectedPeople.CellCount];
        AffectedText.Parse(reader.GetString(10), cells);
        var affected = AffectedPeople.FromCells(cells);
        const int next = 11;
        var vulnerabilities = (Vulnerabilities)reader.GetInt32(next);
        var communityId = reader.IsDBNull(next + 1) ? null : reader.GetString(next + 1);
        var baseId = reader.IsDBNull(next + 2) ? null : reader.GetString(next + 2);
        var verification = (VerificationStatus)reader.GetInt16(next + 3);
        var actions = reader.IsDBNull(next + 4) ? null : reader.GetString(next + 4);
        DateTimeOffset? respondedAt = reader.IsDBNull(next + 5) ? null : reader.GetFieldValue<DateTimeOffset>(next + 5);
        var notes = reader.GetString(next + 6);
        var version = reader.GetInt64(next + 7);
        var receivedAt = reader.GetFieldValue<DateTimeOffset>(next + 8);
        var summary = reader.GetString(next + 9);
        var release = reader.IsDBNull(next + 10)
            ? null
            : new ObservationRelease(reader.GetFieldValue<DateTimeOffset>(next + 10), reader.IsDBNull(next + 11) ? string.Empty : reader.GetString(next + 11), summary);
        var eventId = reader.IsDBNull(next + 12) ? null : reader.GetString(next + 12);
        var observation = new Observation
        {
            Id = id,
            ReporterId = reporterId,
            ObservedAt = observedAt,
            ReportedAt = reportedAt,
            Location = location,
            Area = area,
            Precision = precision,
            Category = category,
            Severity = severity,
            Affected = affected,
            Vulnerabilities = vulnerabilities,
            CommunityId = communityId,
            BaseId = baseId,
            Notes = notes,
        };
        var response = actions is null && respondedAt is null ? null : new ObservationResponse(actions ?? string.Empty, respondedAt);
        return new StoredObservation(observation, verification, response, version, receivedAt, release) { EventId = eventId };
    }
}
