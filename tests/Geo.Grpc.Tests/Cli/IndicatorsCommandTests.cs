using System.Net.Http.Headers;
using Geo.Grpc.Tests.Api;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Cli;

/// <summary>geoaware indicators: the service's document, byte for byte, for a period and level.</summary>
public sealed class IndicatorsCommandTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 10, 15, 9, 30, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("?period=2026-Q3&level=sector&format=csv&hxl=true", "--period", "2026-Q3", "--level", "sector", "--hxl")]
    [InlineData("?from=2026-07-15&to=2026-08-14&format=json", "--period", "2026-07-15..2026-08-14", "--format", "json")]
    [InlineData("?period=2026-09&level=base", "--period", "2026-09", "--level", "base")]
    [InlineData("?period=2026-Q3&format=json&count_events=true", "--period", "2026-Q3", "--format", "json", "--events")]
    public async Task Export_IsByteForByteWhatGetIndicatorsAnswers(string query, params string[] args)
    {
        using var frozen = api.Clock.Freeze(Now);
        await api.SubmitAsync(ApiFixture.NewObservation("ind-1", observedAt: "2026-07-20T10:00:00Z"), ApiFixture.NewObservation("ind-2", observedAt: "2026-09-02T10:00:00Z"));
        var file = Path.Combine(Path.GetTempPath(), $"geoaware-indicators-{Guid.NewGuid():N}");
        try
        {
            var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.CpasFocalPoint), ["indicators", .. args, "--output", file]);
            var expected = await GetAsync(query);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("wrote geoawareness-indicators-", result.Error, StringComparison.Ordinal);
            Assert.Equal(expected, await File.ReadAllBytesAsync(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Export_ToStdout_WritesTheDocument()
    {
        using var frozen = api.Clock.Freeze(Now);

        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Planner), "indicators", "--period", "2026-Q3", "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(System.Text.Encoding.UTF8.GetString(await GetAsync("?period=2026-Q3&format=json")), result.Output);
    }

    [Theory]
    [InlineData(2, "--level: 'galaxy' is not one of mission, sector, base", "--period", "2026-Q3", "--level", "galaxy")]
    [InlineData(2, "--period: '2026-07-15..soon' is not from..to with two dates", "--period", "2026-07-15..soon")]
    [InlineData(2, "--format: 'xml' is not one of csv, json", "--period", "2026-Q3", "--format", "xml")]
    [InlineData(2, "Option '--period' is required", "--level", "sector")]
    [InlineData(1, "geoaware: INVALID_ARGUMENT: period: ", "--period", "2026-13")]
    [InlineData(1, "geoaware: INVALID_ARGUMENT: hxl: ", "--period", "2026-Q3", "--format", "json", "--hxl")]
    public async Task BadValue_NamesTheOptionOrFieldWithItsExitCode(int exitCode, string expected, params string[] args)
    {
        using var frozen = api.Clock.Freeze(Now);

        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.CpasFocalPoint), ["indicators", .. args]);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Export_WithAnImportersToken_IsPermissionDeniedExit5()
    {
        var result = await CliRunner.RunAsync(api.Service.GrpcEndpoint, api.TokenOf(Role.Importer), "indicators", "--period", "2026-Q3");

        Assert.Equal(5, result.ExitCode);
    }

    private async Task<byte[]> GetAsync(string query)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, "/indicators" + query));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.TokenOf(Role.CpasFocalPoint));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync();
    }
}
