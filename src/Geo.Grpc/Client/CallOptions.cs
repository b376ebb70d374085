using Geo.Grpc.Protocol;

namespace Geo.Grpc.Client;

/// <summary>Per-call settings.</summary>
public sealed class CallOptions
{
    public static CallOptions Default { get; } = new();

    /// <summary>Custom metadata sent as request headers.</summary>
    public Metadata? Headers { get; init; }

    /// <summary>When the call gives up (UTC): sent as grpc-timeout, and enforced locally as DEADLINE_EXCEEDED.</summary>
    public DateTime? Deadline { get; init; }

    /// <summary>Cancelling it cancels the call (RST_STREAM) with CANCELLED.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Send request messages gzip-compressed.</summary>
    public bool CompressRequest { get; init; }
}
