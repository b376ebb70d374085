using Grpc.Core;
using Geo.Testing.Echo;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Xunit;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Geo.Grpc.Tests.Services;

public sealed class HealthServiceTests(EchoServerFixture server) : IClassFixture<EchoServerFixture>
{
    private Health.HealthClient Health => new(server.Channel);

    [Theory]
    [InlineData("")]
    [InlineData("geoawareness.testing.v1.Echo")]
    [InlineData("grpc.health.v1.Health")]
    [InlineData("grpc.reflection.v1.ServerReflection")]
    public async Task Check_LiveDatabase_Serving(string service)
    {
        var response = await Health.CheckAsync(new HealthCheckRequest { Service = service });

        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_UnknownService_NotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Health.CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Watch_LiveDatabase_SendsServingAtOnceAndKeepsTheCallOpen()
    {
        using var cancel = new CancellationTokenSource();
        using var call = Health.Watch(new HealthCheckRequest(), cancellationToken: cancel.Token);

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
        using var channel = GrpcChannel.ForAddress(service.GrpcEndpoint);
        using var call = new Health.HealthClient(channel).Watch(new HealthCheckRequest());
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);

        var stopping = service.DisposeAsync().AsTask();

        // The health publisher may have published its periodic SERVING just before the stop began;
        // what matters is what comes after it.
        ServingStatus status;
        do
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            status = call.ResponseStream.Current.Status;
        }
        while (status == ServingStatus.Serving);

        Assert.Equal(ServingStatus.NotServing, status);
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        await stopping;
    }

    [Fact]
    public async Task Watch_UnknownService_ServiceUnknownWithoutEndingTheCall()
    {
        using var call = Health.Watch(new HealthCheckRequest { Service = "no.such.Service" });

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(ServingStatus.ServiceUnknown, call.ResponseStream.Current.Status);
    }
}
