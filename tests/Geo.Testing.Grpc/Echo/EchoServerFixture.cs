using Geo.Grpc.Hosting;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Geo.Testing.Echo;

/// <summary>
/// A class fixture: the service with the Echo handler, on its own database, and a client
/// channel to it. Settings tests rely on: 64 KiB receive limit, detailed errors off.
/// </summary>
public sealed class EchoServerFixture : IAsyncLifetime, IDisposable
{
    public const int MaxReceiveMessageBytes = 64 * 1024;

    private readonly PostgisDatabase _database = new();
    private GeoAwarenessService? _service;
    private GrpcChannel? _channel;

    public GeoAwarenessService Service => _service ?? throw new InvalidOperationException("the fixture is not initialised");

    public GrpcChannel Channel => _channel ?? throw new InvalidOperationException("the fixture is not initialised");

    public Echo.EchoClient Client => new(Channel);

    public EchoCallLog CallLog => Service.App.Services.GetRequiredService<EchoCallLog>();

    public PostgisDatabase Database => _database;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync().ConfigureAwait(false);
        _service = await GrpcTestServer.StartAsync(
            _database.ConnectionString,
            [$"--GeoAwareness:Grpc:MaxReceiveMessageBytes={MaxReceiveMessageBytes}", "--GeoAwareness:Grpc:HealthWatchIntervalSeconds=1"]).ConfigureAwait(false);
        _channel = GrpcChannel.ForAddress(_service.GrpcEndpoint, new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
    }

    public void Dispose() => _channel?.Dispose();

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_service is not null)
        {
            await _service.DisposeAsync().ConfigureAwait(false);
        }

        await _database.DisposeAsync().ConfigureAwait(false);
    }
}
