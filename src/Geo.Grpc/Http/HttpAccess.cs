using Geo.Core.Access;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.Http;

/// <summary>The permissions a plain HTTP endpoint accepts (any one will do), kept on the endpoint so a test can list every route and who may call it.</summary>
public sealed record EndpointPermissionMetadata(IReadOnlyList<Permission> AnyOf);

/// <summary>
/// Puts plain HTTP endpoints behind the same bearer tokens, roles and rate limits as gRPC, and
/// answers refusals and bad requests the same way: a status and a message naming the field, as
/// JSON <c>{"status": "INVALID_ARGUMENT", "problem": "cursor: ..."}</c>.
/// </summary>
public static class HttpAccess
{
    private static readonly Caller Unauthenticated = new("none", "anonymous", Role.Supervisor, null, null);

    public static RouteHandlerBuilder RequirePermission(this RouteHandlerBuilder endpoint, Permission permission) =>
        endpoint.RequireAnyPermission([permission]);

    /// <summary>The endpoint answers a caller holding any one of <paramref name="anyOf"/> (as a layer answers its importer and its product's readers).</summary>
    public static RouteHandlerBuilder RequireAnyPermission(this RouteHandlerBuilder endpoint, IReadOnlyList<Permission> anyOf)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(anyOf);
        return endpoint
            .WithMetadata(new EndpointPermissionMetadata(anyOf))
            .AddEndpointFilter((context, next) => AuthorizeAsync(context, next, anyOf));
    }

    /// <summary>The caller the filter authenticated; with authentication off, an unscoped supervisor (as for gRPC).</summary>
    public static Caller Caller(this HttpContext http) =>
        http.CallerOrNull() ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "a valid bearer token is required in the Authorization header"));

    /// <summary>A refusal or failure as the JSON answer every endpoint gives.</summary>
    public static IResult Problem(Status status) => Results.Json(
        new { status = StatusNames.Of(status.StatusCode), problem = status.Detail }, statusCode: HttpStatusOf(status.StatusCode));

    public static int HttpStatusOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.FailedPrecondition => StatusCodes.Status412PreconditionFailed,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        StatusCode.Cancelled => 499,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>
    /// Puts an endpoint that is not a route handler (a pipeline a library maps, as the Prometheus
    /// exporter's GET /metrics) behind <paramref name="anyOf"/>: endpoint filters never run for
    /// those, so the same check runs as the first middleware of its branch. The endpoint must carry
    /// the same <see cref="EndpointPermissionMetadata"/>, for the tests that list every route.
    /// </summary>
    public static IApplicationBuilder UsePermission(this IApplicationBuilder branch, IReadOnlyList<Permission> anyOf)
    {
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(anyOf);
        return branch.Use(async (http, next) =>
        {
            if (await RefusalAsync(http, anyOf).ConfigureAwait(false) is { } refusal)
            {
                await refusal.ExecuteAsync(http).ConfigureAwait(false);
                return;
            }

            await next(http).ConfigureAwait(false);
        });
    }

    private static async ValueTask<object?> AuthorizeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, IReadOnlyList<Permission> anyOf)
    {
        var http = context.HttpContext;
        if (await RefusalAsync(http, anyOf).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        try
        {
            return await next(context).ConfigureAwait(false);
        }
        // A request given up (by its client, or by its time budget: see HttpCallBudget) is not
        // translated: a cancelled database read can look like a database fault.
        catch (Exception e) when (!http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested && (e is RpcException || ApiErrors.Translate(e) is not null))
        {
            return Problem(e is RpcException rpc ? rpc.Status : ApiErrors.Translate(e)!.Value);
        }
    }

    /// <summary>The answer that refuses the request (401, 403), or null when it may go on, its caller set.</summary>
    private static async ValueTask<IResult?> RefusalAsync(HttpContext http, IReadOnlyList<Permission> anyOf)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<AccessOptions>>().Value;
        if (!options.Enabled)
        {
            http.SetCaller(Unauthenticated);
        }
        else if (!anyOf.Contains(Permission.Open))
        {
            var authenticator = http.RequestServices.GetRequiredService<CallerAuthenticator>();
            var (caller, refusal) = await authenticator.AuthenticateAsync(http.Request.Headers.Authorization.ToString(), http.RequestAborted).ConfigureAwait(false);
            if (caller is null)
            {
                var status = refusal ?? new Status(StatusCode.Unauthenticated, "a valid bearer token is required in the Authorization header");
                if (status.StatusCode == StatusCode.Unauthenticated)
                {
                    http.Response.Headers.WWWAuthenticate = "Bearer";
                }

                return Problem(status);
            }

            if (!anyOf.Any(caller.Can))
            {
                return Problem(new Status(StatusCode.PermissionDenied, $"the {caller.Role} role may not call {http.Request.Method} {http.Request.Path}"));
            }

            http.SetCaller(caller);
        }

        return null;
    }
}
