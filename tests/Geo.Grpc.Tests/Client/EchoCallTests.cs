using Grpc.Core;
using Grpc.Net.Client;
using Geo.Testing.Echo;
using Google.Protobuf;
using Xunit;

namespace Geo.Grpc.Tests.Client;

/// <summary>
/// The generated Echo client on Grpc.Net.Client against our service over a real socket: every call
/// shape and what travels with it, through the interceptors every API call passes.
/// </summary>
public sealed class EchoCallTests(EchoServerFixture server) : IClassFixture<EchoServerFixture>
{
    private Echo.EchoClient Client => server.Client;

    [Fact]
    public async Task Unary_Request_ReplyEchoesMessageAndPayloadSize()
    {
        var reply = await Client.UnaryAsync(new EchoRequest { Message = "hello", ResponseSize = 1000 }).ResponseAsync;

        Assert.Equal("hello", reply.Message);
        Assert.Equal(1000, reply.Payload.Length);
    }

    [Fact]
    public async Task ServerStream_CountReplies_AllArriveInOrderThenOk()
    {
        using var call = Client.ServerStream(new StreamRequest { Message = "s", Count = 25, PayloadSize = 100 });

        var indexes = new List<int>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            indexes.Add(reply.Index);
        }

        Assert.Equal(Enumerable.Range(0, 25), indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ServerStream_ZeroReplies_EndsOk()
    {
        using var call = Client.ServerStream(new StreamRequest { Count = 0 });

        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ClientStream_SeveralRequests_OneReplyWithAllOfThem()
    {
        using var call = Client.ClientStream();
        foreach (var part in new[] { "un", "deux", "trois" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = part }, CancellationToken.None);
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync;

        Assert.Equal("undeuxtrois", reply.Message);
        Assert.Equal(3, reply.Count);
    }

    [Fact]
    public async Task Bidi_PingPong_EachRequestAnsweredBeforeTheNext()
    {
        using var call = Client.Bidi();
        for (var i = 0; i < 10; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"m{i}", ResponseSize = i }, CancellationToken.None);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal($"m{i}", call.ResponseStream.Current.Message);
            Assert.Equal(i, call.ResponseStream.Current.Index);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_AsciiAndBinaryMetadata_EchoedInHeadersAndTrailers()
    {
        byte[] binary = [0, 1, 2, 250, 255];
        var headers = new Metadata
        {
            { "x-echo-text", "field team 7" },
            { "x-echo-blob-bin", binary },
            { "x-echo-text-trailer", "after" },
            { "x-echo-blob-trailer-bin", binary },
            { "x-not-echoed", "no" },
        };

        using var call = Client.UnaryAsync(new EchoRequest { Message = "md" }, new CallOptions(headers));
        var responseHeaders = await call.ResponseHeadersAsync;
        await call.ResponseAsync;
        var trailers = call.GetTrailers();

        Assert.Equal("field team 7", responseHeaders.GetValue("x-echo-text"));
        Assert.Equal(binary, responseHeaders.GetValueBytes("x-echo-blob-bin"));
        Assert.Null(responseHeaders.Get("x-not-echoed"));
        Assert.Null(responseHeaders.Get("x-echo-text-trailer"));
        Assert.Equal("after", trailers.GetValue("x-echo-text-trailer"));
        Assert.Equal(binary, trailers.GetValueBytes("x-echo-blob-trailer-bin"));
    }

    [Fact]
    public async Task Unary_HandlerRpcException_ClientGetsCodeDetailAndTrailers()
    {
        var options = new CallOptions(new Metadata { { "x-echo-why-trailer", "kept on error" } });

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.UnaryAsync(new EchoRequest { FailWithStatus = (int)StatusCode.InvalidArgument, FailMessage = "severity: 9 is not within 1–5" }, options).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("severity: 9 is not within 1–5", error.Status.Detail);
        Assert.Equal("kept on error", error.Trailers.GetValue("x-echo-why-trailer"));
    }

    [Fact]
    public async Task Unary_StatusMessageOf30000Characters_IsCutShortAndTheConnectionSurvives()
    {
        // Whole, it made trailers over the client's 64 KiB header limit: an HPACK error that ends
        // every call on the connection.
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.UnaryAsync(new EchoRequest { FailWithStatus = (int)StatusCode.InvalidArgument, FailMessage = "id: '" + new string('é', 30_000) }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("id: '" + new string('é', 995) + "...", error.Status.Detail);
        Assert.Equal("after", (await Client.UnaryAsync(new EchoRequest { Message = "after" }).ResponseAsync).Message);
    }

    [Fact]
    public async Task Unary_HandlerThrows_UnknownWithoutDetails()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.UnaryAsync(new EchoRequest { FailWithStatus = -1, FailMessage = "db password" }).ResponseAsync);

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Equal("Exception was thrown by handler.", error.Status.Detail);
    }

    [Fact]
    public async Task Unary_DeadlineExpires_DeadlineExceededAndHandlerObservedCancellation()
    {
        var message = $"deadline-{Guid.NewGuid()}";

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.UnaryAsync(new EchoRequest { Message = message, DelayMs = 60_000 }, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300))).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        // On a loaded machine the deadline may pass before the call is dispatched: then no handler
        // ever ran, which is as good. A handler that did run must have seen its token fire.
        var cancelled = server.CallLog.WaitForCancellationAsync(message, TimeSpan.FromSeconds(30));
        await cancelled.ContinueWith(_ => { }, TaskScheduler.Default);
        Assert.True(cancelled.IsCompletedSuccessfully || !server.CallLog.WasEntered(message), "the handler ran and did not see the deadline within 30 s");
    }

    [Fact]
    public async Task Unary_ClientCancels_CancelledAndHandlerStops()
    {
        var message = $"cancel-{Guid.NewGuid()}";
        using var cancel = new CancellationTokenSource();
        using var call = Client.UnaryAsync(new EchoRequest { Message = message, DelayMs = 60_000 }, new CallOptions(cancellationToken: cancel.Token));

        await call.ResponseHeadersAsync.WaitAsync(TimeSpan.FromMilliseconds(200)).ContinueWith(_ => { }, TaskScheduler.Default);
        await cancel.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await server.CallLog.WaitForCancellationAsync(message, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ServerStream_ClientDisposesMidStream_HandlerStops()
    {
        var message = $"stream-cancel-{Guid.NewGuid()}";
        using (var call = Client.ServerStream(new StreamRequest { Message = message, Count = 1000, DelayMs = 50 }))
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        await server.CallLog.WaitForCancellationAsync(message, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Unary_GzipBothWays_RoundTrips()
    {
        await using var gzipServer = await GrpcTestServer.StartAsync(server.Database.ConnectionString, ["--GeoAwareness:Grpc:CompressResponses=true"]);
        using var channel = GrpcChannel.ForAddress(gzipServer.GrpcEndpoint);
        using var raw = new Wire.RawGrpcClient(gzipServer.GrpcEndpoint);
        var payload = ByteString.CopyFrom(new byte[50_000]);

        var reply = await new Echo.EchoClient(channel).UnaryAsync(new EchoRequest { Message = "gz", Payload = payload, ResponseSize = 50_000 }, new CallOptions(new Metadata { { "grpc-internal-encoding-request", "gzip" } }));
        var onTheWire = await raw.PostAsync("/geoawareness.testing.v1.Echo/Unary", Wire.RawGrpcClient.Frame(new EchoRequest { ResponseSize = 50_000 }), ("grpc-accept-encoding", "identity,gzip"));
        var plain = await raw.PostAsync("/geoawareness.testing.v1.Echo/Unary", Wire.RawGrpcClient.Frame(new EchoRequest { ResponseSize = 50_000 }), ("grpc-accept-encoding", "identity"));

        Assert.Equal("gz", reply.Message);
        Assert.Equal(50_000, reply.Payload.Length);
        Assert.Equal("gzip", onTheWire.Headers["grpc-encoding"]);
        Assert.Equal(1, onTheWire.Body[0]);
        Assert.True(onTheWire.Body.Length < 1000);
        Assert.False(plain.Headers.ContainsKey("grpc-encoding"));
        Assert.Equal(0, plain.Body[0]);
    }

    [Fact]
    public async Task Unary_MessagesNearTheDefaultLimit_RoundTripBothWays()
    {
        await using var defaults = await GrpcTestServer.StartAsync(server.Database.ConnectionString);
        using var channel = GrpcChannel.ForAddress(defaults.GrpcEndpoint);
        var size = 4 * 1024 * 1024 - 1024;

        var reply = await new Echo.EchoClient(channel).UnaryAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[size]), ResponseSize = size });
        var bidi = new Echo.EchoClient(channel).Bidi();
        using (bidi)
        {
            for (var i = 0; i < 3; i++)
            {
                await bidi.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[size]), ResponseSize = size }, CancellationToken.None);
                Assert.True(await bidi.ResponseStream.MoveNext(CancellationToken.None));
                Assert.Equal(size, bidi.ResponseStream.Current.Payload.Length);
            }

            await bidi.RequestStream.CompleteAsync();
            Assert.False(await bidi.ResponseStream.MoveNext(CancellationToken.None));
        }

        Assert.Equal(size, reply.Payload.Length);
    }

    [Fact]
    public async Task Unary_RequestOverTheServerLimit_ResourceExhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.UnaryAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[EchoServerFixture.MaxReceiveMessageBytes + 10]) }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Unary_ReplyOverTheClientLimit_ResourceExhausted()
    {
        using var channel = GrpcChannel.ForAddress(server.Service.GrpcEndpoint, new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });

        var error = await Assert.ThrowsAsync<RpcException>(() => new Echo.EchoClient(channel).UnaryAsync(new EchoRequest { ResponseSize = 5000 }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task ServerStream_SlowReader_AllRepliesArriveIntact()
    {
        using var call = Client.ServerStream(new StreamRequest { Message = "slow", Count = 40, PayloadSize = 60_000 });

        var count = 0;
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            Assert.Equal(60_000, call.ResponseStream.Current.Payload.Length);
            if (count++ % 10 == 0)
            {
                await Task.Delay(50);
            }
        }

        Assert.Equal(40, count);
    }

    [Fact]
    public async Task Unary_ManyConcurrentCalls_AllAnswered()
    {
        var calls = Enumerable.Range(0, 300).Select(i => Client.UnaryAsync(new EchoRequest { Message = $"c{i}" }).ResponseAsync);

        var replies = await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"c{i}"), replies.Select(r => r.Message));
    }
}
