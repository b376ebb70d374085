using Geo.Api.V1;
using Grpc.Core;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;

namespace Geo.Grpc.Tests.Api;

public sealed class ObservationSubmitTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Submit_NewObservations_StoresThemAsSent()
    {
        var sent = NewObservation("submit-1");
        sent.Vulnerabilities.Add(Vulnerability.InternallyDisplaced);
        sent.Area = new Shape { Wkt = "POLYGON((29.2 -1.7, 29.25 -1.7, 29.25 -1.65, 29.2 -1.65, 29.2 -1.7))" };

        var response = await api.SubmitAsync(sent, NewObservation("submit-2"));
        var stored = await api.As(Geo.Core.Access.Role.Supervisor).Observations.GetAsync(new GetObservationRequest { Id = IdOf("submit-1") }).ResponseAsync;

        Assert.Equal(2, response.Stored);
        Assert.Empty(response.AlreadyStoredIds);
        Assert.Equal([IdOf("submit-1"), IdOf("submit-2")], response.Ids);
        Assert.Equal(IdOf("submit-1"), stored.Id);
        Assert.Empty(stored.ClientId);
        Assert.Equal(sent.ObservedAt, stored.ObservedAt);
        Assert.Equal(29.22, stored.Location.Longitude);
        Assert.Equal(-1.68, stored.Location.Latitude);
        Assert.Equal(Category.ThreatOfPhysicalViolence, stored.Category);
        Assert.Equal(VerificationStatus.Reported, stored.Verification);
        Assert.Equal(4, stored.Affected.Single(a => a.Sex == Sex.Female && a.AgeGroup == AgeGroup.Child).Count);
        Assert.Equal([Vulnerability.InternallyDisplaced], stored.Vulnerabilities);
        Assert.StartsWith("MULTIPOLYGON", stored.Area.Wkt, StringComparison.Ordinal);
        Assert.Equal(1, stored.Version);
    }

    [Fact]
    public async Task Submit_ReplayOfTheSameBatch_ChangesNothingAndReportsTheIds()
    {
        await api.SubmitAsync(NewObservation("replay-1"), NewObservation("replay-2"));

        var replay = await api.SubmitAsync(NewObservation("replay-1"), NewObservation("replay-2"), NewObservation("replay-3"));

        Assert.Equal(1, replay.Stored);
        Assert.Equal(["replay-1", "replay-2"], replay.AlreadyStoredIds.Order());
        Assert.Equal([IdOf("replay-1"), IdOf("replay-2"), IdOf("replay-3")], replay.Ids);
        Assert.Equal(1L, await api.Database.ScalarAsync<long>($"SELECT count(*) FROM observations WHERE id = '{IdOf("replay-1")}'"));
    }

    [Fact]
    public async Task Submit_SameIdWithOtherContent_IsAlreadyExistsAndNothingIsOverwrittenOrAdded()
    {
        await api.SubmitAsync(NewObservation("conflict-1"));
        var changed = NewObservation("conflict-1");
        changed.Severity = 5;

        var detail = await FailsWith(StatusCode.AlreadyExists, () => api.SubmitAsync(NewObservation("conflict-new"), changed));

        Assert.Contains("observations[1].client_id", detail, StringComparison.Ordinal);
        Assert.Contains("'conflict-1'", detail, StringComparison.Ordinal);
        Assert.Equal((short)3, await api.Database.ScalarAsync<short>($"SELECT severity FROM observations WHERE id = '{IdOf("conflict-1")}'"));
        Assert.Equal(0L, await api.Database.ScalarAsync<long>($"SELECT count(*) FROM observations WHERE id = '{IdOf("conflict-new")}'"));
    }

    [Fact]
    public async Task Submit_SameIdTwiceInOneBatchWithOtherContent_IsRefusedNamingBoth()
    {
        var second = NewObservation("twice-1");
        second.Notes = "something else";

        var detail = await FailsWith(StatusCode.InvalidArgument, () => api.SubmitAsync(NewObservation("twice-1"), second));

        Assert.Contains("observations[1].client_id", detail, StringComparison.Ordinal);
        Assert.Contains("observations[0]", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_SameIdTwiceInOneBatchWithTheSameContent_IsStoredOnceAndTheRepeatReportedAsAlreadyStored()
    {
        var response = await api.SubmitAsync(NewObservation("twice-same-1"), NewObservation("twice-same-2"), NewObservation("twice-same-1"));

        Assert.Equal(2, response.Stored);
        Assert.Equal(["twice-same-1"], response.AlreadyStoredIds);
        Assert.Equal([IdOf("twice-same-1"), IdOf("twice-same-2"), IdOf("twice-same-1")], response.Ids);
        Assert.Equal(1L, await api.Database.ScalarAsync<long>($"SELECT count(*) FROM observations WHERE id = '{IdOf("twice-same-1")}'"));
    }

    [Fact]
    public async Task Submit_TheSameKeyFromTwoSubmitters_StoresTwoObservationsUnderTheirOwnIds()
    {
        using var other = await api.ChannelForAsync(Core.Access.Role.Supervisor, "supervisor-other");
        var changed = NewObservation("shared-key-1");
        changed.Severity = 5;

        await api.SubmitAsync(NewObservation("shared-key-1"));
        var theirs = await other.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { changed } }).ResponseAsync;

        Assert.Equal(1, theirs.Stored);
        Assert.Empty(theirs.AlreadyStoredIds);
        Assert.Equal([IdOf("shared-key-1", "supervisor-other")], theirs.Ids);
        Assert.NotEqual(IdOf("shared-key-1"), IdOf("shared-key-1", "supervisor-other"));
        Assert.Equal(3, (await api.As(Geo.Core.Access.Role.Supervisor).Observations.GetAsync(new GetObservationRequest { Id = IdOf("shared-key-1") }).ResponseAsync).Severity);
        Assert.Equal(5, (await api.As(Geo.Core.Access.Role.Supervisor).Observations.GetAsync(new GetObservationRequest { Id = IdOf("shared-key-1", "supervisor-other") }).ResponseAsync).Severity);
    }

    [Fact]
    public async Task Submit_WithTheIdItWasIssued_IsAReplay_AndWithAnyOtherId_IsRefusedNamingTheIssuedOne()
    {
        var first = await api.SubmitAsync(NewObservation("echo-1"));
        var echoed = NewObservation("echo-1");
        echoed.Id = first.Ids[0];
        var forged = NewObservation("echo-2");
        forged.Id = IdOf("echo-1");

        var replay = await api.SubmitAsync(echoed);
        var detail = await FailsWith(StatusCode.InvalidArgument, () => api.SubmitAsync(forged));

        Assert.Equal(["echo-1"], replay.AlreadyStoredIds);
        Assert.Equal($"observations[0].id: '{IdOf("echo-1")}' is not the id the service issues for client_id 'echo-2' ('{IdOf("echo-2")}'): leave it empty", detail);
    }

    public static TheoryData<string, string, string> BadObservations => new()
    {
        { "latitude out of range", "observations[1].location.latitude", "95 is out of range" },
        { "longitude out of range", "observations[1].location.longitude", "-181 is out of range" },
        { "NaN latitude", "observations[1].location.latitude", "not a finite number" },
        { "infinite longitude", "observations[1].location.longitude", "not a finite number" },
        { "missing location", "observations[1].location", "is required" },
        { "unclosed polygon", "observations[1].area.wkt", "closed" },
        { "unclosed GeoJSON polygon", "observations[1].area.geojson", "ring 0 is not closed" },
        { "self-intersecting polygon", "observations[1].area", "Self-intersection" },
        { "polygon across the antimeridian", "observations[1].area", "antimeridian" },
        { "empty geometry", "observations[1].area", "is empty" },
        { "area that is a line", "observations[1].area", "must be a Polygon or MultiPolygon" },
        { "unknown category", "observations[1].category", "42 is not a known ObservationCategory" },
        { "missing category", "observations[1].category", "is required" },
        { "unknown precision", "observations[1].location_precision", "9 is not a known LocationPrecision" },
        { "unknown sex", "observations[1].affected[0].sex", "7 is not a known Sex" },
        { "unknown vulnerability", "observations[1].vulnerabilities[0]", "12 is not a known Vulnerability" },
        { "observed in the future", "observations[1].observed_at", "is in the future" },
        { "severity 6", "observations[1].severity", "6 is out of range 1..5" },
        { "severity 0", "observations[1].severity", "0 is out of range 1..5" },
        { "negative count", "observations[1].affected[1].count", "-3 is negative" },
        { "missing client id", "observations[1].client_id", "is required" },
        { "client id too long", "observations[1].client_id", "at most 128" },
        { "missing reporter", "observations[1].reporter_id", "is required" },
    };

    [Theory]
    [MemberData(nameof(BadObservations))]
    public async Task Submit_BatchWithOneBadItem_StoresNothingAndNamesItemAndField(string problem, string field, string message)
    {
        var prefix = "bad-" + Guid.NewGuid().ToString("N")[..8];
        var bad = NewObservation($"{prefix}-0001");
        Spoil(bad, problem);

        var detail = await FailsWith(StatusCode.InvalidArgument, () => api.SubmitAsync(NewObservation($"{prefix}-0000"), bad, NewObservation($"{prefix}-0002")));
        var storedAfterRefusal = await api.CountStoredAsync(prefix, 0, 3);
        // The valid neighbours alone are stored, and counted: so the zero above is not a count of ids nothing could have had.
        await api.SubmitAsync(NewObservation($"{prefix}-0000"), NewObservation($"{prefix}-0002"));

        Assert.StartsWith(field + ":", detail, StringComparison.Ordinal);
        Assert.Contains(message, detail, StringComparison.Ordinal);
        Assert.Equal(0L, storedAfterRefusal);
        Assert.Equal(2L, await api.CountStoredAsync(prefix, 0, 3));
    }

    [Fact]
    public async Task Submit_UnknownCommunityOrBase_IsNotFoundNamingTheFieldAndStoresNothing()
    {
        var unknownCommunity = NewObservation("ref-0001");
        unknownCommunity.CommunityId = "no-such-community";
        var unknownBase = NewObservation("ref-0003");
        unknownBase.BaseId = "no-such-base";

        var community = await FailsWith(StatusCode.NotFound, () => api.SubmitAsync(NewObservation("ref-0000"), unknownCommunity));
        var station = await FailsWith(StatusCode.NotFound, () => api.SubmitAsync(NewObservation("ref-0002"), unknownBase));
        var storedAfterRefusals = await api.CountStoredAsync("ref", 0, 4);
        // The valid neighbours alone are stored, and counted: so the zero above is not a count of ids nothing could have had.
        await api.SubmitAsync(NewObservation("ref-0000"), NewObservation("ref-0002"));

        Assert.StartsWith("observations[1].community_id: no community 'no-such-community'", community, StringComparison.Ordinal);
        Assert.StartsWith("observations[1].base_id: no base 'no-such-base'", station, StringComparison.Ordinal);
        Assert.Equal(0L, storedAfterRefusals);
        Assert.Equal(2L, await api.CountStoredAsync("ref", 0, 4));
    }

    [Theory]
    [InlineData(ViolationKind.ConflictRelatedSexualViolence, "", "")]
    [InlineData(ViolationKind.Unspecified, "", "She told me that on the night of ...")]
    [InlineData(ViolationKind.Unspecified, "A. B.", "")]
    public async Task Submit_IndividualCaseTestimony_IsRefusedWithTheRuleAndNothingIsStored(ViolationKind kind, string victim, string testimony)
    {
        var prefix = $"harm-{(int)kind}-{victim.Length}-{testimony.Length}";
        var observation = NewObservation($"{prefix}-0001");
        observation.IndividualCase = new CaseDisclosure { Kind = kind, VictimName = victim, Testimony = testimony };

        var detail = await FailsWith(StatusCode.InvalidArgument, () => api.SubmitAsync(NewObservation($"{prefix}-0000"), observation));
        var storedAfterRefusal = await api.CountStoredAsync(prefix, 0, 2);
        // The valid neighbour alone is stored, and counted: so the zero above is not a count of ids nothing could have had.
        await api.SubmitAsync(NewObservation($"{prefix}-0000"));

        Assert.StartsWith("observations[1].individual_case:", detail, StringComparison.Ordinal);
        Assert.Contains("do no harm", detail, StringComparison.Ordinal);
        Assert.Contains("Referrals.Submit", detail, StringComparison.Ordinal);
        Assert.Equal(0L, storedAfterRefusal);
        Assert.Equal(1L, await api.CountStoredAsync(prefix, 0, 2));
    }

    [Fact]
    public async Task Submit_EmptyOrOversizedBatch_IsRefused()
    {
        var empty = await FailsWith(StatusCode.InvalidArgument, () => api.SubmitAsync());
        var tooMany = await FailsWith(StatusCode.ResourceExhausted, () => api.SubmitAsync(Enumerable.Range(0, 501).Select(i => NewObservation($"many-{i}")).ToArray()));

        Assert.Equal("observations: is empty", empty);
        Assert.Contains("501 in one call, above the maximum of 500", tooMany, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_ObservedInTheFutureWithinTheClockSkew_IsStored_AndJustBeyondItIsRefused()
    {
        // The service allows a client clock up to 5 minutes fast; the service's clock is held still so the margins are exact.
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        using var frozen = api.Clock.Freeze(now);
        var fast = NewObservation("skew-0000", observedAt: now.AddMinutes(4).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        var tooFast = NewObservation("skew-0001", observedAt: now.AddMinutes(6).ToString("O", System.Globalization.CultureInfo.InvariantCulture));

        var accepted = await api.SubmitAsync(fast);
        var detail = await FailsWith(StatusCode.InvalidArgument, () => api.SubmitAsync(tooFast));
        var stored = await api.As(Geo.Core.Access.Role.Supervisor).Observations.GetAsync(new GetObservationRequest { Id = IdOf("skew-0000") }).ResponseAsync;

        Assert.Equal(1, accepted.Stored);
        Assert.Equal(fast.ObservedAt, stored.ObservedAt);
        Assert.StartsWith("observations[0].observed_at:", detail, StringComparison.Ordinal);
        Assert.Contains("is in the future", detail, StringComparison.Ordinal);
        Assert.Equal(1L, await api.CountStoredAsync("skew", 0, 2));
    }

    private static void Spoil(Observation observation, string problem)
    {
        switch (problem)
        {
            case "latitude out of range": observation.Location.Latitude = 95; break;
            case "longitude out of range": observation.Location.Longitude = -181; break;
            case "NaN latitude": observation.Location.Latitude = double.NaN; break;
            case "infinite longitude": observation.Location.Longitude = double.PositiveInfinity; break;
            case "missing location": observation.Location = null; break;
            case "unclosed polygon": observation.Area = new Shape { Wkt = "POLYGON((29.2 -1.7, 29.25 -1.7, 29.25 -1.65, 29.2 -1.65))" }; break;
            case "unclosed GeoJSON polygon": observation.Area = new Shape { Geojson = """{"type":"Polygon","coordinates":[[[29.2,-1.7],[29.25,-1.7],[29.25,-1.65],[29.2,-1.65]]]}""" }; break;
            case "self-intersecting polygon": observation.Area = new Shape { Wkt = "POLYGON((29.2 -1.7, 29.25 -1.65, 29.25 -1.7, 29.2 -1.65, 29.2 -1.7))" }; break;
            case "polygon across the antimeridian": observation.Area = new Shape { Wkt = "POLYGON((179.5 -17, -179.5 -17, -179.5 -16, 179.5 -16, 179.5 -17))" }; break;
            case "empty geometry": observation.Area = new Shape { Wkt = "POLYGON EMPTY" }; break;
            case "area that is a line": observation.Area = new Shape { Wkt = "LINESTRING(29.2 -1.7, 29.3 -1.6)" }; break;
            case "unknown category": observation.Category = (Category)42; break;
            case "missing category": observation.Category = Category.Unspecified; break;
            case "unknown precision": observation.LocationPrecision = (LocationPrecision)9; break;
            case "unknown sex": observation.Affected[0].Sex = (Sex)7; break;
            case "unknown vulnerability": observation.Vulnerabilities.Add((Vulnerability)12); break;
            case "observed in the future": observation.ObservedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(2)); break;
            case "severity 6": observation.Severity = 6; break;
            case "severity 0": observation.Severity = 0; break;
            case "negative count": observation.Affected[1].Count = -3; break;
            case "missing client id": observation.ClientId = string.Empty; break;
            case "client id too long": observation.ClientId = new string('x', 129); break;
            case "missing reporter": observation.ReporterId = string.Empty; break;
            default: throw new ArgumentException(problem, nameof(problem));
        }
    }
}
