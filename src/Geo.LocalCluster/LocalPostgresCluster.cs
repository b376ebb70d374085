using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Geo.LocalCluster;

/// <summary>
/// A private PostgreSQL + PostGIS cluster in a folder of the project, used like an embedded
/// database: created with initdb on first use, started on a unix socket in its own folder,
/// reused on later runs, and stopped again by the process that started it.
/// </summary>
/// <remarks>
/// Starting and stopping are serialised across processes with a lock file in the cluster's
/// folder, so two services started at once share one cluster instead of racing on it.
/// </remarks>
public sealed class LocalPostgresCluster
{
    private const string Superuser = "postgres";
    private const string LockFileName = "cluster.lock";
    private const string SettingsFileName = "geoawareness.conf";
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ServerTimeout = TimeSpan.FromSeconds(90);

    private readonly LocalClusterOptions _options;
    private readonly PostgresInstallation _installation;
    private readonly string? _runAs;
    private readonly ILogger _logger;

    private LocalPostgresCluster(LocalClusterOptions options, PostgresInstallation installation, string root, string? runAs, ILogger logger)
    {
        _options = options;
        _installation = installation;
        _runAs = runAs;
        _logger = logger;
        Root = root;
        DataDirectory = Path.Combine(root, "data");
        SocketDirectory = ChooseSocketDirectory(root, options.Port);
        LogFile = Path.Combine(root, "postgresql.log");
    }

    /// <summary>The cluster's folder: data, socket, log and lock file.</summary>
    public string Root { get; }

    public string DataDirectory { get; }

    public string SocketDirectory { get; }

    public string LogFile { get; }

    public int Port => _options.Port;

    /// <summary>True when this process started the server (and so should stop it).</summary>
    public bool StartedHere { get; private set; }

