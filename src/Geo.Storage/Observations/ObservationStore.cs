using System.Runtime.CompilerServices;
using Geo.Core.Domain;
using Geo.Core.Indicators;
using Geo.Core.Spatial;
using Geo.Storage.Access;
using Npgsql;

namespace Geo.Storage.Observations;

/// <summary>Reading, reviewing and querying observations: the SQL of the observation tables lives here and in <see cref="ObservationWriter"/>.</summary>
public sealed class ObservationStore(NpgsqlDataSource dataSource)
{
    /// <summary>An observation the caller may see; one it may not is as absent as one that does not exist.</summary>
    public async Task<StoredObservation> GetAsync(string id, Visibility visibility, CancellationToken cancellationToken)
    {
        var sql = FilterSql.For(new ObservationFilter(), visibility);
        sql.And($"id = {sql.P(id)}");
        await using var command = dataSource.CreateCommand($"SELECT {ObservationColumns.Select} FROM observations WHERE {sql.Where}");
        command.Parameters.AddRange(sql.CloneParameters());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? ObservationColumns.Read(reader)
            : throw new RecordNotFoundException($"no observation '{id}'") { Field = "id" };
    }

    /// <summary>
    /// Records a review: the observation's status changes, and its response when the review gives
    /// one; the review is added to its history, and <paramref name="audit"/> (given the new version)
    /// to the audit trail, in the same transaction. With <paramref name="release"/> a verification
    /// also releases the observation for export, when it is not released yet.
    /// </summary>
    public async Task<StoredObservation> ReviewAsync(
        string id, VerificationStatus verification, ObservationResponse? response, string reviewerId, string note, long expectedVersion, bool release,
        Func<long, AuditRow> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var version = await LockVersionAsync(connection, transaction, id, expectedVersion, cancellationToken).ConfigureAwait(false);
        await using (var update = new NpgsqlCommand(
            // A review that records no response keeps the one recorded before: discrediting a
            // report does not undo the patrol that was sent. The review's own row says what it said.
            "WITH changed AS (UPDATE observations SET verification = $2, response = CASE WHEN $7 THEN $3 ELSE response END, " +
            "response_at = CASE WHEN $7 THEN $4 ELSE response_at END, version = version + 1, updated_at = now(), change_xid = pg_current_xact_id(), " +
            "released_at = CASE WHEN $8 AND released_at IS NULL THEN now() ELSE released_at END, " +
            "released_by = CASE WHEN $8 AND released_at IS NULL THEN $5 ELSE released_by END " +
            "WHERE id = $1 RETURNING id) " +
            "INSERT INTO observation_reviews (observation_id, verification, response, response_at, reviewed_by, note) SELECT id, $2, $3, $4, $5, $6 FROM changed",
            connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            update.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)verification });
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)response?.Actions ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            update.Parameters.Add(new NpgsqlParameter { Value = response?.At is { } at ? at : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reviewerId });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = note });
            update.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = response is not null });
            update.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = release && verification == VerificationStatus.Verified });
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (response is not null)
        {
            // The observation's response is its alert's: an alert answered here or through Alerts.Respond
            // is the same record, so the early-warning indicator and the alert always agree.
            await using var answered = new NpgsqlCommand(
                "UPDATE alerts SET state = 3, responded_at = $2, responded_by = $3, response = $4, " +
                "acknowledged_at = coalesce(acknowledged_at, $2), acknowledged_by = coalesce(acknowledged_by, $3), version = version + 1, updated_at = now() " +
                "WHERE observation_id = $1 AND state < 3", connection, transaction);
            answered.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            answered.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = response.At ?? DateTimeOffset.UtcNow });
            answered.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reviewerId });
            answered.Parameters.Add(new NpgsqlParameter<string> { TypedValue = response.Actions });
            await answered.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await audit(version + 1).InsertAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(id, Visibility.Everything, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Releases an observation for export with the summary that may leave the supervisor chain,
    /// or replaces the summary of one released before (its first release time is kept). The
    /// version moves, so feeds deliver the record again; <paramref name="audit"/> is written in
    /// the same transaction. Releasing again with the same summary changes nothing.
    /// </summary>
    public async Task<StoredObservation> ReleaseAsync(
        string id, string summary, string releasedBy, long expectedVersion, Func<long, AuditRow> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var version = await LockVersionAsync(connection, transaction, id, expectedVersion, cancellationToken).ConfigureAwait(false);
        await using (var update = new NpgsqlCommand(
            "UPDATE observations SET summary = $2, released_by = $3, released_at = coalesce(released_at, now()), " +
            "version = version + 1, updated_at = now(), change_xid = pg_current_xact_id() WHERE id = $1 AND (released_at IS NULL OR summary <> $2)",
            connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = summary });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = releasedBy });
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                await audit(version + 1).InsertAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(id, Visibility.Everything, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The observation's version, locked for this transaction; NOT_FOUND or ABORTED when it is missing or not the expected one.</summary>
    /// <summary>
    /// Links <paramref name="ids"/> (distinct) as reports of one event: their events, when they
    /// are in some, merge into the one with the least id, else into <paramref name="newEventId"/>.
    /// Every observation the change reaches must be one the caller sees: an id it does not see is
    /// NOT_FOUND (as absent as one that does not exist), another member of an event it links is
    /// out of sight. Changed rows move their version and change position (so the feed and its
    /// readers see them again), and <paramref name="audit"/> is written in the same transaction.
    /// Linking what is linked already changes nothing and writes no audit.
    /// </summary>
    public async Task<EventLinks> LinkAsync(
        IReadOnlyList<string> ids, Visibility visibility, string newEventId, Func<EventLinks, AuditRow> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(audit);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await LockMembersAsync(connection, transaction, ids, visibility, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < ids.Count; i++)
        {
            if (!rows.TryGetValue(ids[i], out var row) || !row.Visible)
            {
                throw new RecordNotFoundException($"no observation '{ids[i]}'") { Field = $"ids[{i}]" };
            }
        }

        CheckAllVisible(rows, ids);
        var events = rows.Values.Select(r => r.EventId).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var target = events.Count > 0 ? events[0] : newEventId;
        var members = rows.Keys.Order(StringComparer.Ordinal).ToList();
        var changing = rows.Where(r => r.Value.EventId != target).Select(r => r.Key).ToArray();
        var links = new EventLinks(target, members, changing.Length > 0);
        if (links.Changed)
        {
            await SetEventAsync(connection, transaction, changing, target, cancellationToken).ConfigureAwait(false);
            await audit(links).InsertAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return links;
    }

    /// <summary>
    /// Takes <paramref name="id"/> out of its event; an event left with one member is dissolved.
    /// The caller must see the observation (NOT_FOUND otherwise) and every member of its event.
    /// Unlinking an observation in no event changes nothing and writes no audit.
    /// </summary>
    public async Task<EventLinks> UnlinkAsync(string id, Visibility visibility, Func<EventLinks, AuditRow> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await LockMembersAsync(connection, transaction, [id], visibility, cancellationToken).ConfigureAwait(false);
        if (!rows.TryGetValue(id, out var row) || !row.Visible)
        {
            throw new RecordNotFoundException($"no observation '{id}'") { Field = "id" };
        }

        var links = new EventLinks(null, [], false);
        if (row.EventId is { } eventId)
        {
            CheckAllVisible(rows, [id]);
            var remaining = rows.Keys.Where(k => k != id).Order(StringComparer.Ordinal).ToList();
            var dissolved = remaining.Count < 2;
            links = new EventLinks(dissolved ? null : eventId, dissolved ? [] : remaining, true);
            await SetEventAsync(connection, transaction, dissolved ? [.. rows.Keys] : [id], null, cancellationToken).ConfigureAwait(false);
            await audit(links with { EventId = eventId }).InsertAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return links;
    }

    private sealed record EventRow(string? EventId, bool Visible);

    /// <summary>The advisory lock every link and unlink holds until it commits ("evnt" in ASCII).</summary>
    private const long EventLinkLock = 0x65766E74;

    /// <summary>
    /// The observations of <paramref name="ids"/> and every other member of their events, locked
    /// in id order under the links' own lock, each
    /// with its event and whether <paramref name="visibility"/> lets the caller see it.
    /// </summary>
    private static async Task<Dictionary<string, EventRow>> LockMembersAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<string> ids, Visibility visibility, CancellationToken cancellationToken)
    {
        // Links are a supervisor's rare, small changes: one at a time, so that no link reads an
        // event's members while another adds one (a row lock cannot cover a member not yet found).
        await using (var serialise = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({EventLinkLock})", connection, transaction))
        {
            await serialise.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var sql = FilterSql.For(new ObservationFilter(), visibility);
        var asked = sql.P(ids.ToArray());
        await using var command = new NpgsqlCommand(
            $"SELECT id, event_id, ({sql.Where}) FROM observations WHERE id = ANY({asked}) " +
            $"OR event_id IN (SELECT event_id FROM observations WHERE id = ANY({asked}) AND event_id IS NOT NULL) ORDER BY id FOR UPDATE",
            connection, transaction);
        command.Parameters.AddRange(sql.CloneParameters());
        var rows = new Dictionary<string, EventRow>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows[reader.GetString(0)] = new EventRow(reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetBoolean(2));
        }

        return rows;
    }

    /// <summary>Refuses a change that would reach a member the caller does not see, naming the asked id whose event holds it.</summary>
    private static void CheckAllVisible(Dictionary<string, EventRow> rows, IReadOnlyList<string> ids)
    {
        var hidden = rows.Values.Where(r => !r.Visible).Select(r => r.EventId).ToHashSet();
        for (var i = 0; hidden.Count > 0 && i < ids.Count; i++)
        {
            if (rows[ids[i]].EventId is { } eventId && hidden.Contains(eventId))
            {
                throw new RecordOutOfSightException(
                    $"'{ids[i]}' is in event '{eventId}', which also holds reports outside what your token sees (another area, or a category it does not read): a supervisor who sees them all must change it")
                {
                    Field = ids.Count == 1 ? "id" : $"ids[{i}]",
                };
            }
        }
    }

    private static async Task SetEventAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] ids, string? eventId, CancellationToken cancellationToken)
    {
        // The change position moves as a review's does: the feed, the watch and the read model see the row again.
        await using var update = new NpgsqlCommand(
            "UPDATE observations SET event_id = $2, version = version + 1, updated_at = now(), change_xid = pg_current_xact_id() " +
            "WHERE id = ANY($1) AND event_id IS DISTINCT FROM $2", connection, transaction);
        update.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        update.Parameters.Add(new NpgsqlParameter { Value = (object?)eventId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> LockVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, long expectedVersion, CancellationToken cancellationToken)
    {
        await using var current = new NpgsqlCommand("SELECT version FROM observations WHERE id = $1 FOR UPDATE", connection, transaction);
        current.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        var version = await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (version is not long actual)
        {
            throw new RecordNotFoundException($"no observation '{id}'") { Field = "id" };
        }

        if (expectedVersion != 0 && actual != expectedVersion)
        {
            throw new VersionMismatchException($"observation '{id}' is at version {actual}, not the expected {expectedVersion}: read it again and retry")
            {
                Field = "expected_version",
            };
        }

        return actual;
    }

    public async Task<IReadOnlyList<ObservationReview>> HistoryAsync(string id, Visibility visibility, CancellationToken cancellationToken)
    {
        await GetAsync(id, visibility, cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand(
            "SELECT verification, response, response_at, reviewed_by, reviewed_at, note FROM observation_reviews WHERE observation_id = $1 ORDER BY reviewed_at, id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        var reviews = new List<ObservationReview>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var response = reader.IsDBNull(1) && reader.IsDBNull(2)
                ? null
                : new ObservationResponse(reader.IsDBNull(1) ? string.Empty : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
            reviews.Add(new ObservationReview((VerificationStatus)reader.GetInt16(0), response, reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5)));
        }

        return reviews;
    }

    /// <summary>
    /// Streams every match in (observed_at, id) order, after the given position when resuming.
    /// One query read row by row: memory stays flat however many rows match.
    /// </summary>
    public async IAsyncEnumerable<StoredObservation> QueryAsync(
        ObservationFilter filter, Visibility visibility, (DateTimeOffset ObservedAt, string Id)? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sql = FilterSql.For(filter, visibility);
        if (after is { } position)
        {
            sql.And($"(observed_at, id) > ({sql.P(position.ObservedAt)}, {sql.P(position.Id)})");
        }

        // A stream is paced by its reader, so parallel workers cannot make it faster; starting
        // them and merging their sorted runs made a 10,000-row polygon query take 37 ms in the
        // database instead of 24. The setting lasts for this connection's turn: the pool resets
        // it when the connection is returned.
        await using var batch = dataSource.CreateBatch();
        batch.Timeout = 0;
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET max_parallel_workers_per_gather = 0"));
        var select = new NpgsqlBatchCommand($"SELECT {ObservationColumns.Select} FROM observations WHERE {sql.Where} ORDER BY observed_at, id");
        select.Parameters.AddRange(sql.CloneParameters());
        batch.BatchCommands.Add(select);
        await using var reader = await batch.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // A caller may spend long on each row (a coarsened caller's area test), and ReadAsync
            // need not look at the token for a row it already holds: checked here, per row.
            cancellationToken.ThrowIfCancellationRequested();
            yield return ObservationColumns.Read(reader);
        }
    }

    /// <summary>
    /// The observations of the keys <paramref name="seqs"/> (migration 18) that match, as
    /// <see cref="QueryAsync"/> reads them and in its order, after <paramref name="after"/>: a page of
    /// a query whose matches the read model found. The filter is applied again, so a row that
    /// changed since the model read it is delivered only if it still matches.
    /// </summary>
    public async IAsyncEnumerable<StoredObservation> QueryKeysAsync(
        long[] seqs, ObservationFilter filter, Visibility visibility, (DateTimeOffset ObservedAt, string Id)? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sql = FilterSql.For(filter, visibility);
        sql.And($"seq = ANY({sql.P(seqs)})");
        if (after is { } position)
        {
            sql.And($"(observed_at, id) > ({sql.P(position.ObservedAt)}, {sql.P(position.Id)})");
        }

        await using var command = dataSource.CreateCommand($"SELECT {ObservationColumns.Select} FROM observations WHERE {sql.Where} ORDER BY observed_at, id");
        command.Parameters.AddRange(sql.CloneParameters());
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return ObservationColumns.Read(reader);
        }
    }

    /// <summary>The matching observations' count, and the sum of their record keys (the count's key for keyed noise).</summary>
    public async Task<(long Count, long Key)> CountAsync(ObservationFilter filter, Visibility visibility, CancellationToken cancellationToken)
    {
        var sql = FilterSql.For(filter, visibility);
        await using var command = dataSource.CreateCommand($"SELECT count(*), coalesce(sum(aggregate_key), 0)::bigint FROM observations WHERE {sql.Where}");
        command.Parameters.AddRange(sql.CloneParameters());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Counts by category and by sex x age group in one pass over the matching rows, each count with
    /// the sum of its observations' record keys.
    /// </summary>
    public async Task<ObservationSummary> SummarizeAsync(ObservationFilter filter, Visibility visibility, CancellationToken cancellationToken)
    {
        var sql = FilterSql.For(filter, visibility);
        // Per cell: the observations affecting the group, tested on the affected_groups bitmask
        // (bit c set exactly when affected[c + 1] > 0), their keys, and the people; a category's
        // people are the sum of its cells. Array subscripts cost more than the scan, so a cell is
        // read only in the rows where its bit says it is not zero.
        var perCell = string.Join(", ", Enumerable.Range(0, AffectedPeople.CellCount)
            .Select(c => $"count(*) FILTER (WHERE affected_groups & {1 << c} <> 0), " +
                $"coalesce(sum(aggregate_key) FILTER (WHERE affected_groups & {1 << c} <> 0), 0)::bigint, " +
                $"coalesce(sum(affected[{c + 1}]) FILTER (WHERE affected_groups & {1 << c} <> 0), 0)"));
        await using var command = dataSource.CreateCommand(
            $"SELECT category, count(*), coalesce(sum(aggregate_key), 0)::bigint, {perCell} FROM observations WHERE {sql.Where} GROUP BY category ORDER BY category");
        command.Parameters.AddRange(sql.CloneParameters());
        var tally = new SummaryTally();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var groups = new (long Observations, long Key, long People)[AffectedPeople.CellCount];
            for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
            {
                groups[cell] = (reader.GetInt64(3 + (3 * cell)), reader.GetInt64(4 + (3 * cell)), reader.GetInt64(5 + (3 * cell)));
            }

            tally.AddCategory((ObservationCategory)reader.GetInt16(0), reader.GetInt64(1), reader.GetInt64(2), groups);
        }

        return tally.ToSummary();
    }

    /// <summary>
    /// What a summary needs of each matching observation, streamed row by row: for callers whose
    /// area and scope are decided on the coarse point, which only the service can compute, and
    /// for counting events (with <paramref name="events"/>, each row's <see cref="TallyRow.Event"/>).
    /// </summary>
    public async IAsyncEnumerable<TallyRow> TallyRowsAsync(
        ObservationFilter filter, Visibility visibility, bool events, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sql = FilterSql.For(filter, visibility);
        var cells = string.Join(", ", Enumerable.Range(1, AffectedPeople.CellCount).Select(c => $"affected[{c}]"));
        await using var command = dataSource.CreateCommand(
            $"SELECT ST_X(location), ST_Y(location), community_id, category, aggregate_key, {cells}{(events ? $", {EventMember.Columns}" : string.Empty)} " +
            $"FROM observations WHERE {sql.Where}");
        command.Parameters.AddRange(sql.CloneParameters());
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        var counts = new int[AffectedPeople.CellCount];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // As in QueryAsync: the caller's test of each row can be long, and a held row is not checked.
            cancellationToken.ThrowIfCancellationRequested();
            var location = new GeoPoint(reader.GetDouble(0), reader.GetDouble(1));
            var community = reader.IsDBNull(2) ? null : reader.GetString(2);
            var category = (ObservationCategory)reader.GetInt16(3);
            var key = reader.GetInt32(4);
            for (var cell = 0; cell < counts.Length; cell++)
            {
                counts[cell] = reader.GetInt32(5 + cell);
            }

            var member = events ? EventMember.Read(reader, 5 + counts.Length) : null;
            yield return new TallyRow(location, community, category, key, AffectedPeople.FromCells(counts), member);
        }
    }

    /// <summary>
    /// The observations of [<paramref name="from"/>, <paramref name="to"/>) the caller may see,
    /// discredited ones left out, counted for indicators in one pass, by unit of the level and
    /// category: per sex x age cell the observations affecting the group and the people affected,
    /// the responses recorded in time, and the information-harm targets recorded (rules of
    /// <see cref="ObservationTally"/> and <see cref="InformationHarmTargets"/>). At sector and base
    /// level an observation counts by its base, and only when that base is inside the caller's
    /// area: one without a base counts at mission level only.
    /// </summary>
    public async Task<IReadOnlyList<ObservationTally>> IndicatorTalliesAsync(
        DateTimeOffset from, DateTimeOffset to, IndicatorLevel level, Visibility visibility, CancellationToken cancellationToken)
    {
        var read = IndicatorRead.For(from, to, level, visibility, events: false);
        var (sql, window, targetConditions) = (read.Sql, read.Window, read.Targets);
        var cells = Enumerable.Range(0, AffectedPeople.CellCount).ToList();
        var groups = string.Join(", ", cells.Select(c => $"count(*) FILTER (WHERE o.affected_groups & {1 << c} <> 0)"));
        var people = string.Join(", ", cells.Select(c => $"coalesce(sum(o.affected[{c + 1}]), 0)::bigint"));
        var targets = string.Join(", ", targetConditions.Select(c => $"count(*) FILTER (WHERE {c})"));
        // Each count's key: the sum of the record keys of the observations it counts (CountNoise).
        var keys = string.Join(", ",
            new[] { "TRUE", $"o.response_at <= o.observed_at + {window}" }
                .Concat(cells.Select(c => $"o.affected_groups & {1 << c} <> 0"))
                .Concat(targetConditions)
                .Select(c => $"coalesce(sum(o.aggregate_key) FILTER (WHERE {c}), 0)::bigint"));
        await using var command = dataSource.CreateCommand(
            $"SELECT {read.Unit}, o.category, count(*), count(*) FILTER (WHERE o.response_at <= o.observed_at + {window}), {groups}, {people}, {targets}, {keys} " +
            $"{read.From} GROUP BY {read.GroupBy}");
        command.Parameters.AddRange(sql.CloneParameters());
        const int First = 6, Cells = AffectedPeople.CellCount;
        var targetCount = targetConditions.Count;
        var tallies = new List<ObservationTally>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var counts = new long[reader.FieldCount - First];
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] = reader.GetInt64(First + i);
            }

            var k = counts[((2 * Cells) + targetCount)..];
            tallies.Add(new ObservationTally(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), (ObservationCategory)reader.GetInt16(3), reader.GetInt64(4), reader.GetInt64(5),
                counts[..Cells], counts[Cells..(2 * Cells)], counts[(2 * Cells)..((2 * Cells) + targetCount)],
                new TallyKeys(k[0], k[1], k[2..(2 + Cells)], k[(2 + Cells)..])));
        }

        return tallies;
    }

    /// <summary>
    /// The observations <see cref="IndicatorTalliesAsync"/> counts, counted as events (count_events):
    /// each event once per indicator, as its earliest report among those the indicator counts (see
    /// <see cref="IndicatorEventTally"/>). The tallies of threats and information harm, and apart
    /// those of early-warning alerts, whose event may count as another report than its threats'.
    /// </summary>
    public async Task<(IReadOnlyList<ObservationTally> Observations, IReadOnlyList<ObservationTally> EarlyWarnings)> IndicatorEventTalliesAsync(
        DateTimeOffset from, DateTimeOffset to, IndicatorLevel level, Visibility visibility, CancellationToken cancellationToken)
    {
        var read = IndicatorRead.For(from, to, level, visibility, events: true);
        var cells = string.Join(", ", Enumerable.Range(1, AffectedPeople.CellCount).Select(c => $"o.affected[{c}]"));
        var targets = string.Join(", ", read.Targets);
        await using var command = dataSource.CreateCommand(
            $"SELECT {read.Unit}, o.category, coalesce(o.response_at <= o.observed_at + {read.Window}, false), {cells}, {targets}, o.aggregate_key, " +
            $"o.event_id, o.reported_at, o.seq {read.From}");
        command.Parameters.AddRange(read.Sql.CloneParameters());
        var tally = new IndicatorEventTally(read.Targets.Count);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (unit, baseName, sector) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
            var category = (ObservationCategory)reader.GetInt16(3);
            var inTime = reader.GetBoolean(4);
            var affected = new int[AffectedPeople.CellCount];
            for (var cell = 0; cell < affected.Length; cell++)
            {
                affected[cell] = reader.GetInt32(5 + cell);
            }

            var at = 5 + affected.Length;
            var recorded = new bool[read.Targets.Count];
            for (var target = 0; target < recorded.Length; target++)
            {
                recorded[target] = reader.GetBoolean(at + target);
            }

            at += recorded.Length;
            var key = reader.GetInt32(at);
            tally.Add(new IndicatorRow(unit, baseName, sector, category, inTime, affected, recorded, key, EventMember.Read(reader, at + 1)));
        }

        return tally.ToTallies();
    }

    /// <summary>
    /// What both indicator reads share: the observations of the period the caller sees, discredited
    /// ones left out (<see cref="Sql"/>, <see cref="From"/>: FROM and JOIN), each one's unit of the
    /// level (<see cref="Unit"/>: unit, base name, sector; <see cref="GroupBy"/>), the response
    /// window, and the conditions of the information-harm targets recorded, then of none.
    /// </summary>
    private sealed record IndicatorRead(FilterSql Sql, string Window, string Unit, string From, string GroupBy, IReadOnlyList<string> Targets)
    {
        public static IndicatorRead For(DateTimeOffset from, DateTimeOffset to, IndicatorLevel level, Visibility visibility, bool events)
        {
            var sql = FilterSql.For(new ObservationFilter { ObservedFrom = from, ObservedTo = to }, visibility);
            sql.And($"verification <> {sql.P((short)VerificationStatus.Discredited)}");
            var window = sql.P(ObservationTally.ResponseWindow);
            var (unit, join, groupBy) = level switch
            {
                IndicatorLevel.Mission => ("'', '', ''", string.Empty, "o.category"),
                IndicatorLevel.Sector => ("b.sector, '', b.sector", BaseJoin(sql, visibility), "b.sector, o.category"),
                // b.name and b.sector depend on b.id, the key of bases.
                _ => ("b.id, b.name, b.sector", BaseJoin(sql, visibility), "b.id, o.category"),
            };
            var recorded = InformationHarmTargets.Recorded.Select(t => $"(o.affected_groups & {t.AffectedGroups} <> 0 OR o.vulnerability & {(int)t.Vulnerabilities} <> 0)").ToList();
            var columns = "category, observed_at, response_at, affected_groups, affected, vulnerability, base_id, aggregate_key" + (events ? $", {EventMember.Columns}" : string.Empty);
            return new IndicatorRead(
                sql, window, unit, $"FROM (SELECT {columns} FROM observations WHERE {sql.Where}) o {join}", groupBy, [.. recorded, $"NOT ({string.Join(" OR ", recorded)})"]);
        }
    }

    /// <summary>Each observation's base, when the caller may see it (registry rule: inside its area).</summary>
    private static string BaseJoin(FilterSql sql, Visibility visibility) =>
        // Observation ids compare bytewise (COLLATE "C", migration 2); bases keep the database's collation.
        "JOIN bases b ON b.id = o.base_id COLLATE \"C\"" + (visibility.Area is { } area ? $" AND {AreaSql.Inside("b.location", sql.P(StoredGeometry.InStorageSrid(area)))}" : string.Empty);

    public async Task<IReadOnlyList<StoredSource>> SourcesAsync(string observationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, observation_id, kind, description, contact, recorded_by, recorded_at FROM confidential.sources WHERE observation_id = $1 ORDER BY recorded_at, id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = observationId });
        var sources = new List<StoredSource>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            sources.Add(new StoredSource(reader.GetString(0), reader.GetString(1), (SourceKind)reader.GetInt16(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return sources;
    }

    /// <summary>Records a source apart from the observation; repeating it with the same content changes nothing.</summary>
    public async Task RecordSourceAsync(string id, string observationId, SourceKind kind, string description, string contact, string recordedBy, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO confidential.sources (id, observation_id, kind, description, contact, recorded_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = observationId });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)kind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = description });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = contact });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recordedBy });
        int inserted;
        try
        {
            inserted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new RecordNotFoundException($"no observation '{observationId}'") { Field = "observation_id" };
        }

        if (inserted == 0)
        {
            await using var same = dataSource.CreateCommand(
                "SELECT observation_id = $2 AND kind = $3 AND description = $4 AND contact = $5 FROM confidential.sources WHERE id = $1");
            same.Parameters.AddRange(command.Parameters.Take(5).Select(p => p.Clone()).ToArray());
            if (await same.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                throw new RecordConflictException($"source '{id}' (this client_id's) is already recorded with other content") { Field = "client_id" };
            }
        }
    }
}

