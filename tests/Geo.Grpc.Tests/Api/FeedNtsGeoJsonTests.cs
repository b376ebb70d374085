using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Geo.Api.V1;
using Geo.Exporters.Feeds;
using Geo.Testing.GeoJson;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// The observation feed read, beside GDAL (<see cref="FeedGdalTests"/>), by NetTopologySuite's
/// GeoJSON reader (NetTopologySuite.IO.GeoJSON4STJ): every feature as the document holds it, and
/// as the observation is stored. A class of its own, so that its database holds only its records.
/// </summary>
public sealed class FeedNtsGeoJsonTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const int Count = 40;

    [Fact]
    public async Task FullExport_ReadByNtsGeoJson_GivesEveryFeatureAsWrittenAndAsStored()
    {
        var observations = Enumerable.Range(0, Count).Select(i =>
        {
            var o = NewObservation($"nts-{i:000}", 28.5 + (i * 0.0123456789), -1.2 - (i * 0.00987654321), $"2026-04-{1 + (i % 28):00}T{i % 24:00}:30:00Z");
            o.Severity = 1 + (i % 5);
            o.Category = (Category)(1 + (i % 6));
            if (i % 4 == 0)
            {
                o.Vulnerabilities.Add(Vulnerability.Minorities);
            }

            return o;
        }).ToArray();
        await api.SubmitReleasedAsync(observations);
        await api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf("nts-005"), Verification = VerificationStatus.Discredited }).ResponseAsync;

        // The package finds in every feature the id, point and property values the document holds ...
        // The feed gives settled changes only, and another test class's open transaction on the
        // cluster can hold the last of these back for a moment.
        await api.SettledAsync();
        var features = NtsGeoJson.ReadFeatureCollection(await PullAsync("/feeds/observations?all=true"));

        // ... and they are the stored observations' (the point is the importer's coarse one, held to the document only).
        var stored = await StoredAsync();
        Assert.Equal(Count, stored.Count);
        Assert.Equal(stored.Keys.Order(StringComparer.Ordinal), features.Keys.Order(StringComparer.Ordinal));
        foreach (var (id, row) in stored)
        {
            var attributes = features[id].Attributes;
            Assert.Equal((decimal)row.Version, attributes[ObservationFields.Version.Name]);
            if (id == IdOf("nts-005"))
            {
                Assert.Null(features[id].Geometry);
                Assert.Equal(true, attributes[ObservationFields.Tombstone.Name]);
                continue;
            }

            Assert.IsType<NetTopologySuite.Geometries.Point>(features[id].Geometry);
            Assert.Equal(false, attributes[ObservationFields.Tombstone.Name]);
            Assert.Equal((decimal)row.Severity, attributes[ObservationFields.Severity.Name]);
            Assert.Equal((decimal)row.Category, attributes[ObservationFields.CategoryCode.Name]);
            Assert.Equal(row.ObservedAt, DateTimeOffset.Parse((string)attributes[ObservationFields.ObservedAt.Name], CultureInfo.InvariantCulture));
            Assert.Equal(row.ReportedAt, DateTimeOffset.Parse((string)attributes[ObservationFields.ReportedAt.Name], CultureInfo.InvariantCulture));
            Assert.Equal(row.Minorities, attributes[ObservationFields.Minorities.Name]);
        }
    }

    private async Task<Dictionary<string, (long Version, int Severity, int Category, DateTimeOffset ObservedAt, DateTimeOffset ReportedAt, bool Minorities)>> StoredAsync()
    {
        await using var command = api.Database.DataSource.CreateCommand(
            "SELECT id, version, severity, category, observed_at, reported_at, vulnerability & $2 <> 0 FROM observations WHERE id = ANY($1)");
        command.Parameters.AddWithValue(Enumerable.Range(0, Count).Select(i => IdOf($"nts-{i:000}")).ToArray());
        command.Parameters.AddWithValue((int)Geo.Core.Domain.Vulnerabilities.Minorities);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<string, (long, int, int, DateTimeOffset, DateTimeOffset, bool)>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            rows[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt16(2), reader.GetInt16(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetBoolean(6));
        }

        return rows;
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
