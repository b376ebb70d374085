using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Geo.Testing.Browser;

/// <summary>
/// Debian's chromium, headless, driven over the DevTools protocol: started with its own
/// throwaway profile and debugging port, and always killed (with its children) and its profile
/// removed on dispose. The executable is <c>$CHROMIUM</c>, else <c>chromium</c> on the PATH.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly string _profile;
    private Uri? _debugging;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static string Executable => Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } given ? given : "chromium";

    /// <summary>Starts the browser with a window of <paramref name="width"/> x <paramref name="height"/> and waits for its debugging port.</summary>
    public static async Task<HeadlessChromium> StartAsync(int width = 1280, int height = 800, CancellationToken cancellationToken = default)
    {
        var profile = Directory.CreateTempSubdirectory("chromium-").FullName;
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless=new", "--no-sandbox", "--remote-debugging-port=0", "--user-data-dir=" + profile,
            string.Create(CultureInfo.InvariantCulture, $"--window-size={width},{height}"),
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
            "--disable-dev-shm-usage", "--disable-gpu", "--mute-audio", "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{Executable} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Directory.Delete(profile, recursive: true);
            throw new InvalidOperationException($"cannot run {Executable} ({e.Message}): install Debian's chromium (scripts/install-prerequisites.sh does) or set CHROMIUM", e);
        }

        // Read and dropped, so that a chatty browser never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new HeadlessChromium(process, profile);
        try
        {
            var port = await WaitForPortAsync(process, Path.Combine(profile, "DevToolsActivePort"), cancellationToken).ConfigureAwait(false);
            browser._debugging = new Uri($"http://127.0.0.1:{port}/");
            return browser;
        }
        catch
        {
            await browser.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A new tab, with its own DevTools connection.</summary>
    public async Task<BrowserPage> OpenPageAsync(CancellationToken cancellationToken = default)
    {
        var debugging = _debugging ?? throw new InvalidOperationException("the browser is not started");
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(debugging, "json/new?about:blank"));
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var target = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
        var socket = new Uri(target.GetProperty("webSocketDebuggerUrl").GetString()!);
        return await BrowserPage.ConnectAsync(socket, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The browser's open targets (tabs, and what runs beside them): their type, address and title.</summary>
    public async Task<IReadOnlyList<(string Type, string Url, string Title)>> TargetsAsync(CancellationToken cancellationToken = default)
    {
        var debugging = _debugging ?? throw new InvalidOperationException("the browser is not started");
        using var http = new HttpClient();
        var targets = await http.GetFromJsonAsync<JsonElement>(new Uri(debugging, "json/list"), cancellationToken).ConfigureAwait(false);
        return [.. targets.EnumerateArray().Select(t => (t.GetProperty("type").GetString() ?? string.Empty, t.GetProperty("url").GetString() ?? string.Empty,
            t.TryGetProperty("title", out var title) ? title.GetString() ?? string.Empty : string.Empty))];
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // It was never started, or is gone already.
        }
        finally
        {
            _process.Dispose();
            DeleteProfile();
        }
    }

    private static async Task<int> WaitForPortAsync(Process process, string file, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < StartTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Executable} exited with code {process.ExitCode} before opening its debugging port");
            }

            // The first line is the port; the file may still be being written when first seen.
            if (File.Exists(file) && (await File.ReadAllLinesAsync(file, cancellationToken).ConfigureAwait(false)) is [var first, ..]
                && int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port > 0)
            {
                return port;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"{Executable} opened no debugging port within {StartTimeout.TotalSeconds:0} s");
    }

    private void DeleteProfile()
    {
        // The killed browser's last writes may still land for a moment.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(_profile))
                {
                    Directory.Delete(_profile, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 10)
            {
                Thread.Sleep(100);
            }
        }
    }
}
