using Geo.Api.V1;
using Geo.Api;
using Grpc.Core;
using Geo.Grpc.Tests.Api;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Access;

/// <summary>
/// Classic SQL injection payloads in every string field and filter: each is stored verbatim or
/// refused cleanly (INVALID_ARGUMENT / NOT_FOUND), never an internal error, and the tables survive.
/// </summary>
public sealed class InjectionTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    public static readonly string[] Payloads =
    [
        "'; DROP TABLE observations; --",
        "' OR '1'='1",
        "\" OR \"\"=\"",
        "\\",
        "\\'; DROP TABLE audit_log; --",
        "‘ OR ‘1’=‘1’ ʼ; DROP TABLE communities; --",
        "1; SELECT pg_sleep(5)",
        "$1",
        "%' AND 1=1 --",
        "x\0y",
        "\0",
    ];

    private static readonly string[] Tables =
        ["observations", "communities", "bases", "cla_deployments", "sectors", "access_tokens", "audit_log", "observation_reviews", "confidential.sources", "confidential.referrals"];

    public static TheoryData<int> PayloadIndexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Payloads.Length; i++)
        {
            data.Add(i);
        }

        return data;
    }

    /// <summary>Runs a call that must succeed or be refused cleanly; true when it succeeded.</summary>
    private static async Task<bool> StoredOrRefused(string what, Func<Task> call)
    {
        try
        {
            await call();
            return true;
        }
        catch (RpcException e)
        {
            Assert.True(e.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound, $"{what}: {e.StatusCode}: {e.Status.Detail}");
            return false;
        }
    }

    private async Task AssertTablesIntact()
    {
        foreach (var table in Tables)
        {
            var exists = await api.Database.ScalarAsync<bool>($"SELECT to_regclass('{table}') IS NOT NULL");
            Assert.True(exists, $"table {table} is gone");
        }

        Assert.True(await api.Database.ScalarAsync<long>("SELECT count(*) FROM access_tokens") >= 8);
    }

    [Theory]
    [MemberData(nameof(PayloadIndexes))]
    public async Task ObservationFields_Payload_AreStoredVerbatimOrRefused(int index)
    {
        var payload = Payloads[index];
        var asId = NewObservation(payload);
        var inSummary = NewObservation($"inj-summary-{index}");
        inSummary.Notes = payload;
        var asReporter = NewObservation($"inj-reporter-{index}");
        asReporter.ReporterId = payload;
        var asCommunity = NewObservation($"inj-community-{index}");
        asCommunity.CommunityId = payload;
        var asBase = NewObservation($"inj-base-{index}");
        asBase.BaseId = payload;
        var asArea = NewObservation($"inj-area-{index}");
        asArea.Area = new Shape { Wkt = payload };

        var asIssuedId = NewObservation($"inj-issued-{index}");
        asIssuedId.Id = payload;

        if (await StoredOrRefused("client_id", () => api.SubmitAsync(asId)))
        {
            Assert.Equal(IdOf(payload), (await api.Channel.Observations.GetAsync(new GetObservationRequest { Id = IdOf(payload) }).ResponseAsync).Id);
        }

        Assert.False(await StoredOrRefused("id", () => api.SubmitAsync(asIssuedId)));

        if (await StoredOrRefused("summary", () => api.SubmitAsync(inSummary)))
        {
            Assert.Equal(payload, (await api.Channel.Observations.GetAsync(new GetObservationRequest { Id = IdOf(inSummary.ClientId) }).ResponseAsync).Notes);
        }

        if (await StoredOrRefused("reporter_id", () => api.SubmitAsync(asReporter)))
        {
            Assert.Equal(payload, (await api.Channel.Observations.GetAsync(new GetObservationRequest { Id = IdOf(asReporter.ClientId) }).ResponseAsync).ReporterId);
        }

        await StoredOrRefused("community_id", () => api.SubmitAsync(asCommunity));
        await StoredOrRefused("base_id", () => api.SubmitAsync(asBase));
        Assert.False(await StoredOrRefused("area", () => api.SubmitAsync(asArea)));
        await StoredOrRefused("Get id", () => api.Channel.Observations.GetAsync(new GetObservationRequest { Id = payload }).ResponseAsync);
        await StoredOrRefused("GetSources id", () => api.As(Role.Supervisor).Observations.GetSourcesAsync(new GetObservationRequest { Id = payload }).ResponseAsync);
        await StoredOrRefused("GetHistory id", () => api.As(Role.Supervisor).Observations.GetHistoryAsync(new GetObservationRequest { Id = payload }).ResponseAsync);
        await StoredOrRefused("Review note", () => api.As(Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = IdOf(inSummary.ClientId), Verification = VerificationStatus.Verified, Note = payload }).ResponseAsync);
        await StoredOrRefused("RecordSource", () => api.As(Role.Supervisor).Observations.RecordSourceAsync(new Source { ClientId = $"inj-source-{index}", ObservationId = IdOf(inSummary.ClientId), Kind = SourceKind.CommunityLeader, Description = payload, Contact = payload }).ResponseAsync);
        await AssertTablesIntact();
    }

    [Theory]
    [MemberData(nameof(PayloadIndexes))]
    public async Task Filters_Payload_MatchNothingOrAreRefused(int index)
    {
        var payload = Payloads[index];
        await api.SubmitAsync(NewObservation($"inj-filter-{index}"));

        foreach (var filter in new[]
        {
            new ObservationFilter { CommunityIds = { payload } },
            new ObservationFilter { BaseIds = { payload } },
            new ObservationFilter { Area = new Area { Shape = new Shape { Wkt = payload } } },
            new ObservationFilter { Area = new Area { Shape = new Shape { Geojson = payload } } },
        })
        {
            var matched = 0L;
            if (await StoredOrRefused($"filter {filter}", async () => matched = (await api.Channel.Observations.CountAsync(filter).ResponseAsync).Observations))
            {
                Assert.Equal(0, matched);
            }
        }

        await StoredOrRefused("page_token", () => api.QueryAllAsync(new ObservationFilter(), pageToken: payload));
        await StoredOrRefused("ListCommunities sector", () => api.As(Role.Supervisor).Registry.ListCommunitiesAsync(new ListRequest { Sector = payload }).ResponseAsync);
        await StoredOrRefused("ListBases page_token", () => api.As(Role.Supervisor).Registry.ListBasesAsync(new ListRequest { PageToken = payload }).ResponseAsync);
        await StoredOrRefused("ListDeployments base_id", () => api.As(Role.Supervisor).Registry.ListDeploymentsAsync(new ListDeploymentsRequest { BaseId = payload }).ResponseAsync);
        await StoredOrRefused("GetCommunity id", () => api.As(Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = payload }).ResponseAsync);
        await StoredOrRefused("QueryAudit actor", () => AccessCalls.ReadAllAsync(api.As(Role.Administrator).Access.QueryAudit(new QueryAuditRequest { Actor = payload, TargetKind = payload, TargetId = payload })));
        await StoredOrRefused("RevokeToken id", () => api.As(Role.Administrator).Access.RevokeTokenAsync(new RevokeTokenRequest { Id = payload }).ResponseAsync);
        var stillThere = await api.Channel.Observations.CountAsync(new ObservationFilter { Area = new Area { Circle = new Circle { Center = new GeoPoint { Longitude = 29.22, Latitude = -1.68 }, RadiusMetres = 1 } } }).ResponseAsync;
        Assert.True(stillThere.Observations > 0);
        await AssertTablesIntact();
    }

    [Theory]
    [MemberData(nameof(PayloadIndexes))]
    public async Task HttpParameters_Payload_AreRefusedOrMatchNothing_NeverAnInternalError(int index)
    {
        var payload = Uri.EscapeDataString(Payloads[index]);
        using var http = new HttpClient();
        var calls = new (Role Role, string Path)[]
        {
            (Role.Importer, $"/feeds/observations?cursor={payload}"),
            (Role.Importer, $"/feeds/observations?limit={payload}"),
            (Role.Importer, $"/feeds/observations/{payload}"),
            (Role.Importer, $"/feeds/layers/bases?sector={payload}"),
            (Role.Importer, $"/feeds/layers/communities-at-risk?sector={payload}&at={payload}"),
            (Role.CpasFocalPoint, $"/indicators?period={payload}"),
            (Role.CpasFocalPoint, $"/indicators?period=2026-Q3&level=base&id={payload}"),
            (Role.CpasFocalPoint, $"/indicators?period=2026-Q3&level={payload}&format={payload}"),
        };

        foreach (var (role, path) in calls)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Service.HttpEndpoint, path));
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", api.TokenOf(role));
            using var response = await http.SendAsync(request);
            var status = (int)response.StatusCode;
            Assert.True(status is 200 or 400 or 404, $"{path}: HTTP {status}: {await response.Content.ReadAsStringAsync()}");
            if (status == 200 && path.StartsWith("/feeds/layers/", StringComparison.Ordinal))
            {
                // Only records whose sector is the payload itself, stored verbatim by the registry test.
                using var document = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
                Assert.All(document.RootElement.GetProperty("features").EnumerateArray(),
                    f => Assert.Equal(Payloads[index], f.GetProperty("properties").GetProperty("sector").GetString()));
            }
        }

        await AssertTablesIntact();
    }

    [Theory]
    [MemberData(nameof(PayloadIndexes))]
    public async Task RegistryAndAccessFields_Payload_AreStoredVerbatimOrRefused(int index)
    {
        var payload = Payloads[index];
        var community = new Community { Id = $"inj-village-{index}", Name = payload, AdminArea = payload, Sector = payload, Location = new Shape { Wkt = "POINT(29.3 -1.6)" } };
        if (await StoredOrRefused("community text", () => api.As(Role.Planner).Registry.CreateCommunityAsync(community).ResponseAsync))
        {
            var stored = await api.As(Role.Supervisor).Registry.GetCommunityAsync(new GetByIdRequest { Id = community.Id }).ResponseAsync;
            Assert.Equal((payload, payload, payload), (stored.Name, stored.AdminArea, stored.Sector));
            var listed = await api.As(Role.Supervisor).Registry.ListCommunitiesAsync(new ListRequest { Sector = payload }).ResponseAsync;
            Assert.Contains(listed.Communities, c => c.Id == community.Id);
        }

        await StoredOrRefused("community id", () => api.As(Role.Planner).Registry.CreateCommunityAsync(new Community { Id = payload, Name = "n", Location = new Shape { Wkt = "POINT(29.3 -1.6)" } }).ResponseAsync);
        Assert.False(await StoredOrRefused("community wkt", () => api.As(Role.Planner).Registry.CreateCommunityAsync(new Community { Id = $"inj-wkt-{index}", Name = "n", Location = new Shape { Wkt = payload } }).ResponseAsync));
        Assert.False(await StoredOrRefused("community geojson", () => api.As(Role.Planner).Registry.CreateCommunityAsync(new Community { Id = $"inj-geojson-{index}", Name = "n", Location = new Shape { Geojson = payload } }).ResponseAsync));
        var station = new Base { Id = $"inj-base-{index}", Name = payload, Unit = payload, Sector = payload, AdminArea = payload, Kind = BaseKind.OperatingBase, Location = new GeoPoint { Longitude = 29.3, Latitude = -1.6 } };
        if (await StoredOrRefused("base text", () => api.As(Role.Planner).Registry.CreateBaseAsync(station).ResponseAsync))
        {
            Assert.Equal(payload, (await api.As(Role.Supervisor).Registry.GetBaseAsync(new GetByIdRequest { Id = station.Id }).ResponseAsync).Unit);
            var deployment = new ClaDeployment
            {
                Id = $"inj-deployment-{index}", ClaId = payload, Sex = Sex.Female, BaseId = station.Id, From = new CalendarDate { Year = 2026, Month = 1, Day = 1 }, HomeLocality = payload,
            };
            if (await StoredOrRefused("deployment text", () => api.As(Role.Supervisor).Registry.CreateDeploymentAsync(deployment).ResponseAsync))
            {
                var stored = await api.As(Role.Supervisor).Registry.GetDeploymentAsync(new GetByIdRequest { Id = deployment.Id }).ResponseAsync;
                Assert.Equal((payload, payload), (stored.ClaId, stored.HomeLocality));
            }
        }

        await StoredOrRefused("sector", () => api.As(Role.Planner).Registry.PutSectorAsync(new Sector { Id = payload, Name = payload, Area = new Shape { Wkt = "POLYGON((40 0, 41 0, 41 1, 40 1, 40 0))" } }).ResponseAsync);
        if (await StoredOrRefused("token subject", () => api.As(Role.Administrator).Access.IssueTokenAsync(new IssueTokenRequest { Role = Geo.Api.V1.Role.Analyst, Subject = payload, Note = payload }).ResponseAsync))
        {
            var tokens = await AccessCalls.ReadAllAsync(api.As(Role.Administrator).Access.ListTokens(new ListTokensRequest()));
            Assert.Contains(tokens, t => t.Subject == payload && t.Note == payload);
        }

        await StoredOrRefused("token sectors", () => api.As(Role.Administrator).Access.IssueTokenAsync(new IssueTokenRequest { Role = Geo.Api.V1.Role.Analyst, Subject = "s", Sectors = { payload } }).ResponseAsync);
        await StoredOrRefused("referral", () => api.As(Role.Cla).Referrals.SubmitAsync(new Referral { ClientId = $"inj-referral-{index}", Section = ReferralSection.HumanRights, ContactDetails = payload }).ResponseAsync);
        await AssertTablesIntact();
    }

    [Theory]
    [InlineData("gat_' OR '1'='1.secret")]
    [InlineData("gat_x'; DROP TABLE access_tokens; --.secret")]
    [InlineData("gat_\\.\\")]
    public async Task BearerToken_Payload_IsUnauthenticated(string token)
    {
        using var channel = new GeoAwarenessClient(api.Service.GrpcEndpoint, token);

        await FailsWith(StatusCode.Unauthenticated, () => channel.Access.WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);
        await AssertTablesIntact();
    }
}
