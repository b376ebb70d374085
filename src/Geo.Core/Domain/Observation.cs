using Geo.Core.Spatial;
using NetTopologySuite.Geometries;

namespace Geo.Core.Domain;

/// <summary>What a CLA reports, as submitted. Values are checked by <see cref="ObservationRules"/>.</summary>
public sealed record Observation
{
    /// <summary>The client's id: its idempotency key.</summary>
    public required string Id { get; init; }

    /// <summary>Pseudonymous id of the reporting CLA.</summary>
    public required string ReporterId { get; init; }

    public DateTimeOffset ObservedAt { get; init; }

    public DateTimeOffset ReportedAt { get; init; }

    public GeoPoint Location { get; init; }

    /// <summary>Optional area concerned: a Polygon or MultiPolygon.</summary>
    public Geometry? Area { get; init; }

    public LocationPrecision Precision { get; init; }

    public ObservationCategory Category { get; init; }

    public int Severity { get; init; }

    public AffectedPeople Affected { get; init; } = AffectedPeople.None;

    public Vulnerabilities Vulnerabilities { get; init; }

    public string? CommunityId { get; init; }

    public string? BaseId { get; init; }

    /// <summary>
    /// The CLA's own words. They can name a source, so they never leave the CLA and the supervisor
    /// chain; what others may read is the summary a supervisor releases (<see cref="ObservationRelease"/>).
    /// </summary>
    public string Notes { get; init; } = string.Empty;
}

/// <summary>A supervisor's response to an observation: what was done, and when.</summary>
public sealed record ObservationResponse(string Actions, DateTimeOffset? At);

/// <summary>An observation as stored, with what the service adds to it.</summary>
/// <param name="Release">When, by whom and with what summary a supervisor released it for export; null until then.</param>
public sealed record StoredObservation(
    Observation Observation,
    VerificationStatus Verification,
    ObservationResponse? Response,
    long Version,
    DateTimeOffset ReceivedAt,
    ObservationRelease? Release = null)
{
    /// <summary>The event a supervisor linked it into as one of its reports; null when in none.</summary>
    public string? EventId { get; init; }
}

/// <summary>
/// A supervisor's release of an observation: from then on it may leave the service in feeds and
/// layer feeds, and <paramref name="Summary"/> is the only free text that goes with it.
/// </summary>
public sealed record ObservationRelease(DateTimeOffset At, string By, string Summary);

/// <summary>One verification decision in an observation's history.</summary>
public sealed record ObservationReview(
    VerificationStatus Verification,
    ObservationResponse? Response,
    string ReviewerId,
    DateTimeOffset ReviewedAt,
    string Note);
