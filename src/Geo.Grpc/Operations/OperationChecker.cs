using Geo.Core.Access;
using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Grpc.Civilian;
using Geo.Grpc.UseCases;
using Geo.Storage.Access;
using Geo.Storage.Operations;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;

namespace Geo.Grpc.Operations;

/// <summary>A presence figure as the caller's role may see it: counts for every reader, names for those who read the civilian picture whole.</summary>
internal sealed record PresenceFigure(Cluster Sector, int Records, int Organisations, IReadOnlyList<string> Names);

/// <summary>A community touched, with the CLA teams in reach that could inform it (at risk only).</summary>
internal sealed record CommunityFigure(CommunityTouch Community, IReadOnlyList<BaseNearby> Teams);

/// <summary>The communities to inform of a plan, each with the team that could and its notice, and how many were informed before the start.</summary>
internal sealed record NoticeAnswer(StoredOperation Plan, IReadOnlyList<(BaseNearby? Team, CommunityTouch Community, (DateTimeOffset InformedAt, string InformedBy)? Notice)> Rows, int InformedBeforeStart);

/// <summary>What a plan touches, as the caller may see it; with the plan as checked and its footprint (the area or route grown by the buffer), for a map.</summary>
internal sealed record CheckAnswer(
    string OperationId, DateTimeOffset CheckedAt, IReadOnlyList<(FacilityTouch Touch, Confirmation Confirmation)> Facilities, int FacilitiesWithheld,
    IReadOnlyList<CommunityFigure> Communities, IReadOnlyList<PresenceFigure> Presence, IReadOnlyList<(ObservationCategory Category, long Count)> Threats, int ThreatDays,
    DeconflictionState Deconfliction, IReadOnlyList<string> FlaggedReadable, int FlaggedWithheld, StoredOperation Plan, Geometry Footprint);

