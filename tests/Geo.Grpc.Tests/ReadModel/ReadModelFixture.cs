using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Hosting;
using Geo.Grpc.Tests.Api;
using Geo.Testing;
using Geo.Testing.Echo;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.ReadModel;

/// <summary>
/// Three services on one database: <see cref="Followed"/> started on it empty, whose read model took
/// every row from the feed; <see cref="Loaded"/> started once the rows were in, whose model loaded
/// them (three connections reading ranges of the table); and <see cref="Postgis"/>, with the model off, the reference. The rows are generated in SQL
/// (<see cref="SeedAsync"/>) with every field the model holds varied: places clustered and spread,
/// six months, every category, severity, verification status, released or not, vulnerabilities,
/// communities, bases, reporters, and people affected by sex × age (a few above what a byte holds).
/// </summary>
public sealed class ReadModelFixture : IAsyncLifetime
{
    public const int Rows = 6000;

    /// <summary>The sectors the scoped tokens hold: west and east of 30.4 E.</summary>
    public const string West = "rm-west";
    public const string East = "rm-east";

    public static readonly string[] Communities = ["rm-c1", "rm-c2", "rm-c3", "rm-c4", "rm-c5"];
    public static readonly string[] Bases = ["rm-b1", "rm-b2", "rm-b3"];

    private readonly List<GeoAwarenessClient> _clients = [];
    private GeoAwarenessService? _loaded;
    private GeoAwarenessService? _postgis;

    /// <summary>
    /// The service that followed every row; its model is ordered again once 1,000 rows came in since
    /// it was last. These tests write with SQL, beside the service, and read at once: every request
    /// here waits for a catch-up (FreshForMilliseconds=0), as it would after a write through the
    /// service (ModelFreshnessTests tries the shortcut).
    /// </summary>
    public ApiFixture Followed { get; } = new([.. CatchUpEveryRequest, "--GeoAwareness:ReadModel:ReorderRows=1000"], null);

    private static readonly string[] CatchUpEveryRequest = ["--GeoAwareness:ReadModel:FreshForMilliseconds=0"];

    public GeoAwarenessService LoadedService => _loaded ?? throw new InvalidOperationException("not initialised");

    /// <summary>The callers compared: each role that reads heat maps, and scoped tokens (exact and coarsened).</summary>
    public List<(string Name, GeoAwarenessClient Followed, GeoAwarenessClient Loaded, GeoAwarenessClient Postgis)> Callers { get; } = [];

    public async Task InitializeAsync()
    {
        await Followed.InitializeAsync();
        var registry = Followed.As(Role.Planner).Registry;
        await registry.PutSectorAsync(new Sector { Id = West, Name = "West", Area = new Shape { Wkt = "POLYGON((29 -2, 30.4 -2, 30.4 0, 29 0, 29 -2))" } }).ResponseAsync;
        await registry.PutSectorAsync(new Sector { Id = East, Name = "East", Area = new Shape { Wkt = "POLYGON((30.4 -2, 32 -2, 32 0, 30.4 0, 30.4 -2))" } }).ResponseAsync;
        for (var i = 0; i < Communities.Length; i++)
        {
            await registry.CreateCommunityAsync(new Community
            {
                Id = Communities[i], Name = Communities[i],
                Location = new Shape { Wkt = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"POINT({30.1 + (0.12 * i)} {-1.2 + (0.05 * i)})") },
            }).ResponseAsync;
        }

        await SeedAsync(Followed.Database, Rows, seed: 0.42);
        // Loaded by three connections at once, each its own range of the table's pages.
        _loaded = await GrpcTestServer.StartAsync(
            Followed.Database.ConnectionString, [.. ApiFixture.Settings, .. CatchUpEveryRequest, "--GeoAwareness:ReadModel:Workers=3", "--GeoAwareness:ReadModel:LoadPagesPerReader=1"]);
        _postgis = await GrpcTestServer.StartAsync(Followed.Database.ConnectionString, [.. ApiFixture.Settings, "--GeoAwareness:ReadModel:Enabled=false"]);
        foreach (var role in new[] { Role.Supervisor, Role.Analyst, Role.Planner, Role.UnCimicOfficer, Role.Importer, Role.CpasFocalPoint })
        {
            await AddCallerAsync(role.ToString(), role, null);
        }

