using System.Diagnostics;
using System.Globalization;
using Geo.Api.V1;
using Geo.Synthetic;
using Geo.Api;
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
        var random = new Random(seed);
        var communities = mission.Communities.Select(Grpc.Api.ApiMapping.ToProto).ToList();
        var bases = new List<Base>(baseCount);
        var deployments = new List<ClaDeployment>();
        var sites = mission.Communities.OrderBy(_ => random.Next()).Take(baseCount).ToList();
        for (var i = 0; i < sites.Count; i++)
        {
            // A tenth operating bases, about half company operating bases, the rest temporary bases and surge teams.
            var kind = ((double)i / sites.Count) switch
            {
                < 0.1 => BaseKind.OperatingBase,
                < 0.65 => BaseKind.CompanyOperatingBase,
                < 0.9 => BaseKind.TemporaryOperatingBase,
                _ => BaseKind.SurgeTeam,
            };
            var site = sites[i].Location.InteriorPoint;
            var id = string.Create(CultureInfo.InvariantCulture, $"bench-base-{i:D3}");
            bases.Add(new Base
            {
                Id = id, Name = "Base " + sites[i].Name, Kind = kind, Unit = "BATT", Sector = sites[i].Sector, AdminArea = sites[i].AdminArea,
                Location = new GeoPoint { Longitude = site.X + ((random.NextDouble() - 0.5) * 0.02), Latitude = site.Y + ((random.NextDouble() - 0.5) * 0.02) },
                OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
                ClosedOn = random.NextDouble() < 0.05 ? new CalendarDate { Year = 2026, Month = 1, Day = 31 } : null,
            });

            // Teams of 0 to 4: some bases empty, some of one, most of two or more; two in five CLAs female.
            var clas = random.NextDouble() switch { < 0.1 => 0, < 0.25 => 1, < 0.65 => 2, < 0.9 => 3, _ => 4 };
            for (var c = 0; c < clas; c++)
            {
                var temporary = random.NextDouble() < 0.2;
                deployments.Add(new ClaDeployment
                {
                    Id = $"{id}-dep-{c}", ClaId = $"{id}-cla-{c}", BaseId = id, Sex = random.NextDouble() < 0.4 ? Sex.Female : Sex.Male,
                    From = temporary ? new CalendarDate { Year = 2026, Month = 1, Day = 15 } : new CalendarDate { Year = 2025, Month = 1, Day = 1 },
                    To = random.NextDouble() < 0.1 ? new CalendarDate { Year = 2026, Month = 3, Day = 31 } : null,
                    TemporaryDuty = temporary,
                    HomeLocality = random.NextDouble() < 0.5 ? sites[i].AdminArea : "Kinshasa",
                    HomeCommunityId = random.NextDouble() < 0.5 ? communities[random.Next(communities.Count)].Id : string.Empty,
                });
            }
        }

        var watch = Stopwatch.StartNew();
        await CreateAllAsync(channel, (c, r) => c.Registry.CreateCommunityAsync(r), communities);
        await CreateAllAsync(channel, (c, r) => c.Registry.CreateBaseAsync(r), bases);
        await CreateAllAsync(channel, (c, r) => c.Registry.CreateDeploymentAsync(r), deployments);
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

    /// <summary>Creates the records with a few calls in flight; records an earlier run registered are kept.</summary>
    private static async Task CreateAllAsync<T>(GeoAwarenessClient channel, Func<GeoAwarenessClient, T, AsyncUnaryCall<T>> create, IReadOnlyList<T> records)
        where T : class, IMessage<T>
    {
        var next = -1;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < records.Count)
            {
                try
                {
                    await create(channel, records[i]);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
                {
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Worker()));
    }
}
