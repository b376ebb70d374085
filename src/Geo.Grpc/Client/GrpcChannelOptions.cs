using System.Net.Security;
using Geo.Grpc.Protocol;

namespace Geo.Grpc.Client;

/// <summary>Settings of a <see cref="GrpcChannel"/>.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted, after decompression.</summary>
    public int MaxReceiveMessageBytes { get; set; } = GrpcProtocol.DefaultMaxMessageBytes;

    /// <summary>Largest request message sent.</summary>
    public int MaxSendMessageBytes { get; set; } = GrpcProtocol.DefaultMaxMessageBytes;

    /// <summary>Validates the server certificate over https (e.g. to trust a self-signed one); the system's rules when null.</summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    /// <summary>Sent as <c>authorization: Bearer &lt;token&gt;</c> on every call that does not set its own.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Last word on the HTTP handler (timeouts, proxies, client certificates).</summary>
    public Action<SocketsHttpHandler>? ConfigureHandler { get; set; }
}
