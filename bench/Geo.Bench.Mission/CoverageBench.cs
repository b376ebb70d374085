using System.Diagnostics;
using System.Globalization;
using Geo.Api.V1;
using Geo.Synthetic;
using Geo.Api;
using Geo.Bench.Seeding;
using Grpc.Core;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Geo.Bench.Mission;

/// <summary>
/// coverage-load and coverage: a mission of N communities (the synthetic generator's, over a wider
/// area) and B bases placed at communities with teams of 0 to 4 CLAs, registered through the
/// Registry API; then GetCoverage over the whole mission, timed.
/// </summary>
internal static class CoverageBench
{
    private static readonly ServiceDescriptor Registry = RegistryReflection.Descriptor.Services[0];
    private static readonly ServiceDescriptor Coverage = CoverageReflection.Descriptor.Services[0];

    /// <summary>The date every coverage question of the benchmark is asked for (the synthetic mission's "now").</summary>
    public static readonly CalendarDate At = new() { Year = 2026, Month = 6, Day = 1 };

    public static async Task<int> LoadAsync(GeoAwarenessClient channel, Arguments options)
    {
        var seed = options.Int("seed", 7);
        var communityCount = options.Int("communities", 5000);
        var baseCount = options.Int("bases", 200);
        var side = options.Int("side-km", 600);
        var mission = MissionGenerator.Generate(new MissionOptions
        {
            Seed = seed, Communities = communityCount, Towns = 20, WidthKilometres = side, HeightKilometres = side, Days = 14,
        });
        var communities = mission.Communities.Select(Grpc.Api.ApiMapping.ToProto).ToList();
        var (bases, deployments) = MissionSeed.TeamsAtCommunities(mission.Communities, baseCount, new Random(seed));
        var watch = Stopwatch.StartNew();
        await MissionSeed.RegisterAsync(channel, communities, bases, deployments, CancellationToken.None);
        Console.WriteLine($"registered {communities.Count:N0} communities, {bases.Count} bases, {deployments.Count} deployments in {watch.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    public static async Task<int> TimeAsync(GeoAwarenessClient channel, Arguments options)
    {
        var repeat = options.Int("repeat", 30);
        var request = new CoverageRequest { At = At };
        var report = await channel.Coverage.GetCoverageAsync(request).ResponseAsync;
        for (var i = 0; i < 2; i++)
        {
            await channel.Coverage.GetCoverageAsync(request).ResponseAsync;
        }

        var times = new List<double>(repeat);
        for (var i = 0; i < repeat; i++)
        {
            var watch = Stopwatch.StartNew();
            var again = await channel.Coverage.GetCoverageAsync(request).ResponseAsync;
            times.Add(watch.Elapsed.TotalMilliseconds);
            if (again.CommunitiesOutOfReach.Count != report.CommunitiesOutOfReach.Count)
            {
                throw new InvalidOperationException("GetCoverage answered differently from one call to the next");
            }
        }

        times.Sort();
        var staffed = report.Bases.Count(b => b.Team.Staffed);
        Console.WriteLine(
            $"GetCoverage: {report.Bases.Count} open bases ({staffed} staffed; {report.BasesWithoutCla} without CLA, {report.BasesBelowMinimum} below minimum, " +
            $"{report.TeamsWithoutFemaleCla} without a female CLA), {report.CommunitiesAtRisk:N0} communities at risk, {report.CommunitiesOutOfReach.Count:N0} out of reach; " +
            $"{report.CalculateSize():N0} bytes");
        var p50 = times[(int)Math.Floor(0.5 * (times.Count - 1))];
        var p99 = times[(int)Math.Ceiling(0.99 * (times.Count - 1))];
        Console.WriteLine($"GetCoverage over {repeat} calls: p50 {p50:F1} ms, p99 {p99:F1} ms, min {times[0]:F1} ms");
        Program.Result("coverage.p50_ms", p50);
        Program.Result("coverage.p99_ms", p99);
        Program.Result("coverage.min_ms", times[0]);
        Program.Result("coverage.open_bases", report.Bases.Count);
        Program.Result("coverage.staffed_bases", staffed);
        Program.Result("coverage.communities_at_risk", report.CommunitiesAtRisk);
        Program.Result("coverage.out_of_reach", report.CommunitiesOutOfReach.Count);
        Program.Result("coverage.response_bytes", report.CalculateSize());

        // The answer, for the script to compare with the PostGIS peer's: id, nearest base, metres.
        if (options.Text("out", string.Empty) is { Length: > 0 } path)
        {
            await using var file = new StreamWriter(path);
            foreach (var community in report.CommunitiesOutOfReach)
            {
                await file.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{community.CommunityId}\t{community.NearestBaseId}\t{community.DistanceMetres:F3}"));
            }
        }

        return 0;
    }
}
