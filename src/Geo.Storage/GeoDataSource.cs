using Geo.Core.Spatial;
using NetTopologySuite.Geometries;
using Npgsql;

namespace Geo.Storage;

/// <summary>
/// How every pool on the service's database is built, the service's and the tests' alike:
/// geometry parameters, columns and binary COPY cross as NetTopologySuite types
/// (Npgsql.NetTopologySuite), so no SQL of ours converts geometry to or from bytes.
/// </summary>
public static class GeoDataSource
{
    /// <summary>Adds the geometry mapping to a builder of a pool on the service's database.</summary>
    /// <remarks>
    /// Only X and Y cross: the geometry columns are 2D and would refuse a Z that a client's
    /// WKT carried (GeoJSON altitudes are already dropped when read). Read geometries get the
    /// same precision model as those read from requests, so a stored geometry compares equal
    /// to the one that was written.
    /// </remarks>
    public static NpgsqlDataSourceBuilder UseGeometry(this NpgsqlDataSourceBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseNetTopologySuite(precisionModel: ShapeReader.Factory.PrecisionModel, handleOrdinates: Ordinates.XY);
        return builder;
    }

    /// <summary>A pool on <paramref name="connectionString"/> with the geometry mapping.</summary>
    public static NpgsqlDataSource Create(string connectionString) => new NpgsqlDataSourceBuilder(connectionString).UseGeometry().Build();
}
