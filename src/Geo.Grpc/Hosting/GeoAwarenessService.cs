using Geo.Grpc.Api;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Geo.Grpc.Http;
using Geo.Grpc.Telemetry;
using Geo.Storage;
using Geo.Storage.Migrations;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Geo.Grpc.Hosting;

/// <summary>
/// The running service: database opened and migrated, Kestrel listening. Used by
/// <c>Program</c> and, in-process on free ports, by the end-to-end tests.
/// </summary>
public sealed class GeoAwarenessService : IAsyncDisposable
{
    private readonly GeoDatabase _database;
    private readonly ILoggerFactory _bootLoggerFactory;
    private readonly X509Certificate2? _certificate;

    private GeoAwarenessService(WebApplication app, GeoDatabase database, ILoggerFactory bootLoggerFactory, Uri grpcEndpoint, Uri httpEndpoint, X509Certificate2? certificate)
    {
        App = app;
        _certificate = certificate;
        _database = database;
        _bootLoggerFactory = bootLoggerFactory;
        GrpcEndpoint = grpcEndpoint;
        HttpEndpoint = httpEndpoint;
    }

    public WebApplication App { get; }

    /// <summary>Where gRPC (HTTP/2) answers, with the port actually bound.</summary>
    public Uri GrpcEndpoint { get; }

    /// <summary>Where the plain HTTP/1.1 endpoints answer, with the port actually bound.</summary>
    public Uri HttpEndpoint { get; }

    /// <summary>
    /// Reads configuration (appsettings.json, environment, command line), opens and migrates the
    /// database, and starts listening. Throws <see cref="StartupException"/> with an operator's message.
    /// </summary>
    public static Task<GeoAwarenessService> StartAsync(string[] args, CancellationToken cancellationToken) =>
        StartAsync(args, null, cancellationToken);

    /// <summary>
    /// As <see cref="StartAsync(string[], CancellationToken)"/>, letting tests and benchmarks add
    /// services, e.g. extra gRPC services as <see cref="ExtraGrpcService"/>.
    /// </summary>
    public static Task<GeoAwarenessService> StartAsync(string[] args, Action<IServiceCollection>? configureServices, CancellationToken cancellationToken) =>
        StartAsync(args, configureServices, privateDatabase: false, cancellationToken);

    /// <summary>
    /// As <see cref="StartAsync(string[], Action{IServiceCollection}?, CancellationToken)"/>; with
    /// <paramref name="privateDatabase"/>, the connection string names a private cluster this
    /// process started (<c>geoaware serve</c>), and the service works as the database's application
    /// role once migrated, which a private cluster lets it become without a password.
    /// </summary>
    public static async Task<GeoAwarenessService> StartAsync(
        string[] args, Action<IServiceCollection>? configureServices, bool privateDatabase, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Start-up failures are reported once, as a StartupException with an operator's message;
        // the host's own "failed to start" entry would repeat it with a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Configuration.SetBasePath(Directory.GetCurrentDirectory());
        var options = builder.Configuration.GetSection(ServiceOptions.SectionName).Get<ServiceOptions>() ?? new ServiceOptions();
        var connectionString = builder.Configuration.GetConnectionString(ServiceOptions.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            // The service does not install or start PostgreSQL: that is geoaware serve's (and scripts/run.sh's) job.
            throw new StartupException(
                $"no database: set ConnectionStrings:{ServiceOptions.ConnectionStringName} to a PostgreSQL + PostGIS database, " +
                "or run `geoaware serve`, which starts a private one");
        }

        var certificate = LoadCertificate(options.Tls);

        // The database comes first, before the DI container exists, so it gets its own logger
        // factory with the same configuration as the host's.
        var bootLoggerFactory = LoggerFactory.Create(logging =>
        {
            logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
            logging.AddConsole();
        });
        var logger = bootLoggerFactory.CreateLogger<GeoAwarenessService>();
        GeoDatabase database;
        try
        {
            if (!privateDatabase)
            {
                HostLog.UsingExternalDatabase(logger);
            }

            database = GeoDatabase.Open(connectionString, bootLoggerFactory, runAsApplicationRole: privateDatabase);
        }
        catch (ArgumentException e)
        {
            certificate?.Dispose();
            bootLoggerFactory.Dispose();
            throw new StartupException(e.Message, e);
        }

        try
        {
            await MigrateWhenReachableAsync(database, options.DatabaseWaitSeconds, bootLoggerFactory, logger, cancellationToken).ConfigureAwait(false);
            var app = Build(builder, options, database, certificate, configureServices, logger);
            await StartListeningAsync(app, options, cancellationToken).ConfigureAwait(false);
            var (grpc, http) = BoundEndpoints(app);
            var readiness = await database.CheckReadinessAsync(cancellationToken).ConfigureAwait(false);
            if (!app.Services.GetRequiredService<IOptions<Access.AccessOptions>>().Value.Enabled)
            {
                HostLog.AuthenticationOff(logger);
            }

            HostLog.Ready(logger, grpc.ToString(), http.ToString(), readiness.PostgisVersion, readiness.SchemaVersion, clock.ElapsedMilliseconds);

            return new GeoAwarenessService(app, database, bootLoggerFactory, grpc, http, certificate);
        }
        catch (Exception e) when (e is MigrationException or NpgsqlException or StartupException)
        {
            await database.DisposeAsync().ConfigureAwait(false);
            certificate?.Dispose();
            bootLoggerFactory.Dispose();
            throw e as StartupException ?? new StartupException(e is NpgsqlException ? $"the database is unreachable: {e.Message}" : e.Message, e);
        }
    }

