using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Api;
using Grpc.Core;
using Geo.Storage;
using Geo.Storage.Access;
using Microsoft.Extensions.Options;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Access;

/// <summary>geoawareness.v1.Access: tokens for administrators, and the audit trail.</summary>
internal sealed class AccessHandler(AccessStore store, TokenIssuer issuer, CallerAuthenticator authenticator, IOptions<ApiOptions> options)
    : V1.Access.AccessBase
{
    private const int DefaultAuditLimit = 1000;
    private const int MaxAuditLimit = 10_000;

    public override async Task<V1.IssuedToken> IssueToken(V1.IssueTokenRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var area = request.Area is null || request.Area.KindCase == V1.Shape.KindOneofCase.None ? null : ApiMapping.ToGeometry(request.Area, "area", options.Value.ShapeLimits, errors);
        var tokenRequest = new TokenRequest(
            (Role)request.Role,
            request.Subject,
            request.Sectors.ToList(),
            area,
            request.ReferralSection == V1.ReferralSection.Unspecified ? null : (ReferralSection)request.ReferralSection,
            request.ValidDays,
            request.Note);
        await issuer.CheckAsync(tokenRequest, errors, context.CancellationToken).ConfigureAwait(false);
        ApiErrors.ThrowIfAny(errors);
        var caller = context.Caller();
        await EnsureWithinIssuerAreaAsync(caller, tokenRequest, context.CancellationToken).ConfigureAwait(false);
        var (token, stored) = await issuer.IssueAsync(tokenRequest, caller.Subject, context.CancellationToken).ConfigureAwait(false);
        return new V1.IssuedToken { Token = token, Info = ToInfo(stored) };
    }

    public override async Task<V1.TokenInfo> RevokeToken(V1.RevokeTokenRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var target = await store.FindTokenAsync(request.Id, context.CancellationToken).ConfigureAwait(false);
        if (target is null || !Manages(caller, target) || !await store.RevokeTokenAsync(request.Id, context.CancellationToken).ConfigureAwait(false))
        {
            throw new RecordNotFoundException($"no token '{request.Id}'") { Field = "id" };
        }

        authenticator.Forget(request.Id);
        await store.AuditChangeAsync(caller.Subject, "token.revoke", "token", request.Id, new { token = caller.TokenId }).ConfigureAwait(false);
        var stored = await store.FindTokenAsync(request.Id, context.CancellationToken).ConfigureAwait(false);
        return ToInfo(stored!);
    }

    public override async Task ListTokens(V1.ListTokensRequest request, IServerStreamWriter<V1.TokenInfo> responses, ServerCallContext context)
    {
        var caller = context.Caller();
        await foreach (var token in store.ListTokensAsync(context.CancellationToken).ConfigureAwait(false))
        {
            if (Manages(caller, token))
            {
                await responses.WriteAsync(ToInfo(token), context.CancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override async Task QueryAudit(V1.QueryAuditRequest request, IServerStreamWriter<V1.AuditEntry> responses, ServerCallContext context)
    {
        // The trail names actors and records of the whole mission, with no area to narrow it by.
        if (context.Caller().IsScoped)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "the audit trail covers the whole mission; only an administrator token without an area may read it"));
        }

        var errors = new FieldErrors();
        DateTimeOffset? from = request.From is null ? null : ApiMapping.ToTime(request.From, "from", errors);
        DateTimeOffset? to = request.To is null ? null : ApiMapping.ToTime(request.To, "to", errors);
        if (request.Limit is < 0 or > MaxAuditLimit)
        {
            errors.Add("limit", $"{request.Limit} is out of range 1..{MaxAuditLimit} (0 for {DefaultAuditLimit})");
        }

        ApiErrors.ThrowIfAny(errors);
        var limit = request.Limit == 0 ? DefaultAuditLimit : request.Limit;
        await foreach (var entry in store.QueryAuditAsync(from, to, request.Actor, request.TargetKind, request.TargetId, limit, context.CancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(
                new V1.AuditEntry
                {
                    Id = entry.Id, At = ApiMapping.ToTimestamp(entry.At), Actor = entry.Actor, Action = entry.Action,
                    TargetKind = entry.TargetKind, TargetId = entry.TargetId, Details = entry.Details,
                },
                context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task<V1.TokenInfo> WhoAmI(V1.WhoAmIRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var stored = await store.FindTokenAsync(caller.TokenId, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "a valid bearer token is required in the authorization metadata"));
        return ToInfo(stored);
    }

    /// <summary>An administrator limited to an area manages only the tokens it issued itself.</summary>
    private static bool Manages(Caller caller, StoredToken token) => !caller.IsScoped || token.IssuedBy == caller.Subject;

    /// <summary>
    /// An administrator limited to an area may hand out no more than it has: every token it
    /// issues must be scoped, and inside its own area.
    /// </summary>
    private async Task EnsureWithinIssuerAreaAsync(Caller caller, TokenRequest request, CancellationToken cancellationToken)
    {
        if (caller.ScopeArea is not { } own)
        {
            return;
        }

        var area = request.Area;
        if (request.Sectors.Count > 0)
        {
            var sectors = await store.SectorAreaAsync(request.Sectors, cancellationToken).ConfigureAwait(false);
            area = area is null ? sectors : sectors is null ? area : area.Intersection(sectors);
        }

        if (area is null || !own.Covers(area))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "sectors/area: an administrator limited to an area issues only tokens scoped inside it"));
        }
    }

    /// <summary>A stored token as the Access service shows it; the command line prints its own tokens the same way.</summary>
    internal static V1.TokenInfo ToInfo(StoredToken token)
    {
        var info = new V1.TokenInfo
        {
            Id = token.Id,
            Role = (V1.Role)token.Role,
            Subject = token.Subject,
            ExpiresAt = ApiMapping.ToTimestamp(token.ExpiresAt),
            IssuedBy = token.IssuedBy,
            IssuedAt = ApiMapping.ToTimestamp(token.IssuedAt),
            Note = token.Note,
            ReferralSection = token.Section is { } section ? (V1.ReferralSection)section : V1.ReferralSection.Unspecified,
        };
        info.Sectors.AddRange(token.Sectors);
        if (token.Area is not null)
        {
            info.Area = ApiMapping.ToShape(token.Area);
        }

        if (token.RevokedAt is { } revoked)
        {
            info.RevokedAt = ApiMapping.ToTimestamp(revoked);
        }

        return info;
    }
}
