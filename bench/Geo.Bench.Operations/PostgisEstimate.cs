using Geo.Api.V1;
using Geo.Core.Coverage;
using Domain = Geo.Core.Domain;
using Npgsql;

namespace Geo.Bench.Operations;

/// <summary>
/// The peer of the civil operational estimate: its figures for a supervisor of the whole mission
/// (exact locations, every sharing level up to mission) from PostGIS queries alone, in one Npgsql
/// batch: the communities in the box, presence and facilities, threats of the period and of the
/// one before, bases with a team gap and communities at risk out of reach, civil works. The Gi*
/// hot spots and the women-and-girls gaps are computed on our heat-map grids and have no SQL peer
/// here: ours does that work on top.
/// </summary>
internal static class PostgisEstimate
{
    private const string Box = "ST_MakeEnvelope($1, $2, $3, $4, 4326)";

    private const string Communities =
        $"SELECT id, risk_level, population FROM communities WHERE location && {Box} AND ST_Intersects(ST_PointOnSurface(location), {Box})";

    // Every record not finished, whatever its sharing level, in the cells of the presence grid the box touches.
    private const string Presence =
        "WITH placed AS (SELECT p.organisation_id, p.sector, ST_PointOnSurface(p.location) AS at FROM presence p WHERE p.status <> 4), " +
        "celled AS (SELECT organisation_id, sector, floor(ST_X(at) / $5)::int AS col, floor(ST_Y(at) / $5)::int AS row FROM placed) " +
        "SELECT sector, count(*)::int, count(DISTINCT (organisation_id, col, row))::int FROM celled " +
        "WHERE col BETWEEN floor($1 / $5)::int AND floor($3 / $5)::int AND row BETWEEN floor($2 / $5)::int AND floor($4 / $5)::int GROUP BY sector";

    private const string Facilities =
        "SELECT f.type, f.status, count(*)::int, " +
        "count(*) FILTER (WHERE f.last_confirmed_on IS NULL OR f.last_confirmed_on + $6 < $7 OR f.reconfirm_by < $7)::int, count(*) FILTER (WHERE f.notified_on IS NOT NULL)::int " +
        $"FROM facilities f LEFT JOIN organisations o ON o.id = f.operator_id WHERE GREATEST(f.sharing, COALESCE(o.sharing, 1)) <= 2 AND ST_Intersects(f.location, {Box}) " +
        "GROUP BY f.type, f.status";

    private static readonly string Threats =
        "SELECT category, count(*), " + string.Join(", ", Enumerable.Range(0, Domain.AffectedPeople.CellCount).Select(c => $"count(*) FILTER (WHERE affected_groups & {1 << c} <> 0)")) +
        $" FROM observations WHERE location && {Box} AND observed_at >= $8 AND observed_at < $9 GROUP BY category";

    // The teams on the day, and for each community at risk in the box whether a staffed base (two or
    // more CLAs) is within the reach of its kind: 30, 20, 15 and 10 km, the service's defaults.
    private const string Teams =
        "WITH open AS (SELECT b.id, b.kind, b.location FROM bases b WHERE (b.opened_on IS NULL OR b.opened_on <= $10) AND (b.closed_on IS NULL OR b.closed_on >= $10)), " +
        "teams AS (SELECT o.id, o.kind, o.location, count(d.id)::int AS clas, count(d.id) FILTER (WHERE d.sex = 1)::int AS women FROM open o " +
        "  LEFT JOIN cla_deployments d ON d.base_id = o.id AND d.from_date <= $10 AND (d.to_date IS NULL OR d.to_date >= $10) GROUP BY o.id, o.kind, o.location) " +
        $"SELECT id, clas, women FROM teams WHERE ST_Intersects(location, {Box})";

