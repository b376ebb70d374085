using Geo.Exporters.GeoJson;
using Geo.Synthetic;

namespace Geo.Cli.Demo;

/// <summary>
/// <c>geoaware serve --demo</c>'s base map: the demo region's territories and places
/// (<see cref="DemoBaseMap"/>) written as GeoJSON for the service to serve under the map page's
/// layers (GeoAwareness:BaseMap:Path), unless the settings name a base map of their own.
/// </summary>
internal static class DemoBaseMapFile
{
    public const string Setting = "GeoAwareness:BaseMap:Path";

    /// <summary>Writes the file (whole, or not at all) and returns its path.</summary>
    public static async Task<string> WriteAsync(DateOnly today, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"geoaware-demo-basemap-{DemoMission.DefaultSeed}.geojson");
        var partial = path + "." + Guid.NewGuid().ToString("N")[..8] + ".part";
        await using (var file = File.Create(partial))
        {
            await using var writer = GeoJsonWriter.ToStream(file);
            writer.BeginFeatureCollection();
            var id = 0;
            foreach (var feature in DemoBaseMap.Of(DemoMission.Generate(DemoMission.DefaultSeed, today)))
            {
                writer.BeginFeature(++id);
                writer.WriteGeometry(feature.Geometry);
                writer.BeginProperties();
                writer.String("name", feature.Name);
                writer.String("kind", feature.Kind);
                writer.EndProperties();
                writer.EndFeature();
                await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
            }

            writer.EndFeatureCollection();
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        // Moved into place whole: a service started meanwhile never reads half a file.
        File.Move(partial, path, overwrite: true);
        return path;
    }
}
