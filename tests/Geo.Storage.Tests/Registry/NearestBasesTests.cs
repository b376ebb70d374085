using System.Globalization;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Storage.Registry;
using Geo.Testing;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Xunit;

namespace Geo.Storage.Tests.Registry;

/// <summary>
/// The nearest open bases to many points in one query (a plan's check asks it for every community
/// at risk it touches) answer exactly as asking for each point alone: the same bases, in the same
/// order, at the same distances, with closed bases, the distance limit and a caller's area applied alike.
/// </summary>
public sealed class NearestBasesTests(NearestBasesTests.BasesDatabase bases) : IClassFixture<NearestBasesTests.BasesDatabase>
{
    private static readonly DateOnly Today = new(2026, 6, 1);
    private readonly RegistryStore _registry = new(bases.Database.DataSource);

    /// <summary>60 bases of every kind over 0.8 x 0.8 degrees, one in seven closed.</summary>
    public sealed class BasesDatabase : IAsyncLifetime
    {
        public PostgisDatabase Database { get; } = new();

        public async Task InitializeAsync()
        {
            await Database.InitializeAsync();
            var registry = new RegistryStore(Database.DataSource);
            var random = new Random(17);
            for (var i = 0; i < 60; i++)
            {
                await registry.CreateBaseAsync(
                    new Base
                    {
                        Id = string.Create(CultureInfo.InvariantCulture, $"near-{i:D2}"), Name = $"Base {i}", Kind = (BaseKind)(1 + (i % 4)),
                        Location = new GeoPoint(29 + (random.NextDouble() * 0.8), -1.5 + (random.NextDouble() * 0.8)),
                        OpenedOn = new DateOnly(2025, 1, 1), ClosedOn = i % 7 == 0 ? new DateOnly(2026, 1, 31) : null,
                    },
                    CancellationToken.None);
            }
        }

        public Task DisposeAsync() => Database.DisposeAsync();
    }

    [Theory]
    [InlineData(5, 30_000, null)]
    [InlineData(3, 0, null)]
    [InlineData(5, 30_000, "POLYGON((29 -1.5, 29.5 -1.5, 29.5 -1, 29 -1, 29 -1.5))")]
    public async Task NearestBases_ManyPoints_AnswerAsEachPointAlone(int limit, double maxMetres, string? scopeWkt)
    {
        var scope = scopeWkt is null ? null : new WKTReader().Read(scopeWkt);
        if (scope is not null)
        {
            scope.SRID = 4326;
        }

        var random = new Random(limit);
        List<GeoPoint> points = [.. Enumerable.Range(0, 40).Select(_ => new GeoPoint(28.9 + random.NextDouble(), -1.6 + random.NextDouble()))];

        var together = await _registry.NearestBasesAsync(points, limit, maxMetres, Today, scope, CancellationToken.None);

        Assert.Equal(points.Count, together.Count);
        for (var i = 0; i < points.Count; i++)
        {
            var alone = await _registry.NearestBasesAsync(points[i], limit, maxMetres, Today, scope, CancellationToken.None);
            Assert.Equal(alone.Select(b => (b.Base.Value.Id, b.DistanceMetres)), together[i].Select(b => (b.Base.Value.Id, b.DistanceMetres)));
            Assert.Equal(alone.Select(b => b.Base), together[i].Select(b => b.Base));
        }

        Assert.Contains(together, n => n.Count > 0);
    }

    [Fact]
    public async Task NearestBases_NoPoints_AnswersNothing() =>
        Assert.Empty(await _registry.NearestBasesAsync([], 5, 30_000, Today, (Geometry?)null, CancellationToken.None));
}
