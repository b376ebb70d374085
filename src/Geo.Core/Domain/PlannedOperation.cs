using Geo.Core.Spatial;
using Geo.Core.Validation;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Valid;

namespace Geo.Core.Domain;

/// <summary>Where a plan stands against the protected sites it touches.</summary>
public enum DeconflictionState
{
    Unchecked = 1,
    Clear = 2,
    Flagged = 3,
    ClearedByOverride = 4,
}

/// <summary>A plan's deconfliction record: the last check's result, and an override's reason when cleared.</summary>
public sealed record Deconfliction(DeconflictionState State, DateTimeOffset? CheckedAt, int FlaggedSites, bool NeedsRecheck, string OverrideReason, string OverriddenBy, DateTimeOffset? OverriddenAt)
{
    public static readonly Deconfliction Unchecked = new(DeconflictionState.Unchecked, null, 0, false, string.Empty, string.Empty, null);
}

/// <summary>What changed in a plan's reach after its check, so that it must be checked again (migration 16 records it).</summary>
public enum RecheckReason
{
    SiteAdded = 1,
    SiteMoved = 2,
    SiteRetyped = 3,

    /// <summary>The site's notification to the parties was recorded, changed or removed.</summary>
    SiteNotified = 4,
    SiteReconfirmed = 5,
}

public enum OperationKind
{
    Patrol = 1,
    Operation = 2,
    Movement = 3,
}

/// <summary>A planned patrol, operation or movement: where (an area, or a route with a buffer), when, and by whom.</summary>
public sealed record PlannedOperation
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public OperationKind Kind { get; init; }

    public string Unit { get; init; } = string.Empty;

    /// <summary>The area (a polygon) or the route (a line).</summary>
    public required Geometry Shape { get; init; }

    /// <summary>True metres around the area or route that the plan also touches.</summary>
    public int BufferMetres { get; init; }

    public DateTimeOffset StartsAt { get; init; }

    public DateTimeOffset EndsAt { get; init; }

    public bool IsRoute => Shape is LineString;
}

public static class OperationRules
{
    public const int MaxBufferMetres = 50_000;

    /// <summary>
    /// Records what is wrong with <paramref name="operation"/>. The shape is named <c>route</c> or
    /// <c>area</c>, as the gRPC message holds it, unless <paramref name="shapeField"/> names the one
    /// field that holds either (the map's HTTP request, where the geometry's type decides which it is).
    /// </summary>
    public static void Check(PlannedOperation operation, FieldErrors errors, string? shapeField = null)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(errors);
        // Where one field holds either shape, the message says which of the two it was read as.
        var (route, area, asRoute, asArea) = shapeField is null ? ("route", "area", string.Empty, string.Empty) : (shapeField, shapeField, "the route ", "the area ");
        ObservationRules.CheckId(operation.Id, "id", errors);
        if (string.IsNullOrWhiteSpace(operation.Name) || operation.Name.Length > 200)
        {
            errors.Add("name", "must have 1 to 200 characters, not only spaces");
        }

        CodeRules.CheckDefined(operation.Kind, "kind", errors);
        if (operation.Unit.Length > 200)
        {
            errors.Add("unit", $"has {operation.Unit.Length} characters; at most 200");
        }

        switch (operation.Shape)
        {
            case LineString line when line.NumPoints < 2 || line.Length == 0:
                errors.Add(route, asRoute + "needs at least two distinct points");
                break;
            case LineString:
                break;
            case Polygon or MultiPolygon when !new IsValidOp(operation.Shape).IsValid:
                errors.Add(area, $"{asArea}is not a valid polygon ({new IsValidOp(operation.Shape).ValidationError?.Message ?? "invalid"}): a self-intersecting ring, for instance");
                break;
            case Polygon or MultiPolygon:
                break;
            default:
                errors.Add(area, "give an area (a polygon) or a route (a line)");
                break;
        }

        if (operation.BufferMetres is < 0 or > MaxBufferMetres)
        {
            errors.Add("buffer_metres", $"{operation.BufferMetres} is not between 0 and {MaxBufferMetres} metres");
        }
        else if (operation.Shape is LineString && operation.BufferMetres == 0)
        {
            errors.Add("buffer_metres", "a route needs a buffer (the width it touches), 1 metre or more");
        }

        if (operation.StartsAt == default)
        {
            errors.Add("starts_at", "is required");
        }
        else if (operation.EndsAt <= operation.StartsAt)
        {
            errors.Add("ends_at", $"{operation.EndsAt:O} is not after starts_at {operation.StartsAt:O}");
        }
    }
}
