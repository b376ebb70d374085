using Geo.Api.V1;
using Geo.Api;
using Grpc.Core;
using Geo.Grpc.Tests.Access;
using Geo.Grpc.Tests.Api;
using Google.Protobuf.WellKnownTypes;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Hostile;

/// <summary>
/// Values that reached a handler as an exception (UNKNOWN "Exception was thrown by handler.") or
/// as a status that names no field, found by the attack on issue 16 and by <see cref="FuzzTests"/>:
/// each is now INVALID_ARGUMENT naming its field, or answered.
/// </summary>
public sealed class HostileValueTests(ApiFixture api) : IClassFixture<ApiFixture>
{

    private static HeatMapRequest HeatMap(Timestamp from, Timestamp to) => new()
    {
        Filter = new ObservationFilter
        {
            Area = new Area { Bbox = new BoundingBox { West = 29, South = -2, East = 29.5, North = -1.5 } },
            ObservedFrom = from,
            ObservedTo = to,
        },
        CellSizeMetres = 5000,
    };

    [Theory]
    [InlineData(1L << 62, 0, "weighting.half_life: 4611686018427387904 s and 0 ns is not a duration")]
    [InlineData(long.MinValue, 0, "weighting.half_life: -9223372036854775808 s and 0 ns is not a duration")]
    [InlineData(1, -5, "weighting.half_life: 1 s and -5 ns is not a duration")]
    [InlineData(0, 1_000_000_000, "weighting.half_life: 0 s and 1000000000 ns is not a duration")]
    public async Task HeatMap_HalfLifeOutsideWhatADurationHolds_IsRefusedNamingIt(long seconds, int nanos, string expected)
    {
        var request = HeatMap(Time("2026-01-01T00:00:00Z"), Time("2026-03-01T00:00:00Z"));
        request.Method = HeatMapMethod.WeightedSum;
        request.Weighting = new Weighting { HalfLife = new Duration { Seconds = seconds, Nanos = nanos } };

        var detail = await FailsWith(StatusCode.InvalidArgument, () => AccessCalls.ReadAllAsync(api.As(Role.Analyst).HeatMaps.Compute(request)));

        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SeriesStep.Week)]
    [InlineData(SeriesStep.Month)]
    public async Task HeatMap_SeriesEndingInDecember9999_IsAnswered(SeriesStep step)
    {
        var request = HeatMap(Time("9999-10-01T00:00:00Z"), Time("9999-12-31T23:59:59Z"));
        request.Step = step;

        var chunks = await AccessCalls.ReadAllAsync(api.As(Role.Analyst).HeatMaps.Compute(request));

        Assert.Equal(Time("9999-12-31T23:59:59Z"), chunks[0].Grid.Frames[^1].To);
    }

    [Theory]
    [InlineData("MULTIPOLYGON(((0 89,1 89,1 90,0 89)),((0 -90,1 -89,0 -89,0 -90)))", "filter.area: has (0 -90), which the plane a heat map is laid out on")]
    [InlineData("POLYGON((0 -90,1 -90,1 -89,0 -89,0 -90))", "filter.area: has (0 -90), which the plane a heat map is laid out on")]
    public async Task HeatMap_AreaReachingAPole_IsRefusedNamingTheVertex(string wkt, string expected)
    {
        // Two triangles of 108 km² touching the poles: the projection gave NaN and laying the grid
        // out threw ArgumentException (UNKNOWN).
        var request = HeatMap(Time("2026-01-01T00:00:00Z"), Time("2026-03-01T00:00:00Z"));
        request.Filter.Area = new Area { Shape = new Shape { Wkt = wkt } };

        var detail = await FailsWith(StatusCode.InvalidArgument, () => AccessCalls.ReadAllAsync(api.As(Role.Analyst).HeatMaps.Compute(request)));

        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeatMap_BoxBeyondLatitudes_IsRefusedNamingTheFieldNotProjected()
    {
        // Found by the fuzz test: the pole check projected a box the area rules had just refused,
        // and ProjNET threw TargetInvocationException for a centre at latitude 5e14.
        var request = HeatMap(Time("2026-01-01T00:00:00Z"), Time("2026-03-01T00:00:00Z"));
        request.Filter.Area.Bbox.South = 1e15;

        var detail = await FailsWith(StatusCode.InvalidArgument, () => AccessCalls.ReadAllAsync(api.As(Role.Planner).HeatMaps.Compute(request)));

        Assert.StartsWith("filter.area.bbox.south: 1000000000000000 is out of range -90..90", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_ObservedInTheFirstMinuteATimestampHolds_IsRefusedNamingTheField()
    {
        // observed_at minus the clock skew threw ArgumentOutOfRangeException (UNKNOWN).
        var observation = NewObservation("year-one", observedAt: "0001-01-01T00:00:01Z");
        observation.ReportedAt = Time("2026-03-01T10:00:00Z");

        var detail = await FailsWith(StatusCode.InvalidArgument, () => api.SubmitAsync(observation));

        Assert.Equal("observations[0].observed_at: 0001-01-01T00:00:01Z is before 1990-01-01T00:00:00Z", detail);
    }

    [Fact]
    public async Task IssueToken_UnknownReferralSection_IsRefusedNamingIt()
    {
        var detail = await FailsWith(StatusCode.InvalidArgument, () => api.As(Role.Administrator).Access.IssueTokenAsync(new IssueTokenRequest { Role = Geo.Api.V1.Role.ReferralSection, Subject = "section-99", ReferralSection = (ReferralSection)99 }).ResponseAsync);

        Assert.StartsWith("referral_section: 99 is not a known ReferralSection", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryAudit_NulInAFilter_IsRefusedNamingTheField()
    {
        // Before: "a text field contains a NUL character", from the database, naming nothing.
        var detail = await FailsWith(StatusCode.InvalidArgument, () => AccessCalls.ReadAllAsync(api.As(Role.Administrator).Access.QueryAudit(new QueryAuditRequest { TargetId = "x\0y" })));

        Assert.Equal("target_id: contains a NUL character (U+0000), which cannot be stored or searched; remove it", detail);
    }

    [Fact]
    public async Task Ingest_NulInTheSecondMessage_IsRefusedNamingItsItemAndSayingWhatWasStored()
    {
        var bad = NewObservation("nul-2");
        bad.Notes = "before\0after";
        using var call = api.Channel.Observations.Ingest();
        await call.RequestStream.WriteAsync(new IngestRequest { Observations = { NewObservation("nul-1") } }, CancellationToken.None);
        await call.RequestStream.WriteAsync(new IngestRequest { Observations = { bad } }, CancellationToken.None);
        await call.RequestStream.CompleteAsync();

        var detail = await FailsWith(StatusCode.InvalidArgument, () => call.ResponseAsync);

        Assert.Equal(
            "requests[1].observations[0].notes: contains a NUL character (U+0000), which cannot be stored or searched; remove it. " +
            "Messages before requests[1] were stored (1 new, 0 already stored); nothing of requests[1] or after it",
            detail);
    }

    [Fact]
    public async Task Submit_HugeIssuedIdQuotedBack_LeavesAStatusTheClientCanRead()
    {
        // The refusal quoted the 100,000-character id whole: 300 kB of grpc-message that the .NET
        // client refused as headers over 64 KiB, failing the whole HTTP/2 connection.
        var observation = NewObservation("huge-id");
        observation.Id = new string('a', 100_000);

        var detail = await FailsWith(StatusCode.InvalidArgument, () => api.SubmitAsync(observation));

        Assert.StartsWith("observations[0].id: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' (100000 characters) is not the id", detail, StringComparison.Ordinal);
        Assert.NotNull(await api.SubmitAsync(NewObservation("after-huge-id")));
    }

    [Theory]
    [InlineData("MaxCallSeconds=0", "GeoAwareness:Limits:MaxCallSeconds: 0 is not a number of seconds above 0")]
    [InlineData("MaxShapeDepth=65", "GeoAwareness:Limits:MaxShapeDepth: 65 is out of range 1..64")]
    [InlineData("MaxShapeVertices=0", "GeoAwareness:Limits:MaxShapeVertices: 0 must be at least 1")]
    public async Task Start_LimitThatCannotHold_StopsTheStartNamingTheSetting(string setting, string expected)
    {
        var refused = await Assert.ThrowsAsync<Geo.Grpc.Hosting.StartupException>(() => Geo.Testing.Echo.GrpcTestServer.StartAsync(
            api.Database.ConnectionString, [.. Settings, "--GeoAwareness:Limits:" + setting]));

        Assert.Equal(expected, refused.Message);
    }
}