    private const string OutOfReach =
        "WITH staffed AS (SELECT b.id, b.kind, b.location::geography AS at FROM bases b WHERE (b.opened_on IS NULL OR b.opened_on <= $10) AND (b.closed_on IS NULL OR b.closed_on >= $10) " +
        "  AND (SELECT count(*) FROM cla_deployments d WHERE d.base_id = b.id AND d.from_date <= $10 AND (d.to_date IS NULL OR d.to_date >= $10)) >= 2) " +
        $"SELECT c.id FROM communities c WHERE c.risk_level >= 2 AND c.location && {Box} AND ST_Intersects(ST_PointOnSurface(c.location), {Box}) " +
        "AND NOT EXISTS (SELECT FROM staffed s WHERE ST_DWithin(s.at, ST_PointOnSurface(c.location)::geography, CASE s.kind WHEN 1 THEN 30000 WHEN 2 THEN 20000 WHEN 3 THEN 15000 ELSE 10000 END))";

    private const string Qips =
        "SELECT q.state, q.sector, count(*)::int FROM quick_impact_projects q " +
        $"WHERE ST_Intersects(COALESCE(q.location, (SELECT c.location FROM communities c WHERE c.id = q.community_id)), {Box}) GROUP BY q.state, q.sector";

    public static async Task<EstimateFigures> AnswerAsync(
        NpgsqlDataSource dataSource, BoundingBox box, DateOnly first, DateOnly last, double cellDegrees, int staleDays, DateOnly today, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        var days = last.DayNumber - first.DayNumber + 1;
        var start = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        foreach (var (sql, from) in new[] { (Communities, start), (Presence, start), (Facilities, start), (Threats, start), (Threats, start.AddDays(-days)), (Teams, start), (OutOfReach, start), (Qips, start) })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = box.West });
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = box.South });
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = box.East });
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = box.North });
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = cellDegrees });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = staleDays });
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = today });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from.AddDays(days) });
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = last });
            // Each statement names the parameters it uses; the others are sent and ignored.
            batch.BatchCommands.Add(command);
        }

        var figures = new EstimateFigures();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            figures.Communities.Add((reader.GetString(0), reader.GetInt16(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<int[]>(2)));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            figures.Sectors[reader.GetInt16(0)] = (reader.GetInt32(1), reader.GetInt32(2));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            figures.Facilities[(reader.GetInt16(0), reader.GetInt16(1))] = (reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
        }

        foreach (var threats in new[] { figures.Threats, figures.PreviousThreats })
        {
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var groups = new long[Domain.AffectedPeople.CellCount];
                for (var cell = 0; cell < groups.Length; cell++)
                {
                    groups[cell] = reader.GetInt64(2 + cell);
                }

                threats[reader.GetInt16(0)] = (reader.GetInt64(1), groups);
            }
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var gaps = TeamGaps.Of(new Domain.ClaTeam(reader.GetInt32(1), reader.GetInt32(2), 0));
            figures.Bases[reader.GetString(0)] = [.. gaps.Select(g => (int)g)];
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            figures.OutOfReach.Add(reader.GetString(0));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            figures.Qips[(reader.GetInt16(0), reader.GetInt16(1))] = reader.GetInt32(2);
        }

        return figures;
    }
}

/// <summary>The figures both sides give, and where ours differ from the peer's.</summary>
internal sealed class EstimateFigures
{
    public List<(string Id, short Risk, int[]? Population)> Communities { get; } = [];

    public Dictionary<short, (int Records, int OrganisationCells)> Sectors { get; } = [];

    public Dictionary<(short Type, short Status), (int Count, int Stale, int Notified)> Facilities { get; } = [];

    public Dictionary<short, (long Count, long[] Groups)> Threats { get; } = [];

    public Dictionary<short, (long Count, long[] Groups)> PreviousThreats { get; } = [];

    public Dictionary<string, int[]> Bases { get; } = [];

    public List<string> OutOfReach { get; } = [];

    public Dictionary<(short State, short Sector), int> Qips { get; } = [];