    /// <summary>Connection string of the service's database, over the unix socket.</summary>
    public string ConnectionString => ConnectionStringFor(_options.Database);

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = SocketDirectory,
        Port = _options.Port,
        Username = Superuser,
        Database = database,
        ApplicationName = "geoawareness",
    }.ConnectionString;

    /// <summary>
    /// The service's database on this cluster and its <paramref name="standby"/>, in Npgsql's
    /// multi-host form: writes find whichever is the primary, reads may go to the standby.
    /// </summary>
    public string ConnectionStringWith(LocalPostgresCluster standby)
    {
        ArgumentNullException.ThrowIfNull(standby);
        return new NpgsqlConnectionStringBuilder(ConnectionString)
        {
            Host = $"{SocketDirectory}:{Port.ToString(CultureInfo.InvariantCulture)},{standby.SocketDirectory}:{standby.Port.ToString(CultureInfo.InvariantCulture)}",
            // A host found down or of the wrong kind is asked again after this long: after a
            // failover the promoted standby is taken for the primary within seconds.
            HostRecheckSeconds = 2,
        }.ConnectionString;
    }

    /// <summary>
    /// Installs PostgreSQL when missing, creates the cluster on first use, starts it unless it
    /// already runs, and creates the service's database.
    /// </summary>
    public static async Task<LocalPostgresCluster> StartAsync(
        LocalClusterOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var root = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(root);

        using var clusterLock = await AcquireLockAsync(root, logger, cancellationToken).ConfigureAwait(false);
        var installation = await PostgresInstallation.LocateOrInstallAsync(options, logger, cancellationToken).ConfigureAwait(false);
        var runAs = SystemAccount.IsRoot ? options.SystemUser : null;
        var cluster = new LocalPostgresCluster(options, installation, root, runAs, logger);
        await cluster.PrepareFoldersAsync(cancellationToken).ConfigureAwait(false);
        await cluster.InitialiseIfNewAsync(cancellationToken).ConfigureAwait(false);
        await cluster.StartServerAsync(cancellationToken).ConfigureAwait(false);
        await cluster.CreateDatabaseAsync(options.Database, template: null, cancellationToken).ConfigureAwait(false);
        return cluster;
    }

    /// <summary>Creates a database unless it exists, optionally as a copy of a template database.</summary>
    public async Task CreateDatabaseAsync(string database, string? template, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.AddWithValue(database);
        if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }

        var sql = $"CREATE DATABASE {QuoteIdentifier(database)}" + (template is null ? string.Empty : $" TEMPLATE {QuoteIdentifier(template)}");
        await using var create = new NpgsqlCommand(sql, connection);
        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the server if this process started it and no other service is still connected;
    /// a second service sharing the cluster keeps it running.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!StartedHere)
        {
            return;
        }

        using var clusterLock = await AcquireLockAsync(Root, _logger, cancellationToken).ConfigureAwait(false);
        NpgsqlConnection.ClearAllPools();
        var others = await CountOtherClientsAsync(cancellationToken).ConfigureAwait(false);
        // Connections closed a moment ago may still be listed while their backends exit.
        for (var wait = 0; others > 0 && wait < 10; wait++)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            others = await CountOtherClientsAsync(cancellationToken).ConfigureAwait(false);
        }

        if (others > 0)
        {
            ClusterLog.LeavingClusterRunning(_logger, others);
            return;
        }

        await StopServerAsync(immediate: false, cancellationToken).ConfigureAwait(false);
        StartedHere = false;
    }

    /// <summary>
    /// A hot standby of this cluster in its own folder (<paramref name="standby"/>), streaming from
    /// a replication slot named <paramref name="name"/>, made with pg_basebackup on first use and
    /// started; one made before is started as it is. With <paramref name="synchronous"/> this
    /// cluster then waits for the standby to confirm every commit before acknowledging it, so a
    /// commit the service acknowledged survives the loss of this cluster.
    /// </summary>
    public async Task<LocalPostgresCluster> StartStandbyAsync(LocalClusterOptions standby, string name, bool synchronous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(standby);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var root = Path.GetFullPath(standby.DataDirectory);
        var data = Path.Combine(root, "data");
        standby.Settings["cluster_name"] = name;
        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            Directory.CreateDirectory(root);
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }

            if (_runAs is not null)
            {
                await SystemAccount.GiveToAsync(root, _runAs, cancellationToken).ConfigureAwait(false);
            }

            // A slot left by an earlier standby of the same name holds WAL for nobody: replaced.
            await using (var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false"))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var drop = new NpgsqlCommand(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active", connection)
                {
                    Parameters = { new() { Value = name } },
                };
                await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var copy = await ProcessRunner.RunAsync(
                Path.Combine(_installation.BinDirectory, "pg_basebackup"),
                ["--pgdata", data, "--write-recovery-conf", "--create-slot", "--slot", name, "--wal-method=stream", "--checkpoint=fast",
                 "--dbname", $"host='{SocketDirectory.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}' port={Port.ToString(CultureInfo.InvariantCulture)} user={Superuser} application_name={name}"],
                _runAs, TimeSpan.FromHours(6), cancellationToken).ConfigureAwait(false);
            if (!copy.Succeeded)
            {
                throw new LocalClusterException($"pg_basebackup of the standby in {data} failed: {PostgresInstallation.LastLine(copy.Output)}");
            }

            await ForgetSynchronousStandbyAsync(data, cancellationToken).ConfigureAwait(false);
        }

        var replica = await StartAsync(standby, _logger, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var names = new NpgsqlCommand(
                $"ALTER SYSTEM SET synchronous_standby_names = '{(synchronous ? name.Replace("'", "''", StringComparison.Ordinal) : string.Empty)}'", connection);
            await names.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
            await reload.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await replica.StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return replica;
    }

    /// <summary>
    /// A copy of this cluster's files (a standby, a restored base backup) carries its
    /// postgresql.auto.conf, and with it the synchronous standby this cluster waits for: the copy,
    /// once it takes writes, would wait for a standby of its own that does not exist, and every
    /// commit would hang. The copy starts without one.
    /// </summary>
    public static Task ForgetSynchronousStandbyAsync(string dataDirectory, CancellationToken cancellationToken) =>
        File.AppendAllTextAsync(
            Path.Combine(dataDirectory, "postgresql.auto.conf"),
            "\n# A copy waits for no synchronous standby of the cluster it was copied from (GeoAwareness).\nsynchronous_standby_names = ''\n",
            cancellationToken);

    /// <summary>True when this folder holds a standby (standby.signal): false once it has been promoted.</summary>
    public static bool IsStandby(string root) => File.Exists(Path.Combine(Path.GetFullPath(root), "data", "standby.signal"));

    /// <summary>True when this folder holds a cluster at all.</summary>
    public static bool HoldsCluster(string root) => File.Exists(Path.Combine(Path.GetFullPath(root), "data", "PG_VERSION"));

    /// <summary>Promotes this cluster, a standby, to a primary that takes writes (pg_ctl promote), and waits until it does.</summary>
    public async Task PromoteAsync(CancellationToken cancellationToken)
    {
        var result = await RunPgCtlAsync(["promote", "-D", DataDirectory, "-w", "-t", "60"], cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new LocalClusterException($"pg_ctl promote of {DataDirectory} failed: {PostgresInstallation.LastLine(result.Output)}");
        }
    }

    /// <summary>Stops the server at once, whoever started it (throwaway clusters and tests).</summary>
    public Task StopImmediatelyAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection.ClearAllPools();
        StartedHere = false;
        return StopServerAsync(immediate: true, cancellationToken);
    }

    private async Task StopServerAsync(bool immediate, CancellationToken cancellationToken)
    {
        var result = await RunPgCtlAsync(["stop", "-D", DataDirectory, "-w", "-t", "60", "-m", immediate ? "immediate" : "fast"], cancellationToken)
            .ConfigureAwait(false);
        if (result.Succeeded)
        {
            ClusterLog.StoppedCluster(_logger, DataDirectory);
        }
        else
        {
            ClusterLog.StopFailed(_logger, PostgresInstallation.LastLine(result.Output));
        }
    }

    private async Task<long> CountOtherClientsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()", connection);
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
        }
        catch (NpgsqlException)
        {
            return 0;
        }
    }

    private async Task PrepareFoldersAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(SocketDirectory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(SocketDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        if (_runAs is null)
        {
            return;
        }

        if (!await SystemAccount.CanReachAsync(Root, _runAs, cancellationToken).ConfigureAwait(false))
        {
            throw new LocalClusterException(
                $"the '{_runAs}' account that runs PostgreSQL cannot reach {Root}: make its parent folders " +
                $"traversable (chmod o+x) or set {LocalClusterOptions.SectionName}:DataDirectory to a folder it can reach");
        }

        await SystemAccount.GiveToAsync(Root, _runAs, cancellationToken).ConfigureAwait(false);
        await SystemAccount.GiveToAsync(SocketDirectory, _runAs, cancellationToken).ConfigureAwait(false);
    }

    private async Task InitialiseIfNewAsync(CancellationToken cancellationToken)
    {
        var versionFile = Path.Combine(DataDirectory, "PG_VERSION");
        if (File.Exists(versionFile))
        {
            var version = (await File.ReadAllTextAsync(versionFile, cancellationToken).ConfigureAwait(false)).Trim();
            if (version != _installation.MajorVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw new LocalClusterException(
                    $"the cluster in {DataDirectory} was made by PostgreSQL {version}, but this machine runs PostgreSQL " +
                    $"{_installation.MajorVersion}: upgrade it with pg_upgrade, or move the folder away to start afresh");
            }

            await WriteSettingsAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        if (Directory.Exists(DataDirectory) && Directory.EnumerateFileSystemEntries(DataDirectory).Any())
        {
            throw new LocalClusterException(
                $"{DataDirectory} is not empty but holds no PostgreSQL cluster (no PG_VERSION): move it away or choose another " +
                $"{LocalClusterOptions.SectionName}:DataDirectory");
        }

        // initdb into a scratch folder and rename it into place, so that an interrupted
        // initdb never leaves a half-made cluster where the next run would look for one.
        var scratch = DataDirectory + ".initdb";
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        Directory.CreateDirectory(scratch);
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory);
        }

        if (_runAs is not null)
        {
            await SystemAccount.GiveToAsync(scratch, _runAs, cancellationToken).ConfigureAwait(false);
        }

        ClusterLog.CreatingCluster(_logger, DataDirectory);
        List<string> arguments =
        [
            "-D", scratch, "-U", Superuser, "-E", "UTF8", "--locale=C.UTF-8",
            "--auth-local=trust", "--auth-host=scram-sha-256", $"--pwfile={await WritePasswordFileAsync(cancellationToken).ConfigureAwait(false)}",
        ];
        if (_options.Throwaway)
        {
            arguments.Add("--no-sync");
        }

        var result = await ProcessRunner.RunAsync(_installation.InitDb, arguments, _runAs, ServerTimeout, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new LocalClusterException($"initdb failed in {scratch}: {PostgresInstallation.LastLine(result.Output)}");
        }

        await File.AppendAllTextAsync(
            Path.Combine(scratch, "postgresql.conf"),
            $"\n# Written by GeoAwareness on every start from its configuration.\ninclude_if_exists = '{SettingsFileName}'\n",
            cancellationToken).ConfigureAwait(false);
        Directory.Move(scratch, DataDirectory);
        await WriteSettingsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The password of the postgres account, needed only for TCP connections on loopback; the
    /// unix socket lives in a folder only the cluster's owner can enter.
    /// </summary>
    private async Task<string> WritePasswordFileAsync(CancellationToken cancellationToken)
    {
        var passwordFile = Path.Combine(Root, "password");
        if (!File.Exists(passwordFile))
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
            await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            if (_runAs is not null)
            {
                await SystemAccount.GiveToAsync(passwordFile, _runAs, cancellationToken).ConfigureAwait(false);
            }
        }

        return passwordFile;
    }

    private async Task WriteSettingsAsync(CancellationToken cancellationToken)
    {
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["listen_addresses"] = _options.ListenOnLoopback ? "127.0.0.1" : string.Empty,
            ["port"] = _options.Port.ToString(CultureInfo.InvariantCulture),
            ["unix_socket_directories"] = SocketDirectory,
            ["unix_socket_permissions"] = "0700",
            ["max_connections"] = "200",
            ["shared_buffers"] = "256MB",
            ["work_mem"] = "32MB",
            ["maintenance_work_mem"] = "256MB",
            ["max_wal_size"] = "4GB",
            // A standby's slot keeps WAL until the standby has it: a lost standby may hold this
            // much at most, then its slot is given up (the standby must be made again) rather
            // than the primary's disk filled.
            ["max_slot_wal_keep_size"] = "16GB",
            ["checkpoint_timeout"] = "15min",
            ["log_min_messages"] = "warning",
            ["log_min_error_statement"] = "panic",
        };
        if (!string.IsNullOrWhiteSpace(_options.WalArchive))
        {
            // Continuous archiving for point-in-time recovery: every finished WAL segment is copied
            // there (never over one already archived), and a quiet server finishes a segment at
            // least every archive_timeout, which bounds what a lost disk can take with it.
            var archive = Path.GetFullPath(_options.WalArchive);
            if (!IsPlainPath(archive))
            {
                throw new LocalClusterException($"{LocalClusterOptions.SectionName}:WalArchive may not contain quotes, %, $, `, \\ or line breaks: {archive}");
            }

            // The WAL holds every change, confidential ones included: the archive is its owner's alone.
            Directory.CreateDirectory(archive);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(archive, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            if (_runAs is not null)
            {
                await SystemAccount.GiveToAsync(archive, _runAs, cancellationToken).ConfigureAwait(false);
            }

            settings["archive_mode"] = "on";
            // Copied under a scratch name, flushed, then renamed: a crash never leaves a partial
            // segment under the real name, which `test ! -f` would then refuse to replace forever.
            settings["archive_command"] = $"test ! -f \"{archive}/%f\" && cp \"%p\" \"{archive}/%f.tmp\" && sync \"{archive}/%f.tmp\" && mv \"{archive}/%f.tmp\" \"{archive}/%f\"";
            settings["archive_timeout"] = "60s";
        }

        if (_options.Throwaway)
        {
            settings["fsync"] = "off";
            settings["synchronous_commit"] = "off";
            settings["full_page_writes"] = "off";
            settings["shared_buffers"] = "128MB";
        }

        foreach (var (name, value) in _options.Settings)
        {
            settings[name] = value;
        }

        var text = new StringBuilder("# Rewritten by GeoAwareness at every start; change LocalDatabase settings instead.\n");
        foreach (var (name, value) in settings)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name} = '{value.Replace("'", "''", StringComparison.Ordinal)}'\n");
        }

        var path = Path.Combine(DataDirectory, SettingsFileName);
        await File.WriteAllTextAsync(path, text.ToString(), cancellationToken).ConfigureAwait(false);
        if (_runAs is not null)
        {
            await SystemAccount.GiveToAsync(path, _runAs, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (File.Exists(pidFile))
        {
            if (IsLiveServer(pidFile))
            {
                if (await AcceptsConnectionsAsync(cancellationToken).ConfigureAwait(false))
                {
                    ClusterLog.ReusingCluster(_logger, DataDirectory);
                    return;
                }

                throw new LocalClusterException(
                    $"the cluster in {DataDirectory} is already running but not on {SocketPath}: it was started with other settings; " +
                    $"stop it with '{_installation.PgCtl} stop -D {DataDirectory}' and start again");
            }

            // Left by a server that was killed: its PID is gone or now belongs to another program.
            // The socket folder is this cluster's alone, so its socket lock is just as stale.
            File.Delete(pidFile);
            File.Delete(SocketPath);
            File.Delete(SocketPath + ".lock");
            ClusterLog.RemovedStalePidFile(_logger, DataDirectory);
        }

        if (_options.ListenOnLoopback && !IsPortFree(_options.Port))
        {
            throw new LocalClusterException(
                $"port {_options.Port} on 127.0.0.1 is in use by another program: choose a free one with " +
                $"{LocalClusterOptions.SectionName}:Port, or set {LocalClusterOptions.SectionName}:ListenOnLoopback=false to use the unix socket only");
        }

        for (var attempt = 1; ; attempt++)
        {
            var logOffset = File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;
            var start = await RunPgCtlAsync(
                ["start", "-D", DataDirectory, "-l", LogFile, "-w", "-t", ((int)ServerTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)],
                cancellationToken).ConfigureAwait(false);
            if (start.Succeeded)
            {
                break;
            }

            var log = await ReadLogSinceAsync(logOffset, cancellationToken).ConfigureAwait(false);
            // The backends of a killed server take a moment to notice and leave shared memory.
            if (attempt < 5 && log.Contains("is still in use", StringComparison.Ordinal))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                continue;
            }

            throw new LocalClusterException($"PostgreSQL did not start: {log} (full log: {LogFile})");
        }

        StartedHere = true;
        ClusterLog.StartedCluster(_logger, DataDirectory, SocketDirectory);
    }

    private string SocketPath => Path.Combine(SocketDirectory, $".s.PGSQL.{_options.Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>
    /// True when the PID in postmaster.pid is a running PostgreSQL process. A killed server's PID
    /// may be reused by another program, or linger as a zombie where nothing reaps orphans.
    /// </summary>
    private static bool IsLiveServer(string pidFile)
    {
        try
        {
            var firstLine = File.ReadLines(pidFile).FirstOrDefault();
            if (!int.TryParse(firstLine, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
            {
                return false;
            }

            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')');
            var state = afterName > 0 && afterName + 2 < stat.Length ? stat[afterName + 2] : 'X';
            var command = stat[(stat.IndexOf('(', StringComparison.Ordinal) + 1)..afterName];
            return state is not ('Z' or 'X') && command is "postgres" or "postmaster";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task<bool> AcceptsConnectionsAsync(CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task<string> ReadLogSinceAsync(long offset, CancellationToken cancellationToken)
    {
        try
        {
            var text = await File.ReadAllTextAsync(LogFile, cancellationToken).ConfigureAwait(false);
            var recent = text.Length > offset ? text[(int)Math.Min(offset, text.Length)..] : text;
            var lines = recent.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.Length == 0 ? "no log output" : string.Join(" | ", lines.TakeLast(4));
        }
        catch (FileNotFoundException)
        {
            return "no log written";
        }
    }

    private Task<ProcessResult> RunPgCtlAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(_installation.PgCtl, arguments, _runAs, ServerTimeout + TimeSpan.FromSeconds(10), cancellationToken);

    private static bool IsPortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Unix socket paths are limited to about 107 bytes; a deep project folder gets a socket
    /// folder under /tmp named after it instead.
    /// </summary>
    private static string ChooseSocketDirectory(string root, int port)
    {
        var preferred = Path.Combine(root, "socket");
        if (Encoding.UTF8.GetByteCount(Path.Combine(preferred, $".s.PGSQL.{port}")) <= 100)
        {
            return preferred;
        }

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..16].ToLowerInvariant();
        return Path.Combine(Path.GetTempPath(), $"geoaware-pg-{hash}");
    }

    private static async Task<FileStream> AcquireLockAsync(string root, ILogger logger, CancellationToken cancellationToken)
    {
        var path = Path.Combine(root, LockFileName);
        var deadline = DateTime.UtcNow + LockWait;
        var told = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                if (!told)
                {
                    ClusterLog.WaitingForClusterLock(logger, root);
                    told = true;
                }

                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new LocalClusterException($"another process has held {path} for over {LockWait.TotalSeconds:0} s; is a GeoAwareness start stuck?", e);
            }
        }
    }

    /// <summary>A path that can stand inside double quotes of a shell command PostgreSQL runs (archive_command, restore_command).</summary>
    public static bool IsPlainPath(string path) => path.IndexOfAny(['"', '%', '$', '`', '\\', '\n', '\r', '\'']) < 0;

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
