using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Geo.Api.V1;
using Geo.Grpc.Tests.Access;
using Geo.Grpc.Tests.Api;
using Geo.Testing;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Http;

/// <summary>
/// gRPC-Web on the HTTP/1.1 listener, from .NET's own gRPC-Web client (Grpc.Net.Client.Web's
/// GrpcWebHandler, binary and base64 text) and byte by byte: the read methods answer as they do
/// over gRPC, with the same permissions; the methods that change the record are not served; and
/// gRPC proper stays on the gRPC port.
/// </summary>
public sealed class GrpcWebTests(ApiFixture api) : IClassFixture<ApiFixture>, IDisposable
{
    /// <summary>
    /// Every method of geoawareness.v1 that changes the mission's record, named here rather than
    /// derived from the service's own rule, so that a new method is a decision, not an accident.
    /// Observations/Ingest (client streaming) is left out: gRPC-Web carries no client stream.
    /// </summary>
    private static readonly HashSet<string> Writes =
    [
        "/geoawareness.v1.Access/IssueToken", "/geoawareness.v1.Access/RevokeToken",
        "/geoawareness.v1.Observations/Submit", "/geoawareness.v1.Observations/Review", "/geoawareness.v1.Observations/Release",
        "/geoawareness.v1.Observations/RecordSource", "/geoawareness.v1.Referrals/Submit",
        "/geoawareness.v1.Observations/LinkEvent", "/geoawareness.v1.Observations/UnlinkEvent",
        "/geoawareness.v1.Registry/CreateCommunity", "/geoawareness.v1.Registry/UpdateCommunity",
        "/geoawareness.v1.Registry/CreateBase", "/geoawareness.v1.Registry/UpdateBase",
        "/geoawareness.v1.Registry/CreateDeployment", "/geoawareness.v1.Registry/UpdateDeployment",
        "/geoawareness.v1.Registry/PutSector", "/geoawareness.v1.Alerts/Respond", "/geoawareness.v1.Alerts/Close",
        // Webhooks are an administrator's tool, not the map's: no method of theirs over gRPC-Web.
        "/geoawareness.v1.Webhooks/CreateWebhook", "/geoawareness.v1.Webhooks/GetWebhook", "/geoawareness.v1.Webhooks/ListWebhooks",
        "/geoawareness.v1.Webhooks/PauseWebhook", "/geoawareness.v1.Webhooks/ResumeWebhook", "/geoawareness.v1.Webhooks/RotateWebhookSecret",
        "/geoawareness.v1.Webhooks/DeleteWebhook", "/geoawareness.v1.Webhooks/ListDeliveries",
        "/geoawareness.v1.CivilianPicture/PutAdminArea", "/geoawareness.v1.CivilianPicture/CreateOrganisation", "/geoawareness.v1.CivilianPicture/UpdateOrganisation",
        "/geoawareness.v1.CivilianPicture/CreatePresence", "/geoawareness.v1.CivilianPicture/UpdatePresence", "/geoawareness.v1.CivilianPicture/ImportPresence",
        "/geoawareness.v1.CivilianPicture/CreateFacility", "/geoawareness.v1.CivilianPicture/UpdateFacility", "/geoawareness.v1.CivilianPicture/ImportFacilities",
        "/geoawareness.v1.CivilianPicture/CreateQip", "/geoawareness.v1.CivilianPicture/AdvanceQip",
        "/geoawareness.v1.CivilianPicture/CreateAssistanceRequest", "/geoawareness.v1.CivilianPicture/AdvanceAssistanceRequest",
        "/geoawareness.v1.CivilianPicture/UpdateQip", "/geoawareness.v1.CivilianPicture/UpdateAssistanceRequest",
        // Planned operations are confidential: no method of theirs over gRPC-Web.
        "/geoawareness.v1.Operations/CreateOperation", "/geoawareness.v1.Operations/UpdateOperation", "/geoawareness.v1.Operations/GetOperation",
        "/geoawareness.v1.Operations/ListOperations", "/geoawareness.v1.Operations/CheckOperation", "/geoawareness.v1.Operations/ClearOperation",
        "/geoawareness.v1.Operations/AdvanceNotice", "/geoawareness.v1.Operations/RecordNotice", "/geoawareness.v1.Operations/SummarizeNotices",
        // Saved plans say where the mission means to be and may name CLAs: gRPC only, as planned operations.
        "/geoawareness.v1.Plans/SavePlan", "/geoawareness.v1.Plans/GetPlan", "/geoawareness.v1.Plans/ListPlans",
        "/geoawareness.v1.Plans/DeletePlan", "/geoawareness.v1.Plans/ComparePlans", "/geoawareness.v1.Plans/ExportPlan",
    ];

