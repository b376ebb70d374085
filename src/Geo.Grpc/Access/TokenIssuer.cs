using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Core.Validation;
using Geo.Storage.Access;
using NetTopologySuite.Geometries;

namespace Geo.Grpc.Access;

/// <summary>What an administrator asks for when issuing a token.</summary>
public sealed record TokenRequest(Role Role, string Subject, IReadOnlyList<string> Sectors, Geometry? Area, ReferralSection? Section, int ValidDays, string Note);

/// <summary>Issues tokens for the Access service and the command line alike: checks, stores the hash, audits.</summary>
public sealed class TokenIssuer(AccessStore store, TimeProvider clock)
{
    public const int DefaultValidDays = 90;
    public const int MaxValidDays = 365;

    /// <summary>Checks a request; the errors name the fields of IssueTokenRequest.</summary>
    public async Task CheckAsync(TokenRequest request, FieldErrors errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);
        CodeRules.CheckDefined(request.Role, "role", errors);
        ObservationRules.CheckId(request.Subject, "subject", errors);
        if (request.ValidDays is < 0 or > MaxValidDays)
        {
            errors.Add("valid_days", $"{request.ValidDays} is out of range 1..{MaxValidDays} (0 for {DefaultValidDays})");
        }

        if (request.Section is { } section)
        {
            CodeRules.CheckDefined(section, "referral_section", errors);
        }

        if (request.Role == Role.ReferralSection && request.Section is null)
        {
            errors.Add("referral_section", "is required for ROLE_REFERRAL_SECTION");
        }
        else if (request.Role != Role.ReferralSection && request.Section is not null)
        {
            errors.Add("referral_section", "is only for ROLE_REFERRAL_SECTION");
        }

        if (request.Area is not null && GeometryRules.Check(request.Area, "Polygon", "MultiPolygon") is { } problem)
        {
            errors.Add("area", problem);
        }

        for (var i = 0; i < request.Sectors.Count; i++)
        {
            if (!await store.SectorExistsAsync(request.Sectors[i], cancellationToken).ConfigureAwait(false))
            {
                errors.Add($"sectors[{i}]", $"no sector '{request.Sectors[i]}'");
            }
        }
    }

    /// <summary>Stores a checked request; returns the bearer token (shown once) and the stored record.</summary>
    public async Task<(string Token, StoredToken Stored)> IssueAsync(TokenRequest request, string issuedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (id, token, salt, hash) = BearerToken.Issue();
        var now = clock.GetUtcNow();
        var days = request.ValidDays == 0 ? DefaultValidDays : request.ValidDays;
        var stored = new StoredToken(
            id, salt, hash, request.Role, request.Subject, request.Sectors, request.Area, request.Section, now.AddDays(days), null, issuedBy, now, request.Note);
        await store.InsertTokenAsync(stored, cancellationToken).ConfigureAwait(false);
        await store.AuditChangeAsync(issuedBy, "token.issue", "token", id,
            new { role = request.Role.ToString(), subject = request.Subject, sectors = request.Sectors, days }).ConfigureAwait(false);
        return (token, stored);
    }
}
