using Grpc.Core;
using Grpc.Net.Client;
using Geo.Interop.Tests.Missing;
using Geo.Interop.Tests.Peers;
using Geo.Testing.Echo;
using Google.Protobuf;
using Xunit;

namespace Geo.Interop.Tests;

/// <summary>
/// The .NET client the service's users have (generated clients on Grpc.Net.Client) against the
/// Python grpcio and grpc-js Echo servers: every
/// call shape, deadlines, cancellation, metadata both ways, gzip both ways, unknown methods.
/// </summary>
public sealed class OurClientAgainstPeerServersTests(PeerServersFixture peers) : IClassFixture<PeerServersFixture>
{
    private static readonly byte[] BinValue = [0, 1, 2, 127, 128, 254, 255, 0xC3, 0xA9];
    private static readonly byte[] TrailerBinValue = [255, 0, 128, 10, 13];
    private static readonly TimeSpan ServerLogWait = TimeSpan.FromSeconds(10);

    private static CallOptions Within(TimeSpan timeout, Metadata? headers = null, bool compress = false, CancellationToken cancel = default)
    {
        if (compress)
        {
            // Grpc.Net.Client compresses a call's request messages when this header names the algorithm.
            headers ??= [];
            headers.Add("grpc-internal-encoding-request", "gzip");
        }

        return new CallOptions(headers, DateTime.UtcNow + timeout, cancel);
    }

    private static CallOptions Default => Within(TimeSpan.FromSeconds(20));

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task Unary_RoundTrips(PeerKind server)
    {
        using var channel = GrpcChannel.ForAddress(peers.Get(server).Address);
        var echo = new Geo.Testing.Echo.Echo.EchoClient(channel);

        var reply = await echo.UnaryAsync(new EchoRequest { Message = "hello, Bunia", Payload = ByteString.CopyFrom(new byte[10]), ResponseSize = 32 }, Default).ResponseAsync;

        Assert.Equal("hello, Bunia", reply.Message);
        Assert.Equal(32, reply.Payload.Length);
    }

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task ServerStream_ReceivesEveryMessageInOrder(PeerKind server)
    {
        using var channel = GrpcChannel.ForAddress(peers.Get(server).Address);
        var echo = new Geo.Testing.Echo.Echo.EchoClient(channel);
        using var call = echo.ServerStream(new StreamRequest { Message = "tick", Count = 100, PayloadSize = 64 }, Default);

        var replies = new List<EchoReply>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            replies.Add(reply);
        }

        Assert.Equal(Enumerable.Range(0, 100), replies.Select(r => r.Index));
        Assert.All(replies, r => Assert.Equal(("tick", 64, 100), (r.Message, r.Payload.Length, r.Count)));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task ClientStream_ServerSeesEveryMessage(PeerKind server)
    {
        using var channel = GrpcChannel.ForAddress(peers.Get(server).Address);
        var echo = new Geo.Testing.Echo.Echo.EchoClient(channel);
        using var call = echo.ClientStream(Default);

        for (var i = 0; i < 10; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"m{i}", Payload = ByteString.CopyFrom(new byte[100]), ResponseSize = 16 }, CancellationToken.None);
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync;

