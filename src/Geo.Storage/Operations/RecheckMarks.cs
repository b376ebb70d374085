using System.Globalization;
using Geo.Core.Domain;
using NetTopologySuite.Geometries;
using Npgsql;

namespace Geo.Storage.Operations;

/// <summary>
/// A plan marked for a re-check (migration 16): where the mark stands in the feed's order, the plan
/// as it is now, and the site whose change caused it with the level it is shared at (the reader's
/// role decides whether it may learn the site's id).
/// </summary>
public sealed record RecheckMark(
    FeedPosition Position, string OperationId, string OperationName, RecheckReason Reason, string FacilityId, SharingLevel FacilitySharing, DateTimeOffset MarkedAt,
    Geometry? FacilityLocation = null);

/// <summary>Where one watch looks for marks: the plan's footprint must meet the token's area and the watch's own (null: anywhere).</summary>
public sealed record RecheckCondition(Geometry? Scope, QueryArea? Area);

/// <summary>What one read of the marks for every watch found, and whether a mark still waits above the watermark (it settles when the transactions before it end).</summary>
public sealed record RecheckRead(IReadOnlyList<(RecheckMark Mark, bool[] Matches)> Marks, bool Unsettled);

/// <summary>
/// The re-check marks (migration 16), read as the observation feed is: by (transaction, id)
/// position, after one position and up to another. Callers pass an upper bound under a feed
/// snapshot's watermark, taken before this read began, so every mark read is settled: no
/// transaction can still add one below it.
/// </summary>
public sealed class RecheckMarks(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The marks after <paramref name="after"/> and up to <paramref name="upTo"/> (inclusive), in
    /// position order, each with which of <paramref name="watches"/> it matches (one statement for
    /// every watch, as for observations), and in the same round trip whether a mark is waiting at
    /// or above <paramref name="watermark"/>.
    /// </summary>
    public async Task<RecheckRead> ReadForWatchesAsync(
        FeedPosition after, FeedPosition upTo, ulong watermark, IReadOnlyList<RecheckCondition> watches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(watches);
        await using var batch = dataSource.CreateBatch();
        var select = new NpgsqlBatchCommand();
        select.CommandText = Select(select.Parameters, after, upTo, watches, onlyMatching: false, int.MaxValue);
        var waiting = new NpgsqlBatchCommand("SELECT EXISTS (SELECT 1 FROM operation_rechecks WHERE change_xid >= $1::xid8)");
        waiting.Parameters.Add(new NpgsqlParameter<string> { TypedValue = watermark.ToString(CultureInfo.InvariantCulture) });
        batch.BatchCommands.Add(select);
        batch.BatchCommands.Add(waiting);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var marks = await ReadMarksAsync(reader, watches.Count, cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new RecheckRead(marks, reader.GetBoolean(0));
    }

    /// <summary>The marks after <paramref name="after"/> and up to <paramref name="upTo"/> (inclusive) that <paramref name="watch"/> matches, in position order, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<RecheckMark>> ReadMatchingAsync(FeedPosition after, FeedPosition upTo, RecheckCondition watch, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(watch);
        await using var command = dataSource.CreateCommand();
        command.CommandText = Select(command.Parameters, after, upTo, [watch], onlyMatching: true, limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return [.. (await ReadMarksAsync(reader, 1, cancellationToken).ConfigureAwait(false)).Select(m => m.Mark)];
    }

    private static string Select(
        NpgsqlParameterCollection parameters, FeedPosition after, FeedPosition upTo, IReadOnlyList<RecheckCondition> watches, bool onlyMatching, int limit)
    {
        string P<T>(T value)
        {
            parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
            return "$" + parameters.Count.ToString(CultureInfo.InvariantCulture);
        }

        string G(Geometry geometry)
        {
            parameters.Add(StoredGeometry.Parameter(geometry));
            return "$" + parameters.Count.ToString(CultureInfo.InvariantCulture);
        }

        // xid8 travels as text, as in the feed's reads.
        var where = $"(r.change_xid, r.id) > ({P(Xid(after))}::xid8, {P(after.Id)}) AND (r.change_xid, r.id) <= ({P(Xid(upTo))}::xid8, {P(upTo.Id)})";
        var conditions = watches.Select(w => Condition(w, P<double>, G)).ToList();
        if (onlyMatching)
        {
            where += string.Concat(conditions.Select(c => $" AND ({c})"));
        }

        var matches = string.Concat(conditions.Select(c => $", ({c})"));
        return "SELECT r.change_xid::text, r.id, r.operation_id, p.name, r.reason, r.marked_at, r.facility_id, GREATEST(f.sharing, COALESCE(o.sharing, 1))" + matches + ", f.location " +
            "FROM operation_rechecks r JOIN planned_operations p ON p.id = r.operation_id JOIN facilities f ON f.id = r.facility_id " +
            $"LEFT JOIN organisations o ON o.id = f.operator_id WHERE {where} ORDER BY r.change_xid, r.id LIMIT {P(limit)}";
    }

    private static async Task<List<(RecheckMark Mark, bool[] Matches)>> ReadMarksAsync(NpgsqlDataReader reader, int watches, CancellationToken cancellationToken)
    {
        var marks = new List<(RecheckMark, bool[])>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var mark = new RecheckMark(
                new FeedPosition(ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetString(1)), reader.GetString(2), reader.GetString(3),
                (RecheckReason)reader.GetInt16(4), reader.GetString(6), (SharingLevel)reader.GetInt16(7), reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetFieldValue<Geometry>(8 + watches));
            var matched = new bool[watches];
            for (var i = 0; i < matched.Length; i++)
            {
                matched[i] = reader.GetBoolean(8 + i);
            }

            marks.Add((mark, matched));
        }

        return marks;
    }

    /// <summary>The plan's footprint meets the token's area and the watch's: as ListOperations decides it, and in true metres for a circle.</summary>
    private static string Condition(RecheckCondition watch, Func<double, string> p, Func<Geometry, string> g)
    {
        var scope = watch.Scope is { } s ? $"ST_Intersects(p.footprint, {g(s)})" : "TRUE";
        var area = watch.Area switch
        {
            BoxArea box => $"ST_Intersects(p.footprint, ST_MakeEnvelope({p(box.West)}, {p(box.South)}, {p(box.East)}, {p(box.North)}, 4326))",
            ShapeArea shape => $"ST_Intersects(p.footprint, {g(shape.Shape)})",
            CircleArea circle =>
                $"ST_DWithin(p.footprint::geography, ST_SetSRID(ST_MakePoint({p(circle.Center.Longitude)}, {p(circle.Center.Latitude)}), 4326)::geography, {p(circle.RadiusMetres)})",
            _ => "TRUE",
        };
        return $"{scope} AND {area}";
    }

    private static string Xid(FeedPosition position) => position.Xid.ToString(CultureInfo.InvariantCulture);
}
