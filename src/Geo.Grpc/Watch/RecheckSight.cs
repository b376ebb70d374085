using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Storage.Operations;

namespace Geo.Grpc.Watch;

/// <summary>A re-check mark as one watcher is shown it: the site's id, or empty when its role may not read that site in full.</summary>
internal sealed record ShownRecheck(RecheckMark Mark, string SiteId);

/// <summary>
/// What of the re-check marks of planned operations (issue 20, part 3) one watch receives. Plans are
/// confidential: only a role that reads them (supervisors, planners, UN-CIMIC officers), only over
/// gRPC proper (they are never served over gRPC-Web), and only the plans whose footprint meets the
/// token's area and the watch's, as GetOperation and ListOperations decide. The site that caused
/// the mark is named only to a role that reads it in full: a liaison-only site's id reaches
/// UN-CIMIC officers, never a planner or a supervisor (as in the check, where it is only counted),
/// and a site outside the token's area is not named either.
/// Webhooks never ask for one: they read the observation feed alone.
/// </summary>
internal sealed class RecheckSight
{
    private readonly SharingLevel _widest;

    private readonly NetTopologySuite.Geometries.Geometry? _scope;

    private RecheckSight(Caller caller, ObservationFilter filter)
    {
        _widest = CivilianSharing.ReadsInFull(caller);
        _scope = caller.ScopeArea;
        Condition = new RecheckCondition(caller.ScopeArea, filter.Area);
    }

    public RecheckCondition Condition { get; }

    /// <summary>The sight of a watch by <paramref name="caller"/>, or null when it may receive no mark.</summary>
    public static RecheckSight? For(Caller caller, ObservationFilter filter, bool grpcProper)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(filter);
        return grpcProper && caller.Can(Permission.ReadOperations) ? new RecheckSight(caller, filter) : null;
    }

    public ShownRecheck Show(RecheckMark mark)
    {
        ArgumentNullException.ThrowIfNull(mark);
        // Named as the check names a site: shared this far, and inside the token's area (a site
        // outside it is, for this caller, one it does not read).
        var readable = mark.FacilitySharing <= _widest && (_scope is null || (mark.FacilityLocation is { } at && _scope.Covers(at)));
        return new ShownRecheck(mark, readable ? mark.FacilityId : string.Empty);
    }
}
