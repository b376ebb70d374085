
namespace Geo.Grpc;

/// <summary>Listening settings of the service (configuration section <c>GeoAwareness</c>).</summary>
public sealed class ServiceOptions
{
    public const string SectionName = "GeoAwareness";

    /// <summary>Name of the connection string (<c>ConnectionStrings:GeoAwareness</c>) that selects an external PostGIS.</summary>
    public const string ConnectionStringName = "GeoAwareness";

    /// <summary>Address both listeners bind to. Loopback by default; 0.0.0.0 to serve the network.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>gRPC over HTTP/2 (cleartext with prior knowledge, or TLS when a certificate is configured).</summary>
    public int GrpcPort { get; set; } = 50051;

    /// <summary>HTTP/1.1 for plain GET endpoints: readiness, feeds, the map page.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>How long calls in flight may finish after SIGTERM before the service stops anyway.</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 15;

    /// <summary>
    /// How long a start waits for an unreachable database (every host of the connection string
    /// down, or none of them the primary yet), trying again every few seconds, before it gives up
    /// naming the hosts: a service started beside its database, or during a failover, comes up.
    /// </summary>
    public int DatabaseWaitSeconds { get; set; } = 60;

    /// <summary>The gRPC stack (<c>GeoAwareness:Grpc</c>): message limits, compression, stream limits.</summary>
    public Hosting.GrpcOptions Grpc { get; set; } = new();

    /// <summary>TLS for both listeners (<c>GeoAwareness:Tls</c>); off when no certificate is configured.</summary>
    public TlsOptions Tls { get; set; } = new();
}

/// <summary>The server certificate. With one, gRPC is HTTP/2 over TLS (ALPN h2) and the HTTP listener is HTTPS.</summary>
public sealed class TlsOptions
{
    /// <summary>A PFX/PKCS#12 file (.pfx, .p12) or a PEM certificate (its key in the same file or in <see cref="KeyPath"/>).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key, when it is not in the certificate file.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Password of the PFX file or of an encrypted PEM key.</summary>
    public string? Password { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);
}
