using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Geo.Cli.Ingest;

/// <summary>A progress bar on stderr (rows, rows/s, bytes) while a run works, when stderr is a terminal.</summary>
internal static class IngestProgress
{
    public static async Task<T> RunAsync<T>(IngestMeter meter, Func<Task<T>> work)
    {
        if (Console.IsErrorRedirected)
        {
            return await work().ConfigureAwait(false);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask(meter.Phase, maxValue: Math.Max(1, meter.FileBytes));
                var running = work();
                var phase = meter.Phase;
                var clock = Stopwatch.StartNew();
                while (!running.IsCompleted)
                {
                    await Task.WhenAny(running, Task.Delay(250)).ConfigureAwait(false);
                    if (meter.Phase != phase)
                    {
                        (phase, clock) = (meter.Phase, Stopwatch.StartNew());
                    }

                    var rate = meter.Rows / Math.Max(0.001, clock.Elapsed.TotalSeconds);
                    bar.Description = string.Create(CultureInfo.InvariantCulture,
                        $"{phase} {meter.Rows:N0} rows, {rate:N0} rows/s, {meter.Bytes / 1048576.0:N0} of {meter.FileBytes / 1048576.0:N0} MiB");
                    bar.Value = meter.Bytes;
                }

                return await running.ConfigureAwait(false);
            }).ConfigureAwait(false);
    }
}
