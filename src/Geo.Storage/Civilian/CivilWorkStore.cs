using Geo.Core.Domain;
using Geo.Storage.Access;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Geo.Storage.Civilian;

/// <summary>Counts of one state (and sector, for projects).</summary>
public sealed record CivilWorkCount(int State, Cluster? Sector, int Count);

/// <summary>The numbers CPAS reports on projects and requests.</summary>
public sealed record CivilWorksFigures(
    IReadOnlyList<CivilWorkCount> Projects, int Completed, int CompletedOnTime, IReadOnlyList<CivilWorkCount> Requests, int Decided, double MeanHours, double MedianHours);

/// <summary>
/// Quick impact projects and civil assistance requests (migration 12). A step writes the whole
/// record when its version is still the one read, with its audit row, in one transaction.
/// </summary>
public sealed class CivilWorkStore(NpgsqlDataSource dataSource)
{
    private const string QipColumns =
        "q.id, q.title, q.sector, ST_X(q.location), ST_Y(q.location), COALESCE(q.community_id, ''), q.facility_ids, q.requested_by, q.implemented_by, q.budget_usd, " +
        "q.planned_completion, q.state, q.approved_by, q.completed_on, q.cancellation_reason, q.version";

    private const string RequestColumns =
        "id, title, description, ST_X(location), ST_Y(location), COALESCE(community_id, ''), facility_ids, requested_by, implemented_by, needed_from, needed_to, " +
        "last_resort, state, requested_at, decided_by, decided_at, refusal_reason, version";

    // ---- projects ----