        await AddCallerAsync("Analyst of the west", Role.Analyst, [West]);
        await AddCallerAsync("Planner of the east", Role.Planner, [East]);
        await AddCallerAsync("Supervisor of both", Role.Supervisor, [West, East]);

        // A CLA reads its own reports (the model holds no reporters: PostGIS answers), the rest is refused alike.
        await AddCallerAsync("CLA", Role.Cla, null, "cla-3");
    }

    private async Task AddCallerAsync(string name, Role role, IReadOnlyList<string>? sectors, string? subject = null)
    {
        var token = await TestTokens.IssueAsync(Followed.Database.DataSource, role, subject ?? $"rm-{name.Replace(' ', '-')}", sectors);
        GeoAwarenessClient Client(Uri endpoint)
        {
            var client = new GeoAwarenessClient(endpoint, token);
            _clients.Add(client);
            return client;
        }

        Callers.Add((name, Client(Followed.Service.GrpcEndpoint), Client(LoadedService.GrpcEndpoint), Client(_postgis!.GrpcEndpoint)));
    }

    /// <summary>
    /// <paramref name="rows"/> observations with ids "rm-…", written as the service writes them (a
    /// transaction of its own, change_xid of that transaction), from a seeded generator.
    /// </summary>
    public static async Task SeedAsync(PostgisDatabase database, int rows, double seed, string prefix = "rm")
    {
        ArgumentNullException.ThrowIfNull(database);
        var sql = $"""
            SELECT setseed({seed.ToString(System.Globalization.CultureInfo.InvariantCulture)});
            INSERT INTO observations (id, reporter_id, observed_at, reported_at, location, location_precision, category, severity,
                affected, affected_groups, vulnerability, community_id, base_id, verification, released_at, content_hash, event_id)
            SELECT '{prefix}-' || g, 'cla-' || (g % 7), o.observed_at, o.observed_at + o.delay, o.location, 2, o.category, o.severity,
                o.affected, (SELECT coalesce(sum(1 << (i - 1)::int), 0)::int FROM unnest(o.affected) WITH ORDINALITY u(v, i) WHERE v > 0),
                o.vulnerability, o.community_id, o.base_id, o.verification, CASE WHEN o.released THEN o.observed_at END, '\x00'::bytea, o.event_id
            FROM generate_series(1, {rows}) g
            CROSS JOIN LATERAL (
                SELECT timestamptz '2026-01-01' + random() * interval '181 days' AS observed_at,
                    CASE WHEN random() < 0.6
                        THEN ST_SetSRID(ST_MakePoint(29.9 + (g % 3) * 0.35 + (random() - 0.5) * 0.12, -1.3 + (g % 2) * 0.4 + (random() - 0.5) * 0.1), 4326)
                        ELSE ST_SetSRID(ST_MakePoint(29.2 + random() * 2.4, -1.9 + random() * 1.8), 4326) END AS location,
                    (1 + floor(random() * 8))::smallint AS category,
                    (1 + floor(random() * 5))::smallint AS severity,
                    ARRAY(SELECT CASE WHEN random() < 0.25 THEN CASE WHEN random() < 0.01 THEN 300 + floor(random() * 1000)::int ELSE floor(random() * 9)::int END ELSE 0 END
                          FROM generate_series(1, 12) c WHERE g > 0) AS affected,
                    CASE WHEN random() < 0.3 THEN floor(random() * 32)::int ELSE 0 END AS vulnerability,
                    CASE WHEN random() < 0.7 THEN (ARRAY['{string.Join("','", Communities)}', 'rm-unregistered'])[1 + floor(random() * 6)::int] END AS community_id,
                    CASE WHEN random() < 0.5 THEN (ARRAY['{string.Join("','", Bases)}'])[1 + floor(random() * 3)::int] END AS base_id,
                    (1 + floor(random() * 3))::smallint AS verification,
                    random() < 0.5 AS released,
                    -- From g, not random(): the rows drawn stay those the other tests were written for.
                    (g % 97) * interval '37 minutes' AS delay,
                    -- A third of the rows are reports of some 300 events: the events switch has members to merge.
                    CASE WHEN g % 3 = 0 THEN '{prefix}-event-' || (g % 301) END AS event_id
            ) o;
            ANALYZE observations;
            """;
        await using var command = database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (_loaded is not null)
        {
            await _loaded.DisposeAsync();
        }

        if (_postgis is not null)
        {
            await _postgis.DisposeAsync();
        }

        await Followed.DisposeAsync();
    }
}
