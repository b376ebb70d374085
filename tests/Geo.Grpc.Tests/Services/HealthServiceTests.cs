using Geo.Grpc.Client;
using Geo.Grpc.Protocol;
using Geo.Testing.Echo;
using Grpc.Health.V1;
using Xunit;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Geo.Grpc.Tests.Services;

public sealed class HealthServiceTests(EchoServerFixture server) : IClassFixture<EchoServerFixture>
{
    private static readonly GrpcMethod<HealthCheckRequest, HealthCheckResponse> Check = new(HealthReflection.Descriptor.Services[0].FindMethodByName("Check"));
    private static readonly GrpcMethod<HealthCheckRequest, HealthCheckResponse> Watch = new(HealthReflection.Descriptor.Services[0].FindMethodByName("Watch"));

    [Theory]
    [InlineData("")]
    [InlineData("geoawareness.testing.v1.Echo")]
    [InlineData("grpc.health.v1.Health")]
    [InlineData("grpc.reflection.v1.ServerReflection")]
    public async Task Check_LiveDatabase_Serving(string service)
    {
        var response = await server.Channel.UnaryAsync(Check, new HealthCheckRequest { Service = service });

        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_UnknownService_NotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => server.Channel.UnaryAsync(Check, new HealthCheckRequest { Service = "no.such.Service" }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Watch_LiveDatabase_SendsServingAtOnceAndKeepsTheCallOpen()
    {
        using var cancel = new CancellationTokenSource();
        using var call = server.Channel.ServerStreamingCall(Watch, new HealthCheckRequest(), new CallOptions { CancellationToken = cancel.Token });

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);
        var next = call.ResponseStream.MoveNext(CancellationToken.None);
        await Task.Delay(1500);
        Assert.False(next.IsCompleted);

        await cancel.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => next);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Watch_ServiceStops_NotServingThenTheCallEndsOk()
    {
        var service = await GrpcTestServer.StartAsync(server.Database.ConnectionString);
        using var channel = new GrpcChannel(service.GrpcEndpoint);
        using var call = channel.ServerStreamingCall(Watch, new HealthCheckRequest());
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);

        var stopping = service.DisposeAsync().AsTask();

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(ServingStatus.NotServing, call.ResponseStream.Current.Status);
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        await stopping;
    }

    [Fact]
    public async Task Watch_UnknownService_ServiceUnknownWithoutEndingTheCall()
    {
        using var call = server.Channel.ServerStreamingCall(Watch, new HealthCheckRequest { Service = "no.such.Service" });

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(ServingStatus.ServiceUnknown, call.ResponseStream.Current.Status);
    }
}
