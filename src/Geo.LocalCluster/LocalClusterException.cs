namespace Geo.LocalCluster;

/// <summary>
/// The private cluster cannot be prepared or started. The message says why and what to do;
/// it is meant for the person at the terminal, so callers print it without a stack trace.
/// </summary>
public sealed class LocalClusterException : Exception
{
    public LocalClusterException(string message)
        : base(message)
    {
    }

    public LocalClusterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LocalClusterException()
    {
    }
}
