using Grpc.Core;
using Geo.Testing.Echo;
using Google.Protobuf.Reflection;
using Xunit;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace Geo.Grpc.Tests.Services;

/// <summary>Server reflection as grpcurl uses it, in both protocol versions.</summary>
public sealed class ReflectionServiceTests(EchoServerFixture server) : IClassFixture<EchoServerFixture>
{
    private V1.ServerReflection.ServerReflectionClient ReflectionV1 => new(server.Channel);

    private V1Alpha.ServerReflection.ServerReflectionClient ReflectionV1Alpha => new(server.Channel);

    private static readonly string[] ExpectedServices =
    [
        "geoawareness.testing.v1.Echo",
        "geoawareness.v1.Access",
        "geoawareness.v1.Alerts",
        "geoawareness.v1.CivilEstimates",
        "geoawareness.v1.CivilianPicture",
        "geoawareness.v1.Coverage",
        "geoawareness.v1.Feeds",
        "geoawareness.v1.HeatMaps",
        "geoawareness.v1.Indicators",
        "geoawareness.v1.Observations",
        "geoawareness.v1.Operations",
        "geoawareness.v1.Plans",
        "geoawareness.v1.Presence",
        "geoawareness.v1.Referrals",
        "geoawareness.v1.Registry",
        "geoawareness.v1.Roads",
        "geoawareness.v1.Webhooks",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ];

    [Fact]
    public async Task ListServices_V1_NamesEveryServedService()
    {
        var response = await AskV1(new V1.ServerReflectionRequest { ListServices = "*" });

        Assert.Equal(ExpectedServices, response.ListServicesResponse.Service.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListServices_V1Alpha_NamesEveryServedService()
    {
        var response = await AskV1Alpha(new V1Alpha.ServerReflectionRequest { ListServices = "*" });

        Assert.Equal(ExpectedServices, response.ListServicesResponse.Service.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("geoawareness.testing.v1.Echo")]
    [InlineData("geoawareness.testing.v1.Echo.Bidi")]
    [InlineData("geoawareness.testing.v1.EchoRequest")]
    public async Task FileContainingSymbol_V1_ServesTheEchoFile(string symbol)
    {
        var response = await AskV1(new V1.ServerReflectionRequest { FileContainingSymbol = symbol });

        var file = FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.EndsWith("echo.proto", file.Name, StringComparison.Ordinal);
        Assert.Equal("Echo", Assert.Single(file.Service).Name);
        Assert.Equal(4, file.Service[0].Method.Count);
    }

    [Fact]
    public async Task FileContainingSymbol_V1Alpha_ServesTheHealthFile()
    {
        var response = await AskV1Alpha(new V1Alpha.ServerReflectionRequest { FileContainingSymbol = "grpc.health.v1.HealthCheckResponse.ServingStatus" });

        var file = FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);
        // The name Grpc.HealthCheck compiled it under.
        Assert.Equal("health.proto", file.Name);
    }

    [Fact]
    public async Task FileByFilename_V1_ServesTheFile()
    {
        var response = await AskV1(new V1.ServerReflectionRequest { FileByFilename = "grpc/reflection/v1/reflection.proto" });

        var file = FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("grpc.reflection.v1", file.Package);
    }

    [Fact]
    public async Task FileContainingSymbol_Unknown_NotFoundErrorResponseAndTheStreamGoesOn()
    {
        using var call = ReflectionV1.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { FileContainingSymbol = "no.such.Thing" }, CancellationToken.None);
        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { FileContainingExtension = new V1.ExtensionRequest { ContainingType = "geoawareness.testing.v1.EchoRequest", ExtensionNumber = 100 } }, CancellationToken.None);
        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { AllExtensionNumbersOfType = "geoawareness.testing.v1.EchoRequest" }, CancellationToken.None);
        await call.RequestStream.CompleteAsync();

        var responses = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(3, responses.Count);
        Assert.Equal((int)StatusCode.NotFound, responses[0].ErrorResponse.ErrorCode);
        // Grpc.AspNetCore.Server.Reflection does not serve extensions (proto3 has none to serve).
        Assert.Equal((int)StatusCode.Unimplemented, responses[1].ErrorResponse.ErrorCode);
        Assert.Equal((int)StatusCode.Unimplemented, responses[2].ErrorResponse.ErrorCode);
    }

    private async Task<V1.ServerReflectionResponse> AskV1(V1.ServerReflectionRequest request)
    {
        using var call = ReflectionV1.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(request, CancellationToken.None);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var response = call.ResponseStream.Current;
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        return response;
    }

    private async Task<V1Alpha.ServerReflectionResponse> AskV1Alpha(V1Alpha.ServerReflectionRequest request)
    {
        using var call = ReflectionV1Alpha.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(request, CancellationToken.None);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        return call.ResponseStream.Current;
    }
}
