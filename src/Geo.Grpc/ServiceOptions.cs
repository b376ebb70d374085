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
}
