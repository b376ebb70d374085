namespace Geo.LocalCluster.Backups;

/// <summary>A backup or restore that could not be done, with a message that says why and names the folder, file or setting.</summary>
public sealed class BackupException : Exception
{
    public BackupException()
    {
    }

    public BackupException(string message)
        : base(message)
    {
    }

    public BackupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
