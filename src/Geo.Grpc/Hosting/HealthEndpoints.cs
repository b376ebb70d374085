using Geo.Grpc.Http;
using Geo.Storage;

namespace Geo.Grpc.Hosting;

/// <summary>Plain HTTP probes for orchestrators and people: live (the process answers) and ready (the database is usable).</summary>
internal static class HealthEndpoints
{
    private static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(3);

    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var open = endpoints.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Access.AccessOptions>>().Value.OpenHealth;
        var permission = open ? Geo.Core.Access.Permission.Open : Geo.Core.Access.Permission.AnyCaller;
        endpoints.MapGet("/health/live", () => Results.Json(new { status = "live" })).RequirePermission(permission);
        endpoints.MapGet("/health/ready", ReadyAsync).RequirePermission(permission);
    }

    private static async Task<IResult> ReadyAsync(GeoDatabase database, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadinessTimeout);
        DatabaseReadiness readiness;
        try
        {
            readiness = await database.CheckReadinessAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            readiness = new DatabaseReadiness(false, null, null, 0, $"the database did not answer within {ReadinessTimeout.TotalSeconds:0} s");
        }

        return readiness.Ready
            ? Results.Json(new
            {
                status = "ready",
                postgis = readiness.PostgisVersion,
                postgres = readiness.PostgresVersion,
                schemaVersion = readiness.SchemaVersion,
            })
            : Results.Json(new { status = "not ready", problem = readiness.Problem }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
