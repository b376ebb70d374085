using Geo.Api.V1;
using Geo.Api;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Geo.Testing;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Access;

/// <summary>
/// Changes made outside the running service reach its token cache at once: a service that cached a
/// token for ten minutes still refuses it as soon as another process revokes it, and a scoped
/// token follows its sector when the sector is redrawn.
/// </summary>
public sealed class RevocationTests(RevocationTests.LongCache fixture) : IClassFixture<RevocationTests.LongCache>
{

    /// <summary>The default fixture, with tokens trusted for ten minutes once read.</summary>
    public sealed class LongCache : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new(["--GeoAwareness:Auth:TokenCacheSeconds=600"], null);

        public Task InitializeAsync() => Api.InitializeAsync();

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    private ApiFixture Api => fixture.Api;

    [Fact]
    public async Task Call_TokenRevokedByAnotherProcess_IsRefusedWithinSecondsThoughCachedForTenMinutes()
    {
        var token = await TestTokens.IssueAsync(Api.Database.DataSource, Role.Supervisor, "revoked-elsewhere");
        using var channel = AccessCalls.ChannelWith(Api.Service.GrpcEndpoint, token);
        await channel.Observations.CountAsync(new ObservationFilter()).ResponseAsync;

        // What `geoaware token revoke` does, from its own process: an update of the token's row.
        await Api.Database.ScalarAsync<string>($"UPDATE access_tokens SET revoked_at = now() WHERE id = '{TestTokens.IdOf(token)}' RETURNING id");

        var refused = await EventuallyAsync(async () => (await AccessCalls.StatusOfAsync(channel, Observations.Descriptor.FindMethodByName("Count"), new ObservationFilter())).StatusCode == StatusCode.Unauthenticated);
        Assert.True(refused, "the revoked token was still accepted 10 s after its revocation");
    }

    [Fact]
    public async Task Query_ScopedTokenWhoseSectorIsRedrawn_SeesTheNewAreaWithinSeconds()
    {
        await Api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "redrawn", Name = "Redrawn", Area = new Shape { Wkt = "POLYGON((40 0, 41 0, 41 1, 40 1, 40 0))" } }).ResponseAsync;
        await Api.SubmitAsync(NewObservation("beyond-the-old-line", 41.5, 0.5));
        using var scoped = await Api.ChannelForAsync(Role.Supervisor, "sup-redrawn", ["redrawn"]);
        var before = await scoped.Observations.CountAsync(new ObservationFilter()).ResponseAsync;

        await Api.As(Geo.Core.Access.Role.Planner).Registry.PutSectorAsync(new Sector { Id = "redrawn", Name = "Redrawn", Area = new Shape { Wkt = "POLYGON((40 0, 42 0, 42 1, 40 1, 40 0))" } }).ResponseAsync;

        Assert.Equal(0, before.Observations);
        Assert.True(await EventuallyAsync(async () => (await scoped.Observations.CountAsync(new ObservationFilter()).ResponseAsync).Observations == 1),
            "the token still saw only its old area 10 s after the sector was redrawn");
    }

    /// <summary>Polls for up to 10 s: far less than the cache's ten minutes, far more than a notification needs.</summary>
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
