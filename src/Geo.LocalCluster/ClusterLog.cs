using Microsoft.Extensions.Logging;

namespace Geo.LocalCluster;

internal static partial class ClusterLog
{
    [LoggerMessage(1001, LogLevel.Warning, "PostgreSQL with PostGIS is missing: installing {Package} from Debian packages")]
    public static partial void InstallingPostgres(ILogger logger, string package);

    [LoggerMessage(1002, LogLevel.Information, "Installed {Package}")]
    public static partial void InstalledPostgres(ILogger logger, string package);

    [LoggerMessage(1003, LogLevel.Information, "Creating a new PostgreSQL cluster in {DataDirectory}")]
    public static partial void CreatingCluster(ILogger logger, string dataDirectory);

    [LoggerMessage(1004, LogLevel.Information, "Started the private PostgreSQL cluster in {DataDirectory} on socket folder {SocketDirectory}")]
    public static partial void StartedCluster(ILogger logger, string dataDirectory, string socketDirectory);

    [LoggerMessage(1005, LogLevel.Information, "Reusing the private PostgreSQL cluster already running in {DataDirectory}")]
    public static partial void ReusingCluster(ILogger logger, string dataDirectory);

    [LoggerMessage(1006, LogLevel.Warning, "Removed a stale postmaster.pid in {DataDirectory} left by a server that was killed")]
    public static partial void RemovedStalePidFile(ILogger logger, string dataDirectory);

    [LoggerMessage(1007, LogLevel.Information, "Stopped the private PostgreSQL cluster in {DataDirectory}")]
    public static partial void StoppedCluster(ILogger logger, string dataDirectory);

    [LoggerMessage(1008, LogLevel.Warning, "Could not stop the private PostgreSQL cluster: {Reason}")]
    public static partial void StopFailed(ILogger logger, string reason);

    [LoggerMessage(1009, LogLevel.Information, "Leaving the private PostgreSQL cluster running: {Clients} other client connection(s) still use it")]
    public static partial void LeavingClusterRunning(ILogger logger, long clients);

    [LoggerMessage(1010, LogLevel.Information, "Waiting for another process that is starting or stopping the cluster in {Root}")]
    public static partial void WaitingForClusterLock(ILogger logger, string root);
}
