using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Storage.Access;
using Geo.Storage.Observations;
using Geo.Storage.Registry;
using Geo.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NetTopologySuite.Geometries;
using Xunit;

namespace Geo.Storage.Tests.Spatial;

/// <summary>
/// Geometry crossing to PostGIS and back as NetTopologySuite types (Npgsql.NetTopologySuite):
/// what is read back is what was written, in EPSG:4326, in the shape each column keeps.
/// </summary>
public sealed class GeometryTransferTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private const string Square = "POLYGON((29.1 -1.7, 29.3 -1.7, 29.3 -1.5, 29.1 -1.5, 29.1 -1.7))";
    private const string SquareWithHole =
        "POLYGON((29.1 -1.7, 29.3 -1.7, 29.3 -1.5, 29.1 -1.5, 29.1 -1.7), (29.15 -1.65, 29.15 -1.55, 29.25 -1.55, 29.25 -1.65, 29.15 -1.65))";
    private const string TwoSquares =
        "MULTIPOLYGON(((29.1 -1.7, 29.2 -1.7, 29.2 -1.6, 29.1 -1.6, 29.1 -1.7)), ((29.4 -1.4, 29.5 -1.4, 29.5 -1.3, 29.4 -1.3, 29.4 -1.4)))";

    private readonly RegistryStore _registry = new(database.DataSource);
    private readonly AccessStore _access = new(database.DataSource);

    [Theory]
    [InlineData("POINT(29.123456789012 -1.987654321098)")]
    [InlineData(SquareWithHole)]
    [InlineData(TwoSquares)]
    public async Task CreateCommunity_AnyLocationShape_IsReadBackExactlyAndInEpsg4326(string wkt)
    {
        var location = Wkt(wkt);
        var id = $"geom-{location.GeometryType}";

        await _registry.CreateCommunityAsync(Community(id, location), CancellationToken.None);
        var stored = await _registry.GetCommunityAsync(id, null, CancellationToken.None);
        var byId = await _registry.CommunityLocationsAsync([id], CancellationToken.None);

        // A community's column keeps the shape it was given: a polygon is not made a multipolygon.
        Assert.Equal(location.GeometryType, stored.Community.Location.GeometryType);
        Assert.True(location.EqualsExact(stored.Community.Location), $"{stored.Community.Location} is not {location}");
        Assert.Equal(4326, stored.Community.Location.SRID);
        Assert.True(location.EqualsExact(byId[id]));
        // Creating it again with the same location is a replay, not a conflict: equality holds to the last bit.
        await _registry.CreateCommunityAsync(Community(id, location), CancellationToken.None);
    }

    [Fact]
    public async Task PutSector_APolygon_IsStoredAsAMultiPolygonOfItAndReadBackEqual()
    {
        var area = Wkt(SquareWithHole);

        await _access.PutSectorAsync("geom-sector", "Sector of the geometry tests", area, CancellationToken.None);
        var listed = await SectorAsync("geom-sector");
        var union = await _access.SectorAreaAsync(["geom-sector"], CancellationToken.None);

        var multiPolygon = Assert.IsType<MultiPolygon>(listed.Area);
        Assert.True(area.EqualsExact(Assert.Single(multiPolygon.Geometries)));
        Assert.Equal(4326, multiPolygon.SRID);
        Assert.True(Assert.IsType<MultiPolygon>(union).EqualsTopologically(area));
        Assert.Null(await _access.SectorAreaAsync(["no-such-sector"], CancellationToken.None));
    }

    [Fact]
    public async Task PutSector_TheSameAreaAgain_DoesNotBumpTheVersion()
    {
        await _access.PutSectorAsync("geom-same", "Same", Wkt(TwoSquares), CancellationToken.None);
        var first = await SectorAsync("geom-same");

        await _access.PutSectorAsync("geom-same", "Same", Wkt(TwoSquares), CancellationToken.None);

        Assert.Equal(first.Version, (await SectorAsync("geom-same")).Version);
    }

    [Fact]
    public async Task InsertToken_WithAnAreaAndWithout_ReadsBackTheAreaAsAMultiPolygonOrNull()
    {
        var area = Wkt(Square);

        await _access.InsertTokenAsync(Token("geom-token-area", area), CancellationToken.None);
        await _access.InsertTokenAsync(Token("geom-token-none", null), CancellationToken.None);
        var withArea = await _access.FindTokenAsync("geom-token-area", CancellationToken.None);
        var without = await _access.FindTokenAsync("geom-token-none", CancellationToken.None);

        var multiPolygon = Assert.IsType<MultiPolygon>(withArea!.Area);
        Assert.True(area.EqualsExact(Assert.Single(multiPolygon.Geometries)));
        Assert.Null(without!.Area);
    }

    [Fact]
    public async Task WriteObservations_WithAndWithoutArea_ReadBackThePointExactlyAndTheAreaAsAMultiPolygon()
    {
        var area = Wkt(SquareWithHole);
        var observations = new[]
        {
            Prepared(Observation("geom-obs-area", new GeoPoint(29.2, -1.6), area)),
            Prepared(Observation("geom-obs-point", new GeoPoint(29.123456789012, -1.987654321098), null)),
        };

        await WriteAsync(observations);
        var store = new ObservationStore(database.DataSource);
        var withArea = await store.GetAsync("geom-obs-area", Visibility.Everything, CancellationToken.None);
        var pointOnly = await store.GetAsync("geom-obs-point", Visibility.Everything, CancellationToken.None);

        var multiPolygon = Assert.IsType<MultiPolygon>(withArea.Observation.Area);
        Assert.True(area.EqualsExact(Assert.Single(multiPolygon.Geometries)));
        Assert.Equal(4326, multiPolygon.SRID);
        Assert.Null(pointOnly.Observation.Area);
        Assert.Equal(new GeoPoint(29.123456789012, -1.987654321098), pointOnly.Observation.Location);
    }

    [Fact]
    public async Task Query_ShapeAreaAndScopeAsGeometryParameters_KeepOnlyWhatLiesInBoth()
    {
        await WriteAsync([
            Prepared(Observation("geom-q-in", new GeoPoint(40.15, 10.15), null)),
            Prepared(Observation("geom-q-out-of-shape", new GeoPoint(40.35, 10.15), null)),
            Prepared(Observation("geom-q-out-of-scope", new GeoPoint(40.15, 10.35), null)),
        ]);
        var store = new ObservationStore(database.DataSource);
        var filter = new ObservationFilter { Area = new ShapeArea(Wkt("POLYGON((40 10, 40.2 10, 40.2 10.5, 40 10.5, 40 10))")) };
        var scope = new Visibility(Wkt("MULTIPOLYGON(((40 10, 40.5 10, 40.5 10.2, 40 10.2, 40 10)))"), null);

        var ids = new List<string>();
        await foreach (var stored in store.QueryAsync(filter, scope, null, CancellationToken.None))
        {
            ids.Add(stored.Observation.Id);
        }

        Assert.Equal(["geom-q-in"], ids.Where(id => id.StartsWith("geom-q-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Write_AGeometryBuiltWithoutSrid_IsStoredAsEpsg4326AndTheCallersIsLeftAlone()
    {
        var unlabelled = new GeometryFactory().CreatePolygon(Wkt(Square).Coordinates);
        var community = Community("geom-no-srid", unlabelled);

        await _registry.CreateCommunityAsync(community, CancellationToken.None);
        var stored = await _registry.GetCommunityAsync("geom-no-srid", null, CancellationToken.None);

        Assert.Equal(4326, stored.Community.Location.SRID);
        Assert.True(unlabelled.EqualsExact(stored.Community.Location));
        Assert.Equal(0, unlabelled.SRID);
    }

    [Fact]
    public async Task Migrate_ANewExternalDatabase_TakesGeometryParametersAtOnce()
    {
        // The pool's first connection comes before migration 1 creates PostGIS: the types it
        // learnt then must not be what geometry parameters are written with.
        var cluster = await PostgisCluster.GetAsync();
        var name = await cluster.CreateEmptyDatabaseAsync("geom-new");
        try
        {
            await using (var geoDatabase = GeoDatabase.Open(cluster.Cluster.ConnectionStringFor(name), NullLoggerFactory.Instance))
            {
                await geoDatabase.MigrateAsync(NullLogger.Instance, CancellationToken.None);
                var access = new AccessStore(geoDatabase.DataSource);

                await access.PutSectorAsync("fresh", "Fresh", Wkt(Square), CancellationToken.None);

                Assert.True(Wkt(Square).EqualsTopologically(await access.SectorAreaAsync(["fresh"], CancellationToken.None)));
            }
        }
        finally
        {
            await cluster.DropDatabaseAsync(name);
        }
    }

    private static Geometry Wkt(string wkt) => ShapeReader.ReadWkt(wkt).Geometry!;

    private static Community Community(string id, Geometry location) => new()
    {
        Id = id,
        Name = "Village " + id,
        Location = location,
        Sector = "geom",
        RiskLevel = RiskLevel.High,
    };

    private static StoredToken Token(string id, Geometry? area) =>
        new(id, [1, 2, 3], [4, 5, 6], Core.Access.Role.Analyst, "analyst-" + id, [], area, null, DateTimeOffset.UtcNow.AddDays(1), null, "test", DateTimeOffset.UtcNow, string.Empty);

    private static Observation Observation(string id, GeoPoint location, Geometry? area) => new()
    {
        Id = id,
        ReporterId = "cla-geom",
        ObservedAt = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero),
        ReportedAt = new DateTimeOffset(2026, 3, 1, 11, 0, 0, TimeSpan.Zero),
        Location = location,
        Area = area,
        Precision = area is null ? LocationPrecision.Exact : LocationPrecision.AdminArea,
        Category = ObservationCategory.Displacement,
        Severity = 3,
    };

    private static PreparedObservation Prepared(Observation observation) =>
        new(observation, observation.Id, [1], "observations[0]");

    private async Task WriteAsync(PreparedObservation[] observations)
    {
        await using var writer = await ObservationWriter.OpenAsync(database.DataSource, 10, CancellationToken.None);
        await writer.AddAsync(observations, CancellationToken.None);
        var outcome = await writer.CommitAsync(CancellationToken.None);
        Assert.Equal(observations.Length, outcome.Stored + outcome.AlreadyStored);
    }

    private async Task<(string Id, string Name, Geometry Area, long Version)> SectorAsync(string id)
    {
        await foreach (var sector in _access.ListSectorsAsync(CancellationToken.None))
        {
            if (sector.Id == id)
            {
                return sector;
            }
        }

        throw new InvalidOperationException($"no sector {id}");
    }
}
