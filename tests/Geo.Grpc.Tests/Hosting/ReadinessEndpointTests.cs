using System.Net;
using System.Text.Json;
using Geo.Grpc.Hosting;
using Geo.LocalCluster;
using Geo.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Geo.Grpc.Tests.Hosting;

public sealed class ReadinessEndpointTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    [Fact]
    public async Task Ready_DatabaseMigrated_Answers200WithPostgisVersion()
    {
        await using var service = await GeoAwarenessService.StartAsync(Arguments(database.ConnectionString), CancellationToken.None);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(service.HttpEndpoint, "/health/ready"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Matches(@"^3\.\d+\.\d+", body.GetProperty("postgis").GetString());
        Assert.StartsWith("15.", body.GetProperty("postgres").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ready_DatabaseGoneAfterStart_Answers503NamingTheProblem()
    {
        var folder = PostgisCluster.NewScratchFolder("readiness");
        var cluster = await LocalPostgresCluster.StartAsync(
            new LocalClusterOptions { DataDirectory = folder, Throwaway = true }, NullLogger.Instance, CancellationToken.None);
        await using var service = await GeoAwarenessService.StartAsync(Arguments(cluster.ConnectionString), CancellationToken.None);
        using var http = new HttpClient();
        using (var before = await http.GetAsync(new Uri(service.HttpEndpoint, "/health/ready")))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await cluster.StopImmediatelyAsync(CancellationToken.None);
        using var after = await http.GetAsync(new Uri(service.HttpEndpoint, "/health/ready"));
        var body = JsonDocument.Parse(await after.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, after.StatusCode);
        Assert.Equal("not ready", body.GetProperty("status").GetString());
        Assert.Contains("unreachable", body.GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ExternalConnectionString_StartsNothingLocal()
    {
        var unused = Path.Combine(PostgisCluster.NewScratchFolder("external"), "must-not-exist");

        await using var service = await GeoAwarenessService.StartAsync(
            [.. Arguments(database.ConnectionString), $"--LocalDatabase:DataDirectory={unused}"], CancellationToken.None);

        Assert.False(Directory.Exists(unused));
    }

    [Fact]
    public async Task Live_Always_Answers200()
    {
        await using var service = await GeoAwarenessService.StartAsync(Arguments(database.ConnectionString), CancellationToken.None);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(service.HttpEndpoint, "/health/live"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static string[] Arguments(string connectionString) =>
    [
        $"--ConnectionStrings:GeoAwareness={connectionString}",
        "--GeoAwareness:GrpcPort=0",
        "--GeoAwareness:HttpPort=0",
        "--Logging:LogLevel:Default=Warning",
    ];
}
