using Geo.Cli.Connection;
using Geo.Core.Access;
using Geo.Synthetic;
using Geo.Grpc.Access;
using Geo.Grpc.Hosting;
using Geo.Storage.Access;
using Microsoft.Extensions.DependencyInjection;

namespace Geo.Cli.Demo;

/// <summary>
/// <c>geoaware serve --demo</c>'s part once the service listens: the demo mission loaded through
/// the service's own gRPC port (as <c>geoaware demo</c> loads it) when the database holds nothing,
/// and a planner's token for the newcomer, issued as <c>geoawareness token issue</c> issues one.
/// </summary>
internal static class ServeDemo
{
    public const string TokenSubject = "demo-planner";

    /// <summary>Long enough to explore the demo for a month; a real mission's tokens come from an administrator.</summary>
    public const int TokenDays = 30;

    private const string Actor = "cli:geoaware serve --demo";

    /// <summary>The demo planner's token once the demo is loaded; null when the database already held a mission (nothing is loaded then).</summary>
    public static async Task<string?> LoadIfEmptyAsync(GeoAwarenessService service, DateOnly today, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(progress);
        var issuer = service.App.Services.GetRequiredService<TokenIssuer>();
        var store = service.App.Services.GetRequiredService<AccessStore>();
        var (plannerToken, planner) = await IssueAsync(issuer, Role.Planner, DemoText.LoaderSubject, 1, cancellationToken).ConfigureAwait(false);
        var (supervisorToken, supervisor) = await IssueAsync(issuer, Role.Supervisor, DemoText.LoaderSubject, 1, cancellationToken).ConfigureAwait(false);
        try
        {
            using var plannerConnection = new ServiceConnection(service.GrpcEndpoint, plannerToken);
            using var supervisorConnection = new ServiceConnection(service.GrpcEndpoint, supervisorToken);
            var loader = new DemoLoader(plannerConnection, supervisorConnection);
            if (!await loader.IsEmptyAsync(cancellationToken).ConfigureAwait(false))
            {
                await progress.WriteLineAsync("geoaware: the database already holds a mission: the demo is not loaded").ConfigureAwait(false);
                return null;
            }

            await progress.WriteLineAsync("geoaware: the database is empty: loading the demo mission...").ConfigureAwait(false);
            var report = await loader.LoadAsync(DemoMission.DefaultSeed, today, null, cancellationToken).ConfigureAwait(false);
            await progress.WriteLineAsync($"geoaware: {DemoText.Loaded(report)}").ConfigureAwait(false);
        }
        finally
        {
            foreach (var id in new[] { planner, supervisor })
            {
                await store.RevokeTokenAsync(id, CancellationToken.None).ConfigureAwait(false);
                await store.AuditChangeAsync(Actor, "token.revoke", "token", id, null).ConfigureAwait(false);
            }
        }

        var (token, _) = await IssueAsync(issuer, Role.Planner, TokenSubject, TokenDays, cancellationToken).ConfigureAwait(false);
        return token;
    }

    private static async Task<(string Token, string Id)> IssueAsync(TokenIssuer issuer, Role role, string subject, int days, CancellationToken cancellationToken)
    {
        var request = new TokenRequest(role, subject, [], null, null, days, "issued by geoaware serve --demo");
        var (token, stored) = await issuer.IssueAsync(request, Actor, cancellationToken).ConfigureAwait(false);
        return (token, stored.Id);
    }
}
