using System.Text.Json;
using Geo.Core.Coverage;
using Geo.Core.Roads;
using Geo.Core.Spatial;
using Geo.Exporters.Feeds;
using Geo.Exporters.GeoJson;
using NetTopologySuite.Geometries;

namespace Geo.Exporters.Layers;

/// <summary>
/// The isochrones layer: for each staffed base of a coverage report asked with a travel time, the
/// area its team reaches in that time (the reached cells of the road grid, as polygons); a base with
/// no road within a walk gets its straight-line reach, as a circle, and says so.
/// </summary>
public static class IsochroneLayerWriter
{
    public const string Layer = "isochrones";

    private const int CircleSides = 72;

    private static readonly GeometryFactory Wgs84 = new(new PrecisionModel(), 4326);
    private static readonly JsonEncodedText BaseId = JsonEncodedText.Encode("base_id");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText Basis = JsonEncodedText.Encode("reach_basis");
    private static readonly JsonEncodedText Mode = JsonEncodedText.Encode("mode");
    private static readonly JsonEncodedText Minutes = JsonEncodedText.Encode("minutes");
    private static readonly JsonEncodedText SeasonalClosed = JsonEncodedText.Encode("seasonal_roads_closed");
    private static readonly JsonEncodedText ReachMetres = JsonEncodedText.Encode("reach_metres");
    private static readonly JsonEncodedText CellMetres = JsonEncodedText.Encode("cell_metres");
    private static readonly JsonEncodedText AreaKm2 = JsonEncodedText.Encode("area_km2");

    public static async Task<long> WriteAsync(GeoJsonWriter writer, CoverageQuestion question, CoverageReport report, LayerHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(header);
        var time = question.Time ?? throw new ArgumentException("the isochrones layer needs a travel time", nameof(question));
        writer.BeginFeatureCollection();
        foreach (var station in report.Bases.Where(b => b.Team.IsStaffed))
        {
            var place = station.Base;
            Geometry shape = station.Travel is { } isochrone
                ? IsochroneOutline.Of(isochrone, Wgs84, cancellationToken)
                : Circle(place.Location, station.ReachMetres);
            writer.BeginFeature(place.Id);
            writer.WriteGeometry(shape);
            writer.BeginProperties();
            writer.String(BaseId, place.Id);
            writer.String(Name, place.Name);
            writer.String(Kind, FeedCodes.BaseKind(place.Kind));
            writer.String(Basis, station.Basis == ReachBasis.TravelTime ? "travel_time" : "straight_line_no_roads");
            writer.String(Mode, time.Mode == TravelMode.Vehicle ? "vehicle" : "on_foot");
            writer.Number(Minutes, (long)time.Minutes);
            writer.Boolean(SeasonalClosed, time.SeasonalRoadsClosed);
            writer.Number(ReachMetres, station.Travel is null ? station.ReachMetres : double.NaN);
            writer.Number(CellMetres, station.Travel?.Grid.CellMetres ?? double.NaN);
            writer.Number(AreaKm2, Math.Round(AreaSquareMetres(shape) / 1e6, 1));
            writer.EndProperties();
            writer.EndFeature();
            await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }

        var total = writer.FeatureCount;
        writer.EndFeatureCollection(json => LayerMembers.Write(json, Layer, header, total, product => CoverageMembers.Write(product, question, report)));
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return total;
    }

    private static Polygon Circle(GeoPoint centre, double metres)
    {
        var ring = Enumerable.Range(0, CircleSides + 1)
            .Select(i => Geodesy.DestinationPoint(centre, 360.0 * (i % CircleSides) / CircleSides, metres))
            .Select(p => new Coordinate(p.Longitude, p.Latitude))
            .ToArray();
        return Wgs84.CreatePolygon(ring);
    }

    private static double AreaSquareMetres(Geometry shape)
    {
        var total = 0.0;
        for (var i = 0; i < shape.NumGeometries; i++)
        {
            var polygon = (Polygon)shape.GetGeometryN(i);
            total += Geodesy.RingAreaSquareMetres(Ring(polygon.ExteriorRing));
            total -= polygon.InteriorRings.Sum(h => Geodesy.RingAreaSquareMetres(Ring(h)));
        }

        return total;
    }

    private static GeoPoint[] Ring(LineString ring) => [.. ring.Coordinates.SkipLast(1).Select(c => new GeoPoint(c.X, c.Y))];
}
