using Geo.Core.Coverage;
using Npgsql;

namespace Geo.Bench.Operations;

/// <summary>
/// The peer: the check's answer from PostGIS queries alone, as an analyst with psql would write
/// them, in one Npgsql batch (one round trip): every distance on the geography with ST_DWithin
/// against the route as drawn (its WKT, not our stored plan) and the buffer.
/// </summary>
internal static class PostgisCheck
{
    // The route on the spheroid, from its text each time as an analyst's query would have it.
    private const string Route = "ST_GeomFromText($1, 4326)::geography";

    /// <summary>Facilities within the buffer; flagged when notified or of a type the mission flags (the service's defaults: hospital, clinic, health post).</summary>
    private const string Facilities =
        $"SELECT f.id, ST_Distance(f.location::geography, {Route}), f.notified_on IS NOT NULL OR f.type IN (1, 2, 3) " +
        $"FROM facilities f WHERE ST_DWithin(f.location::geography, {Route}, $2)";

    private const string Communities =
        $"SELECT c.id, ST_Distance(c.location::geography, {Route}), c.risk_level, c.population " +
        $"FROM communities c WHERE ST_DWithin(c.location::geography, {Route}, $2)";

    /// <summary>
    /// For each community at risk within the buffer: of the five open bases nearest to the point on
    /// its surface within the longest reach, those whose CLA team on the day is staffed (two or more)
    /// and within the reach of their kind.
    /// </summary>
    private const string Teams =
        $"WITH touched AS (SELECT c.id, ST_PointOnSurface(c.location)::geography AS at FROM communities c " +
        $"  WHERE ST_DWithin(c.location::geography, {Route}, $2) AND c.risk_level >= $3) " +
        "SELECT t.id, n.id, n.metres, d.clas, d.women > 0 FROM touched t " +
        "CROSS JOIN LATERAL (SELECT b.id, b.kind, ST_Distance(b.location::geography, t.at) AS metres FROM bases b " +
        "  WHERE (b.opened_on IS NULL OR b.opened_on <= $4) AND (b.closed_on IS NULL OR b.closed_on >= $4) AND ST_DWithin(b.location::geography, t.at, $5) " +
        "  ORDER BY metres, b.id LIMIT 5) n " +
        "CROSS JOIN LATERAL (SELECT count(*) AS clas, count(*) FILTER (WHERE sex = 1) AS women FROM cla_deployments " +
        "  WHERE base_id = n.id AND from_date <= $4 AND (to_date IS NULL OR to_date >= $4)) d " +
        "WHERE d.clas >= 2 AND n.metres <= CASE n.kind WHEN 1 THEN $6 WHEN 2 THEN $7 WHEN 3 THEN $8 ELSE $9 END";

    /// <summary>Presence records not ended, by sector: records, organisations, their names.</summary>
    private const string Presence =
        "SELECT pr.sector, count(*), count(DISTINCT pr.organisation_id), array_agg(DISTINCT o.name) " +
        $"FROM presence pr JOIN organisations o ON o.id = pr.organisation_id WHERE ST_DWithin(pr.location::geography, {Route}, $2) AND pr.status <> 4 GROUP BY pr.sector";

    /// <summary>Threat observations since the day given (threats, armed group movements, displacement, early warnings; not discredited), by category.</summary>
    private const string Threats =
        $"SELECT o.category, count(*) FROM observations o WHERE ST_DWithin(o.location::geography, {Route}, $2) " +
        "AND o.observed_at >= $3 AND o.verification <> 3 AND o.category IN (1, 2, 3, 4) GROUP BY o.category";

    public static async Task<CheckAnswer> AnswerAsync(NpgsqlDataSource dataSource, string routeWkt, int bufferMetres, DateTimeOffset since, DateOnly today, CancellationToken cancellationToken)
    {
        var reach = ReachDistances.Defaults;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command(Facilities, routeWkt, bufferMetres),
                Command(Communities, routeWkt, bufferMetres),
                Command(Teams, routeWkt, bufferMetres, (short)CoverageQuestion.DefaultMinRisk, today, reach.Longest,
                    reach.OperatingBaseMetres, reach.CompanyOperatingBaseMetres, reach.TemporaryOperatingBaseMetres, reach.SurgeTeamMetres),
                Command(Presence, routeWkt, bufferMetres),
                Command(Threats, routeWkt, bufferMetres, since),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var facilities = new List<Touch>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            facilities.Add(new Touch(reader.GetString(0), Math.Round(reader.GetDouble(1), 1), reader.GetBoolean(2) ? "flagged" : "not flagged"));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var communities = new List<Touch>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            communities.Add(new Touch(
                reader.GetString(0), Math.Round(reader.GetDouble(1), 1), CheckAnswer.Community(reader.GetInt16(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<int[]>(3))));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var teams = new List<Touch>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            teams.Add(new Touch($"{reader.GetString(0)} <- {reader.GetString(1)}", Math.Round(reader.GetDouble(2), 1), CheckAnswer.Team(reader.GetInt64(3), reader.GetBoolean(4))));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var presence = new List<Touch>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            presence.Add(new Touch(CheckAnswer.Code(reader.GetInt16(0)), 0, CheckAnswer.Sector(reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<string[]>(3))));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var threats = new List<Touch>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            threats.Add(new Touch(CheckAnswer.Code(reader.GetInt16(0)), 0, CheckAnswer.Code(reader.GetInt64(1))));
        }

        return new CheckAnswer(facilities, communities, teams, presence, threats);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
