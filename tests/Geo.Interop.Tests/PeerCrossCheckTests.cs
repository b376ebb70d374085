using Geo.Interop.Tests.Peers;
using Xunit;

namespace Geo.Interop.Tests;

/// <summary>
/// The peers against each other (Python client → grpc-js server, grpc-js client → Python server):
/// the expectations our server is held to are first shown to hold between two implementations
/// nobody here wrote, and the peer servers our client is tested against are shown to conform.
/// </summary>
public sealed class PeerCrossCheckTests
{
    [Theory]
    [InlineData(PeerKind.Python, PeerKind.Node)]
    [InlineData(PeerKind.Node, PeerKind.Python)]
    public async Task PeerClient_AgainstOtherPeerServer_AllScenariosConform(PeerKind client, PeerKind server)
    {
        await using var peer = await PeerServer.StartAsync(server);
        var tag = $"_{client}";

        var results = await PeerClient.RunAsync(client, peer.Target, tag: tag);

        ScenarioExpectations.AssertAll(results);
        // The server saw the client's cancellation and the expired deadlines.
        foreach (var line in new[] { $"CANCELLED ServerStream cancel-me{tag}", $"CANCELLED Unary slow{tag}", $"CANCELLED ServerStream slow-stream{tag}" })
        {
            Assert.True(await peer.WaitForLineAsync(l => l == line, TimeSpan.FromSeconds(10)), $"{server} server did not log '{line}':\n{string.Join('\n', peer.Lines)}");
        }
    }
}
