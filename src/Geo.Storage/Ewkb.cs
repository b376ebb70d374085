using Geo.Core.Spatial;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace Geo.Storage;

/// <summary>
/// Geometry crosses to PostGIS as EWKB bytea (ST_GeomFromEWKB / ST_AsEWKB): the
/// Npgsql.NetTopologySuite plugin does not restore on the project's machines.
/// </summary>
internal static class Ewkb
{
    public static byte[] Write(Geometry geometry)
    {
        geometry.SRID = 4326;
        return new WKBWriter(ByteOrder.LittleEndian, handleSRID: true, emitZ: false).Write(geometry);
    }

    public static Geometry Read(byte[] ewkb)
    {
        var geometry = new WKBReader(ShapeReader.Factory.GeometryServices).Read(ewkb);
        geometry.SRID = 4326;
        return geometry;
    }
}
