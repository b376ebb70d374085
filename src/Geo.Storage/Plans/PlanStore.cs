using Geo.Core.Spatial;
using NetTopologySuite.Geometries;
using Npgsql;

namespace Geo.Storage.Plans;

/// <summary>A saved plan as stored: the request as the API encodes it, who saved it and when.</summary>
public sealed record StoredPlan(string Name, byte[] Plan, string SavedBy, DateTimeOffset SavedAt);

/// <summary>
/// Saved what-if plans (migration 21). A scoped caller reaches only the plans whose places (every
/// base they name or open) lie inside its area; any other reads as no plan of that name.
/// </summary>
public sealed class PlanStore(NpgsqlDataSource dataSource)
{
    /// <summary>The condition that the caller's area, parameter <paramref name="scope"/> (NULL when unscoped), covers the plan's places.</summary>
    private static string Visible(int scope, string places = "places") => $"(${scope}::geometry IS NULL OR ST_CoveredBy({places}, ${scope}))";

    /// <summary>
    /// Saves the plan under its name. A name taken is a conflict unless <paramref name="replace"/>;
    /// a plan the caller may not see is never replaced (the same conflict).
    /// </summary>
    public async Task<StoredPlan> SaveAsync(string name, byte[] plan, IReadOnlyCollection<GeoPoint> places, string savedBy, bool replace, Geometry? scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(places);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO saved_plans (name, plan, places, saved_by) " +
            "VALUES ($1, $3, ST_SetSRID(ST_Collect(ARRAY(SELECT ST_MakePoint(x, y) FROM unnest($4::float8[], $5::float8[]) AS u(x, y))), 4326)::geometry(MultiPoint, 4326), $6) " +
            (replace
                ? $"ON CONFLICT (name) DO UPDATE SET plan = excluded.plan, places = excluded.places, saved_by = excluded.saved_by, saved_at = now() WHERE {Visible(2, "saved_plans.places")} "
                : "ON CONFLICT (name) DO NOTHING ") +
            "RETURNING saved_at");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(StoredGeometry.Parameter(scope));
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = plan });
        command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. places.Select(p => p.Longitude)] });
        command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. places.Select(p => p.Latitude)] });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = savedBy });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime savedAt
            ? new StoredPlan(name, plan, savedBy, new DateTimeOffset(savedAt, TimeSpan.Zero))
            : throw new RecordConflictException($"a plan named '{name}' is saved already{(replace ? string.Empty : "; set replace to save over it")}") { Field = "name" };
    }

    /// <summary>The plan of that name, when the caller may see it (NOT_FOUND otherwise, as for an unknown name).</summary>
    public async Task<StoredPlan> GetAsync(string name, Geometry? scope, string field, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT name, plan, saved_by, saved_at FROM saved_plans WHERE name = $1 AND {Visible(2)}");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(StoredGeometry.Parameter(scope));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? Read(reader)
            : throw new RecordNotFoundException($"no saved plan '{name}'") { Field = field };
    }

    /// <summary>Every plan the caller may see, by name.</summary>
    public async Task<IReadOnlyList<StoredPlan>> ListAsync(Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT name, plan, saved_by, saved_at FROM saved_plans WHERE {Visible(1)} ORDER BY name");
        command.Parameters.Add(StoredGeometry.Parameter(scope));
        var plans = new List<StoredPlan>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            plans.Add(Read(reader));
        }

        return plans;
    }

    /// <summary>Deletes the plan of that name, when the caller may see it (NOT_FOUND otherwise).</summary>
    public async Task DeleteAsync(string name, Geometry? scope, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"DELETE FROM saved_plans WHERE name = $1 AND {Visible(2)}");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(StoredGeometry.Parameter(scope));
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new RecordNotFoundException($"no saved plan '{name}'") { Field = "name" };
        }
    }

    private static StoredPlan Read(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetFieldValue<byte[]>(1), reader.GetString(2), new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero));
}
