using System.Net;
using Grpc.Core;
using Geo.Testing.Echo;
using Google.Protobuf;
using Xunit;

namespace Geo.Grpc.Tests.Wire;

/// <summary>The server as a standard gRPC client sees it, byte for byte, through a plain HTTP/2 client.</summary>
public sealed class ServerWireTests : IClassFixture<EchoServerFixture>, IDisposable
{
    private const string UnaryPath = "/geoawareness.testing.v1.Echo/Unary";
    private const string ClientStreamPath = "/geoawareness.testing.v1.Echo/ClientStream";
    private readonly EchoServerFixture _server;
    private readonly RawGrpcClient _raw;

    public ServerWireTests(EchoServerFixture server)
    {
        _server = server;
        _raw = new RawGrpcClient(server.Service.GrpcEndpoint);
    }

    public void Dispose() => _raw.Dispose();

    [Fact]
    public async Task Unary_WellFormed_RepliesWithHeadersMessageAndTrailers()
    {
        var response = await _raw.PostAsync(UnaryPath, RawGrpcClient.Frame(new EchoRequest { Message = "hello", ResponseSize = 3 }));

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal("application/grpc", response.Headers["content-type"]);
        Assert.Equal(0, response.GrpcStatus);
        Assert.True(response.Trailers.ContainsKey("grpc-status"));
        var reply = EchoReply.Parser.ParseFrom(Assert.Single(response.Messages()));
        Assert.Equal("hello", reply.Message);
        Assert.Equal(3, reply.Payload.Length);
    }

    [Fact]
    public async Task Unary_MessageSplitAcrossManyFrames_IsReassembled()
    {
        var frame = RawGrpcClient.Frame(new EchoRequest { Message = new string('x', 5000), Payload = ByteString.CopyFrom(new byte[20_000]) });
        var chunks = frame.Chunk(997).ToList();
        // The length prefix itself split too: one byte, then the rest.
        chunks.Insert(0, [chunks[0][0]]);
        chunks[1] = chunks[1][1..];

        var response = await _raw.PostAsync(UnaryPath, new ChunkedContent(chunks));

        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal(5000, EchoReply.Parser.ParseFrom(Assert.Single(response.Messages())).Message.Length);
    }

    [Fact]
    public async Task ClientStream_SeveralMessagesInOneWrite_AllRead()
    {
        byte[] body = [.. RawGrpcClient.Frame(new EchoRequest { Message = "a" }), .. RawGrpcClient.Frame(new EchoRequest { Message = "b" }), .. RawGrpcClient.Frame(new EchoRequest()), .. RawGrpcClient.Frame(new EchoRequest { Message = "c" })];

        var response = await _raw.PostAsync(ClientStreamPath, body);

        Assert.Equal(0, response.GrpcStatus);
        var reply = EchoReply.Parser.ParseFrom(Assert.Single(response.Messages()));
        Assert.Equal("abc", reply.Message);
        Assert.Equal(4, reply.Count);
    }

    [Theory]
    [InlineData("/geoawareness.testing.v1.Nope/Unary", "Service is unimplemented.")]
    [InlineData("/geoawareness.testing.v1.Echo/Nope", "Method is unimplemented.")]
    public async Task Call_UnknownServiceOrMethod_TrailersOnlyUnimplemented(string path, string message)
    {
        var response = await _raw.PostAsync(path, RawGrpcClient.Frame(new EchoRequest()));

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.True(response.IsTrailersOnly);
        Assert.Equal((int)StatusCode.Unimplemented, response.GrpcStatus);
        Assert.Equal(message, response.GrpcMessage);
        await AssertStillServesAsync();
    }

