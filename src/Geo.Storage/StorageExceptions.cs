namespace Geo.Storage;

/// <summary>A storage outcome the caller can act on; the gRPC layer turns each into one status.</summary>
public abstract class StorageException : Exception
{
    protected StorageException(string message)
        : base(message)
    {
    }

    /// <summary>The request field the problem is about, e.g. <c>observations[3].community_id</c>.</summary>
    public string Field { get; init; } = string.Empty;
}

/// <summary>An id is already stored with other content; nothing was overwritten.</summary>
public sealed class RecordConflictException(string message) : StorageException(message);

/// <summary>The record asked for, or an id a record refers to, does not exist.</summary>
public sealed class RecordNotFoundException(string message) : StorageException(message);

/// <summary>The record changed since the caller read it (expected version differs).</summary>
public sealed class VersionMismatchException(string message) : StorageException(message);