/// <summary>
/// The check of a planned operation (issue 20, part 2): facilities, communities, humanitarian
/// presence and threats within its buffer, in true metres, and for each community at risk the
/// staffed bases in reach that could inform it in advance. Liaison-only records reach a caller who
/// does not read them only as counts. Every check is audited.
/// </summary>
internal sealed class OperationChecker(
    OperationStore store, NearestPresence nearest, AccessStore audit, IOptions<CivilianOptions> civilian, IOptions<Api.CoverageOptions> coverage, IOptions<OperationOptions> options,
    TimeProvider clock)
{
    /// <summary>Clears a flagged plan with the reason; refused, saying why, when it is unchecked, clear, already cleared, or changed in reach since its check.</summary>
    public async Task<StoredOperation> ClearAsync(string id, string reason, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var plan = await store.GetAsync(id, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        if (!await store.ClearAsync(id, reason, caller.Subject, cancellationToken).ConfigureAwait(false))
        {
            var now = await store.GetAsync(id, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
            var d = now.Deconfliction;
            throw new RefusedByRule("id", d switch
            {
                { NeedsRecheck: true } => "a site in reach was added, moved or re-confirmed after the last check: check the plan again before clearing it",
                { State: DeconflictionState.Unchecked } => "the plan is unchecked (never checked, or edited since): check it first",
                { State: DeconflictionState.Clear } => "the plan touches no protected site: there is nothing to clear",
                _ => $"the plan is already cleared (by {d.OverriddenBy} at {d.OverriddenAt:O})",
            });
        }

        await audit.AuditChangeAsync(caller.Subject, "operation.clear", "operation", id, new { reason, version = plan.Version }).ConfigureAwait(false);
        return await store.GetAsync(id, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The communities a checked plan touches, each with the nearest staffed team in reach that
    /// could inform it (para 33) and whether it was informed, and how many were before the start.
    /// </summary>
    public async Task<NoticeAnswer> AdvanceNoticeAsync(string id, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var plan = await store.GetAsync(id, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        if (plan.Deconfliction.State == DeconflictionState.Unchecked)
        {
            throw new RefusedByRule("id", "the plan is unchecked (never checked, or edited since): check it first; the communities to inform are those its check touches");
        }

        var communities = await store.CommunitiesAsync(id, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        var notices = await store.NoticesAsync(id, cancellationToken).ConfigureAwait(false);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var reach = coverage.Value.Reach;
        var longest = new[] { reach.OperatingBaseMetres, reach.CompanyOperatingBaseMetres, reach.TemporaryOperatingBaseMetres, reach.SurgeTeamMetres }.Max();
        var near = await nearest.FindAsync([.. communities.Select(c => c.Point)], 5, longest, today, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        var rows = new List<(BaseNearby? Team, CommunityTouch Community, (DateTimeOffset InformedAt, string InformedBy)? Notice)>();
        for (var i = 0; i < communities.Count; i++)
        {
            var team = near[i].FirstOrDefault(b => b.Team.IsStaffed && b.DistanceMetres <= reach.For(b.Base.Value.Kind));
            rows.Add((team, communities[i], notices.TryGetValue(communities[i].Id, out var notice) ? notice : null));
        }

        await audit.AuditChangeAsync(caller.Subject, "operation.read", "operation", id, new { advance_notice = true }).ConfigureAwait(false);
        var before = rows.Count(r => r.Notice is { } n && n.InformedAt < plan.Operation.StartsAt);
        return new NoticeAnswer(plan, rows, before);
    }

    /// <summary>Records that a community the plan's check touched was informed, when and by whom; audited.</summary>
    public async Task RecordNoticeAsync(string id, string communityId, DateTimeOffset informedAt, string informedBy, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        _ = await store.GetAsync(id, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        if (!await store.RecordNoticeAsync(id, communityId, informedAt, informedBy, caller.Subject, cancellationToken).ConfigureAwait(false))
        {
            throw new RefusedByRule("community_id", $"'{communityId}' is not among the communities the plan's last check touched: check the plan, then record");
        }

        await audit.AuditChangeAsync(caller.Subject, "operation.notice", "operation", id, new { community_id = communityId, informed_at = informedAt, informed_by = informedBy }).ConfigureAwait(false);
    }

    public const int DefaultThreatDays = 30;

    /// <summary>The days of threats a check counts: <paramref name="requested"/>, 1 to 365, or the default for 0 (INVALID_ARGUMENT otherwise).</summary>
    public static int ThreatDays(int requested) => requested switch
    {
        0 => DefaultThreatDays,
        < 0 or > 365 => throw Api.ApiErrors.InvalidArgument("threat_days", $"{requested} is not between 0 ({DefaultThreatDays}) and 365"),
        _ => requested,
    };

    public async Task<CheckAnswer> CheckAsync(string id, int threatDays, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var plan = await store.GetAsync(id, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        var footprint = await store.FootprintAsync(id, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var widest = CivilianSharing.ReadsInFull(caller);
        var facilities = await store.FacilitiesAsync(id, widest, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        var communities = await store.CommunitiesAsync(id, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        var presence = await store.PresenceAsync(id, cancellationToken).ConfigureAwait(false);
        var threats = await store.ThreatsAsync(id, now.AddDays(-threatDays), cancellationToken).ConfigureAwait(false);

        var reach = coverage.Value.Reach;
        var longest = new[] { reach.OperatingBaseMetres, reach.CompanyOperatingBaseMetres, reach.TemporaryOperatingBaseMetres, reach.SurgeTeamMetres }.Max();
        // The bases near all the communities at risk at once, not two round trips for each: a route
        // along a road touches scores of them (73 in bench/operations.sh, where this halved the check).
        var atRisk = communities.Where(c => c.Risk >= CoverageQuestion.DefaultMinRisk).ToList();
        var near = await nearest.FindAsync([.. atRisk.Select(c => c.Point)], 5, longest, today, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        var teamsOf = atRisk.Select((c, i) => (c.Id, Teams: near[i])).ToDictionary(c => c.Id, c => c.Teams, StringComparer.Ordinal);
        var figures = communities.Select(community => new CommunityFigure(
            community,
            teamsOf.TryGetValue(community.Id, out var teams) ? [.. teams.Where(b => b.Team.IsStaffed && b.DistanceMetres <= reach.For(b.Base.Value.Kind))] : [])).ToList();

        var names = caller.Can(Permission.ReadLiaisonOnlyRecords);
        var bySector = presence.GroupBy(p => p.Sector).OrderBy(g => g.Key).Select(g => new PresenceFigure(
            g.Key, g.Count(), g.Select(p => p.OrganisationId).Distinct(StringComparer.Ordinal).Count(),
            names ? [.. g.Select(p => p.OrganisationName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)] : [])).ToList();
        var staleDays = civilian.Value.FacilityStaleDays;
        var shown = facilities.Where(f => f.Readable).Select(f => (f, f.Facility.ConfirmationOn(today, staleDays))).ToList();

        // Deconfliction: a notified site, or one of a flagged type, within the buffer flags the plan,
        // whoever checks and whatever they may read of it (a withheld site flags it too).
        var flaggedTypes = options.Value.FlaggedTypes;
        var flagged = facilities.Where(f => f.Facility.Notification is not null || flaggedTypes.Contains(f.Facility.Type)).ToList();
        var state = flagged.Count > 0 ? DeconflictionState.Flagged : DeconflictionState.Clear;
        if (!await store.RecordCheckAsync(id, plan.Version, state, [.. flagged.Select(f => f.Facility.Id)], [.. communities.Select(c => c.Id)], cancellationToken).ConfigureAwait(false))
        {
            throw new Storage.VersionMismatchException($"operation '{id}' changed while it was checked: check it again") { Field = "id" };
        }

        await audit.AuditChangeAsync(caller.Subject, "operation.check", "operation", id, new { facilities = facilities.Count, communities = communities.Count, flagged = flagged.Count })
            .ConfigureAwait(false);
        return new CheckAnswer(plan.Operation.Id, now, shown, facilities.Count(f => !f.Readable), figures, bySector, threats, threatDays,
            state, [.. flagged.Where(f => f.Readable).Select(f => f.Facility.Id)], flagged.Count(f => !f.Readable), plan, footprint);
    }
}