    /// <summary>
    /// Migrates, trying again every 2 s while the database is unreachable, for at most
    /// <paramref name="waitSeconds"/>; then the start fails naming the hosts it tried.
    /// </summary>
    private static async Task MigrateWhenReachableAsync(GeoDatabase database, int waitSeconds, ILoggerFactory loggers, ILogger logger, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await database.MigrateAsync(loggers.CreateLogger<MigrationRunner>(), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is NpgsqlException && Geo.Storage.DatabaseFaults.IsUnavailable(e))
            {
                var hosts = new NpgsqlConnectionStringBuilder(database.DataSource.ConnectionString).Host;
                if (waited.Elapsed.TotalSeconds + 2 > waitSeconds)
                {
                    throw new StartupException(
                        $"the database is unreachable: no primary among {hosts} after {attempt} attempts in {waited.Elapsed.TotalSeconds:0} s " +
                        $"({ServiceOptions.SectionName}:DatabaseWaitSeconds={waitSeconds}): {WhyUnreachable(e)}", e);
                }

                HostLog.DatabaseUnreachable(logger, hosts ?? "?", attempt, WhyUnreachable(e));
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Each host's own reason when Npgsql tried several (they come wrapped in one that says only "check inner exception").</summary>
    private static string WhyUnreachable(Exception e) => e.InnerException is AggregateException hosts
        ? string.Join("; ", hosts.InnerExceptions.Select(h => (h.InnerException ?? h).Message.Split('\n')[0]).Distinct(StringComparer.Ordinal))
        : e.Message == "No suitable host was found." ? "every host was down or none was the primary when last asked" : e.Message.Split('\n')[0];

    /// <summary>Waits for SIGTERM or Ctrl+C (or <paramref name="cancellationToken"/>), then lets calls in flight finish.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => App.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
        await _database.DisposeAsync().ConfigureAwait(false);
        HostLog.Stopped(_bootLoggerFactory.CreateLogger<GeoAwarenessService>());
        _bootLoggerFactory.Dispose();
        _certificate?.Dispose();
    }

    private static WebApplication Build(
        WebApplicationBuilder builder, ServiceOptions options, GeoDatabase database, X509Certificate2? certificate, Action<IServiceCollection>? configureServices,
        ILogger bootLogger)
    {
        if (!System.Net.IPAddress.TryParse(options.ListenAddress, out var address))
        {
            throw new StartupException($"{ServiceOptions.SectionName}:ListenAddress '{options.ListenAddress}' is not an IP address");
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton(database.DataSource);
        builder.Services.AddSingleton(database.Reads);
        builder.Services.AddGeoGrpc(options.Grpc);
        builder.Services.AddGeoAwarenessApi(builder.Configuration);
        if (builder.Services.AddGeoTelemetry(builder.Configuration) is { } otlp)
        {
            TelemetryLog.ExportingOtlp(bootLogger, otlp.ProtocolName, otlp.Endpoint.ToString());
        }

        configureServices?.Invoke(builder.Services);
        var grpc = options.Grpc;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Limits that keep one client from taking the server: streams per connection,
            // header size, and pings that find dead peers. Message size is the gRPC layer's.
            kestrel.Limits.Http2.MaxStreamsPerConnection = grpc.MaxStreamsPerConnection;
            kestrel.Limits.MaxRequestHeadersTotalSize = grpc.MaxRequestHeadersBytes;
            kestrel.Limits.Http2.MaxRequestHeaderFieldSize = Math.Min(grpc.MaxRequestHeadersBytes, kestrel.Limits.Http2.MaxRequestHeaderFieldSize);
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(grpc.KeepAlivePingDelaySeconds);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(grpc.KeepAlivePingTimeoutSeconds);
            kestrel.Listen(address, options.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
            kestrel.Listen(address, options.HttpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });

        var app = builder.Build();
        // Every request gets its time budget before an endpoint sees it: a gRPC call as its
        // deadline, a plain HTTP request as its RequestAborted token.
        var budget = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.MaxCallDuration;
        var watch = app.Services.GetRequiredService<IOptions<Watch.WatchOptions>>().Value.MaxWatch;
        app.UseGrpcCallBudget(budget, new Dictionary<string, TimeSpan> { ["/geoawareness.v1.Observations/Watch"] = watch });
        app.UseHttpCallBudget();
        app.UseRouting();
        // gRPC-Web: a browser calls the same services over HTTP/1.1, on the HTTP listener. The
        // transport is noted first: the gRPC-Web middleware makes a call look like gRPC proper.
        app.UseGrpcTransportNote();
        app.UseGrpcWeb();
        // After gRPC-Web, whose trailers are its own feature's, so that both transports are counted alike.
        app.UseGrpcCallMetrics();
        app.MapGeoGrpc();
        app.MapGeoAwarenessApi();
        app.MapGeoAwarenessHttp();
        return app;
    }

    private static X509Certificate2? LoadCertificate(TlsOptions tls)
    {
        if (!tls.Enabled)
        {
            return null;
        }

        var path = tls.CertificatePath!;
        try
        {
            var extension = Path.GetExtension(path);
            if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
            {
                return X509CertificateLoader.LoadPkcs12FromFile(path, tls.Password);
            }

            return string.IsNullOrEmpty(tls.Password)
                ? X509Certificate2.CreateFromPemFile(path, tls.KeyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, tls.Password, tls.KeyPath);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"cannot load the TLS certificate {ServiceOptions.SectionName}:Tls:CertificatePath '{path}': {e.Message}", e);
        }
    }

    private static async Task StartListeningAsync(WebApplication app, ServiceOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // Services that did start (the health-check publisher runs its first check at once)
            // are stopped before disposal, so that a check cut short is not logged as a failure
            // with its stack trace under the one line that says why the service did not start.
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            throw new StartupException(
                $"cannot listen on {options.ListenAddress} (gRPC port {options.GrpcPort}, HTTP port {options.HttpPort}): {e.Message} " +
                $"Choose free ports with --{ServiceOptions.SectionName}:GrpcPort and --{ServiceOptions.SectionName}:HttpPort.",
                e);
        }
    }

    private static (Uri Grpc, Uri Http) BoundEndpoints(WebApplication app)
    {
        // Kestrel reports addresses in the order the listeners were added: gRPC first, then HTTP.
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        return (new Uri(addresses[0]), new Uri(addresses[1]));
    }
}
