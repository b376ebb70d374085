using Geo.Grpc.Protocol;

namespace Geo.Grpc.Server;

/// <summary>Settings of the gRPC protocol layer (configuration section <c>GeoAwareness:Grpc</c>).</summary>
public sealed class GrpcServerOptions
{
    public const string SectionName = "GeoAwareness:Grpc";

    /// <summary>Largest request message accepted, after decompression; larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageBytes { get; set; } = GrpcProtocol.DefaultMaxMessageBytes;

    /// <summary>Largest response message a handler may send; larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxSendMessageBytes { get; set; } = GrpcProtocol.DefaultMaxMessageBytes;

    /// <summary>Put the exception type and message of a failed handler into grpc-message. Off in production: it can leak internals.</summary>
    public bool DetailedErrors { get; set; }

    /// <summary>
    /// Turn known failures of the layers below (storage, domain) into statuses, in one place per
    /// boundary; the first translator that returns a status wins. Anything untranslated is UNKNOWN.
    /// </summary>
    public IList<Func<Exception, Status?>> ExceptionTranslators { get; } = [];

    /// <summary>
    /// Decides, before the handler runs, whether the call may proceed: null lets it through, a
    /// status ends it (UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED) as trailers-only.
    /// </summary>
    public Func<ServerCallContext, ValueTask<Status?>>? CallAuthorizer { get; set; }

    /// <summary>
    /// Checks the request message of a unary or server-streaming call once it is read, before the
    /// handler sees it: null lets it through, a status ends the call. Streamed request messages are
    /// their handler's to check, one by one, since it decides what the messages before a bad one mean.
    /// </summary>
    public Func<Google.Protobuf.IMessage, Status?>? RequestValidator { get; set; }

    /// <summary>
    /// The longest any call may run, streams included, whatever deadline its client gives (or when
    /// it gives none): past it the call's cancellation token fires and the call ends with
    /// DEADLINE_EXCEEDED. Null: only the client's deadline bounds a call.
    /// </summary>
    public TimeSpan? MaxCallDuration { get; set; }

    /// <summary>Compress responses with gzip when the client accepts it. A handler can still choose per call.</summary>
    public bool CompressResponses { get; set; }

    /// <summary>Concurrent HTTP/2 streams (calls) per connection.</summary>
    public int MaxStreamsPerConnection { get; set; } = 100;

    /// <summary>Total size of a request's headers (metadata included).</summary>
    public int MaxRequestHeadersBytes { get; set; } = 32 * 1024;

    /// <summary>How often a health Watch call polls the database.</summary>
    public int HealthWatchIntervalSeconds { get; set; } = 5;

    /// <summary>Idle connections get an HTTP/2 PING after this long; one that does not answer in <see cref="KeepAlivePingTimeoutSeconds"/> is closed.</summary>
    public int KeepAlivePingDelaySeconds { get; set; } = 60;

    public int KeepAlivePingTimeoutSeconds { get; set; } = 20;
}