    public async Task<Versioned<QuickImpactProject>> CreateQipAsync(QuickImpactProject project, AuditRow audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(audit);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "INSERT INTO quick_impact_projects (id, title, sector, location, community_id, facility_ids, requested_by, implemented_by, budget_usd, planned_completion) " +
            "VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING", connection, transaction);
        command.Parameters.Add(Text(project.Id));
        command.Parameters.Add(Text(project.Title));
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)project.Sector });
        AddScope(command, project.Scope);
        command.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = project.BudgetUsd });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = project.PlannedCompletion });
        var created = await ExecuteAsync(command, project.Scope.CommunityId, cancellationToken).ConfigureAwait(false) == 1;
        if (created)
        {
            await audit.InsertAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var stored = await GetQipAsync(project.Id, cancellationToken).ConfigureAwait(false);
        return created || Same(stored.Value with { State = project.State }, project)
            ? stored
            : throw new RecordConflictException($"project '{project.Id}' already exists with other content") { Field = "id" };
    }

    public async Task<Versioned<QuickImpactProject>> GetQipAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {QipColumns} FROM quick_impact_projects q WHERE q.id = $1");
        command.Parameters.Add(Text(id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadQip(reader) : throw new RecordNotFoundException($"no project '{id}'") { Field = "id" };
    }

    public async Task<IReadOnlyList<Versioned<QuickImpactProject>>> ListQipsAsync(IReadOnlyCollection<int> states, Geometry? area, string afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {QipColumns} FROM quick_impact_projects q WHERE (cardinality($1) = 0 OR q.state = ANY($1)) AND ($2 = '' OR q.id > $2) AND {InArea("q")} ORDER BY q.id LIMIT $3");
        AddPage(command, states, afterId, limit);
        command.Parameters.Add(StoredGeometry.Parameter(area));
        var page = new List<Versioned<QuickImpactProject>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(ReadQip(reader));
        }

        return page;
    }

    /// <summary>Every project in <paramref name="states"/> (all when empty) with where it is drawn: its point, or its community's representative point.</summary>
    public async IAsyncEnumerable<(QuickImpactProject Project, Point Place)> ReadQipPlacesAsync(
        IReadOnlyCollection<int> states, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {QipColumns}, ST_X(COALESCE(q.location, ST_PointOnSurface(c.location))), ST_Y(COALESCE(q.location, ST_PointOnSurface(c.location))) " +
            "FROM quick_impact_projects q LEFT JOIN communities c ON c.id = q.community_id WHERE cardinality($1) = 0 OR q.state = ANY($1) ORDER BY q.id");
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. states.Select(s => (short)s)] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var place = Core.Spatial.ShapeReader.Factory.CreatePoint(new Coordinate(reader.GetDouble(16), reader.GetDouble(17)));
            yield return (ReadQip(reader).Value, place);
        }
    }

    /// <summary>Writes a step: the state and what the step records, when the version is still <paramref name="version"/>; false when it is not.</summary>
    public async Task<bool> StepQipAsync(QuickImpactProject project, long version, AuditRow audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        return await StepAsync(
            "UPDATE quick_impact_projects SET state = $2, approved_by = $3, completed_on = $4, cancellation_reason = $5, version = version + 1 WHERE id = $1 AND version = $6",
            command =>
            {
                command.Parameters.Add(Text(project.Id));
                command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)project.State });
                command.Parameters.Add(Text(project.ApprovedBy));
                command.Parameters.Add(new NpgsqlParameter { Value = project.CompletedOn is { } d ? d : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
                command.Parameters.Add(Text(project.CancellationReason));
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
            },
            audit, cancellationToken).ConfigureAwait(false);
    }

    // ---- requests ----

    public async Task<Versioned<CivilAssistanceRequest>> CreateRequestAsync(CivilAssistanceRequest request, AuditRow audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(audit);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "INSERT INTO civil_assistance_requests (id, title, description, location, community_id, facility_ids, requested_by, implemented_by, needed_from, needed_to, last_resort) " +
            "VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING", connection, transaction);
        command.Parameters.Add(Text(request.Id));
        command.Parameters.Add(Text(request.Title));
        command.Parameters.Add(Text(request.Description));
        AddScope(command, request.Scope);
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = request.NeededFrom });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = request.NeededTo });
        command.Parameters.Add(Text(request.LastResort));
        var created = await ExecuteAsync(command, request.Scope.CommunityId, cancellationToken).ConfigureAwait(false) == 1;
        if (created)
        {
            await audit.InsertAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var stored = await GetRequestAsync(request.Id, cancellationToken).ConfigureAwait(false);
        return created || Same(stored.Value with { RequestedAt = request.RequestedAt, State = request.State }, request)
            ? stored
            : throw new RecordConflictException($"request '{request.Id}' already exists with other content") { Field = "id" };
    }

    public async Task<Versioned<CivilAssistanceRequest>> GetRequestAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {RequestColumns} FROM civil_assistance_requests WHERE id = $1");
        command.Parameters.Add(Text(id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRequest(reader) : throw new RecordNotFoundException($"no request '{id}'") { Field = "id" };
    }

    public async Task<IReadOnlyList<Versioned<CivilAssistanceRequest>>> ListRequestsAsync(IReadOnlyCollection<int> states, Geometry? area, string afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {RequestColumns} FROM civil_assistance_requests r WHERE (cardinality($1) = 0 OR state = ANY($1)) AND ($2 = '' OR id > $2) AND {InArea("r")} ORDER BY id LIMIT $3");
        AddPage(command, states, afterId, limit);
        command.Parameters.Add(StoredGeometry.Parameter(area));
        var page = new List<Versioned<CivilAssistanceRequest>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(ReadRequest(reader));
        }

        return page;
    }

    public async Task<bool> StepRequestAsync(CivilAssistanceRequest request, long version, AuditRow audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await StepAsync(
            "UPDATE civil_assistance_requests SET state = $2, last_resort = $3, decided_by = $4, decided_at = $5, refusal_reason = $6, version = version + 1 WHERE id = $1 AND version = $7",
            command =>
            {
                command.Parameters.Add(Text(request.Id));
                command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)request.State });
                command.Parameters.Add(Text(request.LastResort));
                command.Parameters.Add(Text(request.DecidedBy));
                command.Parameters.Add(new NpgsqlParameter { Value = request.DecidedAt is { } at ? at : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                command.Parameters.Add(Text(request.RefusalReason));
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
            },
            audit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the CPAS indicators count: projects completed, and requests decided, between <paramref name="from"/> (inclusive) and <paramref name="to"/> (exclusive).</summary>
    public async Task<(IReadOnlyList<Core.Indicators.QipCompletion> Completions, IReadOnlyList<Core.Indicators.AssistanceDecision> Decisions, IReadOnlyList<(QipState, Cluster)> Projects)> IndicatorFiguresAsync(
        DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var completions = new NpgsqlBatchCommand(
            "SELECT completed_on, completed_on <= planned_completion FROM quick_impact_projects WHERE state = 4 AND completed_on >= $1::date AND completed_on < $2::date");
        completions.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        completions.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to });
        var decisions = new NpgsqlBatchCommand(
            "SELECT requested_at, decided_at, state <> 4 FROM civil_assistance_requests WHERE decided_at >= $1 AND decided_at < $2");
        decisions.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        decisions.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to });
        batch.BatchCommands.Add(completions);
        batch.BatchCommands.Add(decisions);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT state, sector FROM quick_impact_projects"));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var done = new List<Core.Indicators.QipCompletion>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            done.Add(new Core.Indicators.QipCompletion(reader.GetFieldValue<DateOnly>(0), reader.GetBoolean(1)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var decided = new List<Core.Indicators.AssistanceDecision>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // A request decided is approved, or refused (state 4), and may have moved on since.
            decided.Add(new Core.Indicators.AssistanceDecision(reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetBoolean(2)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var projects = new List<(QipState, Cluster)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            projects.Add(((QipState)reader.GetInt16(0), (Cluster)reader.GetInt16(1)));
        }

        return (done, decided, projects);
    }

    /// <summary>Projects by state and sector and the share completed on time; requests by state and the time to decision.</summary>
    public async Task<CivilWorksFigures> FiguresAsync(CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT state, sector, count(*)::int FROM quick_impact_projects GROUP BY state, sector ORDER BY state, sector"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT count(*) FILTER (WHERE state = 4)::int, count(*) FILTER (WHERE state = 4 AND completed_on <= planned_completion)::int FROM quick_impact_projects"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT state, count(*)::int FROM civil_assistance_requests GROUP BY state ORDER BY state"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT count(*)::int, COALESCE(avg(h), 0)::float8, COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY h), 0)::float8 " +
            "FROM (SELECT extract(epoch FROM decided_at - requested_at) / 3600 AS h FROM civil_assistance_requests WHERE decided_at IS NOT NULL) d"));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var projects = new List<CivilWorkCount>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            projects.Add(new CivilWorkCount(reader.GetInt16(0), (Cluster)reader.GetInt16(1), reader.GetInt32(2)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var (completed, onTime) = (reader.GetInt32(0), reader.GetInt32(1));
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var requests = new List<CivilWorkCount>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            requests.Add(new CivilWorkCount(reader.GetInt16(0), null, reader.GetInt32(1)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new CivilWorksFigures(projects, completed, onTime, requests, reader.GetInt32(0), reader.GetDouble(1), reader.GetDouble(2));
    }

    /// <summary>
    /// Changes what a project is, while it is in one of <paramref name="states"/> and at
    /// <paramref name="version"/>; false otherwise (the caller reads it again to say why).
    /// </summary>
    public Task<bool> ChangeQipAsync(QuickImpactProject project, long version, IReadOnlyCollection<QipState> states, AuditRow audit, CancellationToken cancellationToken) =>
        StepAsync(
            "UPDATE quick_impact_projects SET title = $2, sector = $3, location = $4, community_id = NULLIF($5, ''), facility_ids = $6, requested_by = $7, implemented_by = $8, " +
            "budget_usd = $9, planned_completion = $10, version = version + 1 WHERE id = $1 AND version = $11 AND state = ANY($12)",
            command =>
            {
                command.Parameters.Add(Text(project.Id));
                command.Parameters.Add(Text(project.Title));
                command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)project.Sector });
                AddScope(command, project.Scope);
                command.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = project.BudgetUsd });
                command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = project.PlannedCompletion });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
                command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. states.Select(s => (short)s)] });
            },
            audit, cancellationToken, project.Scope.CommunityId);

    public Task<bool> ChangeRequestAsync(CivilAssistanceRequest request, long version, IReadOnlyCollection<AssistanceState> states, AuditRow audit, CancellationToken cancellationToken) =>
        StepAsync(
            "UPDATE civil_assistance_requests SET title = $2, description = $3, location = $4, community_id = NULLIF($5, ''), facility_ids = $6, requested_by = $7, implemented_by = $8, " +
            "needed_from = $9, needed_to = $10, last_resort = $11, version = version + 1 WHERE id = $1 AND version = $12 AND state = ANY($13)",
            command =>
            {
                command.Parameters.Add(Text(request.Id));
                command.Parameters.Add(Text(request.Title));
                command.Parameters.Add(Text(request.Description));
                AddScope(command, request.Scope);
                command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = request.NeededFrom });
                command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = request.NeededTo });
                command.Parameters.Add(Text(request.LastResort));
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
                command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. states.Select(s => (short)s)] });
            },
            audit, cancellationToken, request.Scope.CommunityId);

    /// <summary>The work's place, or its community's shape, meets the area given as the command's 4th parameter (all when null).</summary>
    private static string InArea(string alias) =>
        $"($4::geometry IS NULL OR ST_Intersects(COALESCE({alias}.location, (SELECT c.location FROM communities c WHERE c.id = {alias}.community_id)), $4::geometry))";

    private async Task<bool> StepAsync(string sql, Action<NpgsqlCommand> parameters, AuditRow audit, CancellationToken cancellationToken, string communityId = "")
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        parameters(command);
        if (await ExecuteAsync(command, communityId, cancellationToken).ConfigureAwait(false) != 1)
        {
            return false;
        }

        await audit.InsertAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task<int> ExecuteAsync(NpgsqlCommand command, string communityId, CancellationToken cancellationToken)
    {
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new RecordNotFoundException($"no community '{communityId}'") { Field = "scope.community_id" };
        }
    }

    private static void AddScope(NpgsqlCommand command, CivilWorkScope scope)
    {
        command.Parameters.Add(StoredGeometry.Parameter(scope.Location));
        command.Parameters.Add(Text(scope.CommunityId));
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. scope.FacilityIds] });
        command.Parameters.Add(Text(scope.RequestedBy));
        command.Parameters.Add(Text(scope.ImplementedBy));
    }

    private static void AddPage(NpgsqlCommand command, IReadOnlyCollection<int> states, string afterId, int limit)
    {
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. states.Select(s => (short)s)] });
        command.Parameters.Add(Text(afterId));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

    private static CivilWorkScope ReadScope(NpgsqlDataReader reader, int first) => new(
        reader.IsDBNull(first) ? null : Core.Spatial.ShapeReader.Factory.CreatePoint(new Coordinate(reader.GetDouble(first), reader.GetDouble(first + 1))),
        reader.GetString(first + 2), reader.GetFieldValue<string[]>(first + 3), reader.GetString(first + 4), reader.GetString(first + 5));

    private static bool Same(QuickImpactProject stored, QuickImpactProject submitted) =>
        stored with { Scope = submitted.Scope } == submitted && SameScope(stored.Scope, submitted.Scope);

    private static bool Same(CivilAssistanceRequest stored, CivilAssistanceRequest submitted) =>
        stored with { Scope = submitted.Scope } == submitted && SameScope(stored.Scope, submitted.Scope);

    private static bool SameScope(CivilWorkScope a, CivilWorkScope b) =>
        a with { Location = b.Location, FacilityIds = b.FacilityIds } == b && a.FacilityIds.SequenceEqual(b.FacilityIds)
        && (a.Location is null ? b.Location is null : b.Location is not null && a.Location.EqualsExact(b.Location));

    private static Versioned<QuickImpactProject> ReadQip(NpgsqlDataReader reader) => new(
        new QuickImpactProject
        {
            Id = reader.GetString(0),
            Title = reader.GetString(1),
            Sector = (Cluster)reader.GetInt16(2),
            Scope = ReadScope(reader, 3),
            BudgetUsd = reader.GetDecimal(9),
            PlannedCompletion = reader.GetFieldValue<DateOnly>(10),
            State = (QipState)reader.GetInt16(11),
            ApprovedBy = reader.GetString(12),
            CompletedOn = reader.IsDBNull(13) ? null : reader.GetFieldValue<DateOnly>(13),
            CancellationReason = reader.GetString(14),
        },
        reader.GetInt64(15));

    private static Versioned<CivilAssistanceRequest> ReadRequest(NpgsqlDataReader reader) => new(
        new CivilAssistanceRequest
        {
            Id = reader.GetString(0),
            Title = reader.GetString(1),
            Description = reader.GetString(2),
            Scope = ReadScope(reader, 3),
            NeededFrom = reader.GetFieldValue<DateOnly>(9),
            NeededTo = reader.GetFieldValue<DateOnly>(10),
            LastResort = reader.GetString(11),
            State = (AssistanceState)reader.GetInt16(12),
            RequestedAt = reader.GetFieldValue<DateTimeOffset>(13),
            DecidedBy = reader.GetString(14),
            DecidedAt = reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15),
            RefusalReason = reader.GetString(16),
        },
        reader.GetInt64(17));
}
