using System.Diagnostics;
using Geo.Storage;
using Geo.Storage.LocalCluster;
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

    private GeoAwarenessService(WebApplication app, GeoDatabase database, ILoggerFactory bootLoggerFactory, Uri grpcEndpoint, Uri httpEndpoint)
    {
        App = app;
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
    public static async Task<GeoAwarenessService> StartAsync(string[] args, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.SetBasePath(Directory.GetCurrentDirectory());
        var options = builder.Configuration.GetSection(ServiceOptions.SectionName).Get<ServiceOptions>() ?? new ServiceOptions();
        var localOptions = builder.Configuration.GetSection(LocalClusterOptions.SectionName).Get<LocalClusterOptions>() ?? new LocalClusterOptions();
        var connectionString = builder.Configuration.GetConnectionString(ServiceOptions.ConnectionStringName);

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
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                HostLog.UsingExternalDatabase(logger);
            }

            database = await GeoDatabase.OpenAsync(connectionString, localOptions, bootLoggerFactory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LocalClusterException or ArgumentException)
        {
            bootLoggerFactory.Dispose();
            throw new StartupException(e.Message, e);
        }

        try
        {
            await database.MigrateAsync(bootLoggerFactory.CreateLogger<MigrationRunner>(), cancellationToken).ConfigureAwait(false);
            var app = Build(builder, options, database);
            await StartListeningAsync(app, options, cancellationToken).ConfigureAwait(false);
            var (grpc, http) = BoundEndpoints(app);
            var readiness = await database.CheckReadinessAsync(cancellationToken).ConfigureAwait(false);
            HostLog.Ready(logger, grpc.ToString(), http.ToString(), readiness.PostgisVersion, readiness.SchemaVersion, clock.ElapsedMilliseconds);
            return new GeoAwarenessService(app, database, bootLoggerFactory, grpc, http);
        }
        catch (Exception e) when (e is MigrationException or NpgsqlException or StartupException)
        {
            await database.DisposeAsync().ConfigureAwait(false);
            bootLoggerFactory.Dispose();
            throw e as StartupException ?? new StartupException(e is NpgsqlException ? $"the database is unreachable: {e.Message}" : e.Message, e);
        }
    }

    /// <summary>Waits for SIGTERM or Ctrl+C (or <paramref name="cancellationToken"/>), then lets calls in flight finish.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => App.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
        await _database.DisposeAsync().ConfigureAwait(false);
        HostLog.Stopped(_bootLoggerFactory.CreateLogger<GeoAwarenessService>());
        _bootLoggerFactory.Dispose();
    }

    private static WebApplication Build(WebApplicationBuilder builder, ServiceOptions options, GeoDatabase database)
    {
        if (!System.Net.IPAddress.TryParse(options.ListenAddress, out var address))
        {
            throw new StartupException($"{ServiceOptions.SectionName}:ListenAddress '{options.ListenAddress}' is not an IP address");
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton(database.DataSource);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, options.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(address, options.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
        });

        var app = builder.Build();
        app.MapHealthEndpoints();
        return app;
    }

    private static async Task StartListeningAsync(WebApplication app, ServiceOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
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
