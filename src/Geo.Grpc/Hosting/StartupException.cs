namespace Geo.Grpc.Hosting;

/// <summary>The service cannot start; the message is for the operator and is printed without a stack trace.</summary>
public sealed class StartupException : Exception
{
    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StartupException()
    {
    }
}
