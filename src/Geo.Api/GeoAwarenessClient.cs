using System.Net.Security;
using Grpc.Core;
using Grpc.Net.Client;

namespace Geo.Api;

/// <summary>How a <see cref="GeoAwarenessClient"/> connects, beyond the address and the token.</summary>
public sealed class GeoAwarenessClientOptions
{
    /// <summary>Checks the server's certificate over https (a mission's own CA, or a test's self-signed certificate); the system's trust when null.</summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    /// <summary>Largest response message accepted; null for no limit (the service sends at most its own configured maximum).</summary>
    public int? MaxReceiveMessageBytes { get; set; }

    /// <summary>Largest request message sent; null for no limit.</summary>
    public int? MaxSendMessageBytes { get; set; }

    /// <summary>Changes to the HTTP handler before the channel is made (tests: connection limits, a proxy).</summary>
    public Action<SocketsHttpHandler>? ConfigureHandler { get; set; }
}

/// <summary>
/// One channel to a GeoAwareness service, with the bearer token on every call (as call
/// credentials, over https and over plaintext http alike) and every generated client of
/// geoawareness.v1 on it. Thread-safe; make one per service and token, and dispose it.
/// </summary>
public sealed class GeoAwarenessClient : IDisposable
{
    public GeoAwarenessClient(Uri address, string? token = null, GeoAwarenessClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        options ??= new GeoAwarenessClientOptions();
        var handler = new SocketsHttpHandler
        {
            // Calls beyond one connection's stream limit open another connection instead of queueing.
            EnableMultipleHttp2Connections = true,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
        };
        if (options.ServerCertificateValidation is { } validate)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = validate;
        }

        options.ConfigureHandler?.Invoke(handler);
        var secure = address.Scheme == Uri.UriSchemeHttps;
        var transport = secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxReceiveMessageBytes,
            MaxSendMessageSize = options.MaxSendMessageBytes,
            Credentials = token is null
                ? transport
                : ChannelCredentials.Create(transport, CallCredentials.FromInterceptor((_, metadata) =>
                {
                    metadata.Add("authorization", $"Bearer {token}");
                    return Task.CompletedTask;
                })),
            // A bearer token over plaintext is the mission's choice on a loopback or private network.
            UnsafeUseInsecureChannelCallCredentials = !secure,
        });
        Address = address;
        Registry = new V1.Registry.RegistryClient(Channel);
        Observations = new V1.Observations.ObservationsClient(Channel);
        Alerts = new V1.Alerts.AlertsClient(Channel);
        Webhooks = new V1.Webhooks.WebhooksClient(Channel);
        Civilian = new V1.CivilianPicture.CivilianPictureClient(Channel);
        Operations = new V1.Operations.OperationsClient(Channel);
        CivilEstimates = new V1.CivilEstimates.CivilEstimatesClient(Channel);
        Referrals = new V1.Referrals.ReferralsClient(Channel);
        Presence = new V1.Presence.PresenceClient(Channel);
        HeatMaps = new V1.HeatMaps.HeatMapsClient(Channel);
        Coverage = new V1.Coverage.CoverageClient(Channel);
        Roads = new V1.Roads.RoadsClient(Channel);
        Plans = new V1.Plans.PlansClient(Channel);
        Feeds = new V1.Feeds.FeedsClient(Channel);
        Indicators = new V1.Indicators.IndicatorsClient(Channel);
        Access = new V1.Access.AccessClient(Channel);
    }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    public V1.Registry.RegistryClient Registry { get; }

    public V1.Observations.ObservationsClient Observations { get; }

    public V1.Alerts.AlertsClient Alerts { get; }

    public V1.Webhooks.WebhooksClient Webhooks { get; }

    public V1.CivilianPicture.CivilianPictureClient Civilian { get; }

    public V1.Operations.OperationsClient Operations { get; }

    public V1.CivilEstimates.CivilEstimatesClient CivilEstimates { get; }

    public V1.Referrals.ReferralsClient Referrals { get; }

    public V1.Presence.PresenceClient Presence { get; }

    public V1.HeatMaps.HeatMapsClient HeatMaps { get; }

    public V1.Coverage.CoverageClient Coverage { get; }

    public V1.Roads.RoadsClient Roads { get; }

    public V1.Plans.PlansClient Plans { get; }

    public V1.Feeds.FeedsClient Feeds { get; }

    public V1.Indicators.IndicatorsClient Indicators { get; }

    public V1.Access.AccessClient Access { get; }

    public void Dispose() => Channel.Dispose();
}
