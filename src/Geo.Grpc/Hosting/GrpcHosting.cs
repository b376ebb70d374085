using System.Globalization;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Geo.Storage;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Grpc.AspNetCore.HealthChecks;
using Microsoft.Extensions.Options;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Hosting;

/// <summary>A gRPC service that a test or a benchmark serves beside the API (the interop suite's Echo).</summary>
/// <param name="Name">Its full name (geoawareness.testing.v1.Echo), as health checks and reflection know it.</param>
/// <param name="Map">Maps it: <c>endpoints =&gt; endpoints.MapGrpcService&lt;EchoService&gt;()</c>.</param>
public sealed record ExtraGrpcService(string Name, Func<IEndpointRouteBuilder, GrpcServiceEndpointConventionBuilder> Map);

/// <summary>
/// The standard .NET gRPC stack as the service uses it: Grpc.AspNetCore with its options taken
/// from <see cref="GrpcOptions"/>, the one interceptor every call passes (access, then the
/// handler, its failures translated), gzip with a ceiling on inflation, health from one ASP.NET Core health check of the
/// database, server reflection (v1 and v1alpha), gRPC-Web, and the per-call time budget.
/// </summary>
public static class GrpcHosting
{
    /// <summary>The one probe behind /health/ready and grpc.health.v1.</summary>
    public const string DatabaseCheck = "database";

    /// <summary>The names grpc.health.v1 answers for: the server (""), the API, health and reflection.</summary>
    private static readonly string[] ServedServices =
    [
        string.Empty,
        V1.Access.Descriptor.FullName, V1.Alerts.Descriptor.FullName, V1.Coverage.Descriptor.FullName, V1.Feeds.Descriptor.FullName, V1.HeatMaps.Descriptor.FullName,
        V1.Indicators.Descriptor.FullName, V1.Observations.Descriptor.FullName, V1.Presence.Descriptor.FullName, V1.Referrals.Descriptor.FullName,
        V1.Registry.Descriptor.FullName,
        global::Grpc.Health.V1.Health.Descriptor.FullName, global::Grpc.Reflection.V1.ServerReflection.Descriptor.FullName,
        global::Grpc.Reflection.V1Alpha.ServerReflection.Descriptor.FullName,
    ];

    public static IServiceCollection AddGeoGrpc(this IServiceCollection services, GrpcOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxReceiveMessageBytes;
            grpc.MaxSendMessageSize = options.MaxSendMessageBytes;
            grpc.EnableDetailedErrors = options.DetailedErrors;
            grpc.CompressionProviders = [new CappedGzipCompressionProvider(options.MaxReceiveMessageBytes)];
            grpc.ResponseCompressionAlgorithm = options.CompressResponses ? "gzip" : null;
            // Access and error translation in one; calls are counted at the edge (UseGrpcCallMetrics).
            grpc.Interceptors.Add<CallInterceptor>();
        });
        // Stateless, so one for the process: Grpc.AspNetCore would otherwise build it anew for every call.
        services.TryAddSingleton<CallInterceptor>();
        services.TryAddSingleton<ReadModel.LocalWrites>();
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck<DatabaseHealthCheck>(DatabaseCheck);
        // The server as a whole ("") and every service it serves answer to the one database check.
        services.AddOptions<GrpcHealthChecksOptions>().Configure<IEnumerable<ExtraGrpcService>>((health, extras) =>
        {
            foreach (var name in ServedServices.Concat(extras.Select(e => e.Name)))
            {
                health.Services.Map(name, _ => true);
            }
        });
        // Grpc.AspNetCore's binder, but whose request marshallers say why a message cannot be decoded.
        services.RemoveAll(typeof(IServiceMethodProvider<>));
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(DecodingServiceMethodProvider<>)));
        services.Configure<HealthCheckPublisherOptions>(publisher =>
        {
            publisher.Delay = TimeSpan.Zero;
            publisher.Period = TimeSpan.FromSeconds(Math.Max(1, options.HealthWatchIntervalSeconds));
        });
        return services;
    }

    /// <summary>
    /// Caps every gRPC call's deadline at <paramref name="budget"/> by the grpc-timeout header the
    /// stack reads, before the call starts: a call with no deadline, or a later one, gets the
    /// budget, and Grpc.AspNetCore ends it with DEADLINE_EXCEEDED and cancels its handler's token.
    /// Methods in <paramref name="budgets"/> (by path) have their own: a live watch is idle most of its life.
    /// </summary>
    public static IApplicationBuilder UseGrpcCallBudget(this IApplicationBuilder app, TimeSpan budget, IReadOnlyDictionary<string, TimeSpan>? budgets = null)
    {
        var standard = Header(budget);
        var own = (budgets ?? new Dictionary<string, TimeSpan>()).ToDictionary(b => b.Key, b => Header(b.Value), StringComparer.Ordinal);
        return app.Use((http, next) =>
        {
            if (http.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
            {
                var (header, limit) = own.Count > 0 && own.TryGetValue(http.Request.Path.Value ?? string.Empty, out var special) ? special : standard;
                if (!TryReadTimeout(http.Request.Headers["grpc-timeout"], out var asked) || asked > limit)
                {
                    http.Request.Headers["grpc-timeout"] = header;
                }
            }

            return next(http);
        });

        static (string Header, TimeSpan Limit) Header(TimeSpan budget)
        {
            // grpc-timeout holds at most eight digits: whole milliseconds up to 99,999,999 (27 hours).
            var milliseconds = (long)Math.Clamp(budget.TotalMilliseconds, 1, 99_999_999);
            return (milliseconds.ToString(CultureInfo.InvariantCulture) + "m", TimeSpan.FromMilliseconds(milliseconds));
        }
    }

    /// <summary>Serves health, reflection and the services of tests and benchmarks beside the API.</summary>
    public static void MapGeoGrpc(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGrpcHealthChecksService().EnableGrpcWeb();
        endpoints.MapGrpcReflectionService();
        foreach (var extra in endpoints.ServiceProvider.GetServices<ExtraGrpcService>())
        {
            extra.Map(endpoints).EnableGrpcWeb();
        }
    }

    /// <summary>The probe both health endpoints read: the database reachable, with PostGIS, and migrated.</summary>
    private sealed class DatabaseHealthCheck(GeoDatabase database) : IHealthCheck
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            DatabaseReadiness readiness;
            try
            {
                readiness = await database.CheckReadinessAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                readiness = new DatabaseReadiness(false, null, null, 0, $"the database did not answer within {Timeout.TotalSeconds:0} s");
            }

            var data = new Dictionary<string, object>
            {
                ["postgis"] = readiness.PostgisVersion ?? string.Empty,
                ["postgres"] = readiness.PostgresVersion ?? string.Empty,
                ["schemaVersion"] = readiness.SchemaVersion,
            };
            return readiness.Ready ? HealthCheckResult.Healthy("ready", data) : HealthCheckResult.Unhealthy(readiness.Problem, data: data);
        }
    }

    /// <summary>grpc-timeout: up to eight digits and a unit (H, M, S, m, u, n).</summary>
    private static bool TryReadTimeout(string? text, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(text) || text.Length is < 2 or > 9 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        var ticks = text[^1] switch
        {
            'H' => value * TimeSpan.TicksPerHour,
            'M' => value * TimeSpan.TicksPerMinute,
            'S' => value * TimeSpan.TicksPerSecond,
            'm' => value * TimeSpan.TicksPerMillisecond,
            'u' => value * 10,
            'n' => value / 100,
            _ => -1,
        };
        timeout = TimeSpan.FromTicks(Math.Max(0, ticks));
        return ticks >= 0;
    }
}
