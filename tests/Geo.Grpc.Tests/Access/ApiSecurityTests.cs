using System.Net;
using System.Net.Http.Headers;
using Geo.Api.V1;
using Geo.Api;
using Geo.Grpc.Hosting;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Geo.Testing;
using Geo.Testing.Echo;
using Google.Protobuf;
using Grpc.Health.V1;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;
using ReflectionV1 = Grpc.Reflection.V1;

namespace Geo.Grpc.Tests.Access;

/// <summary>
/// OWASP API Security Top 10 (2023) items not covered elsewhere: unrestricted resource
/// consumption (API4: a rate per token), security misconfiguration (API8: reflection and health
/// closed unless configured open) and object property level authorisation (API3: no source data
/// in observations, contact details only for the addressed section).
/// </summary>
public sealed class ApiSecurityTests : IClassFixture<ApiFixture>, IClassFixture<ApiSecurityTests.LockedDownServer>
{
    private readonly ApiFixture _api;
    private readonly LockedDownServer _locked;

    public ApiSecurityTests(ApiFixture api, LockedDownServer locked)
    {
        _api = api;
        _locked = locked;
    }

    /// <summary>A server with reflection and health closed, and a low rate per token: 2 calls a second, bursts of 5.</summary>
    public sealed class LockedDownServer : IAsyncLifetime
    {
        public PostgisDatabase Database { get; } = new();

        public GeoAwarenessService Service { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await Database.InitializeAsync();
            Service = await GrpcTestServer.StartAsync(Database.ConnectionString,
            [
                "--GeoAwareness:Auth:OpenReflection=false",
                "--GeoAwareness:Auth:OpenHealth=false",
                "--GeoAwareness:Auth:RequestsPerSecondPerToken=2",
                "--GeoAwareness:Auth:BurstPerToken=5",
            ]);
        }

        public async Task DisposeAsync()
        {
            await Service.DisposeAsync();
            await Database.DisposeAsync();
        }

        public Task<string> TokenAsync(Role role, string subject) => TestTokens.IssueAsync(Database.DataSource, role, subject);
    }


    [Fact]
    public async Task RateLimit_TokenAboveItsBurst_IsResourceExhaustedAndOtherTokensAreNot()
    {
        using var greedy = AccessCalls.ChannelWith(_locked.Service.GrpcEndpoint, await _locked.TokenAsync(Role.Analyst, "greedy-analyst"));
        using var patient = AccessCalls.ChannelWith(_locked.Service.GrpcEndpoint, await _locked.TokenAsync(Role.Analyst, "patient-analyst"));
        var outcomes = new List<StatusCode>();
        for (var i = 0; i < 20; i++)
        {
            outcomes.Add((await AccessCalls.StatusOfAsync(greedy, Geo.Api.V1.Access.Descriptor.FindMethodByName("WhoAmI"))).StatusCode);
        }

        var other = await patient.Access.WhoAmIAsync(new WhoAmIRequest()).ResponseAsync;

        Assert.Equal(StatusCode.OK, outcomes[0]);
        Assert.Contains(StatusCode.ResourceExhausted, outcomes);
        Assert.All(outcomes, code => Assert.True(code is StatusCode.OK or StatusCode.ResourceExhausted, code.ToString()));
        Assert.InRange(outcomes.Count(code => code == StatusCode.OK), 5, 10);
        Assert.Equal("patient-analyst", other.Subject);
    }

    [Fact]
    public async Task RateLimit_Exhausted_NamesTheLimit()
    {
        using var greedy = AccessCalls.ChannelWith(_locked.Service.GrpcEndpoint, await _locked.TokenAsync(Role.Analyst, "greedy-analyst-2"));
        Status last = default;
        for (var i = 0; i < 20 && last.StatusCode != StatusCode.ResourceExhausted; i++)
        {
            last = await AccessCalls.StatusOfAsync(greedy, Geo.Api.V1.Access.Descriptor.FindMethodByName("WhoAmI"));
        }

        AccessCalls.Equal(StatusCode.ResourceExhausted, last);
        Assert.Equal("this token made more than 2 calls per second; slow down and retry", last.Detail);
    }

    [Fact]
    public async Task Reflection_ClosedWithoutAToken_IsUnauthenticated()
    {
        using var anonymous = AccessCalls.ChannelWith(_locked.Service.GrpcEndpoint, null);
        using var authorised = AccessCalls.ChannelWith(_locked.Service.GrpcEndpoint, await _locked.TokenAsync(Role.Cla, "reflecting-cla"));
        var info = ReflectionV1.ReflectionReflection.Descriptor.Services[0].Methods[0];
        var request = new ReflectionV1.ServerReflectionRequest { ListServices = "*" };

        AccessCalls.Equal(StatusCode.Unauthenticated, await AccessCalls.StatusOfAsync(anonymous, info, request));
        AccessCalls.Equal(StatusCode.OK, await AccessCalls.StatusOfAsync(authorised, info, request));
    }

