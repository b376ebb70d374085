using Geo.Grpc.Hosting;
using Geo.Testing;
using Geo.Testing.Echo;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Geo.Interop.Tests;

/// <summary>
/// Our service in-process (real Kestrel socket on 127.0.0.1, real PostGIS database of its own)
/// with the Echo handler, at the gRPC defaults the peers assume (4 MiB receive limit).
/// </summary>
public sealed class OurServerFixture : IAsyncLifetime
{
    private readonly PostgisDatabase _database = new();
    private GeoAwarenessService? _service;

    public GeoAwarenessService Service => _service ?? throw new InvalidOperationException("the fixture is not initialised");

    /// <summary>host:port, as the peer clients take it.</summary>
    public string Target => $"{Service.GrpcEndpoint.Host}:{Service.GrpcEndpoint.Port}";

    public PostgisDatabase Database => _database;

    public EchoCallLog CallLog => Service.App.Services.GetRequiredService<EchoCallLog>();

    public async Task InitializeAsync()
    {
        Peers.Peers.EnsureInstalled();
        await _database.InitializeAsync().ConfigureAwait(false);
        _service = await GrpcTestServer.StartAsync(_database.ConnectionString).ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync().ConfigureAwait(false);
        }

        await _database.DisposeAsync().ConfigureAwait(false);
    }
}
