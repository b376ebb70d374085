namespace Geo.Grpc.Protocol;

/// <summary>
/// A call ended with a non-OK status. Handlers throw it to answer with a precise status (name
/// the offending field in the detail); the client throws it when a call fails.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status)
        : this(status, null)
    {
    }

    public RpcException(StatusCode statusCode, string detail)
        : this(new Status(statusCode, detail), null)
    {
    }

    public RpcException(Status status, Metadata? trailers)
        : base(status.ToString())
    {
        Status = status;
        Trailers = trailers ?? new Metadata();
    }

    public RpcException()
        : this(new Status(StatusCode.Unknown, string.Empty))
    {
    }

    public RpcException(string message)
        : this(new Status(StatusCode.Unknown, message))
    {
    }

    public RpcException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = new Status(StatusCode.Unknown, message);
        Trailers = new Metadata();
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    public string Detail => Status.Detail;

    /// <summary>Trailing metadata: sent after the status by a handler, received with it by the client.</summary>
    public Metadata Trailers { get; }
}
