using Geo.Core.Domain;
using Geo.Grpc.Api;
using Google.Protobuf;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Alerts;

/// <summary>An alert as a caller is shown it, as the API says it: for Alerts' calls and for watches alike.</summary>
internal static class AlertMapping
{
    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static V1.Alert ToProto(ShownAlert shown, AlertDeadlines deadlines)
    {
        ArgumentNullException.ThrowIfNull(shown);
        ArgumentNullException.ThrowIfNull(deadlines);
        var alert = shown.Alert;
        var message = new V1.Alert
        {
            Id = alert.Id,
            ObservationId = alert.ObservationId,
            Kind = (V1.AlertKind)alert.Kind,
            Severity = alert.Severity,
            Location = ApiMapping.ToProto(shown.Location),
            State = (V1.AlertState)alert.State,
            OpenedAt = ApiMapping.ToTimestamp(alert.OpenedAt),
            AcknowledgeBy = ApiMapping.ToTimestamp(deadlines.AcknowledgeBy(alert)),
            RespondBy = ApiMapping.ToTimestamp(deadlines.RespondBy(alert)),
            Response = alert.Response ?? string.Empty,
            ClosingNote = alert.ClosingNote ?? string.Empty,
            Version = alert.Version,
        };
        if (alert.Acknowledged is { } acknowledged)
        {
            message.AcknowledgedAt = ApiMapping.ToTimestamp(acknowledged.At);
            message.AcknowledgedBySubject = acknowledged.By;
        }

        if (alert.Responded is { } responded)
        {
            message.RespondedAt = ApiMapping.ToTimestamp(responded.At);
            message.RespondedBySubject = responded.By;
        }

        if (alert.Closed is { } closed)
        {
            message.ClosedAt = ApiMapping.ToTimestamp(closed.At);
            message.ClosedBySubject = closed.By;
        }

        if (alert.EscalatedUnacknowledgedAt is { } unacknowledged)
        {
            message.EscalatedUnacknowledgedAt = ApiMapping.ToTimestamp(unacknowledged);
        }

        if (alert.EscalatedUnansweredAt is { } unanswered)
        {
            message.EscalatedUnansweredAt = ApiMapping.ToTimestamp(unanswered);
        }

        // Only for callers who see exact locations: ranked by distance from the exact point, the
        // nearest bases would locate it (to where that ranking holds) even without their distances.
        if (shown.Exact && alert.NearestJson is { } json)
        {
            message.Nearest.AddRange(Json.Parse<V1.NearestPresenceResponse>(json).Bases);
        }

        return message;
    }
}
