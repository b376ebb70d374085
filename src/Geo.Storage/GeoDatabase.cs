using Geo.Storage.Migrations;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Geo.Storage;

/// <summary>
/// The service's database, named by a connection string: an operator's PostGIS, or the private
/// cluster that <c>geoaware serve</c> starts (src/Geo.LocalCluster). Owns the connection pools.
/// </summary>
public sealed class GeoDatabase : IAsyncDisposable
{
    /// <summary>The database role the application runs as once migrated (created by migration 0002).</summary>
    public const string ApplicationRole = "geoawareness_app";

    private readonly NpgsqlDataSource _owner;
    private readonly ILoggerFactory _loggerFactory;
    private readonly List<NpgsqlDataSource> _built = [];

    /// <summary>As given, password included (a pool's own ConnectionString leaves it out).</summary>
    private readonly string _connectionString;

    private readonly bool _runAsApplicationRole;

    private GeoDatabase(NpgsqlDataSourceBuilder builder, bool runAsApplicationRole, ILoggerFactory loggerFactory)
    {
        _runAsApplicationRole = runAsApplicationRole;
        _loggerFactory = loggerFactory;
        _connectionString = builder.ConnectionStringBuilder.ConnectionString;
        var (primary, standby) = Build(builder);
        _owner = primary;
        DataSource = primary;
        Reads = new ReadPool(primary, standby);
    }

    /// <summary>Where reads that tolerate a little lag go: see <see cref="ReadPool"/>.</summary>
    public ReadPool Reads { get; }

    /// <summary>True when the connection string names several hosts (a primary and its standbys).</summary>
    public bool HasStandby => Reads.Standby is not null;

    /// <summary>
    /// The pool the service works with. On the private cluster it is the application role's
    /// after migration, so that the application cannot alter the audit trail or the schema.
    /// </summary>
    public NpgsqlDataSource DataSource { get; private set; }

    /// <summary>The schema version this build migrates to.</summary>
    public static int ExpectedSchemaVersion { get; } = Migration.BuiltIn()[^1].Version;

    /// <summary>Opens pools on <paramref name="connectionString"/> (no connection is made yet).</summary>
    /// <param name="runAsApplicationRole">
    /// After migrating, work as <see cref="ApplicationRole"/> (which cannot alter the audit trail or
    /// the schema): for a private cluster, whose local connections need no password for it.
    /// </param>
    public static GeoDatabase Open(string connectionString, ILoggerFactory loggerFactory, bool runAsApplicationRole = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (!settings.TcpKeepAlive && settings.TcpKeepAliveTime == 0 && !IsUnixSocket(settings.Host))
        {
            // Over TCP, a database host that vanishes (crash, network cut) sends no reset: a call
            // waiting on a long merge (no command timeout) would wait for the kernel's default of
            // hours. Keepalive probes end it within about a minute, as UNAVAILABLE. The unix
            // socket of the private cluster needs none of this: a killed server closes it at once.
            settings.TcpKeepAliveTime = 30;
            settings.TcpKeepAliveInterval = 5;
            // Unix sockets refuse the keepalive options (EOPNOTSUPP): every connection would fail.
        }

        if (string.IsNullOrEmpty(settings.Options))
        {
            // The planner's cost estimates of polygon queries and summaries cross the JIT
            // threshold, and compiling took 20 ms of an 85 ms polygon query that runs in 24 ms
            // without it. Our statements are short or stream: JIT never paid for itself here.
            settings.Options = "-c jit=off";
        }

        builder.UseLoggerFactory(loggerFactory).UseGeometry();
        return new GeoDatabase(builder, runAsApplicationRole, loggerFactory);
    }

    /// <summary>
    /// One host: one pool. Several (Npgsql multi-host, <c>Host=a:5432,b:5432</c>): writes and
    /// everything else on whichever host is the primary now, which after a failover is the
    /// promoted standby, found again by Npgsql itself; and a second view of the same hosts that
    /// reaches standbys only, for <see cref="Reads"/>.
    /// </summary>
    private (NpgsqlDataSource Primary, NpgsqlDataSource? Standby) Build(NpgsqlDataSourceBuilder builder)
    {
        if (builder.ConnectionStringBuilder.Host?.Contains(',', StringComparison.Ordinal) != true)
        {
            var single = builder.Build();
            _built.Add(single);
            return (single, null);
        }

        var hosts = builder.BuildMultiHost();
        _built.Add(hosts);
        return (hosts.WithTargetSession(TargetSessionAttributes.Primary), hosts.WithTargetSession(TargetSessionAttributes.Standby));
    }

    private static bool IsUnixSocket(string? host) =>
        string.IsNullOrEmpty(host) || host.Split(',').Any(h => h.TrimStart().StartsWith('/') || h.TrimStart().StartsWith('@'));

    /// <summary>
    /// Applies the built-in migrations that the database lacks, as the owner; then, when asked to
    /// run as the application role, switches the service's pool to it.
    /// </summary>
    public async Task<int> MigrateAsync(ILogger logger, CancellationToken cancellationToken)
    {
        var applied = await new MigrationRunner(Migration.BuiltIn(), logger).MigrateAsync(_owner, cancellationToken).ConfigureAwait(false);
        if (applied > 0)
        {
            // The pool learnt the database's types on its first connection, which on a new
            // database came before migration 1 created PostGIS: without a reload, an external
            // database (whose pool stays this one) could not take a geometry parameter.
            await _owner.ReloadTypesAsync(cancellationToken).ConfigureAwait(false);
            if (HasStandby && !_runAsApplicationRole)
            {
                // A multi-host pool keeps one pool per host, and a reload through it reaches only
                // the host it happens to open: new pools learn PostGIS's types on every host.
                var builder = new NpgsqlDataSourceBuilder(_connectionString);
                builder.UseLoggerFactory(_loggerFactory).UseGeometry();
                (DataSource, var standby) = Build(builder);
                Reads.Primary = DataSource;
                Reads.Standby = standby;
            }
        }

        if (_runAsApplicationRole && ReferenceEquals(DataSource, _owner))
        {
            var builder = new NpgsqlDataSourceBuilder(_owner.ConnectionString) { ConnectionStringBuilder = { Username = ApplicationRole } };
            builder.UseLoggerFactory(_loggerFactory).UseGeometry();
            var (primary, standby) = Build(builder);
            DataSource = primary;
            Reads.Primary = primary;
            Reads.Standby = standby;
        }

        return applied;
    }

    public Task<DatabaseReadiness> CheckReadinessAsync(CancellationToken cancellationToken) =>
        DatabaseReadiness.CheckAsync(DataSource, ExpectedSchemaVersion, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in _built)
        {
            await pool.DisposeAsync().ConfigureAwait(false);
        }
    }
}