    /// <summary>
    /// What Grpc.AspNetCore answers a gRPC-Web call to a method without gRPC-Web (HTTP 415, INTERNAL):
    /// the gRPC-Web middleware leaves it alone, and its content type is not gRPC's.
    /// </summary>
    private static string NotServedDetail(string contentType) => $"Content-Type '{contentType}' is not supported.";

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, UseCookies = false })
    {
        DefaultRequestVersion = HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task WhoAmI_OverGrpcWebOnTheHttpPort_AnswersAsOverGrpc(GrpcWebMode mode)
    {
        using var channel = WebChannel(mode, api.TokenOf(Role.Analyst));

        var web = await new Geo.Api.V1.Access.AccessClient(channel).WhoAmIAsync(new WhoAmIRequest());
        var native = await api.As(Role.Analyst).Access.WhoAmIAsync(new WhoAmIRequest());

        Assert.Equal(SubjectOf(Role.Analyst), web.Subject);
        Assert.Equal(Geo.Api.V1.Role.Analyst, web.Role);
        Assert.Equal(native, web);
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task Count_OverGrpcWebOnTheHttpPort_CountsAsOverGrpc(GrpcWebMode mode)
    {
        await SeedAsync();
        using var channel = WebChannel(mode, api.TokenOf(Role.Supervisor));
        var filter = SeededArea();

        var web = await new Geo.Api.V1.Observations.ObservationsClient(channel).CountAsync(filter);
        var native = await api.As(Role.Supervisor).Observations.CountAsync(filter);

        Assert.Equal(Seeded, web.Observations);
        Assert.Equal(native, web);
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task Query_ServerStreamingOverGrpcWeb_DeliversEveryPage(GrpcWebMode mode)
    {
        await SeedAsync();
        using var channel = WebChannel(mode, api.TokenOf(Role.Supervisor));

        var pages = await AccessCalls.ReadAllAsync(new Geo.Api.V1.Observations.ObservationsClient(channel).Query(
            new QueryObservationsRequest { Filter = SeededArea(), PageSize = 2 }));

        Assert.True(pages.Count >= 3, $"{pages.Count} pages of 2 for {Seeded} observations");
        Assert.Equal(
            Enumerable.Range(0, Seeded).Select(i => IdOf($"gw-{i}")).Order(StringComparer.Ordinal),
            pages.SelectMany(p => p.Observations).Select(o => o.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task HealthCheck_OverGrpcWeb_Serving()
    {
        using var channel = WebChannel(GrpcWebMode.GrpcWeb, token: null);

        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task EveryApiMethod_OverGrpcWebWithoutAToken_ReadsRefusedAsUnauthenticatedWritesNotServed()
    {
        using var channel = WebChannel(GrpcWebMode.GrpcWeb, token: null);
        var invoker = channel.CreateCallInvoker();
        var methods = ServedMethods.Of(api.Service)
            .Where(m => m.Service.File.Package == "geoawareness.v1" && !m.IsClientStreaming)
            .ToList();
        Assert.True(methods.Count >= 40, $"only {methods.Count} methods");
        Assert.Subset(methods.Select(ServedMethods.PathOf).ToHashSet(StringComparer.Ordinal), Writes);

        var wrong = new List<string>();
        foreach (var method in methods)
        {
            var path = ServedMethods.PathOf(method);
            var status = await AccessCalls.StatusOfAsync(invoker, method);
            var expected = Writes.Contains(path) ? (StatusCode.Internal, NotServedDetail("application/grpc-web")) : (StatusCode.Unauthenticated, (string?)null);
            if (status.StatusCode != expected.Item1 || (expected.Item2 is { } detail && status.Detail != detail))
            {
                wrong.Add($"{path}: {status.StatusCode} {status.Detail}");
            }
        }

        Assert.True(wrong.Count == 0, "over gRPC-Web without a token:\n" + string.Join('\n', wrong));
    }

    [Fact]
    public async Task CreateCommunity_OverGrpcWebWithAPlannerToken_NotServedAndNothingStored()
    {
        using var channel = WebChannel(GrpcWebMode.GrpcWeb, api.TokenOf(Role.Planner));
        var community = new Community
        {
            Id = "gw-community", Name = "Village gw", RiskLevel = RiskLevel.High, Location = new Shape { Wkt = "POINT(29.2 -1.7)" },
        };

        var detail = await FailsWith(StatusCode.Internal, () => new Registry.RegistryClient(channel).CreateCommunityAsync(community).ResponseAsync);

        Assert.Equal(NotServedDetail("application/grpc-web"), detail);
        await FailsWith(StatusCode.NotFound, () => api.As(Role.Planner).Registry.GetCommunityAsync(new GetByIdRequest { Id = "gw-community" }).ResponseAsync);
        // The same planner over gRPC proper may: the refusal is gRPC-Web's, not the role's.
        await api.As(Role.Planner).Registry.CreateCommunityAsync(community);
    }

    [Fact]
    public async Task Submit_OverGrpcWebBytes_Http415WithTheStatusInItsHeadersAndNothingStored()
    {
        var request = new SubmitObservationsRequest { Observations = { NewObservation("gw-submitted") } };

        using var response = await PostAsync("/geoawareness.v1.Observations/Submit", request, api.TokenOf(Role.Supervisor));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("13", Header(response, "grpc-status"));
        Assert.Equal(NotServedDetail("application/grpc-web+proto"), Uri.UnescapeDataString(Header(response, "grpc-message")!));
        Assert.Equal(0L, await api.Database.ScalarAsync<long>($"SELECT count(*) FROM observations WHERE id = '{IdOf("gw-submitted")}'"));
    }

    [Theory]
    [InlineData("planner", StatusCode.PermissionDenied)]
    [InlineData("no token", StatusCode.Unauthenticated)]
    [InlineData("unknown token", StatusCode.Unauthenticated)]
    [InlineData("revoked token", StatusCode.Unauthenticated)]
    public async Task Count_OverGrpcWeb_TheCallersPermissionsStillApply(string who, StatusCode expected)
    {
        var token = who switch
        {
            "planner" => api.TokenOf(Role.Planner),
            "no token" => null,
            "unknown token" => "gat_not-a-token",
            _ => await RevokedSupervisorTokenAsync(),
        };
        using var channel = WebChannel(GrpcWebMode.GrpcWebText, token);

        await FailsWith(expected, () => new Geo.Api.V1.Observations.ObservationsClient(channel).CountAsync(SeededArea()).ResponseAsync);
    }

    /// <summary>What the map page's hand-written client relies on, byte by byte.</summary>
    [Fact]
    public async Task WhoAmI_GrpcWebBytes_OneDataFrameThenATrailerFrameWithStatusZero()
    {
        using var response = await PostAsync("/geoawareness.v1.Access/WhoAmI", new WhoAmIRequest(), api.TokenOf(Role.Planner));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/grpc-web", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        Assert.Null(Header(response, "grpc-status"));
        Assert.Equal(0x00, body[0]);
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1));
        Assert.Equal(SubjectOf(Role.Planner), TokenInfo.Parser.ParseFrom(body, 5, length).Subject);
        var trailer = body.AsSpan(5 + length);
        Assert.Equal(0x80, trailer[0]);
        Assert.Equal(trailer.Length - 5, (int)BinaryPrimitives.ReadUInt32BigEndian(trailer[1..]));
        var trailers = Encoding.ASCII.GetString(trailer[5..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim(), StringComparer.Ordinal);
        Assert.Equal("0", trailers["grpc-status"]);
    }

    /// <summary>An early refusal is trailers-only: the status in the response's headers, and no frame at all.</summary>
    [Fact]
    public async Task WhoAmI_GrpcWebBytesWithAnUnknownToken_TrailersOnlyUnauthenticatedInTheHeaders()
    {
        using var response = await PostAsync("/geoawareness.v1.Access/WhoAmI", new WhoAmIRequest(), "gat_not-a-token");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(((int)StatusCode.Unauthenticated).ToString(System.Globalization.CultureInfo.InvariantCulture), Header(response, "grpc-status"));
        Assert.False(string.IsNullOrEmpty(Header(response, "grpc-message")));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task WhoAmI_NativeGrpcOverHttp11OnTheHttpPort_Http426NotServed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api.Service.HttpEndpoint, "/geoawareness.v1.Access/WhoAmI"))
        {
            Content = new ByteArrayContent(Frame(new WhoAmIRequest())),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.TokenOf(Role.Planner));

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal("13", Header(response, "grpc-status"));
        Assert.Equal("Request protocol 'HTTP/1.1' is not supported.", Uri.UnescapeDataString(Header(response, "grpc-message")!));
    }

    [Fact]
    public async Task WhoAmI_GrpcChannelAtTheHttpPort_FailsForItSpeaksOnlyHttp11()
    {
        using var client = new Geo.Api.GeoAwarenessClient(api.Service.HttpEndpoint, api.TokenOf(Role.Planner));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.Access.WhoAmIAsync(new WhoAmIRequest(), deadline: DateTime.UtcNow.AddSeconds(20)));

        // The listener takes the HTTP/2 preface for a bad HTTP/1.1 request and closes the connection;
        // Grpc.Net.Client reports the failed connection as INTERNAL, with the HttpRequestException.
        Assert.True(error.StatusCode == StatusCode.Internal && error.Status.DebugException is HttpRequestException, error.ToString());
    }

    // ---- helpers ----

    private const int Seeded = 5;

    /// <summary>Five observations at one spot that nothing else in this class's database is near.</summary>
    private async Task SeedAsync() =>
        await api.SubmitAsync([.. Enumerable.Range(0, Seeded).Select(i => NewObservation($"gw-{i}", 29.31, -1.61))]);

    private static ObservationFilter SeededArea() => new()
    {
        Area = new Area { Bbox = new BoundingBox { West = 29.3, South = -1.62, East = 29.32, North = -1.6 } },
    };

    private async Task<string> RevokedSupervisorTokenAsync()
    {
        var token = await TestTokens.IssueAsync(api.Database.DataSource, Role.Supervisor, "gw-revoked-" + Guid.NewGuid().ToString("N")[..8]);
        await api.As(Role.Administrator).Access.RevokeTokenAsync(new RevokeTokenRequest { Id = TestTokens.IdOf(token) });
        return token;
    }

    /// <summary>A channel to the HTTP/1.1 listener through GrpcWebHandler, the token (if any) on every call.</summary>
    private GrpcChannel WebChannel(GrpcWebMode mode, string? token)
    {
        var handler = new GrpcWebHandler(mode, new SocketsHttpHandler { UseProxy = false, UseCookies = false });
        var credentials = token is null
            ? ChannelCredentials.Insecure
            : ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", $"Bearer {token}");
                return Task.CompletedTask;
            }));
        return GrpcChannel.ForAddress(api.Service.HttpEndpoint, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            // HTTP/1.1 exactly, as a browser on the HTTP port speaks it (never upgraded to HTTP/2).
            HttpVersion = HttpVersion.Version11,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Credentials = credentials,
            UnsafeUseInsecureChannelCallCredentials = true,
        });
    }

    /// <summary>One gRPC-Web call written by hand: POST, application/grpc-web+proto, the message in one frame.</summary>
    private async Task<HttpResponseMessage> PostAsync(string path, IMessage message, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api.Service.HttpEndpoint, path)) { Content = new ByteArrayContent(Frame(message)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc-web+proto");
        request.Headers.TryAddWithoutValidation("x-grpc-web", "1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request);
    }

    private static byte[] Frame(IMessage message)
    {
        var bytes = message.ToByteArray();
        var framed = new byte[5 + bytes.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)bytes.Length);
        bytes.CopyTo(framed, 5);
        return framed;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
}
