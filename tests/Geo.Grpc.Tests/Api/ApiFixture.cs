using Geo.Api.V1;
using Role = Geo.Core.Access.Role;
using Geo.Api;
using Geo.Grpc.Hosting;
using Grpc.Core;
using Geo.Testing;
using Geo.Testing.Echo;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Xunit;

namespace Geo.Grpc.Tests.Api;

/// <summary>The real service on its own database, and generated clients to it (Grpc.Net.Client) with a token of each role.</summary>
public sealed class ApiFixture : IAsyncLifetime, IDisposable
{
    private readonly PostgisDatabase _database = new();
    private readonly Dictionary<Role, GeoAwarenessClient> _clients = [];
    private readonly Dictionary<Role, string> _tokens = [];
    private readonly IReadOnlyList<string> _extraSettings;
    private readonly Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? _configureServices;
    private GeoAwarenessService? _service;

    public ApiFixture()
        : this([], null)
    {
    }

    /// <summary>The service with more settings, or services of its own (a fixed clock), for a test class that needs them.</summary>
    internal ApiFixture(IReadOnlyList<string> extraSettings, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? configureServices)
    {
        _extraSettings = extraSettings;
        _configureServices = configureServices;
    }

    public PostgisDatabase Database => _database;

    /// <summary>The service's clock: the system's, unless a test freezes it.</summary>
    public TestClock Clock { get; } = new();

    public GeoAwarenessService Service => _service ?? throw new InvalidOperationException("not initialised");

    /// <summary>A supervisor's client (unscoped): most tests act as one.</summary>
    public GeoAwarenessClient Channel => As(Role.Supervisor);

    /// <summary>The generated clients on a channel whose calls carry an unscoped token of <paramref name="role"/> (subject "test-role").</summary>
    public GeoAwarenessClient As(Role role) => _clients[role];

    public string TokenOf(Role role) => _tokens[role];

    /// <summary>New clients with a token of their own, for scoped or special callers.</summary>
    public async Task<GeoAwarenessClient> ChannelForAsync(Role role, string subject, IReadOnlyList<string>? sectors = null, Geo.Core.Domain.ReferralSection? section = null)
    {
        var token = await TestTokens.IssueAsync(_database.DataSource, role, subject, sectors, section: section);
        return new GeoAwarenessClient(Service.GrpcEndpoint, token);
    }

