namespace Geo.Grpc.Hosting;

/// <summary>
/// Settings of the gRPC stack (configuration section <c>GeoAwareness:Grpc</c>), applied to
/// Grpc.AspNetCore's options and to Kestrel's HTTP/2 limits. The names and defaults are those the
/// service has always had.
/// </summary>
public sealed class GrpcOptions
{
    public const string SectionName = "GeoAwareness:Grpc";

    /// <summary>gRPC's own default message limit: 4 MiB.</summary>
    public const int DefaultMaxMessageBytes = 4 * 1024 * 1024;

    /// <summary>Largest request message accepted, after decompression; larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageBytes { get; set; } = DefaultMaxMessageBytes;

    /// <summary>Largest response message the service sends; larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxSendMessageBytes { get; set; } = DefaultMaxMessageBytes;

    /// <summary>Put the exception type and message of a failed handler into grpc-message. Off in production: it can leak internals.</summary>
    public bool DetailedErrors { get; set; }

    /// <summary>Compress responses with gzip when the client accepts it.</summary>
    public bool CompressResponses { get; set; }

    /// <summary>Concurrent HTTP/2 streams (calls) per connection.</summary>
    public int MaxStreamsPerConnection { get; set; } = 100;

    /// <summary>Total size of a request's headers (metadata included).</summary>
    public int MaxRequestHeadersBytes { get; set; } = 32 * 1024;

    /// <summary>How often the database check runs for grpc.health.v1 Watch calls (they are told of a change within this).</summary>
    public int HealthWatchIntervalSeconds { get; set; } = 5;

    /// <summary>Idle connections get an HTTP/2 PING after this long; one that does not answer in <see cref="KeepAlivePingTimeoutSeconds"/> is closed.</summary>
    public int KeepAlivePingDelaySeconds { get; set; } = 60;

    public int KeepAlivePingTimeoutSeconds { get; set; } = 20;
}
