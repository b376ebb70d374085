using Geo.Api.V1;
using Geo.Api;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Geo.Testing;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Access;

/// <summary>Who is let in: every bad token gets one answer that tells a prober nothing.</summary>
public sealed class AuthenticationTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string Refusal = "a valid bearer token is required in the authorization metadata";


    private async Task<string> RefusedAsync(string? token)
    {
        using var channel = AccessCalls.ChannelWith(api.Service.GrpcEndpoint, token);
        return await FailsWith(StatusCode.Unauthenticated, () => channel.Observations.CountAsync(new ObservationFilter()).ResponseAsync);
    }

    [Fact]
    public async Task Call_NoToken_IsUnauthenticated()
    {
        Assert.Equal(Refusal, await RefusedAsync(null));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("gat_")]
    [InlineData("gat_.")]
    [InlineData("gat_abcdefghijkl.")]
    [InlineData("gat_abcdefghijkl.0123456789abcdef0123456789abcdef")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task Call_GarbageToken_IsUnauthenticatedWithTheSameMessage(string token)
    {
        Assert.Equal(Refusal, await RefusedAsync(token));
    }

    [Fact]
    public async Task Call_ExpiredToken_IsUnauthenticatedWithTheSameMessage()
    {
        var token = await TestTokens.IssueAsync(api.Database.DataSource, Role.Supervisor, "expired-sup", expiresAt: DateTimeOffset.UtcNow.AddMinutes(-1));

        Assert.Equal(Refusal, await RefusedAsync(token));
    }

    [Fact]
    public async Task Call_ForgedSecretForARealId_IsUnauthenticatedWithTheSameMessage()
    {
        var real = await TestTokens.IssueAsync(api.Database.DataSource, Role.Supervisor, "forged-sup");
        var dot = real.IndexOf('.', StringComparison.Ordinal);
        var secret = real[(dot + 1)..];
        var forgedSecret = new string(secret.Select(c => c == 'A' ? 'B' : 'A').ToArray());
        var forged = real[..(dot + 1)] + forgedSecret;
        using (var channel = AccessCalls.ChannelWith(api.Service.GrpcEndpoint, real))
        {
            // The real token works, and is now cached: the forged one must still be refused.
            await channel.Observations.CountAsync(new ObservationFilter()).ResponseAsync;
        }

        Assert.Equal(Refusal, await RefusedAsync(forged));
        Assert.Equal(Refusal, await RefusedAsync(real[..(dot + 1)] + secret[..^1]));
    }

    [Fact]
    public async Task Call_TokenRevokedByAnAdministrator_IsUnauthenticatedOnItsNextCall()
    {
        var issued = await api.As(Role.Administrator).Access.IssueTokenAsync(new IssueTokenRequest { Role = Geo.Api.V1.Role.Supervisor, Subject = "to-be-revoked", ValidDays = 1 }).ResponseAsync;
        using var channel = AccessCalls.ChannelWith(api.Service.GrpcEndpoint, issued.Token);
        var before = await channel.Access.WhoAmIAsync(new WhoAmIRequest()).ResponseAsync;

        var revoked = await api.As(Role.Administrator).Access.RevokeTokenAsync(new RevokeTokenRequest { Id = issued.Info.Id }).ResponseAsync;
        var detail = await FailsWith(StatusCode.Unauthenticated, () => channel.Observations.CountAsync(new ObservationFilter()).ResponseAsync);

        Assert.Equal("to-be-revoked", before.Subject);
        Assert.NotNull(revoked.RevokedAt);
        Assert.Equal(Refusal, detail);
    }

    [Fact]
    public async Task Call_ValidTokenWithoutThePermission_IsPermissionDenied()
    {
        var detail = await FailsWith(StatusCode.PermissionDenied, () => api.As(Role.Importer).Observations.CountAsync(new ObservationFilter()).ResponseAsync);

        Assert.Equal("the Importer role may not call /geoawareness.v1.Observations/Count", detail);
    }

    [Fact]
    public async Task Get_ObservationOutsideTheCallersArea_IsNotFoundLikeAMissingId()
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "auth-west", Name = "West", Area = new Shape { Wkt = "POLYGON((20 0, 21 0, 21 1, 20 1, 20 0))" } }).ResponseAsync;
        await api.SubmitAsync(NewObservation("auth-east-1", 25.5, 0.5));
        using var scoped = await api.ChannelForAsync(Role.Supervisor, "auth-west-sup", ["auth-west"]);

        var outside = await FailsWith(StatusCode.NotFound, () => scoped.Observations.GetAsync(new GetObservationRequest { Id = IdOf("auth-east-1") }).ResponseAsync);
        var missing = await FailsWith(StatusCode.NotFound, () => scoped.Observations.GetAsync(new GetObservationRequest { Id = IdOf("auth-nowhere") }).ResponseAsync);
        var sources = await FailsWith(StatusCode.NotFound, () => scoped.Observations.GetSourcesAsync(new GetObservationRequest { Id = IdOf("auth-east-1") }).ResponseAsync);
        var history = await FailsWith(StatusCode.NotFound, () => scoped.Observations.GetHistoryAsync(new GetObservationRequest { Id = IdOf("auth-east-1") }).ResponseAsync);

        Assert.Equal(missing.Replace(IdOf("auth-nowhere"), "X", StringComparison.Ordinal), outside.Replace(IdOf("auth-east-1"), "X", StringComparison.Ordinal));
        Assert.Equal(outside, sources);
        Assert.Equal(outside, history);
    }

    [Fact]
    public async Task Get_AnotherClasObservation_IsNotFoundLikeAMissingId()
    {
        await api.SubmitAsync(NewObservation("auth-other-cla-1"));
        using var cla = await api.ChannelForAsync(Role.Cla, "cla-auth-own");

        var other = await FailsWith(StatusCode.NotFound, () => cla.Observations.GetAsync(new GetObservationRequest { Id = IdOf("auth-other-cla-1") }).ResponseAsync);
        var missing = await FailsWith(StatusCode.NotFound, () => cla.Observations.GetAsync(new GetObservationRequest { Id = IdOf("auth-nowhere-2") }).ResponseAsync);

        Assert.Equal(missing.Replace(IdOf("auth-nowhere-2"), "X", StringComparison.Ordinal), other.Replace(IdOf("auth-other-cla-1"), "X", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhoAmI_ValidToken_NamesItsRoleAndSubject()
    {
        var me = await api.As(Role.Analyst).Access.WhoAmIAsync(new WhoAmIRequest()).ResponseAsync;

        Assert.Equal(Geo.Api.V1.Role.Analyst, me.Role);
        Assert.Equal("test-analyst", me.Subject);
    }
}
