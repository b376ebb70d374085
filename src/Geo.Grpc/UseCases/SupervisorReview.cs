using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Geo.Storage.Access;
using Geo.Storage.Observations;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.UseCases;

/// <summary>
/// What a supervisor does to an observation after it is stored: review it (verification, the
/// response, a note), and release it for export with the summary that may leave the supervisor
/// chain. Each change is made only to an observation the caller can see, and is audited in the
/// same transaction as the change. Linking observations as reports of one event, and unlinking
/// them, follow the same rules.
/// </summary>
internal sealed class SupervisorReview(ObservationStore store, ObservationReading reading, IOptions<ReleaseOptions> release)
{
    public async Task<StoredObservation> ReviewAsync(
        string id, VerificationStatus verification, ObservationResponse? response, string note, long expectedVersion, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await reading.VisibleAsync(id, caller, "id", cancellationToken).ConfigureAwait(false);
        return await store.ReviewAsync(
            id, verification, response, caller.Subject, note, expectedVersion, release.Value.OnVerification,
            version => new AuditRow(caller.Subject, "observation.review", "observation", id, new { verification = verification.ToString(), version, token = caller.TokenId }),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredObservation> ReleaseAsync(string id, string summary, long expectedVersion, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(summary);
        var current = await reading.VisibleAsync(id, caller, "id", cancellationToken).ConfigureAwait(false);
        if (current.Observation.Category == ObservationCategory.SecurityIncidentAgainstCla)
        {
            throw new RefusedByRule("id", "a security incident against a CLA is never exported; it stays with the supervisor chain and the security focal point");
        }

        return await store.ReleaseAsync(
            id, summary, caller.Subject, expectedVersion,
            version => new AuditRow(caller.Subject, "observation.release", "observation", id, new { version, summary_characters = summary.Length, token = caller.TokenId }),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Links distinct observations as reports of one event (a new one, or the merge of theirs); audited when anything changed.</summary>
    public Task<EventLinks> LinkAsync(IReadOnlyList<string> ids, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return store.LinkAsync(
            ids, AccessRules.VisibilityOf(caller), IssuedIds.NewEventId(),
            links => new AuditRow(caller.Subject, "observation.link_event", "event", links.EventId!, new { observations = links.Members, token = caller.TokenId }),
            cancellationToken);
    }

    /// <summary>Takes an observation out of its event; audited when it was in one.</summary>
    public Task<EventLinks> UnlinkAsync(string id, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return store.UnlinkAsync(
            id, AccessRules.VisibilityOf(caller),
            links => new AuditRow(caller.Subject, "observation.unlink_event", "event", links.EventId!, new { observation = id, remaining = links.Members, token = caller.TokenId }),
            cancellationToken);
    }
}

/// <summary>A change the mission's rules never allow, whoever asks (FAILED_PRECONDITION, naming the field).</summary>
internal sealed class RefusedByRule(string field, string message) : Exception($"{field}: {message}")
{
    public string Field { get; } = field;
}
