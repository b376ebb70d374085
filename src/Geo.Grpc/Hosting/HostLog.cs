namespace Geo.Grpc.Hosting;

internal static partial class HostLog
{
    [LoggerMessage(1, LogLevel.Information, "Using the external PostgreSQL named by ConnectionStrings:GeoAwareness")]
    public static partial void UsingExternalDatabase(ILogger logger);

    [LoggerMessage(2, LogLevel.Information, "GeoAwareness is ready: gRPC on {GrpcEndpoint}, HTTP on {HttpEndpoint}, PostGIS {Postgis}, schema version {SchemaVersion}, started in {ElapsedMs} ms")]
    public static partial void Ready(ILogger logger, string grpcEndpoint, string httpEndpoint, string? postgis, int schemaVersion, long elapsedMs);

    [LoggerMessage(3, LogLevel.Critical, "GeoAwareness cannot start: {Reason}")]
    public static partial void CannotStart(ILogger logger, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Authentication is OFF (GeoAwareness:Auth:Enabled=false): every caller acts as an unscoped supervisor. Only for benchmarks on a private machine")]
    public static partial void AuthenticationOff(ILogger logger);

    [LoggerMessage(6, LogLevel.Warning, "The database is unreachable (hosts {Hosts}), attempt {Attempt}: {Problem}; trying again in 2 s (GeoAwareness:DatabaseWaitSeconds)")]
    public static partial void DatabaseUnreachable(ILogger logger, string hosts, int attempt, string problem);

    [LoggerMessage(4, LogLevel.Information, "GeoAwareness stopped")]
    public static partial void Stopped(ILogger logger);
}