        Assert.Equal("m0m1m2m3m4m5m6m7m8m9", reply.Message);
        Assert.Equal(10, reply.Count);
        Assert.Equal(16, reply.Payload.Length);
    }

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task Bidi_PingPong_EachReplyArrivesBeforeTheNextRequest(PeerKind server)
    {
        using var channel = GrpcChannel.ForAddress(peers.Get(server).Address);
        var echo = new Geo.Testing.Echo.Echo.EchoClient(channel);
        using var call = echo.Bidi(Default);

        for (var i = 0; i < 10; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"b{i}", ResponseSize = 8 }, CancellationToken.None);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(($"b{i}", i, 8), (call.ResponseStream.Current.Message, call.ResponseStream.Current.Index, call.ResponseStream.Current.Payload.Length));
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task Unary_DeadlineExpires_DeadlineExceededAndServerSawIt(PeerKind server)
    {
        var peer = peers.Get(server);
        using var channel = GrpcChannel.ForAddress(peer.Address);
        var echo = new Geo.Testing.Echo.Echo.EchoClient(channel);
        var message = $"slow-{Guid.NewGuid():N}";

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            echo.UnaryAsync(new EchoRequest { Message = message, DelayMs = 10_000 }, Within(TimeSpan.FromMilliseconds(300))).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        // Our grpc-timeout header reached the peer, which cancelled its handler.
        Assert.True(
            await peer.WaitForLineAsync(l => l == $"CANCELLED Unary {message}", ServerLogWait),
            $"the {server} server did not see the deadline of Unary {message}; it printed: [{string.Join(" | ", peer.Lines)}]");
    }

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task ServerStream_ClientCancelsMidway_CancelledAndServerSawIt(PeerKind server)
    {
        var peer = peers.Get(server);
        using var channel = GrpcChannel.ForAddress(peer.Address);
        var echo = new Geo.Testing.Echo.Echo.EchoClient(channel);
        var message = $"cancel-{Guid.NewGuid():N}";
        using var cancel = new CancellationTokenSource();
        using var call = echo.ServerStream(new StreamRequest { Message = message, Count = 1000, DelayMs = 20 }, Within(TimeSpan.FromSeconds(20), cancel: cancel.Token));

        for (var i = 0; i < 5; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        await cancel.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        // A cancel must reset the HTTP/2 stream (CallOptions.CancellationToken: "cancels the call
        // (RST_STREAM)"), not wait for the call to be disposed.
        Assert.True(
            await peer.WaitForLineAsync(l => l == $"CANCELLED ServerStream {message}", ServerLogWait),
            $"the {server} server did not see the cancel of ServerStream {message} while the call was still undisposed; it printed: [{string.Join(" | ", peer.Lines)}]");
        // The channel still serves after the cancel.
        Assert.Equal("after", (await echo.UnaryAsync(new EchoRequest { Message = "after" }, Default).ResponseAsync).Message);
    }

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task Metadata_AsciiAndBinary_EchoedAsHeadersAndTrailers(PeerKind server)
    {
        using var channel = GrpcChannel.ForAddress(peers.Get(server).Address);
        var echo = new Geo.Testing.Echo.Echo.EchoClient(channel);
        var headers = new Metadata();
        headers.Add("x-echo-ascii", ScenarioExpectations.AsciiValue);
        headers.Add("x-echo-data-bin", BinValue);
        headers.Add("x-echo-note-trailer", ScenarioExpectations.TrailerValue);
        headers.Add("x-echo-blob-trailer-bin", TrailerBinValue);
        headers.Add("x-not-echoed", "must not come back");
        using var call = echo.UnaryAsync(new EchoRequest { Message = "md" }, Within(TimeSpan.FromSeconds(20), headers));

        var responseHeaders = await call.ResponseHeadersAsync;
        var reply = await call.ResponseAsync;
        var trailers = call.GetTrailers();

        Assert.Equal("md", reply.Message);
        Assert.Equal(ScenarioExpectations.AsciiValue, responseHeaders.GetValue("x-echo-ascii"));
        Assert.Equal(BinValue, responseHeaders.GetValueBytes("x-echo-data-bin"));
        Assert.Equal(ScenarioExpectations.TrailerValue, trailers.GetValue("x-echo-note-trailer"));
        Assert.Equal(TrailerBinValue, trailers.GetValueBytes("x-echo-blob-trailer-bin"));
        Assert.Null(responseHeaders.Get("x-not-echoed"));
        Assert.Null(trailers.Get("x-not-echoed"));
        Assert.Null(responseHeaders.Get("x-echo-note-trailer"));
    }

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task Failure_NonAsciiMessage_NotFoundWithTheExactMessageAndTrailers(PeerKind server)
    {
        using var channel = GrpcChannel.ForAddress(peers.Get(server).Address);
        var echo = new Geo.Testing.Echo.Echo.EchoClient(channel);
        var headers = new Metadata();
        headers.Add("x-echo-note-trailer", ScenarioExpectations.TrailerValue);

        var error = await Assert.ThrowsAsync<RpcException>(() => echo.UnaryAsync(new EchoRequest { Message = "fail", FailWithStatus = 5, FailMessage = ScenarioExpectations.FailMessage }, Within(TimeSpan.FromSeconds(20), headers)).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(ScenarioExpectations.FailMessage, error.Status.Detail);
        Assert.Equal(ScenarioExpectations.TrailerValue, error.Trailers.GetValue("x-echo-note-trailer"));
    }

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task Gzip_CompressedRequestsAndResponses_RoundTrip(PeerKind server)
    {
        // This peer server compresses every response with gzip; our client compresses its requests.
        using var channel = GrpcChannel.ForAddress(peers.Get(server, gzip: true).Address);
        var echo = new Geo.Testing.Echo.Echo.EchoClient(channel);
        var payload = ByteString.CopyFromUtf8(string.Concat(Enumerable.Repeat("GeoAwareness gzip ", 4000)));

        var reply = await echo.UnaryAsync(new EchoRequest { Message = "zipped", Payload = payload, ResponseSize = 65536 }, Within(TimeSpan.FromSeconds(20), compress: true)).ResponseAsync;
        using var stream = echo.ServerStream(new StreamRequest { Message = "zs", Count = 20, PayloadSize = 10_000 }, Default);
        var received = 0;
        await foreach (var message in stream.ResponseStream.ReadAllAsync())
        {
            Assert.Equal((received, 10_000), (message.Index, message.Payload.Length));
            received++;
        }

        using var upload = echo.ClientStream(Within(TimeSpan.FromSeconds(20), compress: true));
        for (var i = 0; i < 5; i++)
        {
            await upload.RequestStream.WriteAsync(new EchoRequest { Message = $"z{i}", Payload = payload, ResponseSize = 30_000 }, CancellationToken.None);
        }

        await upload.RequestStream.CompleteAsync();
        var uploaded = await upload.ResponseAsync;

        Assert.Equal(("zipped", 65536), (reply.Message, reply.Payload.Length));
        Assert.Equal(20, received);
        Assert.Equal(("z0z1z2z3z4", 5, 30_000), (uploaded.Message, uploaded.Count, uploaded.Payload.Length));
    }

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task UnknownMethodAndService_Unimplemented(PeerKind server)
    {
        using var channel = GrpcChannel.ForAddress(peers.Get(server).Address);
        var echo = new Geo.Testing.Echo.Echo.EchoClient(channel);

        var method = await Assert.ThrowsAsync<RpcException>(() => new Missing.Echo.EchoClient(channel).NoSuchMethodAsync(new ProbeRequest { Message = "?" }, Default).ResponseAsync);
        var service = await Assert.ThrowsAsync<RpcException>(() => new NoSuchService.NoSuchServiceClient(channel).UnaryAsync(new ProbeRequest { Message = "?" }, Default).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, method.StatusCode);
        Assert.Equal(StatusCode.Unimplemented, service.StatusCode);
    }

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task Oversized_RequestOverFourMiB_ResourceExhausted(PeerKind server)
    {
        // Our client's own send limit is the gRPC default too; raise it so the peer's limit is what answers.
        using var channel = GrpcChannel.ForAddress(peers.Get(server).Address, new GrpcChannelOptions { MaxSendMessageSize = 16 * 1024 * 1024 });
        var echo = new Geo.Testing.Echo.Echo.EchoClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            echo.UnaryAsync(new EchoRequest { Message = "big", Payload = ByteString.CopyFrom(new byte[5 * 1024 * 1024]) }, Default).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("after", (await echo.UnaryAsync(new EchoRequest { Message = "after" }, Default).ResponseAsync).Message);
    }
}
