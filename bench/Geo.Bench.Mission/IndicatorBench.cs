using System.Diagnostics;
using System.Globalization;
using Geo.Api.V1;
using Geo.Api;
using Google.Protobuf;

namespace Geo.Bench.Mission;

/// <summary>
/// indicators: Indicators/Compute for one period at mission, sector and base level, timed end to
/// end over gRPC (every unit's every indicator received); the observation figures of each unit
/// written out for the script to compare with the plain SQL peer's.
/// </summary>
internal static class IndicatorBench
{
    public static async Task<int> TimeAsync(GeoAwarenessClient channel, Arguments options)
    {
        var period = options.Text("period", "2026-Q1");
        var repeat = options.Int("repeat", 7);
        var prefix = options.Text("out", string.Empty);
        foreach (var (level, name) in new[] { (IndicatorLevel.Mission, "mission"), (IndicatorLevel.Sector, "sector"), (IndicatorLevel.Base, "base") })
        {
            var request = new IndicatorRequest { Period = period, Level = level };
            var report = await channel.Indicators.ComputeAsync(request).ResponseAsync;
            var times = new List<double>(repeat);
            for (var i = 0; i < repeat; i++)
            {
                var watch = Stopwatch.StartNew();
                var again = await channel.Indicators.ComputeAsync(request).ResponseAsync;
                times.Add(watch.Elapsed.TotalMilliseconds);
                if (again.Units.Count != report.Units.Count)
                {
                    throw new InvalidOperationException("Compute answered differently from one call to the next");
                }
            }

            times.Sort();
            var median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[(times.Count / 2) - 1] + times[times.Count / 2]) / 2;
            var threats = report.Units.Sum(u => u.Values.Single(v => v.Code == "THREAT-OBS").Value);
            Console.WriteLine(
                $"Compute {period} at {name} level: {report.Units.Count} unit(s), {threats:N0} threat observations in them, {report.CalculateSize():N0} bytes; " +
                $"median of {repeat} {median:F1} ms (min {times[0]:F1}, max {times[^1]:F1}), evaluated on {report.EvaluatedOn.Year:D4}-{report.EvaluatedOn.Month:D2}-{report.EvaluatedOn.Day:D2}");
            Program.Result($"indicators.{name}.median_ms", median);
            Program.Result($"indicators.{name}.min_ms", times[0]);
            Program.Result($"indicators.{name}.max_ms", times[^1]);
            Program.Result($"indicators.{name}.units", report.Units.Count);
            Program.Result($"indicators.{name}.response_bytes", report.CalculateSize());
            if (prefix.Length > 0)
            {
                await WriteFiguresAsync($"{prefix}-{name}.tsv", report);
            }
        }

        return 0;
    }

    /// <summary>Per unit (sorted): threat observations, people affected in them, alerts, alerts answered within 24 h, MDMH observations.</summary>
    private static async Task WriteFiguresAsync(string path, IndicatorReport report)
    {
        await using var file = new StreamWriter(path);
        foreach (var unit in report.Units.OrderBy(u => Key(report.Level, u), StringComparer.Ordinal))
        {
            long Figure(string code) => (long)unit.Values.Single(v => v.Code == code).Value;
            var answered = unit.Values.Single(v => v.Code == "EW-RESPONSE-24H").Numerator;
            await file.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{Key(report.Level, unit)}\t{Figure("THREAT-OBS")}\t{Figure("THREAT-PEOPLE")}\t{Figure("EW-ALERTS")}\t{answered}\t{Figure("MDMH-OBS")}"));
        }
    }

    private static string Key(IndicatorLevel level, IndicatorUnit unit) => level switch
    {
        IndicatorLevel.Base => unit.BaseId,
        IndicatorLevel.Sector => unit.Sector,
        _ => "mission",
    };
}
