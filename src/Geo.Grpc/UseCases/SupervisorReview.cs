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
/// same transaction as the change.
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
}

/// <summary>A change the mission's rules never allow, whoever asks (FAILED_PRECONDITION, naming the field).</summary>
internal sealed class RefusedByRule(string field, string message) : Exception($"{field}: {message}")
{
    public string Field { get; } = field;
}
