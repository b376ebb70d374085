using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Geo.Storage;

/// <summary>Geometry as it goes to PostGIS: always in the storage's EPSG:4326.</summary>
internal static class StoredGeometry
{
    public const int Srid = 4326;

    /// <summary>
    /// <paramref name="geometry"/> labelled EPSG:4326. Every geometry of the service is in it, but
    /// one built without an SRID (0) would make PostGIS refuse the statement (mixed SRIDs, or a
    /// column's SRID): it is taken as 4326, on a copy, since callers share theirs across threads.
    /// </summary>
    public static Geometry InStorageSrid(Geometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        switch (geometry.SRID)
        {
            case Srid:
                return geometry;
            case 0:
                var copy = geometry.Copy();
                copy.SRID = Srid;
                return copy;
            default:
                throw new ArgumentException($"geometry in SRID {geometry.SRID}; storage is in EPSG:{Srid}", nameof(geometry));
        }
    }

    /// <summary>A geometry parameter; null becomes SQL NULL, typed as geometry so that the SQL can test it.</summary>
    public static NpgsqlParameter Parameter(Geometry? geometry) => new()
    {
        Value = geometry is null ? DBNull.Value : InStorageSrid(geometry),
        NpgsqlDbType = NpgsqlDbType.Geometry,
    };
}
