using Geo.Core.Spatial;
using NetTopologySuite.Geometries;
using V1 = Geo.Api.V1;

namespace Geo.Cli.Arguments;

/// <summary>
/// The value of <c>--polygon</c>: WKT or a GeoJSON geometry, or @file holding either. It is read
/// here, before the service is asked, so that a missing file or a typo is a usage error naming the
/// option rather than the service's refusal.
/// </summary>
internal static class PolygonText
{
    public const string Option = "--polygon";

    /// <summary>The shape to send (the text as given) and the geometry it reads as, a polygon or multipolygon.</summary>
    public static async Task<(V1.Shape Shape, Geometry Geometry)> ReadAsync(string value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (text.StartsWith('@'))
        {
            try
            {
                text = (await File.ReadAllTextAsync(text[1..], cancellationToken).ConfigureAwait(false)).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.Usage, $"{Option}: cannot read {text[1..]}: {e.Message}");
            }
        }

        var geoJson = text.StartsWith('{');
        var (geometry, error) = geoJson ? ShapeReader.ReadGeoJson(text) : ShapeReader.ReadWkt(text);
        if (geometry is null)
        {
            throw new CliException(ExitCodes.Usage, $"{Option}: {error}");
        }

        if (geometry is not (Polygon or MultiPolygon) || geometry.IsEmpty)
        {
            throw new CliException(ExitCodes.Usage, $"{Option}: a {geometry.GeometryType} is not an area: give a polygon or multipolygon");
        }

        return (geoJson ? new V1.Shape { Geojson = text } : new V1.Shape { Wkt = text }, geometry);
    }
}
