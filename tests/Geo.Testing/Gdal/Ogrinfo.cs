using System.ComponentModel;
using System.Diagnostics;

namespace Geo.Testing.Gdal;

/// <summary>
/// GDAL's ogrinfo (Debian package gdal-bin) as an independent reader of the GeoJSON the service
/// writes: what it reports of a file is what QGIS, which reads GeoJSON through GDAL, will see.
/// </summary>
public static class Ogrinfo
{
    /// <summary>What <c>ogrinfo</c> prints for <paramref name="arguments"/>; fails with the reason when it is missing or refuses the file.</summary>
    public static Task<string> RunAsync(params string[] arguments) => GdalTool.RunAsync("ogrinfo", arguments);
}

/// <summary>Runs a GDAL command-line tool (ogrinfo, ogr2ogr); a missing tool fails the test, it never skips it.</summary>
public static class GdalTool
{
    public static async Task<string> RunAsync(string tool, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is not installed: the GeoJSON tests need GDAL's tools (Debian/Ubuntu: apt-get install gdal-bin)", e);
        }

        using (process)
        {
            if (process is null)
            {
                throw new InvalidOperationException($"{tool} did not start");
            }

            // A guard against a hung process, not a timing assertion.
            using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var stdout = process.StandardOutput.ReadToEndAsync(guard.Token);
            var stderr = process.StandardError.ReadToEndAsync(guard.Token);
            await process.WaitForExitAsync(guard.Token).ConfigureAwait(false);
            var text = await stdout.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr.ConfigureAwait(false)}");
            }

            return text;
        }
    }
}