    [Fact]
    public async Task Reflection_OpenInTheTestServer_AnswersWithoutAToken()
    {
        using var anonymous = AccessCalls.ChannelWith(_api.Service.GrpcEndpoint, null);
        var info = ReflectionV1.ReflectionReflection.Descriptor.Services[0].Methods[0];

        AccessCalls.Equal(StatusCode.OK, await AccessCalls.StatusOfAsync(anonymous, info, new ReflectionV1.ServerReflectionRequest { ListServices = "*" }));
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task HealthHttp_ClosedWithoutAToken_Is401AndOpensWithOne(string path)
    {
        var token = await _locked.TokenAsync(Role.Importer, "health-prober-" + path.Length);
        using var http = new HttpClient();

        using var anonymous = await http.GetAsync(new Uri(_locked.Service.HttpEndpoint, path));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_locked.Service.HttpEndpoint, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var authorised = await http.SendAsync(request);
        using var forged = new HttpRequestMessage(HttpMethod.Get, new Uri(_locked.Service.HttpEndpoint, path));
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token[..^2] + "xx");
        using var refused = await http.SendAsync(forged);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authorised.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task HealthHttp_Open_Answers200WithoutAToken(string path)
    {
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(_api.Service.HttpEndpoint, path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HealthGrpc_ClosedWithoutAToken_IsUnauthenticated()
    {
        using var anonymous = AccessCalls.ChannelWith(_locked.Service.GrpcEndpoint, null);
        var check = HealthReflection.Descriptor.Services[0].FindMethodByName("Check");

        AccessCalls.Equal(StatusCode.Unauthenticated, await AccessCalls.StatusOfAsync(anonymous, check, new HealthCheckRequest()));
    }

    [Fact]
    public void ObservationMessage_HasNoFieldForSourceData()
    {
        var fields = Observation.Descriptor.Fields.InDeclarationOrder().Select(f => f.Name).ToList();

        Assert.DoesNotContain(fields, f => f.Contains("source", StringComparison.Ordinal) || f.Contains("contact", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ObservationResponses_NeverCarryTheirSources()
    {
        const string Contact = "secret-contact-5b1f";
        const string Description = "secret-informant-9c2e";
        await _api.SubmitAsync(NewObservation("owasp-source-1"));
        await _api.As(Role.Supervisor).Observations.RecordSourceAsync(new Source { ClientId = "owasp-src-1", ObservationId = IdOf("owasp-source-1"), Kind = SourceKind.CommunityMember, Description = Description, Contact = Contact }).ResponseAsync;

        var got = await _api.As(Role.Supervisor).Observations.GetAsync(new GetObservationRequest { Id = IdOf("owasp-source-1") }).ResponseAsync;
        var pages = await _api.QueryPagesAsync(new ObservationFilter());
        var reviewed = await _api.As(Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf("owasp-source-1"), Verification = VerificationStatus.Verified }).ResponseAsync;
        var history = await _api.As(Role.Supervisor).Observations.GetHistoryAsync(new GetObservationRequest { Id = IdOf("owasp-source-1") }).ResponseAsync;

        Assert.Contains(pages.SelectMany(p => p.Observations), o => o.Id == IdOf("owasp-source-1"));
        foreach (IMessage response in new IMessage[] { got, reviewed, history }.Concat(pages))
        {
            var bytes = response.ToByteString().ToStringUtf8();
            Assert.DoesNotContain(Contact, bytes, StringComparison.Ordinal);
            Assert.DoesNotContain(Description, bytes, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ReferralsList_CarriesContactDetailsOnlyForTheTokensOwnSection()
    {
        await _api.As(Role.Cla).Referrals.SubmitAsync(new Referral { ClientId = "owasp-ref-women", Section = ReferralSection.WomenProtection, ContactDetails = "women-contact-1" }).ResponseAsync;
        await _api.As(Role.Cla).Referrals.SubmitAsync(new Referral { ClientId = "owasp-ref-child", Section = ReferralSection.ChildProtection, ContactDetails = "child-contact-1" }).ResponseAsync;

        var own = await AccessCalls.ReadAllAsync(_api.As(Role.ReferralSection).Referrals.List(new ListReferralsRequest { Section = ReferralSection.WomenProtection }));
        var other = await AccessCalls.StatusOfAsync(_api.As(Role.ReferralSection), Referrals.Descriptor.FindMethodByName("List"), new ListReferralsRequest { Section = ReferralSection.ChildProtection });

        Assert.Contains(own, r => r.ContactDetails == "women-contact-1");
        Assert.All(own, r => Assert.Equal(ReferralSection.WomenProtection, r.Section));
        Assert.DoesNotContain(own, r => r.ContactDetails == "child-contact-1");
        AccessCalls.Equal(StatusCode.PermissionDenied, other);
    }

    [Fact]
    public async Task ReferralsSubmit_ReceiptNeverEchoesContactDetails()
    {
        var receipt = await _api.As(Role.Cla).Referrals.SubmitAsync(new Referral { ClientId = "owasp-ref-receipt", Section = ReferralSection.HumanRights, ContactDetails = "receipt-contact-7" }).ResponseAsync;

        Assert.DoesNotContain("receipt-contact-7", receipt.ToByteString().ToStringUtf8(), StringComparison.Ordinal);
    }
}