public sealed record StoredSource(string Id, string ObservationId, SourceKind Kind, string Description, string Contact, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>One observation as a summary counts it. <paramref name="Key"/> is its secret record key; <paramref name="Event"/> is read only when counting events.</summary>
public readonly record struct TallyRow(GeoPoint Location, string? CommunityId, ObservationCategory Category, int Key, AffectedPeople Affected, EventMember? Event = null);

/// <summary>Observations of one category; <paramref name="Key"/> is the sum of their record keys.</summary>
public sealed record CategoryTally(ObservationCategory Category, long Observations, long PeopleAffected, long Key);

/// <summary>Observations affecting one sex x age group, and the people of the group; <paramref name="Key"/> is the sum of their record keys.</summary>
public sealed record GroupTally(Sex Sex, AgeGroup Age, long Observations, long People, long Key);

public sealed record ObservationSummary(long Observations, long PeopleAffected, IReadOnlyList<CategoryTally> ByCategory, IReadOnlyList<GroupTally> ByGroup, long Key);

/// <summary>Adds observations up into a summary, whether the database grouped them or the service counts them one by one.</summary>
public sealed class SummaryTally
{
    /// <summary>By category's number (the schema allows 1 to 8): a row's tally is two array updates, not two tree searches.</summary>
    private readonly (long Observations, long People, long Key)[] _categories = new (long, long, long)[byte.MaxValue + 1];
    private readonly long[] _groupObservations = new long[AffectedPeople.CellCount];
    private readonly long[] _groupKeys = new long[AffectedPeople.CellCount];
    private readonly long[] _groupPeople = new long[AffectedPeople.CellCount];

    /// <summary>One observation.</summary>
    public void Add(ObservationCategory category, int key, AffectedPeople affected)
    {
        ArgumentNullException.ThrowIfNull(affected);
        Span<int> counts = stackalloc int[AffectedPeople.CellCount];
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            counts[cell] = affected.Counts[cell];
        }

        Add(category, key, counts);
    }

    /// <summary>One observation, with its people affected by sex × age cell.</summary>
    public void Add(ObservationCategory category, int key, ReadOnlySpan<int> counts)
    {
        long people = 0;
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            var count = counts[cell];
            if (count > 0)
            {
                _groupObservations[cell]++;
                _groupKeys[cell] += key;
                _groupPeople[cell] += count;
                people += count;
            }
        }

        ref var tally = ref _categories[Slot(category)];
        tally = (tally.Observations + 1, tally.People + people, tally.Key + key);
    }

    /// <summary>The observations of one category as the database grouped them, with their groups' figures.</summary>
    public void AddCategory(ObservationCategory category, long observations, long key, IReadOnlyList<(long Observations, long Key, long People)> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        long people = 0;
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            _groupObservations[cell] += groups[cell].Observations;
            _groupKeys[cell] += groups[cell].Key;
            _groupPeople[cell] += groups[cell].People;
            people += groups[cell].People;
        }

        ref var tally = ref _categories[Slot(category)];
        tally = (tally.Observations + observations, tally.People + people, tally.Key + key);
    }

    /// <summary>Adds what another tally counted (a worker's part of one scan).</summary>
    public void Merge(SummaryTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
        {
            _groupObservations[cell] += other._groupObservations[cell];
            _groupKeys[cell] += other._groupKeys[cell];
            _groupPeople[cell] += other._groupPeople[cell];
        }

        for (var slot = 0; slot < _categories.Length; slot++)
        {
            var (observations, people, key) = other._categories[slot];
            ref var tally = ref _categories[slot];
            tally = (tally.Observations + observations, tally.People + people, tally.Key + key);
        }
    }

    private static int Slot(ObservationCategory category) => (int)category is >= 0 and <= byte.MaxValue
        ? (int)category
        : throw new ArgumentOutOfRangeException(nameof(category), category, "a category is a number from 1 to 8");

    public ObservationSummary ToSummary()
    {
        // In order of category, and only those counted, as the database groups them.
        var byCategory = _categories.Index()
            .Where(c => c.Item.Observations > 0)
            .Select(c => new CategoryTally((ObservationCategory)c.Index, c.Item.Observations, c.Item.People, c.Item.Key))
            .ToList();
        var byGroup = Enumerable.Range(0, AffectedPeople.CellCount)
            .Select(cell => new GroupTally(AffectedPeople.SexOfCell(cell), AffectedPeople.AgeOfCell(cell), _groupObservations[cell], _groupPeople[cell], _groupKeys[cell]))
            .ToList();
        return new ObservationSummary(
            byCategory.Sum(c => c.Observations), byCategory.Sum(c => c.PeopleAffected), byCategory, byGroup, byCategory.Sum(c => c.Key));
    }
}

/// <summary>An event after a link or unlink: its id (null when the observation is in none), its members, and whether anything changed.</summary>
public sealed record EventLinks(string? EventId, IReadOnlyList<string> Members, bool Changed);
