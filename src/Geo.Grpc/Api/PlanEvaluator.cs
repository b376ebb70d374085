using Geo.Core.Access;
using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.HeatMaps;
using Geo.Core.Spatial;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Storage;
using Geo.Storage.Registry;
using Grpc.Core;
using NetTopologySuite.Geometries;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>
/// A plan's report, and what it was judged from: the question, the coverage before and after, and
/// where every base it names or opens lies (what decides which scoped tokens may see it saved).
/// </summary>
internal sealed record PlanOutcome(V1.PlanDeploymentReport Report, CoverageQuestion Question, PlannedCoverage Plan, IReadOnlyList<GeoPoint> Places);

/// <summary>
/// A what-if plan read, checked against the registry and judged for a caller: one path for
/// Coverage.PlanDeployment and the saved plans, so that both refuse the same plans with the same
/// words and give the same report. A scoped caller's plan is judged from its area alone.
/// </summary>
internal sealed class PlanEvaluator(RegistryStore store, CoverageReader coverage, HeatMapComputer heatMaps, GroupGapComputer groupGapComputer)
{
    /// <summary>
    /// Checks and judges <paramref name="request"/>. <paramref name="mayNameClas"/> is false when
    /// the caller may not name CLA deployments (a move's deployment ids would tell it where a CLA
    /// is): a plan with a move is then refused. A saved plan read back was checked when saved.
    /// </summary>
    public async Task<PlanOutcome> EvaluateAsync(V1.PlanDeploymentRequest request, Caller caller, bool mayNameClas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new FieldErrors();
        var question = coverage.Read(request.Coverage ?? new V1.CoverageRequest(), errors.At("coverage"));
        var teams = request.Teams.Select(t => new PlannedTeam(t.BaseId, t.ClaCount, t.FemaleCount)).ToList();
        PlannedTeam.Check(teams, errors);
        var changes = ReadChanges(request, errors);
        if (teams.Count + request.Changes.Count == 0)
        {
            errors.Add("changes", "is required: at least one change (or a planned team in teams)");
        }
        else if (teams.Count + request.Changes.Count > WhatIfPlan.MaxChanges)
        {
            errors.Add("changes", $"has {teams.Count + request.Changes.Count} teams and changes; at most {WhatIfPlan.MaxChanges}");
        }
        else
        {
            WhatIfPlan.Check(question.At, changes, errors);
        }

        ApiErrors.ThrowIfAny(errors);
        if (!mayNameClas && changes.OfType<MoveClas>().FirstOrDefault() is { } move)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"{move.Field}: the {caller.Role} role may not name CLA deployments"));
        }

        var groupGaps = request.GroupGaps is null ? ((HeatMapSpec Spec, CoverageQuestion Question)?)null : ReadGroupGaps(request, question);
        var scope = caller.ScopeArea;
        var sector = request.Coverage?.Sector ?? string.Empty;
        (question, var bases, var communities) = await coverage.ReadAsync(question, sector, scope, cancellationToken).ConfigureAwait(false);
        List<PlanChange> all = [.. teams.Select((t, i) => AddClas.Of(t, $"teams[{i}]")), .. changes];
        all = await PlaceNewBasesAsync(all, question.At, sector, caller, cancellationToken).ConfigureAwait(false);
        await EnsurePlannableAsync(all, bases, question.At, sector, scope, cancellationToken).ConfigureAwait(false);
        var deployments = await DeploymentsAsync(all, question.At, scope, cancellationToken).ConfigureAwait(false);
        var planned = Apply(question.At, bases, all, deployments);
        var plan = CoverageAnalysis.Compare(question, bases, planned, communities);
        var report = ApiMapping.ToProto(plan);
        report.After.ReachTime = CoverageReader.ToProto(question.Time);
        if (groupGaps is { } asked)
        {
            // The heat map judged as GetGroupGaps judges it, against every base and community of
            // the caller's area (a base of the next sector may cover a cell), before and after.
            var (wholeBases, wholePlanned, wholeCommunities) = (bases, planned, communities);
            if (sector.Length > 0)
            {
                (_, wholeBases, wholeCommunities) = await coverage.ReadAsync(question, string.Empty, scope, cancellationToken).ConfigureAwait(false);
                wholePlanned = Apply(question.At, wholeBases, all, deployments);
            }

            var whole = CoverageAnalysis.Compare(question, wholeBases, wholePlanned, wholeCommunities);
            var map = await heatMaps.ComputeAsync(asked.Spec, caller, cancellationToken).ConfigureAwait(false);
            var change = GroupGaps.Compare(map, request.GroupGaps!.Threshold, asked.Spec.Filter.Affected, whole.Before.Bases, whole.After.Bases, wholeCommunities, cancellationToken);
            var rings = new CellRings(map.Area);
            report.GroupGapCellsBefore = change.Before.Cells.Count;
            report.GroupGapCellsAfter = change.After.Cells.Count;
            report.ClosedGroupGapCells.AddRange(change.Closed.Select(c => CoverageHandler.GapCell(map, c, rings)));
            report.OpenedGroupGapCells.AddRange(change.Opened.Select(c => CoverageHandler.GapCell(map, c, rings)));
        }

        var located = plan.Before.Bases.Concat(plan.After.Bases).GroupBy(b => b.Base.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Base.Location, StringComparer.Ordinal);
        var places = all.SelectMany(c => c is OpenBase o ? [o.Base.Id] : Named(c).Select(n => n.BaseId))
            .Distinct(StringComparer.Ordinal).Where(located.ContainsKey).Select(id => located[id]).ToList();
        return new PlanOutcome(report, question, plan, places);
    }

    private static IReadOnlyList<BaseTeam> Apply(DateOnly at, IReadOnlyList<BaseTeam> bases, IReadOnlyList<PlanChange> changes, IReadOnlyDictionary<string, PlannedDeployment> deployments)
    {
        var errors = new FieldErrors();
        var planned = WhatIfPlan.Apply(at, bases, changes, deployments, errors);
        ApiErrors.ThrowIfAny(errors);
        return planned;
    }

    /// <summary>The changes of a request in the plan's terms, each with its field; an empty change is an error.</summary>
    private static List<PlanChange> ReadChanges(V1.PlanDeploymentRequest request, FieldErrors errors)
    {
        var changes = new List<PlanChange>(request.Changes.Count);
        for (var i = 0; i < request.Changes.Count && i < WhatIfPlan.MaxChanges; i++)
        {
            var change = request.Changes[i];
            var field = $"changes[{i}]";
            switch (change.ChangeCase)
            {
                case V1.PlanChange.ChangeOneofCase.OpenBase:
                    changes.Add(Opening($"{field}.open_base", change.OpenBase.Base, change.OpenBase.Clas, isTeam: false, errors));
                    break;
                case V1.PlanChange.ChangeOneofCase.DeployTeam:
                    changes.Add(Opening($"{field}.deploy_team", change.DeployTeam.Base, change.DeployTeam.Clas, isTeam: true, errors));
                    break;
                case V1.PlanChange.ChangeOneofCase.CloseBase:
                    changes.Add(new CloseBase($"{field}.close_base", change.CloseBase.BaseId));
                    break;
                case V1.PlanChange.ChangeOneofCase.MoveClas:
                    changes.Add(new MoveClas($"{field}.move_clas", change.MoveClas.FromBaseId, change.MoveClas.ToBaseId, [.. change.MoveClas.DeploymentIds]));
                    break;
                case V1.PlanChange.ChangeOneofCase.AddClas:
                    changes.Add(new AddClas($"{field}.add_clas", change.AddClas.BaseId, [.. change.AddClas.Clas.Select(s => (Sex)s)]));
                    break;
                default:
                    errors.Add(field, "is empty: set one of open_base, close_base, deploy_team, move_clas, add_clas");
                    break;
            }
        }

        return changes;
    }

    private static OpenBase Opening(string field, V1.Base? message, IEnumerable<V1.Sex> clas, bool isTeam, FieldErrors errors)
    {
        var place = errors.At(field).At("base");
        if (message is null)
        {
            place.AddHere("is required");
            message = new V1.Base();
        }

        var station = ApiMapping.ToBase(message, place);
        if (isTeam && station.Kind == 0)
        {
            station = station with { Kind = BaseKind.SurgeTeam };
        }

        return new OpenBase(field, station, [.. clas.Select(s => (Sex)s)], isTeam);
    }

    /// <summary>
    /// Each base the plan opens must lie inside the caller's area (PERMISSION_DENIED otherwise, as
    /// Registry.CreateBase) and inside the mission area, the union of the registered sectors; it
    /// takes the sector it lies in when it names none, and must be of the sector asked about.
    /// </summary>
    private async Task<List<PlanChange>> PlaceNewBasesAsync(List<PlanChange> changes, DateOnly at, string sector, Caller caller, CancellationToken cancellationToken)
    {
        var placed = new List<PlanChange>(changes.Count);
        foreach (var change in changes)
        {
            if (change is not OpenBase opening)
            {
                placed.Add(change);
                continue;
            }

            var station = opening.Base;
            var field = $"{opening.Field}.base.location";
            AccessRules.EnsureInside(caller, station.Location, field);
            var (anySector, inside) = await store.SectorOfAsync(station.Location, cancellationToken).ConfigureAwait(false);
            if (!anySector)
            {
                throw new RpcException(new Status(
                    StatusCode.FailedPrecondition, $"{field}: no sector is registered, and the mission area is the union of the sectors: put them first (Registry.PutSector)"));
            }

            if (inside is null)
            {
                throw ApiErrors.InvalidArgument(field, FormattableString.Invariant($"({station.Location.Longitude} {station.Location.Latitude}) is outside the mission area (the registered sectors)"));
            }

            station = station.Sector.Length == 0 ? station with { Sector = inside } : station;
            if (sector.Length > 0 && !string.Equals(station.Sector, sector, StringComparison.Ordinal))
            {
                throw ApiErrors.InvalidArgument($"{opening.Field}.base.sector", $"'{station.Sector}' is not the sector '{sector}' asked about");
            }

            if (await RegisteredAsync(station.Id, caller.ScopeArea, cancellationToken).ConfigureAwait(false))
            {
                throw ApiErrors.InvalidArgument($"{opening.Field}.base.id", $"base '{station.Id}' is a registered base: give the new one an id of its own");
            }

            placed.Add(opening with { Base = station with { OpenedOn = station.OpenedOn ?? at } });
        }

        return placed;
    }

    private async Task<bool> RegisteredAsync(string baseId, Geometry? scope, CancellationToken cancellationToken)
    {
        try
        {
            await store.GetBaseAsync(baseId, scope, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RecordNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Every registered base a change names must be open on the date, in the caller's area and of the sector asked about.</summary>
    private async Task EnsurePlannableAsync(
        IReadOnlyList<PlanChange> changes, IReadOnlyList<BaseTeam> bases, DateOnly at, string sector, Geometry? scope, CancellationToken cancellationToken)
    {
        var known = bases.Select(b => b.Base.Id).Concat(changes.OfType<OpenBase>().Select(o => o.Base.Id)).ToHashSet(StringComparer.Ordinal);
        foreach (var (baseId, field) in changes.SelectMany(Named))
        {
            if (!known.Contains(baseId))
            {
                await ThrowNotPlannableAsync(baseId, field, at, sector, scope, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static IEnumerable<(string BaseId, string Field)> Named(PlanChange change) => change switch
    {
        CloseBase close => [(close.BaseId, $"{close.Field}.base_id")],
        MoveClas move => [(move.FromBaseId, $"{move.Field}.from_base_id"), (move.ToBaseId, $"{move.Field}.to_base_id")],
        AddClas add => [(add.BaseId, add.BaseField)],
        _ => [],
    };

    /// <summary>The deployments the moves name, as the caller's area shows them; one it may not see is left out (and reads as not at the base).</summary>
    private async Task<Dictionary<string, PlannedDeployment>> DeploymentsAsync(IReadOnlyList<PlanChange> changes, DateOnly at, Geometry? scope, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, PlannedDeployment>(StringComparer.Ordinal);
        foreach (var id in changes.OfType<MoveClas>().SelectMany(m => m.DeploymentIds).Distinct(StringComparer.Ordinal))
        {
            try
            {
                var stored = await store.GetDeploymentAsync(id, at, scope, cancellationToken).ConfigureAwait(false);
                found[id] = new PlannedDeployment(stored.Deployment, stored.Warnings);
            }
            catch (RecordNotFoundException)
            {
                // Not there, in the words WhatIfPlan.Apply uses for a CLA at another base.
            }
        }

        return found;
    }

    /// <summary>
    /// The group-gaps part of a plan: a plan is judged at one date and reach, the coverage's, so
    /// the group gaps may leave theirs empty or repeat them, but not ask for others.
    /// </summary>
    private (HeatMapSpec Spec, CoverageQuestion Question) ReadGroupGaps(V1.PlanDeploymentRequest request, CoverageQuestion plan)
    {
        var asked = groupGapComputer.Read(request.GroupGaps, "group_gaps");
        var errors = new FieldErrors();
        if (request.GroupGaps.At is not null && asked.Question.At != plan.At)
        {
            errors.Add("group_gaps.at", $"{asked.Question.At:yyyy-MM-dd} differs from the plan's date {plan.At:yyyy-MM-dd}: leave it empty (the plan's coverage.at applies) or give the same date");
        }

        if (request.GroupGaps.Reach is not null && asked.Question.Reach != plan.Reach)
        {
            errors.Add("group_gaps.reach", "differs from the plan's reach: leave it empty (the plan's coverage.reach applies) or give the same distances");
        }

        if (request.GroupGaps.ReachTime is not null && asked.Question.Time != plan.Time)
        {
            errors.Add("group_gaps.reach_time", "differs from the plan's travel time: leave it empty (the plan's coverage.reach_time applies) or give the same one");
        }

        ApiErrors.ThrowIfAny(errors);
        return asked;
    }

    /// <summary>
    /// Why a base a change names is not among the open bases of the answer: unknown (or outside
    /// the caller's area, which it must not learn of) is NOT_FOUND; closed on the date, or of
    /// another sector than the one asked about, is INVALID_ARGUMENT.
    /// </summary>
    private async Task ThrowNotPlannableAsync(string baseId, string field, DateOnly at, string sector, Geometry? scope, CancellationToken cancellationToken)
    {
        Base station;
        try
        {
            station = (await store.GetBaseAsync(baseId, scope, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RecordNotFoundException)
        {
            throw new RecordNotFoundException($"no base '{baseId}'") { Field = field };
        }

        throw !station.IsOpenOn(at)
            ? ApiErrors.InvalidArgument(field, $"base '{baseId}' is not open on {at:yyyy-MM-dd}: " +
                (station.ClosedOn is { } closed && closed < at ? $"closed on {closed:yyyy-MM-dd}" : $"opens on {station.OpenedOn:yyyy-MM-dd}"))
            : ApiErrors.InvalidArgument(field, $"base '{baseId}' is in sector '{station.Sector}', not in the sector '{sector}' asked about");
    }
}
