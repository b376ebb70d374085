using Geo.Grpc.Protocol;

namespace Geo.Grpc.Server;

/// <summary>What a handler knows about, and can do to, the call it serves.</summary>
public abstract class ServerCallContext
{
    /// <summary>The full method path, e.g. <c>/grpc.health.v1.Health/Check</c>.</summary>
    public abstract string Method { get; }

    /// <summary>The caller's address, e.g. <c>ipv4:127.0.0.1:50000</c>.</summary>
    public abstract string Peer { get; }

    /// <summary>When the caller stops waiting (UTC), or <see cref="DateTime.MaxValue"/> without grpc-timeout.</summary>
    public abstract DateTime Deadline { get; }

    /// <summary>Fires when the caller cancels or the deadline passes: pass it to everything the handler awaits.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>The caller's custom metadata (reserved and transport headers left out).</summary>
    public abstract Metadata RequestHeaders { get; }

    /// <summary>Metadata sent after the last message, with the status.</summary>
    public abstract Metadata ResponseTrailers { get; }

    /// <summary>The status the call ends with when the handler returns normally.</summary>
    public abstract Status Status { get; set; }

    /// <summary>Compress the following response messages with gzip; honoured only when the caller accepts gzip.</summary>
    public abstract bool CompressResponse { get; set; }

    /// <summary>The underlying HTTP/2 request, for what gRPC does not model (connection, TLS, user).</summary>
    public abstract HttpContext HttpContext { get; }

    /// <summary>Sends response metadata now, before any message. Allowed once, before the first message.</summary>
    public abstract Task WriteResponseHeadersAsync(Metadata headers, CancellationToken cancellationToken);
}
