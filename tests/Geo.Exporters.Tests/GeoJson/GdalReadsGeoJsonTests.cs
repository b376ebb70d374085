using System.Text.Json;
using Geo.Core.Spatial;
using Geo.Exporters.GeoJson;
using Geo.Testing.Gdal;
using Xunit;
using Xunit.Abstractions;

namespace Geo.Exporters.Tests.GeoJson;

/// <summary>
/// GDAL's GeoJSON driver (ogrinfo, Debian package gdal-bin) as an independent reader of what the
/// writer produces: the feature count, the layer's geometry type and the field types it infers.
/// </summary>
public sealed class GdalReadsGeoJsonTests(ITestOutputHelper output) : IDisposable
{
    private static readonly JsonEncodedText Category = JsonEncodedText.Encode("category");
    private static readonly JsonEncodedText Severity = JsonEncodedText.Encode("severity");
    private static readonly JsonEncodedText People = JsonEncodedText.Encode("people");
    private static readonly JsonEncodedText Intensity = JsonEncodedText.Encode("intensity");
    private static readonly JsonEncodedText Verified = JsonEncodedText.Encode("verified");
    private static readonly JsonEncodedText ObservedAt = JsonEncodedText.Encode("observed_at");
    private static readonly JsonEncodedText RespondedAt = JsonEncodedText.Encode("responded_at");
    private static readonly JsonEncodedText NeverSet = JsonEncodedText.Encode("never_set");

    private readonly string _directory = Directory.CreateTempSubdirectory("geojson-gdal-").FullName;

    [Fact]
    public async Task Ogrinfo_PointFeed_SeesEveryFeatureAndTypesEachField()
    {
        const int Features = 1000;
        var path = await WriteFileAsync("points.geojson", writer =>
        {
            var start = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
            writer.BeginFeatureCollection();
            for (var i = 0; i < Features; i++)
            {
                writer.BeginFeature($"obs-{i}");
                writer.WritePoint(27.2 + (i * 0.003), -2.3 + (i * 0.0031));
                writer.BeginProperties();
                writer.String(Category, i % 3 == 0 ? "displacement" : "threat_of_physical_violence");
                writer.Number(Severity, 1 + (i % 5));
                writer.Number(People, i == 7 ? 5_000_000_000L : i);
                // Whole numbers among them: the column must stay Real all the same.
                writer.Number(Intensity, i % 2 == 0 ? i : i / 4.0);
                writer.Boolean(Verified, i % 2 == 0);
                writer.Time(ObservedAt, start.AddMinutes(i).AddMilliseconds(i % 10 == 0 ? 250 : 0));
                writer.Time(RespondedAt, i % 4 == 0 ? null : start.AddHours(i));
                writer.Null(NeverSet);
                writer.EndProperties();
                writer.EndFeature();
            }

            writer.EndFeatureCollection(json => json.WriteNumber("total", Features));
        });

        var summary = await OgrinfoAsync("-ro", "-al", "-so", path);

        Assert.Contains($"Feature Count: {Features}", summary, StringComparison.Ordinal);
        Assert.Contains("Geometry: Point", summary, StringComparison.Ordinal);
        Assert.Contains("category: String (0.0)", summary, StringComparison.Ordinal);
        Assert.Contains("severity: Integer (0.0)", summary, StringComparison.Ordinal);
        Assert.Contains("people: Integer64 (0.0)", summary, StringComparison.Ordinal);
        Assert.Contains("intensity: Real (0.0)", summary, StringComparison.Ordinal);
        Assert.Contains("verified: Integer(Boolean) (1.0)", summary, StringComparison.Ordinal);
        Assert.Contains("observed_at: DateTime (0.0)", summary, StringComparison.Ordinal);
        // Null in a quarter of the features: GDAL types the column from the values it has.
        Assert.Contains("responded_at: DateTime (0.0)", summary, StringComparison.Ordinal);
        // Null in every feature: nothing to type it by, and GDAL falls back to String.
        Assert.Contains("never_set: String (0.0)", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ogrinfo_PolygonAcrossAntimeridian_ReadsTheSplitAsMultiPolygon()
    {
        var path = await WriteFileAsync("split.geojson", writer =>
        {
            writer.BeginFeatureCollection();
            writer.BeginFeature("fiji");
            writer.WriteGeometry(ShapeReader.ReadWkt("POLYGON((179.5 -17, -179.5 -17, -179.5 -16, 179.5 -16, 179.5 -17))").Geometry);
            writer.BeginProperties();
            writer.Number(Severity, 3);
            writer.EndProperties();
            writer.EndFeature();
            writer.EndFeatureCollection();
        });

        var features = await OgrinfoAsync("-ro", "-al", path);

        Assert.Contains("Feature Count: 1", features, StringComparison.Ordinal);
        Assert.Contains("Geometry: Multi Polygon", features, StringComparison.Ordinal);
        Assert.Contains("MULTIPOLYGON (((179.5 -17,180 -17,180 -16,179.5 -16,179.5 -17)),((-179.5 -16,-180 -16,-180 -17,-179.5 -17,-179.5 -16)))", features, StringComparison.Ordinal);
        Assert.Contains("Extent: (-180.000000, -17.000000) - (180.000000, -16.000000)", features, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<string> WriteFileAsync(string name, Action<GeoJsonWriter> write)
    {
        var path = Path.Combine(_directory, name);
        var file = File.Create(path);
        await using (file.ConfigureAwait(false))
        {
            await using var writer = GeoJsonWriter.ToStream(file);
            write(writer);
            await writer.FlushAsync(CancellationToken.None);
        }

        return path;
    }

    private async Task<string> OgrinfoAsync(params string[] arguments)
    {
        var text = await Ogrinfo.RunAsync(arguments);
        output.WriteLine(text);
        return text;
    }
}
