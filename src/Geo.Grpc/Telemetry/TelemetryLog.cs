namespace Geo.Grpc.Telemetry;

internal static partial class TelemetryLog
{
    [LoggerMessage(301, LogLevel.Information, "Exporting traces and metrics by OTLP ({Protocol}) to {Endpoint}")]
    public static partial void ExportingOtlp(ILogger logger, string protocol, string endpoint);

    [LoggerMessage(302, LogLevel.Warning, "The feed lag cannot be read from the database: {Reason}")]
    public static partial void FeedLagUnreadable(ILogger logger, string reason);
}
