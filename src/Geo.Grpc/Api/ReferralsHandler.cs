using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Grpc.Core;
using Geo.Storage.Access;
using Geo.Storage.Observations;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>geoawareness.v1.Referrals: a victim who comes forward is referred, never interviewed.</summary>
internal sealed class ReferralsHandler(ReferralStore store, AccessStore access)
    : V1.Referrals.ReferralsBase
{
    private const int MaxContactLength = 1000;

    public override async Task<V1.ReferralReceipt> Submit(V1.Referral request, ServerCallContext context)
    {
        var caller = context.Caller();
        var errors = new FieldErrors();
        var id = ClientKeys.Issue(request.ClientId, request.Id, caller.Subject, IssuedIds.Referral, errors);
        if (request.SubmittedBy.Length > 0 && request.SubmittedBy != caller.Subject)
        {
            errors.Add("submitted_by", $"must be empty or your own id ('{caller.Subject}')");
        }

        CodeRules.CheckDefined((ReferralSection)request.Section, "section", errors);
        if (string.IsNullOrWhiteSpace(request.ContactDetails))
        {
            errors.Add("contact_details", "is required: how the section can reach the person");
        }
        else if (request.ContactDetails.Length > MaxContactLength)
        {
            errors.Add("contact_details", $"has {request.ContactDetails.Length} characters; at most {MaxContactLength} (contact details only, never an account of what happened)");
        }

        ApiErrors.ThrowIfAny(errors);
        var stored = await store.SubmitAsync(id!, (ReferralSection)request.Section, request.ContactDetails, caller.Subject, context.CancellationToken)
            .ConfigureAwait(false);
        return new V1.ReferralReceipt { Id = id, AlreadyStored = !stored };
    }

    public override async Task List(V1.ListReferralsRequest request, IServerStreamWriter<V1.Referral> responses, ServerCallContext context)
    {
        var caller = context.Caller();
        var errors = new FieldErrors();
        CodeRules.CheckDefined((ReferralSection)request.Section, "section", errors);
        ApiErrors.ThrowIfAny(errors);
        if (caller.Section != (ReferralSection)request.Section)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "section: your token reads only the referrals addressed to its own section"));
        }

        await access.AuditAsync(caller.Subject, "referral.read", "referral_section", request.Section.ToString(), new { token = caller.TokenId }, context.CancellationToken)
            .ConfigureAwait(false);
        await foreach (var referral in store.ListAsync((ReferralSection)request.Section, context.CancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(
                new V1.Referral
                {
                    Id = referral.Id,
                    Section = (V1.ReferralSection)referral.Section,
                    ContactDetails = referral.ContactDetails,
                    SubmittedBy = referral.SubmittedBy,
                    SubmittedAt = ApiMapping.ToTimestamp(referral.SubmittedAt),
                },
                context.CancellationToken).ConfigureAwait(false);
        }
    }
}
