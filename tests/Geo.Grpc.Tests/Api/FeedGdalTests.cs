using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Geo.Api.V1;
using Geo.Testing.Gdal;
using Npgsql;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// The observation feed read by tools nobody here wrote: GDAL's ogrinfo must see the right count
/// and field types, and ogr2ogr must load it into PostGIS with the same points and values.
/// </summary>
public sealed class FeedGdalTests(ApiFixture api) : IClassFixture<ApiFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("geoaware-gdal-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task FullExport_ReadByOgrinfoAndLoadedByOgr2ogrIntoPostgis_MatchesTheSource()
    {
        var observations = Enumerable.Range(0, 120).Select(i =>
        {
            var o = NewObservation($"gdal-{i:000}", 29 + (i * 0.01), -1.5 - (i * 0.005), $"2026-02-{1 + (i % 28):00}T{i % 24:00}:15:00Z");
            o.Severity = 1 + (i % 5);
            o.Category = (Category)(1 + (i % 8));
            if (i % 3 == 0)
            {
                o.Vulnerabilities.Add(Vulnerability.Refugees);
            }

            return o;
        }).ToArray();
        var submitted = await api.SubmitAsync(observations);
        // Every eighth is a security incident against a CLA, which cannot be released (and would not be exported if it were).
        await api.ReleaseAsync(submitted.Ids.Where((_, i) => observations[i].Category != Category.SecurityIncidentAgainstCla).ToArray());
        await api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf("gdal-007"), Verification = VerificationStatus.Discredited }).ResponseAsync;
        // The feed gives settled changes only, and another test class's open transaction on the
        // cluster can hold the last of these back for a moment.
        await api.SettledAsync();
        var file = Path.Combine(_directory, "observations.geojson");
        await File.WriteAllBytesAsync(file, await PullAsync("/feeds/observations?all=true"));
        using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(file));
        var features = document.RootElement.GetProperty("features").EnumerateArray().ToList();

        var info = await GdalTool.RunAsync("ogrinfo", "-ro", "-al", "-so", file);
        var importTable = "sage_import";
        await GdalTool.RunAsync("ogr2ogr", "-f", "PostgreSQL", PgConnection(), file, "-nln", importTable, "-lco", "GEOMETRY_NAME=geom", "-overwrite");

        Assert.Contains($"Feature Count: {features.Count}", info, StringComparison.Ordinal);
        Assert.Contains("Geometry: Point", info, StringComparison.Ordinal);
        foreach (var (field, type) in new[]
        {
            ("id", "String"), ("version", "Integer"), ("severity", "Integer"), ("category_code", "Integer"), ("affected_total", "Integer"),
            ("affected_female_child", "Integer"), ("observed_at", "DateTime"), ("reported_at", "DateTime"), ("changed_at", "DateTime"),
            ("vulnerable_refugees", "Integer(Boolean)"), ("tombstone", "Integer(Boolean)"), ("location_coarsened", "Integer(Boolean)"),
            ("category", "String"), ("status", "String"), ("where_prec", "Integer"), ("geo_precision", "Integer"),
        })
        {
            Assert.Matches($"(?m)^{field}: {System.Text.RegularExpressions.Regex.Escape(type)} ", info);
        }

        Assert.Equal((long)features.Count, await api.Database.ScalarAsync<long>($"SELECT count(*) FROM {importTable}"));
        Assert.Equal(await api.Database.ScalarAsync<long>("SELECT count(*) FROM observations WHERE verification <> 3 AND category <> 7"), await api.Database.ScalarAsync<long>($"SELECT count(geom) FROM {importTable}"));
        var imported = await ImportedAsync(importTable);
        foreach (var feature in features)
        {
            var id = feature.GetProperty("id").GetString()!;
            var row = imported[id];
            var properties = feature.GetProperty("properties");
            if (properties.GetProperty("tombstone").GetBoolean())
            {
                Assert.Null(row.Point);
                continue;
            }

            var coordinates = feature.GetProperty("geometry").GetProperty("coordinates");
            Assert.Equal((coordinates[0].GetDouble(), coordinates[1].GetDouble()), row.Point);
            Assert.Equal(properties.GetProperty("severity").GetInt32(), row.Severity);
            Assert.Equal(DateTimeOffset.Parse(properties.GetProperty("observed_at").GetString()!, CultureInfo.InvariantCulture), row.ObservedAt);
        }

        Assert.Null(imported[IdOf("gdal-007")].Point);
        // Security incidents against CLAs (every eighth, category 7) never leave the service.
        Assert.DoesNotContain(IdOf("gdal-006"), imported.Keys);
        Assert.Equal(120 - 15, features.Count);
        Assert.Equal(await SourceSeveritiesAsync(), imported.Where(r => r.Value.Point is not null).ToDictionary(r => r.Key, r => r.Value.Severity));
    }

    private async Task<Dictionary<string, (ValueTuple<double, double>? Point, int Severity, DateTimeOffset ObservedAt)>> ImportedAsync(string table)
    {
        await using var command = api.Database.DataSource.CreateCommand($"SELECT id, ST_X(geom), ST_Y(geom), coalesce(severity, 0), observed_at FROM {table}");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<string, (ValueTuple<double, double>?, int, DateTimeOffset)>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            ValueTuple<double, double>? point = reader.IsDBNull(1) ? null : (reader.GetDouble(1), reader.GetDouble(2));
            rows[reader.GetString(0)] = (point, reader.GetInt32(3), reader.IsDBNull(4) ? default : reader.GetFieldValue<DateTimeOffset>(4));
        }

        return rows;
    }

    private async Task<Dictionary<string, int>> SourceSeveritiesAsync()
    {
        await using var command = api.Database.DataSource.CreateCommand("SELECT id, severity FROM observations WHERE verification <> 3 AND category <> 7");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            rows[reader.GetString(0)] = reader.GetInt16(1);
        }

        return rows;
    }

    private string PgConnection()
    {
        var builder = new NpgsqlConnectionStringBuilder(api.Database.ConnectionString);
        return $"PG:host={builder.Host} port={builder.Port} user={builder.Username} dbname={builder.Database}";
    }

    private async Task<byte[]> PullAsync(string path)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.TokenOf(Role.Importer));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
