using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Geo.Api.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Geo.Grpc.Tests.Webhooks;

/// <summary>How the receiver answers one request.</summary>
internal enum Answer
{
    Ok,
    ServerError,

    /// <summary>Holds the request open without a word until the sender gives up.</summary>
    Hang,

    /// <summary>Drops the connection without answering.</summary>
    Close,
}

/// <summary>One POST as it reached the receiver, with the answer it got.</summary>
internal sealed record Received(string Path, string IdempotencyKey, string Hook, string Signature, byte[] Body, Answer Answer)
{
    public WatchEvent Event => WatchEvent.Parser.ParseJson(Encoding.UTF8.GetString(Body));

    /// <summary>
    /// Checks the signature as the README tells a receiver to, written here from that text and
    /// not with the service's code: hex HMAC-SHA256 over "t.body" with the secret's UTF-8 bytes.
    /// </summary>
    public bool SignedWith(string secret)
    {
        var parts = Signature.Split(',');
        if (parts.Length != 2 || !parts[0].StartsWith("t=", StringComparison.Ordinal) || !parts[1].StartsWith("v1=", StringComparison.Ordinal))
        {
            return false;
        }

        var signed = Encoding.UTF8.GetBytes(parts[0][2..] + ".").Concat(Body).ToArray();
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
        var at = DateTimeOffset.FromUnixTimeSeconds(long.Parse(parts[0][2..], System.Globalization.CultureInfo.InvariantCulture));
        return expected == parts[1][3..] && (DateTimeOffset.UtcNow - at).Duration() < TimeSpan.FromMinutes(5);
    }
}

/// <summary>
/// A webhook receiver on 127.0.0.1 (Kestrel): every POST kept as it came, answered as the test
/// scripts it per path (a queue of answers, then <see cref="Answer.Ok"/>).
/// </summary>
internal sealed class HookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Answer>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Answer> _always = new(StringComparer.Ordinal);
    private int _open;

    private HookReceiver(WebApplication app) => _app = app;

    public Uri Base => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    public IReadOnlyList<Received> All => [.. _received];

    /// <summary>Requests being held open right now (<see cref="Answer.Hang"/>).</summary>
    public int Open => Volatile.Read(ref _open);

    public static async Task<HookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var receiver = new HookReceiver(builder.Build());
        receiver._app.MapPost("/{**path}", receiver.ReceiveAsync);
        await receiver._app.StartAsync();
        return receiver;
    }

    public string Url(string path) => new Uri(Base, path).ToString();

    /// <summary>The next requests to <paramref name="path"/> get these answers, in order; later ones <see cref="Answer.Ok"/>.</summary>
    public void Script(string path, params Answer[] answers)
    {
        var queue = _scripts.GetOrAdd("/" + path, _ => new ConcurrentQueue<Answer>());
        foreach (var answer in answers)
        {
            queue.Enqueue(answer);
        }
    }

    /// <summary>Every request to <paramref name="path"/> gets <paramref name="answer"/> until told otherwise.</summary>
    public void Always(string path, Answer answer) => _always["/" + path] = answer;

    public List<Received> To(string path) => [.. _received.Where(r => r.Path == "/" + path)];

    /// <summary>The distinct events <paramref name="path"/> acknowledged, in the order first acknowledged.</summary>
    public List<WatchEvent> Acknowledged(string path) =>
        [.. To(path).Where(r => r.Answer == Answer.Ok).DistinctBy(r => r.IdempotencyKey).Select(r => r.Event)];

    /// <summary>Waits until <paramref name="done"/> holds of what <paramref name="path"/> acknowledged; fails the test after 30 s.</summary>
    public async Task<List<WatchEvent>> AcknowledgedAsync(string path, Func<List<WatchEvent>, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var events = Acknowledged(path);
            if (done(events))
            {
                return events;
            }

            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"{path}: {events.Count} events acknowledged after 30 s; received {To(path).Count} requests");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ReceiveAsync(HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        var path = http.Request.Path.Value ?? "/";
        var answer = _always.TryGetValue(path, out var always) ? always
            : _scripts.TryGetValue(path, out var script) && script.TryDequeue(out var next) ? next
            : Answer.Ok;
        _received.Enqueue(new Received(
            path, http.Request.Headers["Idempotency-Key"].ToString(), http.Request.Headers["X-GeoAwareness-Hook"].ToString(),
            http.Request.Headers["X-GeoAwareness-Signature"].ToString(), body.ToArray(), answer));
        switch (answer)
        {
            case Answer.ServerError:
                http.Response.StatusCode = StatusCodes.Status500InternalServerError;
                break;
            case Answer.Hang:
                Interlocked.Increment(ref _open);
                try
                {
                    await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                }
                finally
                {
                    Interlocked.Decrement(ref _open);
                }

                break;
            case Answer.Close:
                http.Abort();
                break;
            default:
                http.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
        }
    }
}
