using Geo.Storage;

namespace Geo.Grpc.Hosting;

/// <summary>Plain HTTP probes for orchestrators and people: live (the process answers) and ready (the database is usable).</summary>
internal static class HealthEndpoints
{
    private static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(3);

    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health/live", () => Results.Json(new { status = "live" })).AddEndpointFilter(RequireCallerUnlessOpen);
        endpoints.MapGet("/health/ready", ReadyAsync).AddEndpointFilter(RequireCallerUnlessOpen);
    }

    /// <summary>Every HTTP endpoint is behind the same tokens as gRPC; health is open only when configured so.</summary>
    private static async ValueTask<object?> RequireCallerUnlessOpen(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var services = context.HttpContext.RequestServices;
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Access.AccessOptions>>().Value;
        if (!options.Enabled || options.OpenHealth)
        {
            return await next(context).ConfigureAwait(false);
        }

        var authenticator = services.GetRequiredService<Access.CallerAuthenticator>();
        var (caller, refusal) = await authenticator.AuthenticateAsync(
            context.HttpContext.Request.Headers.Authorization.ToString(), context.HttpContext.RequestAborted).ConfigureAwait(false);
        return caller is not null
            ? await next(context).ConfigureAwait(false)
            : Results.Json(new { status = "unauthenticated", problem = refusal?.Detail },
                statusCode: refusal?.StatusCode == Protocol.StatusCode.ResourceExhausted ? StatusCodes.Status429TooManyRequests : StatusCodes.Status401Unauthorized);
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
