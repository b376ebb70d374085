using System.Text.RegularExpressions;
using Geo.Grpc.Tests.Hosting;
using Geo.Testing;
using Xunit;

namespace Geo.Grpc.Tests.Cli;

/// <summary>The README's run command, as a newcomer meets it: geoaware serve --demo on a fresh machine, then again.</summary>
public sealed partial class ServeCommandTests
{
    private const string BannerEnd = "Stop with Ctrl+C.";

    [Fact]
    public async Task ServeDemo_FreshCluster_LoadsTheDemoPrintsWhereToLookAndAWorkingToken_ThenASecondStartLoadsNothing()
    {
        var folder = PostgisCluster.NewScratchFolder("serve-demo");
        var settings = new[] { $"--LocalDatabase:DataDirectory={Path.Combine(folder, "postgres")}", "--LocalDatabase:Port=5433" };
        var (grpcPort, httpPort) = ServiceProcess.TwoFreePorts();

        await using (var first = ServiceProcess.Start(["geoaware.dll", "serve", "--demo"], grpcPort, httpPort, settings))
        {
            var banner = await first.WaitForOutputAsync(BannerEnd);

            var map = MapUrl().Match(banner);
            Assert.True(map.Success, banner);
            Assert.Equal(httpPort, int.Parse(map.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture));
            var token = map.Groups["token"].Value;
            Assert.Contains($"export GEOAWARE_TOKEN={token}", banner, StringComparison.Ordinal);
            Assert.Contains("geoaware gaps", banner, StringComparison.Ordinal);
            var heatmap = HeatmapExample().Match(banner);
            Assert.True(heatmap.Success, banner);
            Assert.Matches(@"geoaware indicators --period \d{4}-\d{2} --level mission", banner);
            Assert.DoesNotContain(banner.Split('\n'), line => line.StartsWith('{') || line.Contains("info:", StringComparison.Ordinal));
            Assert.Contains("loaded the demo mission (seed 1", first.Output, StringComparison.Ordinal);

            var me = await CliRunner.RunAsync(new Uri($"http://127.0.0.1:{grpcPort}"), token, "whoami");
            Assert.True(me.ExitCode == 0, me.ToString());
            Assert.Contains("demo-planner\tPlanner", me.Output, StringComparison.Ordinal);

            // The example as printed, with the printed token, draws the demo's heat map.
            var pictures = PostgisCluster.NewScratchFolder("serve-demo-heatmap");
            var drawn = await CliRunner.RunAsync(
                [.. heatmap.Groups["args"].Value.Split(' '), "--service", $"http://127.0.0.1:{grpcPort}", "--token", token], workingDirectory: pictures);
            Assert.True(drawn.ExitCode == 0, drawn.ToString());
            Assert.True(new FileInfo(Path.Combine(pictures, "heat.png")).Length > 0);
            // A newcomer's first picture must show the threat's shape, not a cell or two left over by the planner's withheld small counts.
            var cells = int.Parse(Regex.Match(drawn.Output, @"picture of (\d+) cells").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(cells >= 20, drawn.ToString());

            // The map page's base map: the demo region's, written and configured by serve --demo.
            using (var http = new HttpClient())
            {
                var baseMap = await http.GetStringAsync(new Uri($"http://127.0.0.1:{httpPort}/map/basemap"));
                Assert.Contains("\"kind\":\"geojson\"", baseMap, StringComparison.Ordinal);
                var places = await http.GetStringAsync(new Uri($"http://127.0.0.1:{httpPort}/map/basemap.geojson"));
                Assert.Contains("\"kind\":\"territory\"", places, StringComparison.Ordinal);
            }

            Assert.Equal(0, await first.TerminateAsync());
            Assert.Contains("Stopped the private PostgreSQL cluster", first.Output, StringComparison.Ordinal);
        }

        await using var second = ServiceProcess.Start(["geoaware.dll", "serve", "--demo"], grpcPort, httpPort, settings);
        var again = await second.WaitForOutputAsync(BannerEnd);

        Assert.Contains($"http://127.0.0.1:{httpPort}/map#token=<token>", again, StringComparison.Ordinal);
        Assert.DoesNotContain("gat_", again, StringComparison.Ordinal);
        Assert.Contains("already holds a mission: the demo is not loaded", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("loaded the demo mission", second.Output, StringComparison.Ordinal);
        Assert.Equal(0, await second.TerminateAsync());
    }

    [Fact]
    public async Task Serve_PortAlreadyInUse_SaysSoOnOneLineAndExits1()
    {
        var database = new PostgisDatabase();
        await database.InitializeAsync();
        try
        {
            using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            squatter.Start();
            var busyPort = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;

            await using var service = ServiceProcess.Start(
                ["geoaware.dll", "serve"], busyPort, ServiceProcess.FreePort(), $"--ConnectionStrings:GeoAwareness={database.ConnectionString}");

            Assert.Equal(1, await service.WaitForExitAsync());
            Assert.Contains($"geoaware: cannot listen on 127.0.0.1 (gRPC port {busyPort}", service.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", service.Output, StringComparison.Ordinal);
            Assert.Empty(service.StandardOutput);
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [GeneratedRegex(@"geoaware (?<args>heatmap --bbox [-0-9.,]+ --selector women-and-girls --cell-metres 5000 --png heat\.png)")]
    private static partial Regex HeatmapExample();

    [GeneratedRegex(@"Open the map:\s+http://127\.0\.0\.1:(?<port>\d+)/map#token=(?<token>gat_\S+)")]
    private static partial Regex MapUrl();
}
