using System.Threading.Channels;
using Geo.Api.V1;
using Grpc.Core;
using Xunit;

namespace Geo.Grpc.Tests.Watch;

/// <summary>
/// One open Observations.Watch, read in the background into a queue, so that a test can wait for
/// the next change (heartbeats counted, not returned) or for the end of the call, with a bound.
/// </summary>
internal sealed class WatchStream : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly AsyncServerStreamingCall<WatchEvent> _call;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<WatchEvent> _events = Channel.CreateUnbounded<WatchEvent>();
    private readonly Channel<Alert> _alerts = Channel.CreateUnbounded<Alert>();
    private readonly Task _reading;

    public WatchStream(Observations.ObservationsClient client, WatchRequest request, bool read = true)
    {
        _call = client.Watch(request, cancellationToken: _stop.Token);
        _reading = read ? ReadAsync() : Task.CompletedTask;
    }

    public int Heartbeats { get; private set; }

    /// <summary>The cursor of the last event read (heartbeats included).</summary>
    public string Cursor { get; private set; } = string.Empty;

    /// <summary>How the call ended, once it has (null while it runs, or when it ended OK).</summary>
    public RpcException? Ended { get; private set; }

    public AsyncServerStreamingCall<WatchEvent> Call => _call;

    /// <summary>The next observation or withdrawal; fails the test when none comes within <see cref="Bound"/>.</summary>
    public async Task<WatchEvent> NextChangeAsync()
    {
        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            return await _events.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no change pushed within {Bound.TotalSeconds} s");
        }
        catch (ChannelClosedException)
        {
            throw new Xunit.Sdk.XunitException($"the watch ended before the change: {Ended?.Status}");
        }
    }

    /// <summary>The next alert event that <paramref name="done"/> accepts (others are skipped); fails the test when none comes within <see cref="Bound"/>.</summary>
    public async Task<Alert> NextAlertAsync(Func<Alert, bool> done)
    {
        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            while (true)
            {
                var alert = await _alerts.Reader.ReadAsync(timeout.Token);
                if (done(alert))
                {
                    return alert;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new Xunit.Sdk.XunitException($"no such alert pushed within {Bound.TotalSeconds} s ({Ended?.Status})");
        }
    }

    /// <summary>Alert events received so far and not read.</summary>
    public List<Alert> AlertsSoFar()
    {
        var alerts = new List<Alert>();
        while (_alerts.Reader.TryRead(out var alert))
        {
            alerts.Add(alert);
        }

        return alerts;
    }

    /// <summary>The ids of the next <paramref name="count"/> changes, in the order pushed.</summary>
    public async Task<List<string>> NextIdsAsync(int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var change = await NextChangeAsync();
            ids.Add(change.Observation?.Id ?? change.Withdrawn.Id);
        }

        return ids;
    }

    /// <summary>Waits for <paramref name="heartbeats"/> more heartbeats, then says what changes came meanwhile (none, in a quiet test).</summary>
    public async Task<List<WatchEvent>> QuietForAsync(int heartbeats)
    {
        var target = Heartbeats + heartbeats;
        using var timeout = new CancellationTokenSource(Bound);
        while (Heartbeats < target && !_reading.IsCompleted)
        {
            await Task.Delay(20, timeout.Token);
        }

        var came = new List<WatchEvent>();
        while (_events.Reader.TryRead(out var change))
        {
            came.Add(change);
        }

        return came;
    }

    /// <summary>Waits for the call to end; its status (OK included).</summary>
    public async Task<Status> EndAsync()
    {
        await _reading.WaitAsync(Bound);
        return Ended?.Status ?? Status.DefaultSuccess;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _call.Dispose();
        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var change in _call.ResponseStream.ReadAllAsync(_stop.Token))
            {
                Assert.False(string.IsNullOrEmpty(change.Cursor), "every event carries a cursor");
                Cursor = change.Cursor;
                if (change.EventCase == WatchEvent.EventOneofCase.Heartbeat)
                {
                    Heartbeats++;
                }
                else if (change.EventCase == WatchEvent.EventOneofCase.Alert)
                {
                    await _alerts.Writer.WriteAsync(change.Alert);
                }
                else
                {
                    await _events.Writer.WriteAsync(change);
                }
            }
        }
        catch (RpcException e)
        {
            Ended = e;
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _events.Writer.TryComplete();
            _alerts.Writer.TryComplete();
        }
    }
}
