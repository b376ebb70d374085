using Geo.Core.Spatial;

namespace Geo.Core.Domain;

/// <summary>Why an alert was opened.</summary>
public enum AlertKind
{
    /// <summary>An early warning from a Community Alert Network (policy para 57).</summary>
    EarlyWarning = 1,

    /// <summary>Any other observation at or above the configured severity.</summary>
    SevereThreat = 2,

    /// <summary>A security incident against a CLA (policy paras 45-47): the chain and the security focal point only.</summary>
    SecurityIncidentAgainstCla = 3,
}

public enum AlertState
{
    Open = 1,
    Acknowledged = 2,
    Responded = 3,
    Closed = 4,
}

/// <summary>One step of an alert's life: when, and by whom (a token's subject).</summary>
public sealed record AlertStep(DateTimeOffset At, string By);

/// <summary>An alert as stored: its observation's point is exact (callers may get it coarsened).</summary>
public sealed record StoredAlert(
    string Id,
    string ObservationId,
    AlertKind Kind,
    int Severity,
    GeoPoint Location,
    string? CommunityId,
    AlertState State,
    DateTimeOffset OpenedAt,
    DateTimeOffset ObservedAt,
    AlertStep? Acknowledged,
    AlertStep? Responded,
    string? Response,
    AlertStep? Closed,
    string? ClosingNote,
    DateTimeOffset? EscalatedUnacknowledgedAt,
    DateTimeOffset? EscalatedUnansweredAt,
    string? NearestJson,
    long Version);

/// <summary>
/// How long an alert may wait: to be acknowledged, by severity (5 the shortest), from when it
/// opened; and to be responded to, from when what it reports was observed (the clock of the
/// EW-RESPONSE-24H indicator, so that an alert overdue here is one the indicator counts as late).
/// Past either it is escalated, once for each.
/// </summary>
public sealed record AlertDeadlines(IReadOnlyDictionary<int, TimeSpan> Acknowledge, TimeSpan Respond)
{
    public DateTimeOffset AcknowledgeBy(StoredAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.OpenedAt + (Acknowledge.TryGetValue(alert.Severity, out var limit) ? limit : Acknowledge.Values.Max());
    }

    public DateTimeOffset RespondBy(StoredAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.ObservedAt + Respond;
    }
}
