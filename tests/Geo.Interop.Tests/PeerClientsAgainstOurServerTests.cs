using Geo.Interop.Tests.Peers;
using Geo.Testing.Echo;
using Xunit;

namespace Geo.Interop.Tests;

/// <summary>
/// The Python grpcio client and the grpc-js client run every scenario against our server; each
/// result is held to the same expectations the peers meet between themselves
/// (<see cref="PeerCrossCheckTests"/>).
/// </summary>
public sealed class PeerClientsAgainstOurServerTests(OurServerFixture server) : IClassFixture<OurServerFixture>
{
    private static readonly TimeSpan s_handlerWait = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task PeerClient_AllScenarios_ConformOnOurServer(PeerKind client)
    {
        var tag = $"_{client}_{Guid.NewGuid():N}";

        var results = await PeerClient.RunAsync(client, server.Target, tag: tag);

        ScenarioExpectations.AssertAll(results);
        // The client's RST_STREAM (cancel) and the expired deadlines reached our handler as its
        // cancellation token firing.
        await server.CallLog.WaitForCancellationAsync($"cancel-me{tag}", s_handlerWait);
        await server.CallLog.WaitForCancellationAsync($"slow{tag}", s_handlerWait);
        await server.CallLog.WaitForCancellationAsync($"slow-stream{tag}", s_handlerWait);
    }

    [Theory]
    [InlineData(PeerKind.Python)]
    [InlineData(PeerKind.Node)]
    public async Task PeerClient_OurServerCompressesResponses_EveryCallShapeDecodes(PeerKind client)
    {
        await using var gzipServer = await GrpcTestServer.StartAsync(
            server.Database.ConnectionString, ["--GeoAwareness:Grpc:CompressResponses=true"]);
        var target = $"{gzipServer.GrpcEndpoint.Host}:{gzipServer.GrpcEndpoint.Port}";

        var results = await PeerClient.RunAsync(
            client, target, ["unary", "server_stream", "client_stream", "bidi", "metadata", "gzip", "gzip_client_stream", "failure"]);

        Assert.Equal(8, results.Count);
        foreach (var result in results.Values)
        {
            ScenarioExpectations.AssertScenario(result);
        }
    }
}
