namespace Geo.LocalCluster;

/// <summary>
/// Settings of the private PostgreSQL + PostGIS cluster that <c>geoaware serve</c> (and db, token
/// --local) starts when no connection string is configured (configuration section <c>LocalDatabase</c>).
/// </summary>
public sealed class LocalClusterOptions
{
    public const string SectionName = "LocalDatabase";

    /// <summary>Folder that holds the cluster (data, socket, log). Relative paths are taken from the current directory.</summary>
    public string DataDirectory { get; set; } = ".geoaware/postgres";

    /// <summary>Database the service uses inside the cluster.</summary>
    public string Database { get; set; } = "geoawareness";

    /// <summary>Port number. The cluster always listens on a unix socket in its own folder; the port names that socket.</summary>
    public int Port { get; set; } = 5432;

    /// <summary>Also listen on 127.0.0.1:<see cref="Port"/> (for tools such as QGIS). Off by default: the socket cannot collide with anything.</summary>
    public bool ListenOnLoopback { get; set; }

    /// <summary>Install postgresql-15-postgis-3 with apt-get when it is missing and the service runs as root.</summary>
    public bool InstallIfMissing { get; set; } = true;

    /// <summary>Account that runs PostgreSQL when the service runs as root (PostgreSQL refuses root).</summary>
    public string SystemUser { get; set; } = "postgres";

    /// <summary>PostgreSQL major version to use.</summary>
    public int PostgresMajorVersion { get; set; } = 15;

    /// <summary>
    /// A folder, ideally on another disk, where the cluster archives every finished WAL segment
    /// (archive_mode), for point-in-time recovery from a base backup (<c>geoaware db restore --until</c>).
    /// Empty: no archiving. Takes effect when the cluster starts.
    /// </summary>
    public string WalArchive { get; set; } = string.Empty;

    /// <summary>
    /// A folder for a hot standby of the private cluster: made from it with pg_basebackup on first
    /// use (replication slot <c>geoawareness_standby</c>), started beside it, and named with it in
    /// the service's connection string, so that writes go to whichever is the primary. Empty: none.
    /// </summary>
    public string StandbyDirectory { get; set; } = string.Empty;

    /// <summary>The standby's port (its own unix socket folder); 0 for <see cref="Port"/> + 1.</summary>
    public int StandbyPort { get; set; }

    /// <summary>The primary acknowledges a commit only once the standby has it on disk (synchronous_standby_names).</summary>
    public bool SynchronousStandby { get; set; }

    /// <summary>Extra server settings (name, value), for example a larger shared_buffers.</summary>
    public Dictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);

    /// <summary>Turns durability off: only for throwaway clusters such as the test suite's.</summary>
    public bool Throwaway { get; set; }
}
