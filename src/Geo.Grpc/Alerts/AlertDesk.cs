using System.Runtime.CompilerServices;
using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.Spatial;
using Geo.Grpc.Access;
using Geo.Grpc.UseCases;
using Geo.Storage.Access;
using Geo.Storage.Alerts;
using Geo.Storage.Observations;
using NetTopologySuite.Geometries;

namespace Geo.Grpc.Alerts;

/// <summary>An alert as one caller is shown it: its point coarsened when the caller's role says so.</summary>
internal sealed record ShownAlert(StoredAlert Alert, GeoPoint Location, bool Exact);

/// <summary>What one list of alerts asks for.</summary>
internal sealed record AlertFilter(QueryArea? Area, IReadOnlyCollection<AlertState> States, IReadOnlyCollection<AlertKind> Kinds, TimeSpan MinAge, bool EscalatedOnly);

/// <summary>
/// Alerts as people act on them: listed and read as the caller may see them (its area, the kinds
/// its role reads, coarse points for coarsened roles, decided on the coarse point as every read),
/// and moved along open -> acknowledged -> responded -> closed, each step audited. A response is
/// the observation's response, recorded through the review (so the indicator and the alert agree).
/// </summary>
internal sealed class AlertDesk(AlertStore store, ObservationStore observations, SupervisorReview review, AccessStore audit, LocationPrivacy privacy, TimeProvider clock)
{
    public async IAsyncEnumerable<ShownAlert> ListAsync(AlertFilter filter, Caller caller, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(caller);
        var sight = await privacy.SightAsync(caller, new ObservationFilter { Area = filter.Area }, cancellationToken).ConfigureAwait(false);
        // Asked of the database as a box (grown by the largest shift for a coarsened caller), then decided on the point shown.
        Geometry? box = sight.Filter.Area is { } area ? Box(area.Grown(0)) : null;
        var query = new AlertQuery(box, filter.States, filter.Kinds, clock.GetUtcNow() - filter.MinAge, filter.EscalatedOnly);
        await foreach (var alert in store.ListAsync(query, sight.Visibility, cancellationToken).ConfigureAwait(false))
        {
            if (Shown(alert, sight, filter.Area) is { } shown)
            {
                yield return shown;
            }
        }
    }

    public async Task<ShownAlert> GetAsync(string id, Caller caller, CancellationToken cancellationToken)
    {
        var sight = await privacy.SightAsync(caller, new ObservationFilter(), cancellationToken).ConfigureAwait(false);
        var alert = await store.GetAsync(id, sight.Visibility, cancellationToken).ConfigureAwait(false);
        return Shown(alert, sight, null) ?? throw new Storage.RecordNotFoundException($"no alert '{id}'") { Field = "id" };
    }

    public async Task<ShownAlert> AcknowledgeAsync(string id, long expectedVersion, Caller caller, CancellationToken cancellationToken)
    {
        var current = await GetAsync(id, caller, cancellationToken).ConfigureAwait(false);
        if (current.Alert.State != AlertState.Open)
        {
            throw new RefusedByRule("id", $"the alert is {Describe(current.Alert)}: only an open alert is acknowledged");
        }

        return await StepAsync(current, AlertState.Acknowledged, expectedVersion, null, caller, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ShownAlert> RespondAsync(string id, long expectedVersion, string response, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var current = await GetAsync(id, caller, cancellationToken).ConfigureAwait(false);
        if (current.Alert.State is AlertState.Responded or AlertState.Closed)
        {
            throw new RefusedByRule("id", $"the alert is {Describe(current.Alert)}: a response is recorded once");
        }

        if (expectedVersion != 0 && expectedVersion != current.Alert.Version)
        {
            throw new Storage.VersionMismatchException($"alert '{id}' is at version {current.Alert.Version}, not the expected {expectedVersion}: read it again and retry") { Field = "expected_version" };
        }

        var observation = await observations.GetAsync(current.Alert.ObservationId, Storage.Visibility.Everything, cancellationToken).ConfigureAwait(false);
        await review.ReviewAsync(
            current.Alert.ObservationId, observation.Verification, new ObservationResponse(response, clock.GetUtcNow()), $"response to {id}", 0, caller, cancellationToken)
            .ConfigureAwait(false);
        await audit.AuditChangeAsync(caller.Subject, "alert.respond", "alert", id, new { token = caller.TokenId }).ConfigureAwait(false);
        return await GetAsync(id, caller, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ShownAlert> CloseAsync(string id, long expectedVersion, string note, Caller caller, CancellationToken cancellationToken)
    {
        var current = await GetAsync(id, caller, cancellationToken).ConfigureAwait(false);
        if (current.Alert.State == AlertState.Closed)
        {
            throw new RefusedByRule("id", $"the alert is {Describe(current.Alert)}");
        }

        return await StepAsync(current, AlertState.Closed, expectedVersion, note, caller, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ShownAlert> StepAsync(ShownAlert current, AlertState state, long expectedVersion, string? note, Caller caller, CancellationToken cancellationToken)
    {
        var id = current.Alert.Id;
        var action = state == AlertState.Acknowledged ? "alert.acknowledge" : "alert.close";
        var visibility = AccessRules.VisibilityOf(caller);
        await store.StepAsync(id, state, expectedVersion, caller.Subject, note, clock.GetUtcNow(), visibility,
            new AuditRow(caller.Subject, action, "alert", id, new { token = caller.TokenId }), cancellationToken).ConfigureAwait(false);
        return await GetAsync(id, caller, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The alert with the point the caller is shown, or null when that point is outside what it asked for or may see.</summary>
    private static ShownAlert? Shown(StoredAlert alert, ObservationSight sight, QueryArea? area)
    {
        if (sight.Coarsening is null)
        {
            return area is null || area.Contains(alert.Location) ? new ShownAlert(alert, alert.Location, true) : null;
        }

        var coarse = sight.Coarsening.Coarsen(alert.Location, alert.CommunityId);
        return sight.Sees(coarse) ? new ShownAlert(alert, coarse, false) : null;
    }

    private static string Describe(StoredAlert alert) => alert.State switch
    {
        AlertState.Acknowledged => $"already acknowledged (by {alert.Acknowledged!.By} at {alert.Acknowledged.At:u})",
        AlertState.Responded => $"already responded to (by {alert.Responded!.By} at {alert.Responded.At:u})",
        AlertState.Closed => $"already closed (by {alert.Closed!.By} at {alert.Closed.At:u})",
        _ => "open",
    };

    private static Polygon Box(BoxArea box) => ShapeReader.Factory.CreatePolygon(
    [
        new Coordinate(box.West, box.South), new Coordinate(box.East, box.South), new Coordinate(box.East, box.North),
        new Coordinate(box.West, box.North), new Coordinate(box.West, box.South),
    ]);
}
