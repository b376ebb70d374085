using Geo.Core.Validation;
using Grpc.Core;
using Geo.Storage;

namespace Geo.Grpc.Api;

/// <summary>The one place where the layers below the API become gRPC statuses.</summary>
internal static class ApiErrors
{
    /// <summary>Throws INVALID_ARGUMENT naming the first bad field (and how many more there are).</summary>
    public static void ThrowIfAny(FieldErrors errors)
    {
        if (errors.First is not { } first)
        {
            return;
        }

        var more = errors.All.Count > 1 ? $" (and {errors.All.Count - 1} more problem(s))" : string.Empty;
        throw new RpcException(new Status(StatusCode.InvalidArgument, first + more));
    }

    public static RpcException InvalidArgument(string field, string message) => new(new Status(StatusCode.InvalidArgument, $"{field}: {message}"));

    /// <summary>
    /// The longest status message sent: a message quoting a caller's value at length could make
    /// trailers that the client's header limit refuses (the .NET client's is 64 KiB), costing it
    /// the connection and every call on it.
    /// </summary>
    public const int MaxStatusDetailLength = 1000;

    /// <summary>The status with its message cut to <see cref="MaxStatusDetailLength"/> characters (never inside a surrogate pair).</summary>
    public static Status Capped(Status status)
    {
        if (status.Detail.Length <= MaxStatusDetailLength)
        {
            return status;
        }

        var cut = char.IsHighSurrogate(status.Detail[MaxStatusDetailLength - 1]) ? MaxStatusDetailLength - 1 : MaxStatusDetailLength;
        return new Status(status.StatusCode, status.Detail[..cut] + "...");
    }

    /// <summary>
    /// Registered with the gRPC layer for every request read whole: a NUL character in any text
    /// field is refused naming the field, whatever the method, before it reaches a statement.
    /// </summary>
    public static Status? CheckText(Google.Protobuf.IMessage request) =>
        ApiMapping.FindNul(request) is { } nul ? new Status(StatusCode.InvalidArgument, nul.ToString()) : null;

    /// <summary>Registered with the gRPC layer: storage outcomes and database faults to statuses.</summary>
    public static Status? Translate(Exception exception) => exception switch
    {
        RecordConflictException e => new Status(StatusCode.AlreadyExists, Named(e)),
        RecordNotFoundException e => new Status(StatusCode.NotFound, Named(e)),
        VersionMismatchException e => new Status(StatusCode.Aborted, Named(e)),
        RecordOutOfSightException e => new Status(StatusCode.PermissionDenied, Named(e)),
        UseCases.RefusedByRule e => new Status(StatusCode.FailedPrecondition, e.Message),
        // A NUL character in a text field that no check found first (CheckText sees every request
        // read whole; Ingest checks each observation): PostgreSQL refuses it in whatever statement
        // carries it, and which field that was is not known here.
        _ when DatabaseFaults.IsUnstorableText(exception) => new Status(StatusCode.InvalidArgument,
            "request: a text field contains a NUL character (U+0000), which cannot be stored or searched; remove it"),
        _ when DatabaseFaults.IsUnavailable(exception) => new Status(StatusCode.Unavailable, "the database is unavailable; retry the call (writes are idempotent by id)"),
        // Two writes of the same records at once (the same batch through two service processes,
        // with other content): PostgreSQL rolled this one back. A retry stores it, or names the conflict.
        _ when DatabaseFaults.IsConcurrencyAbort(exception) => new Status(StatusCode.Aborted,
            "the write collided with a concurrent write of the same records and was rolled back; retry the call (writes are idempotent by id)"),
        _ => null,
    };

    private static string Named(StorageException e) => e.Field.Length == 0 ? e.Message : $"{e.Field}: {e.Message}";
}
