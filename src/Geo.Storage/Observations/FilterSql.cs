using System.Text;
using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Npgsql;

namespace Geo.Storage.Observations;

/// <summary>
/// Turns an analyst's filter into a parameterised WHERE clause that the PostGIS indexes serve:
/// every area test starts with the index operator <c>&amp;&amp;</c>, and group and vulnerability
/// selections are bitmask tests on the same row.
/// </summary>
internal sealed class FilterSql
{
    private readonly StringBuilder _where = new("TRUE");

    private FilterSql(List<NpgsqlParameter>? parameters = null)
    {
        Parameters = parameters ?? [];
    }

    public string Where => _where.ToString();

    public List<NpgsqlParameter> Parameters { get; }

    /// <summary>
    /// The condition of <paramref name="filter"/> and <paramref name="visibility"/> with its
    /// parameters added to this one's, so that one statement can test many (one watch each).
    /// </summary>
    public string Condition(ObservationFilter filter, Visibility visibility, bool withTombstones) =>
        For(filter, visibility, withTombstones, Parameters).Where;

    /// <param name="withTombstones">
    /// Also match a discredited observation whatever the filter's verification statuses: a watch
    /// that received an observation is told when it is withdrawn.
    /// </param>
    public static FilterSql For(ObservationFilter filter, Visibility visibility, bool withTombstones = false, List<NpgsqlParameter>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(visibility);
        var sql = new FilterSql(parameters);
        sql.Restrict(visibility);
        switch (filter.Area)
        {
            case BoxArea box:
                sql.And($"location && ST_MakeEnvelope({sql.P(box.West)}, {sql.P(box.South)}, {sql.P(box.East)}, {sql.P(box.North)}, 4326)");
                break;
            case ShapeArea shape:
                sql.And($"ST_Intersects(location, {sql.P(StoredGeometry.InStorageSrid(shape.Shape))})");
                break;
            case CircleArea circle:
                var (west, south, east, north) = Geodesy.CircleBounds(circle.Center, circle.RadiusMetres);
                sql.And($"location && ST_MakeEnvelope({sql.P(west)}, {sql.P(south)}, {sql.P(east)}, {sql.P(north)}, 4326)");
                sql.And($"ST_DWithin(location::geography, ST_SetSRID(ST_MakePoint({sql.P(circle.Center.Longitude)}, {sql.P(circle.Center.Latitude)}), 4326)::geography, {sql.P(circle.RadiusMetres)})");
                break;
        }

        if (filter.ObservedFrom is { } from)
        {
            sql.And($"observed_at >= {sql.P(from)}");
        }

        if (filter.ObservedTo is { } to)
        {
            sql.And($"observed_at < {sql.P(to)}");
        }

        if (filter.Categories.Count > 0)
        {
            sql.And($"category = ANY({sql.P(filter.Categories.Select(c => (short)c).ToArray())})");
        }

        if (filter.MinSeverity > 1)
        {
            sql.And($"severity >= {sql.P((short)filter.MinSeverity)}");
        }

        if (filter.Verification.Count > 0)
        {
            var statuses = $"verification = ANY({sql.P(filter.Verification.Select(v => (short)v).ToArray())})";
            sql.And(withTombstones ? $"(verification = {(int)VerificationStatus.Discredited} OR {statuses})" : statuses);
        }

        if (!filter.Affected.IsAnyone)
        {
            sql.And($"affected_groups & {sql.P(filter.Affected.CellMask)} <> 0");
        }

        if (filter.Vulnerabilities != Vulnerabilities.None)
        {
            sql.And($"vulnerability & {sql.P((int)filter.Vulnerabilities)} <> 0");
        }

        if (filter.CommunityIds.Count > 0)
        {
            sql.And($"community_id = ANY({sql.P(filter.CommunityIds.ToArray())})");
        }

        if (filter.BaseIds.Count > 0)
        {
            sql.And($"base_id = ANY({sql.P(filter.BaseIds.ToArray())})");
        }

        return sql;
    }

    /// <summary>Only what the caller may see: inside its area, and its own reports when it sees only those.</summary>
    public void Restrict(Visibility visibility)
    {
        if (visibility.Area is { } area)
        {
            And($"ST_Intersects(location, {P(StoredGeometry.InStorageSrid(area))})");
        }

        if (visibility.OnlyReporter is { } reporter)
        {
            And($"reporter_id = {P(reporter)}");
        }

        // Literal codes: they are ours, and the time index carries the category.
        switch (visibility.Categories)
        {
            case CategoryScope.WithoutSecurityIncidents:
                And($"category <> {(int)ObservationCategory.SecurityIncidentAgainstCla}");
                break;
            case CategoryScope.OnlySecurityIncidents:
                And($"category = {(int)ObservationCategory.SecurityIncidentAgainstCla}");
                break;
        }

        if (visibility.OnlyReleased)
        {
            And("released_at IS NOT NULL");
        }
    }

    /// <summary>Adds a parameter and returns its placeholder.</summary>
    public string P<T>(T value)
    {
        Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
        return "$" + Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public void And(string condition) => _where.Append(" AND ").Append(condition);

    /// <summary>Parameters are owned by one command: each command gets fresh copies.</summary>
    public NpgsqlParameter[] CloneParameters() => Parameters.Select(p => p.Clone()).ToArray();
}
