using System.Net.Http.Headers;
using System.Text.Json;
using Geo.Api.V1;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// Release before export (issue 16): nothing reaches the importer before a supervisor releases
/// it, here with verification not counting as release (GeoAwareness:Release:OnVerification=false);
/// the CLA's notes stay with the chain and only the released summary goes further.
/// </summary>
public sealed class ReleaseTests(ReleaseTests.NoReleaseOnVerification fixture) : IClassFixture<ReleaseTests.NoReleaseOnVerification>
{
    private ApiFixture Api => fixture.Api;

    public sealed class NoReleaseOnVerification : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new(["--GeoAwareness:Release:OnVerification=false"], null);

        public Task InitializeAsync() => Api.InitializeAsync();

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    [Fact]
    public async Task AVerifiedObservation_ReachesTheFeedOnlyOnceReleased_WithItsSummaryAndNeverTheNotes()
    {
        var observation = NewObservation("rel-1");
        observation.Notes = "My neighbour Amani saw them at the well";
        await Api.SubmitAsync(observation);
        var id = IdOf("rel-1");
        await Api.As(Geo.Core.Access.Role.Supervisor).Observations.ReviewAsync(new ReviewObservationRequest { Id = id, Verification = VerificationStatus.Verified }).ResponseAsync;
        await Api.SettledAsync();

        var beforeRelease = await FeedIdsAsync();
        var released = await Api.As(Geo.Core.Access.Role.Supervisor).Observations.ReleaseAsync(new ReleaseObservationRequest { Id = id, Summary = "Armed men seen at a water point" }).ResponseAsync;
        var again = await Api.As(Geo.Core.Access.Role.Supervisor).Observations.ReleaseAsync(new ReleaseObservationRequest { Id = id, Summary = "Armed men seen at a water point" }).ResponseAsync;
        await Api.SettledAsync();
        var (ids, text) = await FeedAsync();
        var asAnalyst = await Api.As(Role.Analyst).Observations.GetAsync(new GetObservationRequest { Id = id }).ResponseAsync;

        Assert.DoesNotContain(id, beforeRelease);
        Assert.Contains(id, ids);
        Assert.Contains("Armed men seen at a water point", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Amani", text, StringComparison.Ordinal);
        Assert.Equal(SubjectOf(Role.Supervisor), released.ReleasedBy);
        Assert.NotNull(released.ReleasedAt);
        // Releasing again with the same summary changes nothing.
        Assert.Equal(released.Version, again.Version);
        Assert.Equal("Armed men seen at a water point", asAnalyst.Summary);
        Assert.Equal(string.Empty, asAnalyst.Notes);
        Assert.Equal(string.Empty, asAnalyst.ReporterId);
        Assert.Equal(string.Empty, asAnalyst.ReleasedBy);
        Assert.Equal(1, await Api.Database.ScalarAsync<long>($"SELECT count(*) FROM audit_log WHERE action = 'observation.release' AND target_id = '{id}'"));
    }

    [Fact]
    public async Task Release_BadRequests_AreRefusedNamingTheField()
    {
        await Api.SubmitAsync(NewObservation("rel-bad"));
        var id = IdOf("rel-bad");

        var tooLong = await FailsWith(StatusCode.InvalidArgument, () => ReleaseAsync(new ReleaseObservationRequest { Id = id, Summary = new string('x', 4001) }));
        var noId = await FailsWith(StatusCode.InvalidArgument, () => ReleaseAsync(new ReleaseObservationRequest { Summary = "x" }));
        var unknown = await FailsWith(StatusCode.NotFound, () => ReleaseAsync(new ReleaseObservationRequest { Id = "obs-00000000000000000000000000000000", Summary = "x" }));
        var stale = await FailsWith(StatusCode.Aborted, () => ReleaseAsync(new ReleaseObservationRequest { Id = id, Summary = "x", ExpectedVersion = 7 }));
        var negative = await FailsWith(StatusCode.InvalidArgument, () => ReleaseAsync(new ReleaseObservationRequest { Id = id, ExpectedVersion = -1 }));

        Assert.StartsWith("summary: has 4001 characters; at most 4000", tooLong, StringComparison.Ordinal);
        Assert.StartsWith("id: ", noId, StringComparison.Ordinal);
        Assert.StartsWith("id: ", unknown, StringComparison.Ordinal);
        Assert.StartsWith("expected_version: ", stale, StringComparison.Ordinal);
        Assert.StartsWith("expected_version: ", negative, StringComparison.Ordinal);
        Assert.Equal(1, await Api.Database.ScalarAsync<long>($"SELECT version FROM observations WHERE id = '{id}'"));
    }

    [Fact]
    public async Task Submit_WithASummaryOrARelease_IsRefusedNamingTheField()
    {
        var withSummary = NewObservation("rel-sub-1");
        withSummary.Summary = "a CLA's words belong in notes";
        var withRelease = NewObservation("rel-sub-2");
        withRelease.ReleasedBy = "someone";

        var summary = await FailsWith(StatusCode.InvalidArgument, () => Api.SubmitAsync(withSummary));
        var release = await FailsWith(StatusCode.InvalidArgument, () => Api.SubmitAsync(withRelease));

        Assert.StartsWith("observations[0].summary: ", summary, StringComparison.Ordinal);
        Assert.StartsWith("observations[0].released_by: ", release, StringComparison.Ordinal);
    }

    private Task<Observation> ReleaseAsync(ReleaseObservationRequest request) =>
        Api.As(Geo.Core.Access.Role.Supervisor).Observations.ReleaseAsync(request).ResponseAsync;

    private async Task<List<string>> FeedIdsAsync() => (await FeedAsync()).Ids;

    private async Task<(List<string> Ids, string Text)> FeedAsync()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Api.Service.HttpEndpoint, "/feeds/observations?all=true"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Api.TokenOf(Role.Importer));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return ([.. document.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!)], text);
    }
}
