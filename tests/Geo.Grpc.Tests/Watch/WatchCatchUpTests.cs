using Geo.Api.V1;
using Geo.Exporters.Feeds;
using Geo.Grpc.Tests.Api;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using FeedPosition = Geo.Core.Domain.FeedPosition;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Watch;

/// <summary>
/// How far back a watch replays (GeoAwareness:Watch:MaxCatchUp, 3 here): up to the limit from any
/// cursor, the start of the feed included; beyond it a clear refusal that says to pull the feed.
/// </summary>
[Collection(AloneOnTheCluster.Name)]
public sealed class WatchCatchUpTests(WatchCatchUpTests.CatchUpFixture fixture) : IClassFixture<WatchCatchUpTests.CatchUpFixture>
{
    public sealed class CatchUpFixture : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new(["--GeoAwareness:Watch:HeartbeatSeconds=0.2", "--GeoAwareness:Watch:MaxCatchUp=3"], null);

        public Task InitializeAsync() => Api.InitializeAsync();

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    private static readonly string FromTheStart = FeedCursor.Format(FeedPosition.Start);

    [Fact]
    public async Task Watch_FromACursorWithinTheLimit_ReplaysThenGoesLive()
    {
        await fixture.Api.SubmitAsync(NewObservation("c1-a", 32.1, -1.5), NewObservation("c1-b", 32.1, -1.5));
        await fixture.Api.SettledAsync();

        await using var watch = new WatchStream(fixture.Api.Channel.Observations, new WatchRequest { Filter = WatchTests.Filter(32.1), Cursor = FromTheStart });
        var replayed = await watch.NextIdsAsync(2);
        await fixture.Api.SubmitAsync(NewObservation("c1-c", 32.1, -1.5));

        Assert.Equal(new[] { IdOf("c1-a"), IdOf("c1-b") }.Order(StringComparer.Ordinal), replayed.Order(StringComparer.Ordinal));
        Assert.Equal([IdOf("c1-c")], await watch.NextIdsAsync(1));
        Assert.Empty(await watch.QuietForAsync(3));
    }

    [Fact]
    public async Task Watch_FromACursorTooFarBehind_IsOutOfRangeSayingToPullTheFeed_WithTheCursorBack()
    {
        await fixture.Api.SubmitAsync(Enumerable.Range(0, 5).Select(i => NewObservation($"c2-{i}", 32.2, -1.5)).ToArray());
        await fixture.Api.SettledAsync();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            // A deadline: a watch that went live instead of refusing fails the test, never hangs it.
            using var call = fixture.Api.Channel.Observations.Watch(new WatchRequest { Filter = WatchTests.Filter(32.2), Cursor = FromTheStart }, deadline: DateTime.UtcNow.AddSeconds(30));
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
            }
        });

        Assert.Equal(StatusCode.OutOfRange, error.StatusCode);
        Assert.StartsWith("cursor: more than 3 changes lie between it and now", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Feeds.PullObservations", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(FromTheStart, error.Trailers.GetValue("geoawareness-resume-cursor"));
    }
}
