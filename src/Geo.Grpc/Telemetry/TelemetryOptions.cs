namespace Geo.Grpc.Telemetry;

/// <summary>Where traces and metrics go (configuration section <c>GeoAwareness:Telemetry</c>).</summary>
/// <remarks>
/// The standard OpenTelemetry variables work as well, from the environment or any other
/// configuration source: <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> turns export on when this section sets
/// no endpoint, and <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_EXPORTER_OTLP_HEADERS</c>,
/// <c>OTEL_METRIC_EXPORT_INTERVAL</c> and <c>OTEL_BSP_*</c> tune it either way.
/// </remarks>
public sealed class TelemetryOptions
{
    public const string SectionName = "GeoAwareness:Telemetry";

    /// <summary>The name the service's traces and metrics carry (the resource's <c>service.name</c>).</summary>
    public const string ServiceName = "geoawareness";

    /// <summary>
    /// The OTLP collector's base address (<c>http://collector:4317</c> for gRPC, <c>:4318</c> with
    /// <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>), as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> would
    /// give it, and winning over it. With neither, nothing is exported and nothing is traced.
    /// </summary>
    public string? OtlpEndpoint { get; set; }
}