    /// <summary>Every figure of <paramref name="ours"/> the peer disagrees with, in words.</summary>
    public List<string> Differences(CivilEstimate ours)
    {
        var problems = new List<string>();
        void Same<T>(string what, T mine, T theirs)
        {
            if (!EqualityComparer<T>.Default.Equals(mine, theirs))
            {
                problems.Add($"{what}: ours {mine}, PostGIS {theirs}");
            }
        }

        Same("communities", ours.Situation.Communities, Communities.Count);
        foreach (var risk in ours.Situation.ByRisk)
        {
            Same($"communities at risk level {risk.RiskLevel}", risk.Communities, Communities.Count(c => c.Risk == (short)risk.RiskLevel));
        }

        Same("population", ours.Situation.PopulationTotal, Communities.Sum(c => c.Population?.Sum(p => (long)p) ?? 0));
        Same("communities at risk", string.Join(",", ours.Situation.AtRisk.Select(c => c.Id).Order(StringComparer.Ordinal)),
            string.Join(",", Communities.Where(c => c.Risk >= 2).Select(c => c.Id).Order(StringComparer.Ordinal)));
        Same("sectors", ours.Actors.Sectors.Count, Sectors.Count);
        foreach (var sector in ours.Actors.Sectors)
        {
            Same($"presence of {sector.Sector}", (sector.Records, sector.OrganisationCells), Sectors.GetValueOrDefault((short)sector.Sector));
        }

        Same("facility kinds", ours.Actors.Facilities.Count, Facilities.Count);
        foreach (var f in ours.Actors.Facilities)
        {
            Same($"facilities {f.Type} {f.Status}", (f.Facilities, f.StaleOrUnconfirmed, f.Notified), Facilities.GetValueOrDefault(((short)f.Type, (short)f.Status)));
        }

        Same("observations", ours.Threats.Observations, Threats.Values.Sum(t => t.Count));
        Same("previous observations", ours.Threats.PreviousObservations, PreviousThreats.Values.Sum(t => t.Count));
        foreach (var c in ours.Threats.ByCategory)
        {
            Same($"{c.Category}", (c.Observations, c.PreviousObservations),
                (Threats.GetValueOrDefault((short)c.Category).Count, PreviousThreats.GetValueOrDefault((short)c.Category).Count));
        }

        foreach (var g in ours.Threats.ByGroup)
        {
            var cell = Domain.AffectedPeople.Cell((Domain.Sex)g.Sex, (Domain.AgeGroup)g.AgeGroup);
            Same($"{g.Sex} {g.AgeGroup}", (g.Observations, g.PreviousObservations),
                (Threats.Values.Sum(t => t.Groups[cell]), PreviousThreats.Values.Sum(t => t.Groups[cell])));
        }

        Same("bases in the box", ours.Coverage.BasesInArea, Bases.Count);
        Same("bases with a gap", string.Join(";", ours.Coverage.Bases.Select(b => $"{b.Id}:{string.Join(",", b.Gaps.Select(g => (int)g))}").Order(StringComparer.Ordinal)),
            string.Join(";", Bases.Where(b => b.Value.Length > 0).Select(b => $"{b.Key}:{string.Join(",", b.Value)}").Order(StringComparer.Ordinal)));
        Same("communities out of reach", string.Join(",", ours.Coverage.CommunitiesOutOfReach.Select(c => c.CommunityId).Order(StringComparer.Ordinal)),
            string.Join(",", OutOfReach.Order(StringComparer.Ordinal)));
        Same("QIP kinds", ours.CivilWorks.Qips.Count, Qips.Count);
        foreach (var q in ours.CivilWorks.Qips)
        {
            var state = (short)Enum.Parse<Domain.QipState>(q.State, ignoreCase: true);
            Same($"QIPs {q.State} {q.Sector}", q.Count, Qips.GetValueOrDefault((state, (short)q.Sector)));
        }

        return problems;
    }
}
