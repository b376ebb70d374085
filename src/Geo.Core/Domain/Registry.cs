using Geo.Core.Spatial;
using NetTopologySuite.Geometries;

namespace Geo.Core.Domain;

/// <summary>A community, at risk or not: a point or a polygon.</summary>
public sealed record Community
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    /// <summary>Point, Polygon or MultiPolygon in WGS84.</summary>
    public required Geometry Location { get; init; }

    public string AdminArea { get; init; } = string.Empty;

    public string Sector { get; init; } = string.Empty;

    /// <summary>Population by sex and age group, or null when unknown.</summary>
    public AffectedPeople? Population { get; init; }

    public RiskLevel RiskLevel { get; init; }

    public bool HasProtectionPlan { get; init; }

    public bool HasProtectionCommittee { get; init; }

    public bool HasCanFocalPoint { get; init; }
}

/// <summary>Where the mission is present.</summary>
public sealed record Base
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public BaseKind Kind { get; init; }

    public string Unit { get; init; } = string.Empty;

    public string Sector { get; init; } = string.Empty;

    public string AdminArea { get; init; } = string.Empty;

    public GeoPoint Location { get; init; }

    public DateOnly? OpenedOn { get; init; }

    public DateOnly? ClosedOn { get; init; }

    public bool IsOpenOn(DateOnly date) => (OpenedOn is null || OpenedOn <= date) && (ClosedOn is null || ClosedOn >= date);
}

/// <summary>A CLA at a base for a period. The CLA is known only by a pseudonymous id.</summary>
public sealed record ClaDeployment
{
    public required string Id { get; init; }

    public required string ClaId { get; init; }

    public Sex Sex { get; init; }

    public required string BaseId { get; init; }

    public DateOnly From { get; init; }

    public DateOnly? To { get; init; }

    public bool TemporaryDuty { get; init; }

    public string HomeLocality { get; init; } = string.Empty;

    public string? HomeCommunityId { get; init; }

    public bool IsActiveOn(DateOnly date) => From <= date && (To is null || To >= date);
}

/// <summary>A record as stored, with its version (which changes whenever the record does).</summary>
public sealed record Versioned<T>(T Value, long Version);
