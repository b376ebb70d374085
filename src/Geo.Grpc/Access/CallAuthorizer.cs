using Geo.Core.Access;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.Access;

/// <summary>
/// Runs before every handler (through <see cref="Api.CallInterceptor"/>): authenticates the call and
/// checks the permission its method needs; a method without an entry is closed to everyone. With
/// authentication switched off (only to measure its cost), calls act as an unscoped caller with a
/// supervisor's permissions.
/// </summary>
public sealed class CallAuthorizer(CallerAuthenticator authenticator, RpcPermissions permissions, IOptions<AccessOptions> options)
{
    private static readonly Caller Unauthenticated = new("none", "anonymous", Role.Supervisor, null, null);

    /// <summary>Null when the call may proceed (its caller then set on the request); otherwise the status that ends it.</summary>
    public async ValueTask<Status?> AuthorizeAsync(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.GetHttpContext();
        var permission = permissions.For(context.Method);
        if (permission is null)
        {
            return new Status(StatusCode.PermissionDenied, $"{context.Method} has no permission assigned; it is closed to every caller");
        }

        if (!options.Value.Enabled)
        {
            http.SetCaller(Unauthenticated);
            return null;
        }

        if (permission == Permission.Open)
        {
            return null;
        }

        var authorization = http.Request.Headers.Authorization.ToString();
        var (caller, refusal) = await authenticator.AuthenticateAsync(authorization, context.CancellationToken).ConfigureAwait(false);
        if (caller is null)
        {
            return refusal;
        }

        if (!caller.Can(permission.Value))
        {
            return new Status(StatusCode.PermissionDenied, $"the {caller.Role} role may not call {context.Method}");
        }

        http.SetCaller(caller);
        return null;
    }
}