    /// <summary>A path that is no method at all is not a gRPC call: HTTP 404 (Grpc.AspNetCore; ours answered UNIMPLEMENTED).</summary>
    [Fact]
    public async Task Call_PathOfNoMethod_Http404()
    {
        var response = await _raw.PostAsync("/", RawGrpcClient.Frame(new EchoRequest()));

        Assert.Equal(HttpStatusCode.NotFound, response.HttpStatus);
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    public async Task Call_NotGrpcContentType_Http415(string contentType)
    {
        var response = await _raw.PostAsync(UnaryPath, RawGrpcClient.Frame(new EchoRequest()), ("content-type", contentType));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.HttpStatus);
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("application/grpc+proto")]
    [InlineData("application/grpc; charset=utf-8")]
    public async Task Call_GrpcContentTypeVariants_Accepted(string contentType)
    {
        var response = await _raw.PostAsync(UnaryPath, RawGrpcClient.Frame(new EchoRequest { Message = "v" }), ("content-type", contentType));

        Assert.Equal(0, response.GrpcStatus);
    }

    public static TheoryData<string, byte[]> MalformedBodies() => new()
    {
        { "truncated length prefix", [0, 0, 0] },
        { "length larger than the body", [0, 0, 0, 0, 50, 1, 2, 3] },
        { "compressed flag without grpc-encoding", RawGrpcClient.Frame(new EchoRequest { Message = "z" }, flag: 1) },
        { "garbage protobuf", RawGrpcClient.Frame([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) },
        { "no message at all", [] },
        { "two messages to a unary method", [.. RawGrpcClient.Frame(new EchoRequest()), .. RawGrpcClient.Frame(new EchoRequest())] },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Unary_MalformedBody_InternalThenStillServes(string because, byte[] body)
    {
        var response = await _raw.PostAsync(UnaryPath, body);

        Assert.True((int)StatusCode.Internal == response.GrpcStatus, $"{because}: got {response.GrpcStatus} {response.GrpcMessage}");
        Assert.True(response.IsTrailersOnly, because);
        await AssertStillServesAsync();
    }

    /// <summary>A compressed flag of neither 0 nor 1: Grpc.AspNetCore answers UNKNOWN (ours said INTERNAL), and serves on.</summary>
    [Fact]
    public async Task Unary_FlagNeitherZeroNorOne_UnknownWithoutDetailThenStillServes()
    {
        var response = await _raw.PostAsync(UnaryPath, RawGrpcClient.Frame(new EchoRequest(), flag: 7));

        Assert.Equal((int)StatusCode.Unknown, response.GrpcStatus);
        Assert.Equal("Exception was thrown by handler.", response.GrpcMessage);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Unary_MessageOverTheLimit_ResourceExhaustedBeforeTheBodyArrives()
    {
        var body = RawGrpcClient.Frame(new EchoRequest { Payload = ByteString.CopyFrom(new byte[EchoServerFixture.MaxReceiveMessageBytes + 1]) });

        var response = await _raw.PostAsync(UnaryPath, body);

        Assert.Equal((int)StatusCode.ResourceExhausted, response.GrpcStatus);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Unary_GzipBombOverTheLimit_ResourceExhausted()
    {
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[EchoServerFixture.MaxReceiveMessageBytes * 4]) };
        var compressed = Gzip(request.ToByteArray());
        Assert.True(compressed.Length < EchoServerFixture.MaxReceiveMessageBytes);

        var response = await _raw.PostAsync(UnaryPath, RawGrpcClient.Frame(compressed, flag: 1), ("grpc-encoding", "gzip"));

        Assert.Equal((int)StatusCode.ResourceExhausted, response.GrpcStatus);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Unary_UnknownRequestEncoding_UnimplementedListingAcceptedEncodings()
    {
        // Grpc.AspNetCore looks at grpc-encoding only for a message flagged compressed.
        var response = await _raw.PostAsync(UnaryPath, RawGrpcClient.Frame(new EchoRequest { Message = "s" }, flag: 1), ("grpc-encoding", "snappy"));

        Assert.Equal((int)StatusCode.Unimplemented, response.GrpcStatus);
        Assert.Contains("gzip", response.Headers["grpc-accept-encoding"], StringComparison.Ordinal);
        Assert.True(response.IsTrailersOnly);
    }

    [Fact]
    public async Task Unary_GzipRequestAndAcceptGzip_ServerDecompresses()
    {
        var compressed = Gzip(new EchoRequest { Message = "squeezed" }.ToByteArray());

        var response = await _raw.PostAsync(UnaryPath, RawGrpcClient.Frame(compressed, flag: 1), ("grpc-encoding", "gzip"), ("grpc-accept-encoding", "gzip"));

        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal("squeezed", EchoReply.Parser.ParseFrom(Assert.Single(response.Messages())).Message);
    }

    [Fact]
    public async Task Unary_HandlerStatusWithNonAscii_GrpcMessagePercentEncodedOnTheWire()
    {
        var request = new EchoRequest { FailWithStatus = (int)StatusCode.InvalidArgument, FailMessage = "location: Abéché – 100% outside" };

        var response = await _raw.PostAsync(UnaryPath, RawGrpcClient.Frame(request));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal((int)StatusCode.InvalidArgument, response.GrpcStatus);
        Assert.Equal("location: Ab%C3%A9ch%C3%A9 %E2%80%93 100%25 outside", response.GrpcMessage);
    }

    [Fact]
    public async Task Unary_HandlerThrows_UnknownWithoutStackTrace()
    {
        var request = new EchoRequest { FailWithStatus = -1, FailMessage = "secret internals" };

        var response = await _raw.PostAsync(UnaryPath, RawGrpcClient.Frame(request));

        Assert.Equal((int)StatusCode.Unknown, response.GrpcStatus);
        Assert.Equal("Exception was thrown by handler.", response.GrpcMessage);
        Assert.DoesNotContain("secret", string.Join(' ', response.Headers.Values), StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", string.Join(' ', response.Headers.Values), StringComparison.Ordinal);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Unary_GrpcTimeoutExpires_DeadlineExceededAndHandlerCancelled()
    {
        var request = new EchoRequest { Message = $"server-deadline-{Guid.NewGuid()}", DelayMs = 60_000 };

        var response = await _raw.PostAsync(UnaryPath, RawGrpcClient.Frame(request), ("grpc-timeout", "200m"));

        Assert.Equal((int)StatusCode.DeadlineExceeded, response.GrpcStatus);
        await _server.CallLog.WaitForCancellationAsync(request.Message, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Unary_UnreadableGrpcTimeout_IgnoredAndServed()
    {
        var response = await _raw.PostAsync(UnaryPath, RawGrpcClient.Frame(new EchoRequest { Message = "t" }), ("grpc-timeout", "soon"));

        Assert.Equal(0, response.GrpcStatus);
    }

    [Fact]
    public async Task Unary_BinaryMetadataUnpaddedAndPadded_EchoedBase64()
    {
        var response = await _raw.PostAsync(
            UnaryPath,
            RawGrpcClient.Frame(new EchoRequest()),
            ("x-echo-a-bin", "AQID"),
            ("x-echo-b-bin", "AQ"),
            ("x-echo-c-bin", "AQ=="),
            ("x-echo-text", "plain"));

        Assert.Equal("AQID", response.Headers["x-echo-a-bin"]);
        // Read unpadded or padded; Grpc.AspNetCore writes them padded.
        Assert.Equal("AQ==", response.Headers["x-echo-b-bin"]);
        Assert.Equal("AQ==", response.Headers["x-echo-c-bin"]);
        Assert.Equal("plain", response.Headers["x-echo-text"]);
    }

    [Fact]
    public async Task Get_OnGrpcPort_NotDispatched()
    {
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await http.GetAsync(new Uri(_server.Service.GrpcEndpoint, UnaryPath));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Optimal))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private async Task AssertStillServesAsync()
    {
        var response = await _raw.PostAsync(UnaryPath, RawGrpcClient.Frame(new EchoRequest { Message = "still here" }));
        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal("still here", EchoReply.Parser.ParseFrom(Assert.Single(response.Messages())).Message);
    }
}
