using Geo.Api;
using Geo.Api.V1;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Access;

/// <summary>An administrator limited to a sector hands out no more than it has, and manages only its own tokens.</summary>
public sealed class ScopedAdministratorTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private async Task<GeoAwarenessClient> AdministratorOfSectorAAsync(string subject)
    {
        await api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "adm-a", Name = "A", Area = new Shape { Wkt = "POLYGON((20 0, 21 0, 21 1, 20 1, 20 0))" } }).ResponseAsync;
        await api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "adm-b", Name = "B", Area = new Shape { Wkt = "POLYGON((21 0, 22 0, 22 1, 21 1, 21 0))" } }).ResponseAsync;
        return await api.ChannelForAsync(Role.Administrator, subject, ["adm-a"]);
    }

    private static Task<IssuedToken> IssueAsync(GeoAwarenessClient channel, IssueTokenRequest request) =>
        channel.Access.IssueTokenAsync(request).ResponseAsync;

    [Fact]
    public async Task IssueToken_ByAdministratorOfASector_OnlyInsideThatSector()
    {
        using var admin = await AdministratorOfSectorAAsync("admin-of-a-1");

        var unscoped = await FailsWith(StatusCode.PermissionDenied, () => IssueAsync(admin, new IssueTokenRequest { Role = Geo.Api.V1.Role.Analyst, Subject = "a1" }));
        var elsewhere = await FailsWith(StatusCode.PermissionDenied, () => IssueAsync(admin, new IssueTokenRequest { Role = Geo.Api.V1.Role.Analyst, Subject = "a2", Sectors = { "adm-b" } }));
        var inside = await IssueAsync(admin, new IssueTokenRequest { Role = Geo.Api.V1.Role.Analyst, Subject = "a3", Sectors = { "adm-a" } });

        Assert.Equal("sectors/area: an administrator limited to an area issues only tokens scoped inside it", unscoped);
        Assert.Equal(unscoped, elsewhere);
        Assert.StartsWith("gat_", inside.Token, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAndRevoke_ByAdministratorOfASector_OnlyTheTokensItIssued()
    {
        using var admin = await AdministratorOfSectorAAsync("admin-of-a-2");
        var own = await IssueAsync(admin, new IssueTokenRequest { Role = Geo.Api.V1.Role.Cla, Subject = "cla-in-a", Sectors = { "adm-a" } });
        var others = await api.As(Role.Administrator).Access.IssueTokenAsync(new IssueTokenRequest { Role = Geo.Api.V1.Role.Analyst, Subject = "someone" }).ResponseAsync;

        using var call = admin.Access.ListTokens(new ListTokensRequest());
        var listed = new List<string>();
        await foreach (var info in call.ResponseStream.ReadAllAsync())
        {
            listed.Add(info.Id);
        }

        var foreign = await FailsWith(StatusCode.NotFound, () => admin.Access.RevokeTokenAsync(new RevokeTokenRequest { Id = others.Info.Id }).ResponseAsync);
        var revoked = await admin.Access.RevokeTokenAsync(new RevokeTokenRequest { Id = own.Info.Id }).ResponseAsync;

        Assert.Equal([own.Info.Id], listed);
        Assert.Equal($"id: no token '{others.Info.Id}'", foreign);
        Assert.NotNull(revoked.RevokedAt);
    }

    [Fact]
    public async Task QueryAudit_ByAdministratorOfASector_IsPermissionDenied()
    {
        using var admin = await AdministratorOfSectorAAsync("admin-of-a-3");

        var status = await AccessCalls.StatusOfAsync(admin, Geo.Api.V1.Access.Descriptor.FindMethodByName("QueryAudit"), new QueryAuditRequest());
        var unscoped = await AccessCalls.ReadAllAsync(api.As(Role.Administrator).Access.QueryAudit(new QueryAuditRequest { Limit = 1 }));

        Assert.Equal(StatusCode.PermissionDenied, status.StatusCode);
        Assert.Equal("the audit trail covers the whole mission; only an administrator token without an area may read it", status.Detail);
        Assert.Single(unscoped);
    }
}
