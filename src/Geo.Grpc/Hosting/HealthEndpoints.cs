using Geo.Grpc.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Geo.Grpc.Hosting;

/// <summary>
/// Plain HTTP probes for orchestrators and people: live (the process answers) and ready (the
/// database is usable), the latter from the same health check as grpc.health.v1.
/// </summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var open = endpoints.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Access.AccessOptions>>().Value.OpenHealth;
        var permission = open ? Geo.Core.Access.Permission.Open : Geo.Core.Access.Permission.AnyCaller;
        endpoints.MapGet("/health/live", () => Results.Json(new { status = "live" })).RequirePermission(permission);
        endpoints.MapGet("/health/ready", ReadyAsync).RequirePermission(permission);
    }

    private static async Task<IResult> ReadyAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(check => check.Name == GrpcHosting.DatabaseCheck, cancellationToken).ConfigureAwait(false);
        var database = report.Entries[GrpcHosting.DatabaseCheck];
        return database.Status == HealthStatus.Healthy
            ? Results.Json(new
            {
                status = "ready",
                postgis = database.Data["postgis"],
                postgres = database.Data["postgres"],
                schemaVersion = database.Data["schemaVersion"],
            })
            : Results.Json(new { status = "not ready", problem = database.Description }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
