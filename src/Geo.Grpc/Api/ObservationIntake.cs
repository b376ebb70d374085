using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Storage.Observations;
using Google.Protobuf.Collections;
using Grpc.Core;
using Microsoft.Extensions.Options;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>
/// Submitted observations as the ingest pipeline takes them: each mapped, checked against the
/// observation rules and the caller's scope, given the id the service issues for its client key,
/// and fingerprinted, for Observations.Submit and Observations.Ingest alike.
/// </summary>
internal sealed class ObservationIntake(IOptions<ApiOptions> options, TimeProvider clock)
{
    private readonly ApiOptions _options = options.Value;

    /// <summary>
    /// Maps and checks a batch and issues each observation's id; a client_id twice in one batch
    /// must carry the same content (the repeat is then reported as already stored).
    /// </summary>
    /// <param name="issuedIds">Receives the id issued for each message, in request order (repeats included).</param>
    public List<PreparedObservation> Prepare(RepeatedField<V1.Observation> messages, string field, Caller caller, RepeatedField<string>? issuedIds = null)
    {
        var now = clock.GetUtcNow();
        var limits = _options.ObservationLimits;
        var shapeLimits = _options.ShapeLimits;
        var errors = new FieldErrors();
        var prepared = new List<PreparedObservation>(messages.Count);
        var seen = new Dictionary<string, (byte[] Fingerprint, int Index)>(StringComparer.Ordinal);
        for (var i = 0; i < messages.Count; i++)
        {
            var name = $"{field}[{i}]";
            var itemErrors = errors.At(name);
            var message = messages[i];
            if (ClientKeys.Issue(message.ClientId, message.Id, caller.Subject, IssuedIds.Observation, itemErrors) is not { } issuedId)
            {
                break;
            }

            issuedIds?.Add(issuedId);

            var observation = ApiMapping.ToObservation(message, shapeLimits, itemErrors);
            if (errors.Any)
            {
                break;
            }

            ObservationRules.Check(observation, limits, now, itemErrors);
            if (errors.Any)
            {
                break;
            }

            observation = observation with { Id = issuedId };

            if (caller.Role == Role.Cla && observation.ReporterId != caller.Subject)
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied, $"{name}.reporter_id: a CLA submits only their own observations (as '{caller.Subject}')"));
            }

            AccessRules.EnsureInside(caller, observation.Location, $"{name}.location");

            var fingerprint = ObservationFingerprint.Compute(observation);
            if (seen.TryGetValue(message.ClientId, out var earlier))
            {
                if (!earlier.Fingerprint.AsSpan().SequenceEqual(fingerprint))
                {
                    itemErrors.Add("client_id", $"'{message.ClientId}' appears earlier in this batch ({field}[{earlier.Index}]) with other content");
                    break;
                }
            }
            else
            {
                seen[message.ClientId] = (fingerprint, i);
            }

            // An exact repeat goes on with the others: the merge stores it once and reports it as
            // already stored, so every observation sent is accounted for.
            // The fingerprint covers what the client sent, so a replay without reported_at still matches.
            if (observation.ReportedAt == default)
            {
                observation = observation with { ReportedAt = now };
            }

            prepared.Add(new PreparedObservation(observation, message.ClientId, fingerprint, name));
        }

        ApiErrors.ThrowIfAny(errors);
        return prepared;
    }
}
