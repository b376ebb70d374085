using System.Buffers.Binary;
using Geo.Grpc.Hosting;
using Geo.Testing;
using Geo.Testing.Echo;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Geo.Grpc.Tests.Wire;

/// <summary>
/// The server's protections against one client, seen frame by frame: concurrent streams per
/// connection, request header size, backpressure on a reader that stops, and a client that
/// stalls or disappears. Waits poll with generous bounds; nothing asserts a duration.
/// </summary>
public sealed class ServerLimitsTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>, IAsyncLifetime
{
    private const int MaxStreams = 4;
    private const int MaxHeadersBytes = 8192;
    private const string UnaryPath = "/geoawareness.testing.v1.Echo/Unary";
    private const string ServerStreamPath = "/geoawareness.testing.v1.Echo/ServerStream";
    private const string ClientStreamPath = "/geoawareness.testing.v1.Echo/ClientStream";
    private static readonly TimeSpan GenerousWait = TimeSpan.FromSeconds(30);
    private GeoAwarenessService? _service;

    private GeoAwarenessService Service => _service ?? throw new InvalidOperationException("not started");

    private EchoCallLog CallLog => Service.App.Services.GetRequiredService<EchoCallLog>();

    public async Task InitializeAsync() => _service = await StartAsync();

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
    }

    [Fact]
    public async Task Streams_MoreThanTheLimitOnOneConnection_ExcessRefusedOthersComplete()
    {
        await using var h2 = await Http2FrameClient.ConnectAsync(Service.GrpcEndpoint);
        Assert.Equal((uint)MaxStreams, h2.ServerSettings[Http2FrameClient.SettingsMaxConcurrentStreams]);

        // Four client-streaming calls held open (headers, no END_STREAM), then a fifth.
        int[] open = [1, 3, 5, 7];
        foreach (var id in open)
        {
            await h2.SendRequestHeadersAsync(id, ClientStreamPath, endStream: false);
        }

        await h2.SendRequestHeadersAsync(9, ClientStreamPath, endStream: false);
        var seen = new List<Http2Frame>();
        var refused = await h2.ReadUntilAsync(f => f.StreamId == 9 && f.Type is Http2FrameClient.RstStream or Http2FrameClient.Headers or Http2FrameClient.GoAway, seen);

        Assert.Equal(Http2FrameClient.RstStream, refused.Type);
        Assert.Equal(Http2FrameClient.RefusedStream, refused.ErrorCode);
        Assert.DoesNotContain(seen, f => f.Type is Http2FrameClient.RstStream or Http2FrameClient.GoAway && f.StreamId != 9);

        // The four held calls then finish normally, and the connection takes a new call in
        // the place of the refused one (a refused stream is safe to retry, RFC 9113 §8.7).
        foreach (var id in open)
        {
            await h2.SendDataAsync(id, RawGrpcClient.Frame(new EchoRequest { Message = $"call-{id}" }), endStream: true);
        }

        var results = await ReadCallsAsync(h2, open);

        foreach (var id in open)
        {
            Assert.Equal("0", results[id].Trailers["grpc-status"]);
            Assert.Equal($"call-{id}", EchoReply.Parser.ParseFrom(Assert.Single(results[id].Messages)).Message);
        }

        var retried = await UnaryAsync(h2, 11, "retried");
        Assert.Equal("0", retried.Trailers["grpc-status"]);
    }

    [Fact]
    public async Task Headers_MetadataOverTheLimit_Http431_ConnectionStillServes()
    {
        await using var h2 = await Http2FrameClient.ConnectAsync(Service.GrpcEndpoint);
        Assert.Equal((uint)MaxHeadersBytes, h2.ServerSettings[Http2FrameClient.SettingsMaxHeaderListSize]);

        // Below the limit: served. Three values of 3000 bytes: over it, refused with HTTP 431
        // on that stream alone (RFC 9113 §8.2.2 / RFC 6585), before any handler runs.
        var small = await UnaryAsync(h2, 1, "small", ("x-meta-a", new string('a', 3000)));
        Assert.Equal("0", small.Trailers["grpc-status"]);

        await h2.SendRequestHeadersAsync(3, UnaryPath, endStream: false, ("x-meta-a", new string('a', 3000)), ("x-meta-b", new string('b', 3000)), ("x-meta-c", new string('c', 3000)));
        var seen = new List<Http2Frame>();
        var refused = await h2.ReadUntilAsync(f => f.StreamId == 3 || f.Type == Http2FrameClient.GoAway, seen);
        Assert.Equal(Http2FrameClient.Headers, refused.Type);
        Assert.True(refused.IsEndStream);
        Assert.Equal("431", refused.DecodeHeaders()[":status"]);
        Assert.DoesNotContain(seen, f => f.Type == Http2FrameClient.GoAway);

        // The same connection, and a new one, still serve normal calls.
        Assert.Equal("0", (await UnaryAsync(h2, 5, "after")).Trailers["grpc-status"]);
        await using var fresh = await Http2FrameClient.ConnectAsync(Service.GrpcEndpoint);
        Assert.Equal("0", (await UnaryAsync(fresh, 1, "fresh")).Trailers["grpc-status"]);
    }

    [Fact]
    public async Task Headers_OneValueOverTheFieldLimit_GoAwayCompressionError_NewConnectionServes()
    {
        // Kestrel's HPACK decoder will not hold a field larger than MaxRequestHeaderFieldSize
        // (here the 8192 of MaxRequestHeadersBytes): that is a connection error, GOAWAY
        // COMPRESSION_ERROR (RFC 9113 §4.3). It costs only the offender its own connection.
        await using (var h2 = await Http2FrameClient.ConnectAsync(Service.GrpcEndpoint))
        {
            await h2.SendRequestHeadersAsync(1, UnaryPath, endStream: false, ("x-meta-a", new string('a', 10_000)));
            var goAway = await h2.ReadUntilAsync(f => f.StreamId == 1 || f.Type == Http2FrameClient.GoAway);

            Assert.Equal(Http2FrameClient.GoAway, goAway.Type);
            Assert.Equal(Http2FrameClient.CompressionError, goAway.ErrorCode);
            await Assert.ThrowsAsync<EndOfStreamException>(async () => await h2.ReadUntilAsync(_ => false));
        }

        await using var fresh = await Http2FrameClient.ConnectAsync(Service.GrpcEndpoint);
        Assert.Equal("0", (await UnaryAsync(fresh, 1, "fresh")).Trailers["grpc-status"]);
    }

    [Fact]
    public async Task ServerStream_ReaderStops_HandlerStallsWithinTheFlowControlWindow_ThenResumes()
    {
        const int count = 400;
        const int payload = 16 * 1024;
        const int window = 65535;
        var key = $"backpressure-{Guid.NewGuid():N}";
        await using var h2 = await Http2FrameClient.ConnectAsync(Service.GrpcEndpoint, initialWindowSize: window);
        await h2.SendRequestHeadersAsync(1, ServerStreamPath, endStream: false);
        await h2.SendDataAsync(1, RawGrpcClient.Frame(new StreamRequest { Message = key, Count = count, PayloadSize = payload }), endStream: true);

        // Read nothing and grant no window: the handler's writes stop once the stream's window
        // and Kestrel's per-stream response buffer (MaxResponseBufferSize, 64 KiB) are full.
        var stalled = await WaitUntilStableAsync(() => CallLog.Written(key));
        const int bound = ((window + (64 * 1024)) / payload) + 2;
        Assert.InRange(stalled, 1, bound);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(stalled, CallLog.Written(key));

        // Reading again (and returning window as we go) lets it run to the end.
        var result = await ReadCallAsync(h2, 1);
        Assert.Equal("0", result.Trailers["grpc-status"]);
        Assert.Equal(count, result.Messages.Count);
        Assert.Equal(count, CallLog.Written(key));
    }

    [Fact]
    public async Task ServerStream_ClientOpensWindowButNeverReadsItsSocket_BoundedByBuffers_EndsWhenClientCloses()
    {
        const int count = 10_000;
        const int payload = 16 * 1024;
        var key = $"unread-{Guid.NewGuid():N}";
        var h2 = await Http2FrameClient.ConnectAsync(Service.GrpcEndpoint, initialWindowSize: int.MaxValue);
        await using (h2)
        {
            await h2.SendWindowUpdateAsync(0, int.MaxValue - 65535);
            await h2.SendRequestHeadersAsync(1, ServerStreamPath, endStream: false);
            await h2.SendDataAsync(1, RawGrpcClient.Frame(new StreamRequest { Message = key, Count = count, PayloadSize = payload }), endStream: true);

            // Flow control no longer holds the server back; the sockets' buffers and Kestrel's
            // output buffers do: a few MiB of the 160 MiB asked for (4 MiB on this machine).
            var stalled = await WaitUntilStableAsync(() => CallLog.Written(key));
            Assert.InRange(stalled, 1, count / 4);
            Assert.False(CallLog.WasCancelled(key));
            h2.Abort();
        }

        await CallLog.WaitForCancellationAsync(key, GenerousWait);
        Assert.InRange(CallLog.Written(key), 1, count / 4);
    }

    [Fact]
    public async Task ClientStream_StalledClient_DoesNotBlockOthers_AndEndsWhenTheClientCloses()
    {
        var callId = $"stalled-{Guid.NewGuid():N}";
        var stalled = await Http2FrameClient.ConnectAsync(Service.GrpcEndpoint);
        await using (stalled)
        {
            await OpenStalledClientStreamAsync(stalled, callId);

            // Other calls go through, on the same connection and on another.
            Assert.Equal("0", (await UnaryAsync(stalled, 3, "same connection")).Trailers["grpc-status"]);
            await using (var other = await Http2FrameClient.ConnectAsync(Service.GrpcEndpoint))
            {
                Assert.Equal("0", (await UnaryAsync(other, 1, "other connection")).Trailers["grpc-status"]);
            }

            Assert.False(CallLog.WasCancelled(callId));
            stalled.Abort();
        }

        await CallLog.WaitForCancellationAsync(callId, GenerousWait);
    }

    [Fact]
    public async Task ClientStream_ClientGoesSilent_KeepAlivePingEndsConnectionAndCall()
    {
        await using var service = await StartAsync("--GeoAwareness:Grpc:KeepAlivePingDelaySeconds=1", "--GeoAwareness:Grpc:KeepAlivePingTimeoutSeconds=1");
        var log = service.App.Services.GetRequiredService<EchoCallLog>();
        var callId = $"silent-{Guid.NewGuid():N}";
        await using var h2 = await Http2FrameClient.ConnectAsync(service.GrpcEndpoint);
        await OpenStalledClientStreamAsync(h2, callId);

        // From here the client neither sends nor answers PINGs, but keeps its socket open.
        var frames = new List<Http2Frame>();
        try
        {
            while (true)
            {
                frames.Add(await h2.ReadFrameAsync());
            }
        }
        catch (EndOfStreamException)
        {
        }
        catch (IOException)
        {
        }

        // Kestrel pings, gets no answer, and closes with GOAWAY INTERNAL_ERROR.
        Assert.Contains(frames, f => f.Type == Http2FrameClient.Ping && (f.Flags & Http2FrameClient.Ack) == 0);
        Assert.Equal(Http2FrameClient.InternalError, Assert.Single(frames, f => f.Type == Http2FrameClient.GoAway).ErrorCode);
        await log.WaitForCancellationAsync(callId, GenerousWait);
    }

    private Task<GeoAwarenessService> StartAsync(params string[] extra) =>
        GrpcTestServer.StartAsync(
            database.ConnectionString,
            [$"--GeoAwareness:Grpc:MaxStreamsPerConnection={MaxStreams}", $"--GeoAwareness:Grpc:MaxRequestHeadersBytes={MaxHeadersBytes}", .. extra]);

    /// <summary>A client-streaming call that sends its headers and then nothing; returns once the handler is running.</summary>
    private static async Task OpenStalledClientStreamAsync(Http2FrameClient h2, string callId)
    {
        await h2.SendRequestHeadersAsync(1, ClientStreamPath, endStream: false, ("x-echo-call-id", callId));
        // The handler echoes x-echo- metadata as response headers: their arrival proves it runs.
        var headers = await h2.ReadUntilAsync(f => f.StreamId == 1 && f.Type is Http2FrameClient.Headers or Http2FrameClient.RstStream);
        Assert.Equal(Http2FrameClient.Headers, headers.Type);
        Assert.Equal(callId, headers.DecodeHeaders()["x-echo-call-id"]);
    }

    private static async Task<CallResult> UnaryAsync(Http2FrameClient h2, int streamId, string message, params (string Name, string Value)[] metadata)
    {
        await h2.SendRequestHeadersAsync(streamId, UnaryPath, endStream: false, metadata);
        await h2.SendDataAsync(streamId, RawGrpcClient.Frame(new EchoRequest { Message = message }), endStream: true);
        return await ReadCallAsync(h2, streamId);
    }

    /// <summary>Reads one stream's response to its end, returning flow-control credit as it goes.</summary>
    private static async Task<CallResult> ReadCallAsync(Http2FrameClient h2, int streamId) => (await ReadCallsAsync(h2, [streamId]))[streamId];

    /// <summary>Reads several streams' responses, interleaved on one connection, each to its end.</summary>
    private static async Task<Dictionary<int, CallResult>> ReadCallsAsync(Http2FrameClient h2, int[] streamIds)
    {
        var frames = new List<Http2Frame>();
        var pending = new HashSet<int>(streamIds);
        while (pending.Count > 0)
        {
            var end = await h2.ReadUntilAsync(f => pending.Contains(f.StreamId) && (f.IsEndStream || f.Type == Http2FrameClient.RstStream), frames);
            if (end.Type != Http2FrameClient.Headers)
            {
                throw new InvalidOperationException($"stream {end.StreamId} ended with {end}");
            }

            pending.Remove(end.StreamId);
        }

        var results = new Dictionary<int, CallResult>();
        foreach (var streamId in streamIds)
        {
            var mine = frames.Where(f => f.StreamId == streamId).ToList();
            var body = mine.Where(f => f.Type == Http2FrameClient.Data).SelectMany(f => f.Payload).ToArray();
            var messages = new List<byte[]>();
            for (var offset = 0; offset < body.Length;)
            {
                var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1));
                messages.Add(body.AsSpan(offset + 5, length).ToArray());
                offset += 5 + length;
            }

            var headerFrames = mine.Where(f => f.Type == Http2FrameClient.Headers).ToList();
            results[streamId] = new CallResult(headerFrames[0].DecodeHeaders(), headerFrames[^1].DecodeHeaders(), messages);
        }

        return results;
    }

    /// <summary>Polls until the value is non-zero and has not moved for several polls in a row; bounded.</summary>
    private static async Task<int> WaitUntilStableAsync(Func<int> read)
    {
        var deadline = DateTime.UtcNow + GenerousWait;
        var last = -1;
        var unchanged = 0;
        while (DateTime.UtcNow < deadline)
        {
            var value = read();
            unchanged = value == last && value > 0 ? unchanged + 1 : 0;
            if (unchanged >= 10)
            {
                return value;
            }

            last = value;
            await Task.Delay(100);
        }

        throw new TimeoutException($"the value kept moving or stayed zero: last {last}");
    }

    private sealed record CallResult(Dictionary<string, string> Headers, Dictionary<string, string> Trailers, List<byte[]> Messages);
}
