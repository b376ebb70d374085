namespace Geo.Storage;

/// <summary>A storage outcome the caller can act on; the gRPC layer turns each into one status.</summary>
public abstract class StorageException : Exception
{
    private string _field = string.Empty;

    protected StorageException(string message)
        : base(message)
    {
    }

    /// <summary>The request field the problem is about, e.g. <c>observations[3].community_id</c>.</summary>
    public string Field
    {
        get => _field;
        init => _field = value;
    }

    /// <summary>
    /// Places <see cref="Field"/> under the request field that holds the record, for calls whose
    /// record is nested (an update's <c>community</c>); the exception is rethrown as it is.
    /// </summary>
    public void PlaceUnder(string prefix)
    {
        if (_field.Length > 0 && prefix.Length > 0)
        {
            _field = $"{prefix}.{_field}";
        }
    }
}

/// <summary>An id is already stored with other content; nothing was overwritten.</summary>
public sealed class RecordConflictException(string message) : StorageException(message);

/// <summary>The record asked for, or an id a record refers to, does not exist.</summary>
public sealed class RecordNotFoundException(string message) : StorageException(message);

/// <summary>The record changed since the caller read it (expected version differs).</summary>
public sealed class VersionMismatchException(string message) : StorageException(message);

/// <summary>The change would reach records the caller may not see (records it was shown are linked to them).</summary>
public sealed class RecordOutOfSightException(string message) : StorageException(message);
