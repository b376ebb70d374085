using Geo.Core.Spatial;
using Geo.Core.Validation;
using NetTopologySuite.Geometries;
using V1 = Geo.Api.V1;

namespace Geo.Cli.Ingest;

/// <summary>A row's location as the API takes it: a GeoJSON feature's geometry, or a CSV's longitude/latitude or wkt columns.</summary>
internal static class RowLocation
{
    public const string Field = "location";

    public static V1.GeoPoint? Point(InputRow row, FieldErrors errors)
    {
        switch (row.Geometry)
        {
            case GeometryKind.Point:
                return new V1.GeoPoint { Longitude = row.Point.Longitude, Latitude = row.Point.Latitude };
            case GeometryKind.GeoJson or GeometryKind.Wkt:
                var (geometry, error) = Read(row);
                if (geometry is Point point)
                {
                    return new V1.GeoPoint { Longitude = point.X, Latitude = point.Y };
                }

                errors.Add(Field, error ?? $"must be a Point, not a {geometry!.GeometryType}");
                return null;
            default:
                errors.Add(Field, "is required: a Point geometry (GeoJSON) or longitude and latitude columns (CSV)");
                return null;
        }
    }

    public static V1.Shape? Shape(InputRow row, FieldErrors errors)
    {
        switch (row.Geometry)
        {
            case GeometryKind.Point:
                return new V1.Shape { Point = new V1.GeoPoint { Longitude = row.Point.Longitude, Latitude = row.Point.Latitude } };
            case GeometryKind.GeoJson:
                return new V1.Shape { Geojson = row.GeometryText };
            case GeometryKind.Wkt:
                return new V1.Shape { Wkt = row.GeometryText };
            default:
                errors.Add(Field, "is required: a Point, Polygon or MultiPolygon geometry (GeoJSON), or longitude and latitude or wkt columns (CSV)");
                return null;
        }
    }

    public static void None(InputRow row, FieldErrors errors)
    {
        if (row.Geometry is not (GeometryKind.Absent or GeometryKind.Null))
        {
            errors.Add(Field, "is not part of this kind of record: leave the geometry null (GeoJSON) or drop the coordinate columns (CSV)");
        }
    }

    private static (Geometry? Geometry, string? Error) Read(InputRow row) =>
        row.Geometry == GeometryKind.Wkt ? ShapeReader.ReadWkt(row.GeometryText!) : ShapeReader.ReadGeoJson(row.GeometryText!);
}