    /// <summary>
    /// Settings tests rely on: small ingest commits, a 1,000 km radius limit, a 250,000 km² area
    /// limit, heat maps read by parallel connections however small the table, and at most 200,000 cells.
    /// </summary>
    public static readonly string[] Settings =
    [
        "--GeoAwareness:Limits:IngestCommitRows=10",
        "--GeoAwareness:Limits:MaxRadiusMetres=1000000",
        "--GeoAwareness:Limits:MaxQueryAreaSquareKilometres=250000",
        "--GeoAwareness:Limits:MaxBatchSize=500",
        "--GeoAwareness:Limits:HeatMapPagesPerReader=1",
        "--GeoAwareness:Limits:MaxHeatMapCells=200000",
    ];

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _service = await GrpcTestServer.StartAsync(_database.ConnectionString, [.. Settings, .. _extraSettings], services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            _configureServices?.Invoke(services);
        });
        foreach (var role in System.Enum.GetValues<Role>())
        {
            var token = await TestTokens.IssueAsync(
                _database.DataSource, role, SubjectOf(role), section: role == Role.ReferralSection ? Geo.Core.Domain.ReferralSection.WomenProtection : null);
            _tokens[role] = token;
            _clients[role] = new GeoAwarenessClient(_service.GrpcEndpoint, token);
        }
    }

    public void Dispose()
    {
        foreach (var channel in _clients.Values)
        {
            channel.Dispose();
        }
    }

    public async Task DisposeAsync()
    {
        Dispose();
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        await _database.DisposeAsync();
    }

    /// <summary>Expects the call to fail with <paramref name="code"/>; returns the status detail.</summary>
    public static async Task<string> FailsWith(StatusCode code, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(code == error.StatusCode, $"expected {code}, got {error.StatusCode}: {error.Status.Detail}");
        return error.Status.Detail;
    }

    public static Timestamp Time(string iso) => Timestamp.FromDateTimeOffset(DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The subject of the tokens of <see cref="As"/>.</summary>
    public static string SubjectOf(Role role) => $"test-{role}".ToLowerInvariant();

    /// <summary>The id the service issues for an observation submitted under <paramref name="clientId"/> by a supervisor (or <paramref name="submitter"/>).</summary>
    public static string IdOf(string clientId, string? submitter = null) => Geo.Core.Domain.IssuedIds.Observation(submitter ?? SubjectOf(Role.Supervisor), clientId);

    /// <summary>
    /// The ids of <paramref name="observations"/> as the client keys among <paramref name="clientIds"/>
    /// they were issued for (submitted by a supervisor, or <paramref name="submitter"/>); any other id as it is.
    /// </summary>
    public static List<string> ClientIdsOf(IEnumerable<Observation> observations, IEnumerable<string> clientIds, string? submitter = null) =>
        ClientIdsOf(observations.Select(o => o.Id), clientIds, submitter);

    /// <summary>The issued <paramref name="ids"/> as the client keys among <paramref name="clientIds"/> they were issued for; any other id as it is.</summary>
    public static List<string> ClientIdsOf(IEnumerable<string> ids, IEnumerable<string> clientIds, string? submitter = null)
    {
        var byIssued = clientIds.Distinct(StringComparer.Ordinal).ToDictionary(k => IdOf(k, submitter), StringComparer.Ordinal);
        return ids.Select(id => byIssued.GetValueOrDefault(id, id)).ToList();
    }

    /// <summary>How many of the observations submitted under the keys "{prefix}-{from:D4}" onwards (by a supervisor, or <paramref name="submitter"/>) are stored.</summary>
    public Task<long> CountStoredAsync(string prefix, int from, int count, string? submitter = null) =>
        Database.ScalarAsync<long>(
            $"SELECT count(*) FROM observations WHERE id = ANY(ARRAY[{string.Join(',', Enumerable.Range(from, count).Select(i => $"'{IdOf($"{prefix}-{i:D4}", submitter)}'"))}]::text[])");

    /// <summary>A valid observation near Goma, under the client's key <paramref name="id"/>; tests change what they are about.</summary>
    public static Observation NewObservation(string id, double longitude = 29.22, double latitude = -1.68, string observedAt = "2026-03-01T10:00:00Z") => new()
    {
        ClientId = id,
        ReporterId = "cla-7f3a",
        ObservedAt = Time(observedAt),
        Location = new GeoPoint { Longitude = longitude, Latitude = latitude },
        LocationPrecision = LocationPrecision.Village,
        Category = Category.ThreatOfPhysicalViolence,
        Severity = 3,
        Affected =
        {
            new AffectedCount { Sex = Sex.Female, AgeGroup = AgeGroup.Child, Count = 4 },
            new AffectedCount { Sex = Sex.Male, AgeGroup = AgeGroup.Adult, Count = 2 },
        },
        Notes = "Armed men seen near the water point at dusk",
    };

    public Task<SubmitObservationsResponse> SubmitAsync(params Observation[] observations)
    {
        var request = new SubmitObservationsRequest();
        request.Observations.AddRange(observations);
        return As(Role.Supervisor).Observations.SubmitAsync(request).ResponseAsync;
    }

    /// <summary>
    /// Submits as a supervisor, then releases each observation for export (as its supervisor would
    /// before any of it may reach a feed or layer feed), with <paramref name="summary"/>.
    /// </summary>
    public async Task<SubmitObservationsResponse> SubmitReleasedAsync(params Observation[] observations)
    {
        var response = await SubmitAsync(observations);
        await ReleaseAsync(response.Ids.Distinct(StringComparer.Ordinal).ToArray());
        return response;
    }

    /// <summary>Releases stored observations for export, as a supervisor, and waits until the feed may deliver them.</summary>
    public async Task ReleaseAsync(params string[] ids)
    {
        foreach (var id in ids)
        {
            await As(Role.Supervisor).Observations.ReleaseAsync(new ReleaseObservationRequest { Id = id }).ResponseAsync;
        }

        await SettledAsync();
    }

    /// <summary>
    /// Waits until no transaction holds the feed's watermark back, so that every committed change
    /// of this database is deliverable: transaction ids are the cluster's, and another test class's
    /// open transaction (a heat map's snapshot, a streaming ingest) holds every feed back until it ends.
    /// </summary>
    public async Task SettledAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!await Database.ScalarAsync<bool>("SELECT NOT EXISTS (SELECT FROM observations WHERE change_xid >= pg_snapshot_xmin(pg_current_snapshot()))"))
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>
    /// What a caller with the default coarsened policy is shown for a count of exactly the
    /// observations <paramref name="ids"/>: the count perturbed by the sum of their secret record
    /// keys, never below the minimum (null when fewer than the minimum: withheld).
    /// </summary>
    public async Task<long?> ShownCountAsync(IReadOnlyCollection<string> ids)
    {
        var key = await Database.ScalarAsync<long>(
            $"SELECT coalesce(sum(aggregate_key), 0)::bigint FROM observations WHERE id = ANY(ARRAY[{string.Join(',', ids.Select(i => $"'{i}'"))}]::text[])");
        return Geo.Core.Privacy.AggregateSuppression.Publishable(ids.Count, key, Geo.Core.Privacy.LocationCoarsening.Displacement());
    }

    public async Task<List<Observation>> QueryAllAsync(ObservationFilter filter, int pageSize = 0, string pageToken = "")
    {
        var pages = await QueryPagesAsync(filter, pageSize, pageToken);
        return pages.SelectMany(p => p.Observations).ToList();
    }

    public async Task<List<ObservationPage>> QueryPagesAsync(ObservationFilter filter, int pageSize = 0, string pageToken = "")
    {
        using var call = Channel.Observations.Query(new QueryObservationsRequest { Filter = filter, PageSize = pageSize, PageToken = pageToken });
        var pages = new List<ObservationPage>();
        await foreach (var page in call.ResponseStream.ReadAllAsync())
        {
            pages.Add(page);
        }

        return pages;
    }
}
