using System.Globalization;
using Geo.Core.Spatial;
using Npgsql;

namespace Geo.Bench.Operations;

/// <summary>A patrol route along a road of the mission, cut where it measures a given length on the spheroid.</summary>
internal static class PatrolRoute
{
    /// <summary>
    /// The road's vertices from <paramref name="first"/> on, the last leg cut so that the line is
    /// <paramref name="metres"/> long as PostGIS measures a geography (to a decimetre): the length
    /// the issue's "60 km route" means, on the ground, not in degrees.
    /// </summary>
    public static async Task<(string Wkt, int Vertices, double Metres)> AlongAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<GeoPoint> road, int first, double metres, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(road);
        var points = new List<GeoPoint> { road[first] };
        for (var k = first + 1; k < road.Count; k++)
        {
            if (await LengthAsync(dataSource, [.. points, road[k]], cancellationToken).ConfigureAwait(false) < metres)
            {
                points.Add(road[k]);
                continue;
            }

            var (from, to) = (points[^1], road[k]);
            GeoPoint At(double f) => new(from.Longitude + ((to.Longitude - from.Longitude) * f), from.Latitude + ((to.Latitude - from.Latitude) * f));
            double low = 0, high = 1;
            for (var i = 0; i < 30; i++)
            {
                var middle = (low + high) / 2;
                (low, high) = await LengthAsync(dataSource, [.. points, At(middle)], cancellationToken).ConfigureAwait(false) < metres ? (middle, high) : (low, middle);
            }

            points.Add(At(high));
            return (Wkt(points), points.Count, await LengthAsync(dataSource, points, cancellationToken).ConfigureAwait(false));
        }

        throw new InvalidOperationException($"the road is shorter than {metres} m from vertex {first}");
    }

    private static async Task<double> LengthAsync(NpgsqlDataSource dataSource, IReadOnlyList<GeoPoint> points, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT ST_Length(ST_GeomFromText($1, 4326)::geography)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Wkt(points) });
        return (double)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    // Six decimals (about 0.1 m): the length is measured on the text the service receives.
    private static string Wkt(IReadOnlyList<GeoPoint> points) =>
        $"LINESTRING({string.Join(", ", points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Longitude:F6} {p.Latitude:F6}")))})";
}
