using Geo.Core.Access;
using Geo.Grpc.Access;
using Geo.Grpc.Hosting;
using Geo.Grpc.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Geo.Grpc.Telemetry;

/// <summary>
/// OpenTelemetry as the service uses it. Metrics are always collected, for GET /metrics: the
/// service's own (<see cref="GeoAwarenessMetrics"/>), ASP.NET Core's and Kestrel's, the runtime's
/// and Npgsql's pools and commands. Traces (gRPC and HTTP requests, and the database commands
/// inside them) exist only when an OTLP endpoint is configured, which also exports the metrics:
/// without one no tracer listens, so no span is ever created.
/// </summary>
public static class TelemetryHosting
{
    /// <summary>Where the Prometheus exporter answers, on both listeners like every HTTP endpoint.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Requests that probes and scrapers repeat every few seconds: counted, never traced.</summary>
    private static readonly string[] UntracedPaths = ["/health", MetricsPath, "/grpc.health.v1.Health"];

    /// <summary>Registers the metrics (calls are recorded by <see cref="GrpcCallMetrics"/>) and, with an OTLP endpoint, tracing and export.</summary>
    /// <returns>Where telemetry is exported, or null when it is not.</returns>
    internal static OtlpTarget? AddGeoTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = OtlpTarget.From(configuration);
        services.TryAddSingleton<GeoAwarenessMetrics>();
        var version = typeof(TelemetryHosting).Assembly.GetName().Version?.ToString();
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(TelemetryOptions.ServiceName, serviceVersion: version))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GeoAwarenessMetrics.MeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddMeter("System.Runtime")
                    .AddNpgsqlInstrumentation()
                    // Every scrape collects anew: the endpoint is behind a token, and a cached answer
                    // would hide the calls of the last few hundred milliseconds.
                    .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(exporter => otlp.Apply(exporter, "v1/metrics"));
                }
            });
        if (otlp is not null)
        {
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new RequestRootedSampler()))
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = http => !IsUntraced(http.Request.Path))
                .AddNpgsql()
                .AddOtlpExporter(exporter => otlp.Apply(exporter, "v1/traces")));
        }

        return otlp;
    }

    /// <summary>
    /// GET /metrics in the Prometheus text format, behind an administrator's token
    /// (<see cref="Permission.ReadMetrics"/>) unless <see cref="AccessOptions.OpenMetrics"/>.
    /// </summary>
    internal static void MapMetricsEndpoint(this IEndpointRouteBuilder endpoints)
    {
        var open = endpoints.ServiceProvider.GetRequiredService<IOptions<AccessOptions>>().Value.OpenMetrics;
        IReadOnlyList<Permission> anyOf = [open ? Permission.Open : Permission.ReadMetrics];
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.UsePermission(anyOf), optionsName: null)
            .WithMetadata(new EndpointPermissionMetadata(anyOf), new HttpMethodMetadata([HttpMethods.Get]));
    }

    private static bool IsUntraced(PathString path) =>
        Array.Exists(UntracedPaths, untraced => path.StartsWithSegments(untraced, StringComparison.Ordinal));

    /// <summary>
    /// A trace starts at a request the service serves. A client span with no parent is a database
    /// command outside any request (the readiness probe every few seconds, the token-revocation
    /// listener, the feed-lag read of a scrape): each would be a trace of one span, noise to an
    /// operator. Commands inside a request are its children and follow its decision.
    /// </summary>
    private sealed class RequestRootedSampler : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            new(samplingParameters.Kind == System.Diagnostics.ActivityKind.Client ? SamplingDecision.Drop : SamplingDecision.RecordAndSample);
    }
}

/// <summary>The OTLP collector telemetry goes to, from our setting or the standard variable.</summary>
internal sealed record OtlpTarget(Uri Endpoint, OtlpExportProtocol Protocol, bool FromSetting)
{
    private const string StandardEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    private const string StandardProtocol = "OTEL_EXPORTER_OTLP_PROTOCOL";

    public string ProtocolName => Protocol == OtlpExportProtocol.HttpProtobuf ? "http/protobuf" : "grpc";

    /// <summary>The target <paramref name="configuration"/> names, null when none; a malformed one stops the start-up, named.</summary>
    public static OtlpTarget? From(IConfiguration configuration)
    {
        var setting = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>()?.OtlpEndpoint;
        var fromSetting = !string.IsNullOrWhiteSpace(setting);
        var text = fromSetting ? setting : configuration[StandardEndpoint];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var name = fromSetting ? $"{TelemetryOptions.SectionName}:{nameof(TelemetryOptions.OtlpEndpoint)}" : StandardEndpoint;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new StartupException($"{name} '{text}' is not an http:// or https:// address of an OTLP collector");
        }

        var protocol = configuration[StandardProtocol]?.Trim() switch
        {
            null or "" or "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            var other => throw new StartupException($"{StandardProtocol} '{other}' is not one the exporter speaks: grpc or http/protobuf"),
        };
        return new OtlpTarget(endpoint, protocol, fromSetting);
    }

    /// <summary>
    /// Points one signal's exporter at the target. From the standard variable the SDK has read it
    /// already, with the signal's path; from our setting it is given as the SDK would take the
    /// variable: over HTTP, the signal's path after the base address.
    /// </summary>
    public void Apply(OtlpExporterOptions options, string signalPath)
    {
        if (!FromSetting)
        {
            return;
        }

        options.Protocol = Protocol;
        options.Endpoint = Protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(Endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath) : Endpoint;
    }
}
