using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Geo.Testing.Browser;

/// <summary>
/// One tab of <see cref="HeadlessChromium"/> over its DevTools WebSocket: commands matched to
/// their answers by id, events kept only of the kinds a test asks for. Just what a page test needs:
/// navigate, evaluate script (awaiting promises), click at a point, take a screenshot, and see (or
/// answer) the requests the page makes.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentDictionary<string, Channel<JsonElement>> _events = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Task _receiving;
    private int _nextId;

    private BrowserPage(ClientWebSocket socket)
    {
        _socket = socket;
        _receiving = Task.Run(() => ReceiveAsync(_closing.Token));
    }

    internal static async Task<BrowserPage> ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var page = new BrowserPage(socket);
        await page.SendAsync("Page.enable", null, cancellationToken).ConfigureAwait(false);
        await page.SendAsync("Runtime.enable", null, cancellationToken).ConfigureAwait(false);
        return page;
    }

    /// <summary>Sends one DevTools command and returns its result; a protocol error is an exception with its message.</summary>
    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }

        using var registration = cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
        try
        {
            return await answer.Task.ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// The parameters of every DevTools event named <paramref name="method"/> received from now on,
    /// in order (Fetch.requestPaused once Fetch.enable is sent, for instance); events nobody asked for are dropped.
    /// </summary>
    public ChannelReader<JsonElement> Events(string method) => _events.GetOrAdd(method, _ => Channel.CreateUnbounded<JsonElement>()).Reader;

    /// <summary>Opens <paramref name="url"/> in the tab (the load goes on after this returns).</summary>
    public async Task NavigateAsync(Uri url, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        var result = await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() }, cancellationToken).ConfigureAwait(false);
        if (result.TryGetProperty("errorText", out var error) && error.GetString() is { Length: > 0 } text)
        {
            throw new InvalidOperationException($"navigating to {url} failed: {text}");
        }
    }

    /// <summary>The value of a script expression (a promise is awaited), as JSON; a thrown exception is rethrown here with its text.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression, CancellationToken cancellationToken = default)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["awaitPromise"] = true,
            ["returnByValue"] = true,
        }, cancellationToken).ConfigureAwait(false);
        if (result.TryGetProperty("exceptionDetails", out var exception))
        {
            var text = exception.TryGetProperty("exception", out var thrown) && thrown.TryGetProperty("description", out var description)
                ? description.GetString()
                : exception.GetProperty("text").GetString();
            throw new InvalidOperationException($"the page threw evaluating {expression}: {text}");
        }

        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var json) ? json.Clone() : default;
    }

    /// <summary>Evaluates <paramref name="condition"/> until it is true; fails with <paramref name="describe"/>'s value when it never is.</summary>
    public async Task WaitForAsync(string condition, TimeSpan timeout, string describe = "null", CancellationToken cancellationToken = default)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if ((await EvaluateAsync($"Boolean({condition})", cancellationToken).ConfigureAwait(false)).ValueKind == JsonValueKind.True)
            {
                return;
            }

            if (waited.Elapsed > timeout)
            {
                var state = await EvaluateAsync($"JSON.stringify({describe})", cancellationToken).ConfigureAwait(false);
                throw new TimeoutException($"{condition} was still false after {timeout.TotalSeconds:0} s; {describe} = {state}");
            }

            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A left click at a point of the viewport, as a user's mouse makes it.</summary>
    public async Task ClickAsync(double x, double y, CancellationToken cancellationToken = default)
    {
        foreach (var type in new[] { "mouseMoved", "mousePressed", "mouseReleased" })
        {
            await SendAsync("Input.dispatchMouseEvent", new JsonObject
            {
                ["type"] = type, ["x"] = x, ["y"] = y, ["button"] = type == "mouseMoved" ? "none" : "left", ["clickCount"] = 1,
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The viewport as a PNG.</summary>
    public async Task<byte[]> ScreenshotAsync(CancellationToken cancellationToken = default)
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" }, cancellationToken).ConfigureAwait(false);
        return Convert.FromBase64String(result.GetProperty("data").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        try
        {
            await _receiving.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The receive loop ends this way by design.
        }

        _socket.Abort();
        _socket.Dispose();
        _closing.Dispose();
        _sending.Dispose();
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var received = await _socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                Dispatch(message.GetBuffer().AsSpan(0, (int)message.Length));
                message.SetLength(0);
            }
        }
        catch (WebSocketException e)
        {
            Fail(e);
            return;
        }

        Fail(new WebSocketException("the browser closed the DevTools connection"));
    }

    private void Dispatch(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        if (!root.TryGetProperty("id", out var id))
        {
            // An event: kept only when a test asked for its kind (Events), never waited on here, so
            // that a test may answer it with a command while this loop goes on receiving.
            if (root.TryGetProperty("method", out var method) && _events.TryGetValue(method.GetString() ?? string.Empty, out var events))
            {
                events.Writer.TryWrite(root.TryGetProperty("params", out var parameters) ? parameters.Clone() : default);
            }

            return;
        }

        if (!_pending.TryGetValue(id.GetInt32(), out var answer))
        {
            return;
        }

        if (root.TryGetProperty("error", out var error))
        {
            answer.TrySetException(new InvalidOperationException($"DevTools error: {error.GetRawText()}"));
        }
        else
        {
            answer.TrySetResult(root.GetProperty("result").Clone());
        }
    }

    private void Fail(Exception e)
    {
        foreach (var answer in _pending.Values)
        {
            answer.TrySetException(e);
        }
    }
}
