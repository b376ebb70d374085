using System.Runtime.CompilerServices;
using Geo.Core.Domain;
using Geo.Core.Indicators;
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
    /// one; the review is added to its history.
    /// </summary>
    public async Task<StoredObservation> ReviewAsync(
        string id, VerificationStatus verification, ObservationResponse? response, string reviewerId, string note, long expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var current = new NpgsqlCommand("SELECT version FROM observations WHERE id = $1 FOR UPDATE", connection, transaction))
        {
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
        }

        await using (var update = new NpgsqlCommand(
            // A review that records no response keeps the one recorded before: discrediting a
            // report does not undo the patrol that was sent. The review's own row says what it said.
            "WITH changed AS (UPDATE observations SET verification = $2, response = CASE WHEN $7 THEN $3 ELSE response END, " +
            "response_at = CASE WHEN $7 THEN $4 ELSE response_at END, version = version + 1, updated_at = now(), change_xid = pg_current_xact_id() " +
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
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(id, Visibility.Everything, cancellationToken).ConfigureAwait(false);
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

    public async Task<long> CountAsync(ObservationFilter filter, Visibility visibility, CancellationToken cancellationToken)
    {
        var sql = FilterSql.For(filter, visibility);
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM observations WHERE {sql.Where}");
        command.Parameters.AddRange(sql.CloneParameters());
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Counts by category and by sex x age group in one pass over the matching rows.</summary>
    public async Task<ObservationSummary> SummarizeAsync(ObservationFilter filter, Visibility visibility, CancellationToken cancellationToken)
    {
        var sql = FilterSql.For(filter, visibility);
        // Per cell: the observations affecting the group, tested on the affected_groups bitmask
        // (bit c set exactly when affected[c + 1] > 0), and the people; a category's people are the
        // sum of its cells. Array subscripts cost more than the scan, so a cell is read only in
        // the rows where its bit says it is not zero.
        var perCell = string.Join(", ", Enumerable.Range(0, AffectedPeople.CellCount)
            .Select(c => $"count(*) FILTER (WHERE affected_groups & {1 << c} <> 0), " +
                $"coalesce(sum(affected[{c + 1}]) FILTER (WHERE affected_groups & {1 << c} <> 0), 0)"));
        await using var command = dataSource.CreateCommand(
            $"SELECT category, count(*), {perCell} FROM observations WHERE {sql.Where} GROUP BY category ORDER BY category");
        command.Parameters.AddRange(sql.CloneParameters());
        var byCategory = new List<CategoryTally>();
        var groupObservations = new long[AffectedPeople.CellCount];
        var groupPeople = new long[AffectedPeople.CellCount];
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            long people = 0;
            for (var cell = 0; cell < AffectedPeople.CellCount; cell++)
            {
                groupObservations[cell] += reader.GetInt64(2 + (2 * cell));
                var cellPeople = reader.GetInt64(3 + (2 * cell));
                groupPeople[cell] += cellPeople;
                people += cellPeople;
            }

            byCategory.Add(new CategoryTally((ObservationCategory)reader.GetInt16(0), reader.GetInt64(1), people));
        }

        var byGroup = Enumerable.Range(0, AffectedPeople.CellCount)
            .Select(cell => new GroupTally(AffectedPeople.SexOfCell(cell), AffectedPeople.AgeOfCell(cell), groupObservations[cell], groupPeople[cell]))
            .ToList();
        return new ObservationSummary(byCategory.Sum(c => c.Observations), byCategory.Sum(c => c.PeopleAffected), byCategory, byGroup);
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
        var cells = Enumerable.Range(0, AffectedPeople.CellCount).ToList();
        var groups = string.Join(", ", cells.Select(c => $"count(*) FILTER (WHERE o.affected_groups & {1 << c} <> 0)"));
        var people = string.Join(", ", cells.Select(c => $"coalesce(sum(o.affected[{c + 1}]), 0)::bigint"));
        var recorded = InformationHarmTargets.Recorded.Select(t => $"(o.affected_groups & {t.AffectedGroups} <> 0 OR o.vulnerability & {(int)t.Vulnerabilities} <> 0)").ToList();
        var targets = string.Join(", ", recorded.Select(c => $"count(*) FILTER (WHERE {c})").Append($"count(*) FILTER (WHERE NOT ({string.Join(" OR ", recorded)}))"));
        await using var command = dataSource.CreateCommand(
            $"SELECT {unit}, o.category, count(*), count(*) FILTER (WHERE o.response_at <= o.observed_at + {window}), {groups}, {people}, {targets} " +
            $"FROM (SELECT category, observed_at, response_at, affected_groups, affected, vulnerability, base_id FROM observations WHERE {sql.Where}) o {join} " +
            $"GROUP BY {groupBy}");
        command.Parameters.AddRange(sql.CloneParameters());
        const int First = 6, Cells = AffectedPeople.CellCount;
        var tallies = new List<ObservationTally>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var counts = new long[reader.FieldCount - First];
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] = reader.GetInt64(First + i);
            }

            tallies.Add(new ObservationTally(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), (ObservationCategory)reader.GetInt16(3), reader.GetInt64(4), reader.GetInt64(5),
                counts[..Cells], counts[Cells..(2 * Cells)], counts[(2 * Cells)..]));
        }

        return tallies;
    }

    /// <summary>Each observation's base, when the caller may see it (registry rule: inside its area).</summary>
    private static string BaseJoin(FilterSql sql, Visibility visibility) =>
        // Observation ids compare bytewise (COLLATE "C", migration 2); bases keep the database's collation.
        "JOIN bases b ON b.id = o.base_id COLLATE \"C\"" + (visibility.Area is { } area ? $" AND {AreaSql.Inside("b.location", sql.P(Ewkb.Write(area)))}" : string.Empty);

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

public sealed record CategoryTally(ObservationCategory Category, long Observations, long PeopleAffected);

public sealed record GroupTally(Sex Sex, AgeGroup Age, long Observations, long People);

public sealed record ObservationSummary(long Observations, long PeopleAffected, IReadOnlyList<CategoryTally> ByCategory, IReadOnlyList<GroupTally> ByGroup);
