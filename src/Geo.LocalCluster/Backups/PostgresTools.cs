using Npgsql;

namespace Geo.LocalCluster.Backups;

/// <summary>
/// PostgreSQL's client programs (pg_dump, pg_restore, pg_basebackup) pointed at the database an
/// Npgsql connection string names: the same hosts, port, account and TLS mode, the password in
/// the environment rather than on a command line that ps shows.
/// </summary>
internal sealed class PostgresTools
{
    private static readonly TimeSpan Timeout = TimeSpan.FromHours(6);
    private readonly PostgresInstallation _installation;
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    public PostgresTools(string connectionString, int majorVersion = 15)
    {
        _installation = PostgresInstallation.Locate(majorVersion);
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        Database = settings.Database ?? throw new BackupException("the connection string names no Database");
        // Npgsql writes each host's port after it (Host=db1:5432,db2:5433, the unix socket folders
        // of a private pair too); libpq takes the hosts and their ports as two parallel lists.
        var hosts = new List<string>();
        var ports = new List<string>();
        foreach (var entry in (settings.Host ?? "localhost").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.LastIndexOf(':');
            var hasPort = colon > 0 && int.TryParse(entry[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);
            hosts.Add(hasPort ? entry[..colon] : entry);
            ports.Add(hasPort ? entry[(colon + 1)..] : settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var parts = new List<string>
        {
            $"host={Quote(string.Join(',', hosts))}",
            $"port={Quote(string.Join(',', ports))}",
            $"user={Quote(settings.Username ?? Environment.UserName)}",
            $"dbname={Quote(Database)}",
        };
        if (hosts.Count > 1)
        {
            // Several hosts: a backup and a restore are for the primary.
            parts.Add("target_session_attrs=read-write");
        }

        if (settings.SslMode is not SslMode.Prefer)
        {
            parts.Add($"sslmode={settings.SslMode switch { SslMode.VerifyCA => "verify-ca", SslMode.VerifyFull => "verify-full", var mode => mode.ToString().ToLowerInvariant() }}");
        }

        ConnectionInfo = string.Join(' ', parts);
        if (!string.IsNullOrEmpty(settings.Password))
        {
            _environment["PGPASSWORD"] = settings.Password;
        }

        _environment["PGAPPNAME"] = "geoawareness-backup";
    }

    /// <summary>The libpq connection string of the same database (no password).</summary>
    public string ConnectionInfo { get; }

    public string Database { get; }

    /// <summary>
    /// The Npgsql connection string for the tool's own connections: with several hosts, to the one
    /// that takes writes (a dump's snapshot cannot be exported on a standby, nor a restore written).
    /// </summary>
    public static string Primary(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (settings.Host?.Contains(',', StringComparison.Ordinal) == true)
        {
            // Npgsql takes a session kind only with several hosts.
            settings.TargetSessionAttributes = "read-write";
        }

        return settings.ConnectionString;
    }

    public Task<ProcessResult> RunAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(_installation.Tool(tool), arguments, asUser: null, Timeout, cancellationToken, _environment);

    private static string Quote(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
