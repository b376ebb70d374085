using System.Diagnostics;
using System.Globalization;
using Geo.Api;
using Geo.Api.V1;
using Geo.Bench.Seeding;
using Npgsql;

namespace Geo.Bench.Operations;

/// <summary>
/// The CIV-OES part of the benchmark (issue 20): the estimate of a 100 x 100 km box in the middle of
/// the mission for one quarter (the last 91 days), over gRPC as a supervisor (exact locations: the
/// figures the peer can match) and as a UN-CIMIC officer (coarsened: every threat figure counted on
/// coarse points and noised), beside the same figures from PostGIS alone, compared first.
/// </summary>
internal static class EstimateBench
{
    private const double SideMetres = 100_000;

    /// <summary>Quick impact projects over the mission, as UN-CIMIC officers propose them.</summary>
    public static async Task SeedQipsAsync(GeoAwarenessClient cimic, int count, DegreeBox area, Random random, CancellationToken cancellationToken)
    {
        var sectors = Enum.GetValues<Cluster>().Where(c => c != Cluster.Unspecified).ToArray();
        for (var i = 0; i < count; i++)
        {
            await cimic.Civilian.CreateQipAsync(new QuickImpactProject
            {
                Id = $"qip-bench-{i:D4}", Title = $"Project {i}", Sector = sectors[i % sectors.Length], BudgetUsd = 5000, PlannedCompletion = new CalendarDate { Year = 2027, Month = 6, Day = 30 },
                Scope = new CivilWorkScope { Location = new GeoPoint { Longitude = area.West + (random.NextDouble() * area.Width), Latitude = area.South + (random.NextDouble() * area.Height) } },
            }, cancellationToken: cancellationToken);
        }
    }

    /// <summary>Runs the comparison and the timings; the lines to print, or null (and the differences on stderr) when the answers differ.</summary>
    public static async Task<List<string>?> RunAsync(
        GeoAwarenessClient supervisor, GeoAwarenessClient cimic, NpgsqlDataSource peerSource, DegreeBox area, DateOnly today, int warmup, int runs, CancellationToken cancellationToken)
    {
        var (longitude, latitude) = (area.West + (area.Width / 2), area.South + (area.Height / 2));
        var halfLatitude = SideMetres / 2 / 111_320.0;
        var halfLongitude = SideMetres / 2 / (111_320.0 * Math.Cos(latitude * Math.PI / 180));
        var box = new BoundingBox { West = longitude - halfLongitude, South = latitude - halfLatitude, East = longitude + halfLongitude, North = latitude + halfLatitude };
        var (first, last) = (today.AddDays(-91), today.AddDays(-1));
        var request = new CivilEstimateRequest
        {
            Bbox = box, From = new CalendarDate { Year = first.Year, Month = first.Month, Day = first.Day }, To = new CalendarDate { Year = last.Year, Month = last.Month, Day = last.Day },
        };
        Task<CivilEstimate> OursAsync(GeoAwarenessClient client) => client.CivilEstimates.GetCivilEstimateAsync(request, cancellationToken: cancellationToken).ResponseAsync;
        Task<EstimateFigures> PeerAsync() => PostgisEstimate.AnswerAsync(peerSource, box, first, last, 0.25, 90, today, cancellationToken);

        for (var i = 0; i < warmup; i++)
        {
            await OursAsync(supervisor);
            await OursAsync(cimic);
            await PeerAsync();
        }

        var estimate = await OursAsync(supervisor);
        var differences = (await PeerAsync()).Differences(estimate);
        if (differences.Count > 0)
        {
            await Console.Error.WriteLineAsync($"DIFFERENT ANSWERS: GetCivilEstimate and PostGIS alone differ in {differences.Count} figures:");
            foreach (var difference in differences.Take(50))
            {
                await Console.Error.WriteLineAsync("  " + difference);
            }

            return null;
        }

        var (exact, coarse, peer) = (new List<double>(runs), new List<double>(runs), new List<double>(runs));
        for (var run = 0; run < runs; run++)
        {
            var watch = Stopwatch.StartNew();
            await OursAsync(supervisor);
            exact.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            await OursAsync(cimic);
            coarse.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            await PeerAsync();
            peer.Add(watch.Elapsed.TotalMilliseconds);
        }

        var page = CivilEstimatePage.Render(estimate);
        string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
        string Met(double median) => median < 2000 ? "met" : "**not met**";
        return
        [
            F($"The CIV-OES: a box of 100 x 100 km in the middle of the mission ({box.West:0.####}, {box.South:0.####} to {box.East:0.####}, {box.North:0.####}), the 91 days to yesterday ({first:yyyy-MM-dd} to {last:yyyy-MM-dd}), compared with the 91 before. For a supervisor it holds {estimate.Situation.Communities:N0} communities ({estimate.Situation.AtRisk.Count:N0} at risk), {estimate.Actors.FacilitiesTotal:N0} facilities, {estimate.Actors.Sectors.Sum(s => s.Records):N0} presence records, {estimate.Threats.Observations:N0} observations ({estimate.Threats.PreviousObservations:N0} before), {estimate.Threats.HotSpots.Count:N0} hot-spot cells of {estimate.Threats.HotSpotCellMetres:N0} m, {estimate.Coverage.BasesInArea:N0} bases ({estimate.Coverage.Bases.Count:N0} with a team gap), {estimate.Coverage.CommunitiesOutOfReach.Count:N0} communities out of reach, {estimate.Coverage.WomenAndGirlsGaps.Count:N0} women-and-girls gap cells, {estimate.CivilWorks.Qips.Sum(q => q.Count):N0} QIPs, {estimate.Risks.Count:N0} risks and {estimate.Opportunities.Count:N0} opportunities; its printable page is {page.Length / 1024.0:N0} KiB."),
            "",
            F($"Same figures from both: yes (communities by risk with their population, presence by sector, facilities by type and status with stale and notified, threats by category and by sex and age for both periods, bases with their team gaps, communities out of reach, QIPs by state and sector). The Gi* hot spots and the women-and-girls gaps are ours alone (on our heat-map grids); the peer has no such query. {warmup} warm-up runs, then {runs} timed, alternating:"),
            "",
            "| the CIV-OES | median ms | p90 ms | target |",
            "| --- | ---: | ---: | --- |",
            F($"| ours: CivilEstimates/GetCivilEstimate over gRPC, as a supervisor (exact) | {Percentile(exact, 0.5):0.0} | {Percentile(exact, 0.9):0.0} | median < 2 s: {Met(Percentile(exact, 0.5))} |"),
            F($"| ours: the same as a UN-CIMIC officer (coarsened, noised) | {Percentile(coarse, 0.5):0.0} | {Percentile(coarse, 0.9):0.0} | median < 2 s: {Met(Percentile(coarse, 0.5))} |"),
            F($"| PostGIS alone: the same figures but hot spots and group gaps, eight queries in one Npgsql batch | {Percentile(peer, 0.5):0.0} | {Percentile(peer, 0.9):0.0} | |"),
        ];
    }

    // Nearest rank: the p90 of 9 runs is the slowest.
    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
