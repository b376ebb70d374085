using System.Runtime.CompilerServices;
using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Storage.Access;
using NetTopologySuite.Geometries;
using Npgsql;

namespace Geo.Storage.Alerts;

/// <summary>What one list of alerts asks for, within what the caller may see.</summary>
public sealed record AlertQuery(
    Geometry? Area, IReadOnlyCollection<AlertState> States, IReadOnlyCollection<AlertKind> Kinds, DateTimeOffset? OpenedBefore, bool EscalatedOnly);

/// <summary>
/// Alerts (migration 9): opened by the database with their observation, read by area, state and
/// age, moved along their lifecycle one audited step at a time, and escalated once per kind.
/// </summary>
public sealed class AlertStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "a.id, a.observation_id, a.kind, a.severity, ST_X(a.location), ST_Y(a.location), o.community_id, a.state, a.opened_at, o.observed_at, " +
        "a.acknowledged_at, a.acknowledged_by, a.responded_at, a.responded_by, a.response, a.closed_at, a.closed_by, a.closing_note, " +
        "a.unacknowledged_escalated_at, a.unanswered_escalated_at, a.nearest::text, a.version";

    /// <summary>
    /// The severity from which an observation opens an alert (early warnings and incidents always
    /// do), and how recently it must have been observed (older reports are history).
    /// </summary>
    public async Task SetOpeningAsync(int minSeverity, TimeSpan maxAge, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE alert_settings SET min_severity = $1, max_age = $2 WHERE min_severity IS DISTINCT FROM $1 OR max_age IS DISTINCT FROM $2");
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)minSeverity });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = maxAge });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Alerts the caller may see that the query matches, oldest first.</summary>
    public async IAsyncEnumerable<StoredAlert> ListAsync(AlertQuery query, Visibility visibility, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = dataSource.CreateCommand();
        var where = Visible(command, visibility);
        if (query.Area is { } area)
        {
            where += $" AND ST_Intersects(a.location, {Parameter(command, StoredGeometry.InStorageSrid(area))})";
        }

        where += query.States.Count > 0
            ? $" AND a.state = ANY({Parameter(command, query.States.Select(s => (short)s).ToArray())})"
            : $" AND a.state < {(int)AlertState.Closed}";
        if (query.Kinds.Count > 0)
        {
            where += $" AND a.kind = ANY({Parameter(command, query.Kinds.Select(k => (short)k).ToArray())})";
        }

        if (query.OpenedBefore is { } before)
        {
            where += $" AND a.opened_at <= {Parameter(command, before)}";
        }

        if (query.EscalatedOnly)
        {
            where += " AND (a.unacknowledged_escalated_at IS NOT NULL OR a.unanswered_escalated_at IS NOT NULL)";
        }

        command.CommandText = $"SELECT {Columns} FROM alerts a JOIN observations o ON o.id = a.observation_id WHERE {where} ORDER BY a.opened_at, a.id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return Read(reader);
        }
    }

    /// <summary>The alert, or NOT_FOUND naming <c>id</c> when it does not exist or the caller may not see it (the same answer).</summary>
    public async Task<StoredAlert> GetAsync(string id, Visibility visibility, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var where = Visible(command, visibility);
        command.CommandText = $"SELECT {Columns} FROM alerts a JOIN observations o ON o.id = a.observation_id WHERE a.id = {Parameter(command, id)} AND {where}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? Read(reader)
            : throw new RecordNotFoundException($"no alert '{id}'") { Field = "id" };
    }

    /// <summary>The named alerts (those that exist), whoever may see them: the watches decide that, each for its caller.</summary>
    public async Task<IReadOnlyList<StoredAlert>> GetManyAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM alerts a JOIN observations o ON o.id = a.observation_id WHERE a.id = ANY({Parameter(command, ids.ToArray())}) ORDER BY a.opened_at, a.id";
        var found = new List<StoredAlert>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(Read(reader));
        }

        return found;
    }

    /// <summary>
    /// Moves a visible alert to <paramref name="state"/> (acknowledged or closed) when it stands
    /// where that step may start, at <paramref name="expectedVersion"/> when not 0; audited in the
    /// same transaction. The alert as it then is.
    /// </summary>
    public async Task<StoredAlert> StepAsync(
        string id, AlertState state, long expectedVersion, string by, string? note, DateTimeOffset at, Visibility visibility, AuditRow audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        var current = await GetAsync(id, visibility, cancellationToken).ConfigureAwait(false);
        if (expectedVersion != 0 && current.Version != expectedVersion)
        {
            throw new VersionMismatchException($"alert '{id}' is at version {current.Version}, not the expected {expectedVersion}: read it again and retry") { Field = "expected_version" };
        }

        var set = state switch
        {
            AlertState.Acknowledged => "state = 2, acknowledged_at = $2, acknowledged_by = $3",
            AlertState.Closed => "state = 4, closed_at = $2, closed_by = $3, closing_note = $4, " +
                "acknowledged_at = coalesce(acknowledged_at, $2), acknowledged_by = coalesce(acknowledged_by, $3)",
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, "only acknowledging and closing are steps of their own"),
        };
        var from = state == AlertState.Acknowledged ? "state = 1" : "state < 4";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var update = new NpgsqlCommand(
            $"UPDATE alerts SET {set}, version = version + 1, updated_at = now() WHERE id = $1 AND {from} AND version = $5", connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            update.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = by });
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)note ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = current.Version });
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                var now = await GetAsync(id, visibility, cancellationToken).ConfigureAwait(false);
                throw now.Version != current.Version
                    ? new VersionMismatchException($"alert '{id}' changed meanwhile (now version {now.Version}): read it again and retry") { Field = "expected_version" }
                    : new InvalidOperationException("unreachable: unchanged alert not updated");
            }
        }

        await audit.InsertAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(id, visibility, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Alerts whose nearest presence is not recorded yet (just opened), oldest first.</summary>
    public async Task<IReadOnlyList<(string Id, GeoPoint Location, DateTimeOffset OpenedAt)>> WithoutNearestAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, ST_X(location), ST_Y(location), opened_at FROM alerts WHERE nearest IS NULL ORDER BY opened_at, id LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var found = new List<(string, GeoPoint, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add((reader.GetString(0), new GeoPoint(reader.GetDouble(1), reader.GetDouble(2)), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return found;
    }

    /// <summary>Records the nearest presence of a new alert, once (another process may have done it).</summary>
    public async Task SetNearestAsync(string id, string json, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE alerts SET nearest = $2::jsonb WHERE id = $1 AND nearest IS NULL");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = json });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Escalates, at <paramref name="now"/>, every alert not acknowledged within its severity's
    /// limit of opening and every one without a response within <see cref="AlertDeadlines.Respond"/>
    /// of its observation (as <see cref="AlertDeadlines"/> says), each
    /// once (one statement each: of several processes, one escalates); audited in the same
    /// transaction. The ids escalated, with why.
    /// </summary>
    public async Task<IReadOnlyList<(string Id, string Reason)>> EscalateAsync(DateTimeOffset now, AlertDeadlines deadlines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadlines);
        var acknowledgeSeconds = Enumerable.Range(1, 5)
            .Select(severity => (deadlines.Acknowledge.TryGetValue(severity, out var limit) ? limit : deadlines.Acknowledge.Values.Max()).TotalSeconds).ToArray();
        var escalated = new List<(string, string)>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (reason, sql) in new[]
        {
            ("unacknowledged", "UPDATE alerts SET unacknowledged_escalated_at = $1, version = version + 1, updated_at = now() " +
                "WHERE state = 1 AND unacknowledged_escalated_at IS NULL AND opened_at + make_interval(secs => ($2::float8[])[severity]) <= $1 RETURNING id"),
            ("unanswered", "UPDATE alerts a SET unanswered_escalated_at = $1, version = a.version + 1, updated_at = now() FROM observations o " +
                "WHERE o.id = a.observation_id AND a.state < 3 AND a.unanswered_escalated_at IS NULL AND o.observed_at + make_interval(secs => $3) <= $1 RETURNING a.id"),
        })
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = acknowledgeSeconds });
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = deadlines.Respond.TotalSeconds });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                escalated.Add((reader.GetString(0), reason));
            }
        }

        foreach (var (id, reason) in escalated)
        {
            await new AuditRow("service", "alert.escalate", "alert", id, new { reason, at = now }).InsertAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return escalated;
    }

    /// <summary>Only what the caller may see: inside its area, and the kinds its role reads.</summary>
    private static string Visible(NpgsqlCommand command, Visibility visibility)
    {
        ArgumentNullException.ThrowIfNull(visibility);
        var where = "TRUE";
        if (visibility.Area is { } scope)
        {
            where += $" AND ST_Intersects(a.location, {Parameter(command, StoredGeometry.InStorageSrid(scope))})";
        }

        where += visibility.Categories switch
        {
            CategoryScope.WithoutSecurityIncidents => $" AND a.kind <> {(int)AlertKind.SecurityIncidentAgainstCla}",
            CategoryScope.OnlySecurityIncidents => $" AND a.kind = {(int)AlertKind.SecurityIncidentAgainstCla}",
            _ => string.Empty,
        };
        if (visibility.OnlyReporter is { } reporter)
        {
            where += $" AND a.reporter_id = {Parameter(command, reporter)}";
        }

        return where;
    }

    private static string Parameter<T>(NpgsqlCommand command, T value)
    {
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
        return "$" + command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static StoredAlert Read(NpgsqlDataReader reader)
    {
        AlertStep? Step(int at, int by) => reader.IsDBNull(at) ? null : new AlertStep(reader.GetFieldValue<DateTimeOffset>(at), reader.GetString(by));
        DateTimeOffset? Time(int at) => reader.IsDBNull(at) ? null : reader.GetFieldValue<DateTimeOffset>(at);
        string? Text(int at) => reader.IsDBNull(at) ? null : reader.GetString(at);
        return new StoredAlert(
            reader.GetString(0), reader.GetString(1), (AlertKind)reader.GetInt16(2), reader.GetInt16(3), new GeoPoint(reader.GetDouble(4), reader.GetDouble(5)),
            Text(6), (AlertState)reader.GetInt16(7), reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9), Step(10, 11), Step(12, 13), Text(14),
            Step(15, 16), Text(17), Time(18), Time(19), Text(20), reader.GetInt64(21));
    }
}
