using System.Text;
using Geo.Api.V1;
using Geo.Api;
using Grpc.Core;
using Geo.Grpc.Tests.Wire;
using Geo.Testing;
using Google.Protobuf;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Hostile;

/// <summary>
/// The geometry attacks of issue 16 (item 4) against the running service: each is refused with
/// INVALID_ARGUMENT naming the field and the limit, and the process stays up and healthy.
/// </summary>
public sealed class HostileShapeTests(ServiceUnderAttack.Fixture fixture) : IClassFixture<ServiceUnderAttack.Fixture>
{
    private ServiceUnderAttack Service => fixture.Service;

    private static ObservationFilter WktArea(string wkt) => new() { Area = new Area { Shape = new Shape { Wkt = wkt } } };

    private async Task<RpcException> CountFails(Role role, ObservationFilter filter)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Service.As(role).Observations.CountAsync(filter, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60))).ResponseAsync);
        return error;
    }

    [Fact]
    public async Task Count_AreaOfACollectionNested50000DeepAsWkt_IsRefusedAndTheServiceStaysHealthy()
    {
        // 1 MB: the text that overflowed the stack in NetTopologySuite's WKT reader and ended the process.
        var error = await CountFails(Role.Supervisor, WktArea(HostileText.NestedWkt(50_000)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("filter.area.shape.wkt: nests 50001 levels deep; at most 10", error.Status.Detail);
        await Service.AssertHealthyAsync();
    }

    [Fact]
    public async Task Count_AreaOfACollectionNested45000DeepAsGeoJson_IsRefusedAndTheServiceStaysHealthy()
    {
        var filter = new ObservationFilter { Area = new Area { Shape = new Shape { Geojson = HostileText.NestedGeoJson(45_000) } } };

        var error = await CountFails(Role.Supervisor, filter);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("filter.area.shape.geojson: nests 90002 levels deep; at most 10", error.Status.Detail);
        await Service.AssertHealthyAsync();
    }

    [Fact]
    public async Task Count_AnalystsAreaOf20000Parts_IsRefusedAtTheCostOfReadingItsText()
    {
        // 1.8 MB; an analyst's area is tested on every coarsened point, which took 11 minutes of two cores.
        var filter = WktArea(HostileText.MultiPolygonWkt(20_000));
        var before = Service.CpuTime;

        var error = await CountFails(Role.Analyst, filter);

        var spent = Service.CpuTime - before;
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("filter.area.shape.wkt: has 20000 parts (rings, lines or points); at most 10000", error.Status.Detail);
        Assert.True(spent < TimeSpan.FromSeconds(1.5), $"refusing it cost the service {spent.TotalSeconds:0.00} s of CPU");
        await Service.AssertHealthyAsync();
    }

    [Fact]
    public async Task Count_WktWithACharacterBeyondLatin1_IsRefusedNamingTheField()
    {
        var error = await CountFails(Role.Supervisor, WktArea("POLYGON((29 -2,29.1 -2,29.1 -1.9,29 -2))\u4e00"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("filter.area.shape.wkt: has the character U+4E00 at offset 40; WKT is printable ASCII", error.Status.Detail);
    }

    [Fact]
    public async Task Count_WktWithAnInvalidUtf8Byte_IsRefusedNamingTheField()
    {
        // The generated classes write only valid UTF-8: the message is written, then one byte of
        // the WKT is replaced on the wire by 0xFF, which no UTF-8 text may hold.
        var bytes = WktArea("POLYGON((29 -2,29.1 -2,29.1 -1.9,29 -2))~").ToByteArray();
        bytes[Array.LastIndexOf(bytes, (byte)'~')] = 0xFF;
        using var raw = new RawGrpcClient(Service.GrpcEndpoint);

        var response = await raw.PostAsync("/geoawareness.v1.Observations/Count", RawGrpcClient.Frame(bytes), ("authorization", "Bearer " + Service.TokenOf(Role.Supervisor)));

        var (code, detail) = response.Status();
        Assert.Equal(StatusCode.InvalidArgument, code);
        // Google.Protobuf refuses the whole message; the service finds the field for the caller.
        Assert.Equal("filter.area.shape.wkt: is not valid UTF-8 (the byte 0xFF at offset 40 of its text)", detail);
    }

    [Fact]
    public async Task HeatMap_CombWhoseBoundaryWouldDensifyInto26MillionPoints_IsRefusedAtTheCostOfCountingThem()
    {
        // 24,004 vertices pass every shape limit; laying the grid out densified the boundary to
        // follow it at the cells' scale: over a gigabyte, twice, before the cells were counted.
        var request = new HeatMapRequest
        {
            Filter = new ObservationFilter
            {
                Area = new Area { Shape = new Shape { Wkt = HostileText.CombWkt(6_000) } },
                ObservedFrom = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)),
                ObservedTo = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero)),
            },
            CellSizeMetres = 200,
        };
        var before = Service.CpuTime;

        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAll(o => Service.As(Role.Supervisor).HeatMaps.Compute(request, o)));

        var spent = Service.CpuTime - before;
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.StartsWith("area: its boundary, followed at cells of 200 m, takes 26,474,274 points, above the maximum of 250,000", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(spent < TimeSpan.FromSeconds(2), $"refusing it cost the service {spent.TotalSeconds:0.00} s of CPU");
        await Service.AssertHealthyAsync();
    }

    public static TheoryData<string> ShapeFields() => ["Submit", "CreateCommunity", "PutSector", "IssueToken", "HeatMaps.Compute", "Query"];

    /// <summary>Every message that carries a Shape reads it through the same code, under its own field name.</summary>
    [Theory]
    [MemberData(nameof(ShapeFields))]
    public async Task EveryShapeField_CollectionNested50000Deep_IsRefusedNamingItsField(string method)
    {
        var shape = new Shape { Wkt = HostileText.NestedWkt(50_000) };
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60));
        Func<Task> call = method switch
        {
            "Submit" => () => Service.As(Role.Supervisor).Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { WithArea(Api.ApiFixture.NewObservation("deep-1"), shape) } }, options).ResponseAsync,
            "CreateCommunity" => () => Service.As(Role.Planner).Registry.CreateCommunityAsync(new Community { Id = "c-deep", Name = "Deep", Location = shape }, options).ResponseAsync,
            "PutSector" => () => Service.As(Role.Planner).Registry.PutSectorAsync(new Sector { Id = "s-deep", Name = "Deep", Area = shape }, options).ResponseAsync,
            "IssueToken" => () => Service.As(Role.Administrator).Access.IssueTokenAsync(new IssueTokenRequest { Role = Geo.Api.V1.Role.Analyst, Subject = "deep", Area = shape }, options).ResponseAsync,
            "HeatMaps.Compute" => () => ReadAll(o => Service.As(Role.Supervisor).HeatMaps.Compute(new HeatMapRequest { Filter = new ObservationFilter { Area = new Area { Shape = shape } } }, o)),
            _ => () => ReadAll(o => Service.As(Role.Supervisor).Observations.Query(new QueryObservationsRequest { Filter = new ObservationFilter { Area = new Area { Shape = shape } } }, o)),
        };
        var field = method switch
        {
            "Submit" => "observations[0].area.wkt",
            "CreateCommunity" => "location.wkt",
            "PutSector" or "IssueToken" => "area.wkt",
            "HeatMaps.Compute" => "filter.area.shape.wkt",
            _ => "filter.area.shape.wkt",
        };

        var error = await Assert.ThrowsAsync<RpcException>(call);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith($"{field}: nests 50001 levels deep; at most 10", error.Status.Detail, StringComparison.Ordinal);
        Assert.False(Service.HasExited);
    }

    private static Observation WithArea(Observation observation, Shape area)
    {
        observation.Area = area;
        return observation;
    }

    private static async Task ReadAll<TResponse>(Func<CallOptions, AsyncServerStreamingCall<TResponse>> start)
    {
        using var call = start(new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60)));
        await foreach (var unused in call.ResponseStream.ReadAllAsync())
        {
        }
    }
}
