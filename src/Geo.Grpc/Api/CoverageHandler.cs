using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.HeatMaps;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Grpc.Core;
using Geo.Storage;
using Geo.Storage.Registry;
using NetTopologySuite.Geometries;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>
/// geoawareness.v1.Coverage: bases without a CLA team, teams without a female CLA, communities at
/// risk beyond reach of every staffed base, and what a planned deployment would change (CLA
/// policy paras 48-54). A scoped caller's answers are computed from its area alone: a base
/// outside it neither appears nor counts as reaching anyone.
/// </summary>
internal sealed class CoverageHandler(RegistryStore store, CoverageReader coverage, HeatMapComputer heatMaps, GroupGapComputer groupGapComputer)
    : V1.Coverage.CoverageBase
{
    public override async Task<V1.CoverageReport> GetCoverage(V1.CoverageRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var question = coverage.Read(request, errors);
        ApiErrors.ThrowIfAny(errors);
        (question, var bases, var communities) = await coverage.ReadAsync(question, request.Sector, context.Caller().ScopeArea, context.CancellationToken).ConfigureAwait(false);
        return ApiMapping.ToProto(CoverageAnalysis.Analyse(question, bases, communities), question.Time);
    }

    /// <summary>
    /// Gender and age gaps (policy para 53): cells where threats against the selected group reach
    /// the threshold on the heat map and no qualifying team is within reach, with the communities
    /// at risk inside them. The heat map is the caller's own: its area, coarsening and minimum count.
    /// </summary>
    public override async Task<V1.GroupGapsReport> GetGroupGaps(V1.GroupGapsRequest request, ServerCallContext context)
    {
        var answer = await groupGapComputer.ComputeAsync(request, string.Empty, context.Caller(), context.CancellationToken).ConfigureAwait(false);
        var report = GroupGapsReport(answer.Map, answer.Gaps, answer.Communities, answer.Coverage, answer.Coarsened);
        report.ReachTime = CoverageReader.ToProto(answer.Question.Time);
        return report;
    }

    public override async Task<V1.PlanDeploymentReport> PlanDeployment(V1.PlanDeploymentRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var question = coverage.Read(request.Coverage ?? new V1.CoverageRequest(), errors.At("coverage"));
        var teams = request.Teams.Select(t => new PlannedTeam(t.BaseId, t.ClaCount, t.FemaleCount)).ToList();
        PlannedTeam.Check(teams, errors);
        ApiErrors.ThrowIfAny(errors);
        var groupGaps = request.GroupGaps is null ? ((HeatMapSpec Spec, CoverageQuestion Question)?)null : ReadGroupGaps(request, question);
        var scope = context.Caller().ScopeArea;
        var sector = request.Coverage?.Sector ?? string.Empty;
        (question, var bases, var communities) = await coverage.ReadAsync(question, sector, scope, context.CancellationToken).ConfigureAwait(false);
        var open = bases.Select(b => b.Base.Id).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < teams.Count; i++)
        {
            if (!open.Contains(teams[i].BaseId))
            {
                await ThrowNotPlannableAsync(teams[i].BaseId, $"teams[{i}].base_id", question.At, sector, scope, context.CancellationToken).ConfigureAwait(false);
            }
        }

        var plan = CoverageAnalysis.Plan(question, bases, communities, teams);
        var report = ApiMapping.ToProto(plan);
        report.After.ReachTime = CoverageReader.ToProto(question.Time);
        if (groupGaps is { } asked)
        {
            // The heat map judged as GetGroupGaps judges it, against every base and community of
            // the caller's area (a base of the next sector may cover a cell), before and after.
            var (wholePlan, wholeCommunities) = (plan, communities);
            if (sector.Length > 0)
            {
                var (_, allBases, allCommunities) = await coverage.ReadAsync(question, string.Empty, scope, context.CancellationToken).ConfigureAwait(false);
                (wholePlan, wholeCommunities) = (CoverageAnalysis.Plan(question, allBases, allCommunities, teams), allCommunities);
            }

            var map = await heatMaps.ComputeAsync(asked.Spec, context.Caller(), context.CancellationToken).ConfigureAwait(false);
            var change = GroupGaps.Compare(
                map, request.GroupGaps!.Threshold, asked.Spec.Filter.Affected, wholePlan.Before.Bases, wholePlan.After.Bases, wholeCommunities, context.CancellationToken);
            var rings = new CellRings(map.Area);
            report.GroupGapCellsBefore = change.Before.Cells.Count;
            report.GroupGapCellsAfter = change.After.Cells.Count;
            report.ClosedGroupGapCells.AddRange(change.Closed.Select(c => GapCell(map, c, rings)));
        }

        return report;
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

    internal static V1.GroupGapsReport GroupGapsReport(HeatMap map, GroupGapResult gaps, IReadOnlyList<CommunityAtRisk> communities, CoverageReport analysed, bool coarsened)
    {
        var report = new V1.GroupGapsReport
        {
            RequiresFemaleCla = gaps.RequiresFemaleCla,
            Grid = HeatMapsHandler.ToProto(map, coarsened),
            ThreatenedCells = gaps.ThreatenedCells,
        };
        var rings = new CellRings(map.Area);
        var byId = communities.ToDictionary(c => c.Id, StringComparer.Ordinal);
        foreach (var cell in gaps.Cells)
        {
            report.Cells.Add(GapCell(map, cell, rings));
            foreach (var id in cell.CommunityIds)
            {
                report.Communities.Add(new V1.GroupGapCommunity
                {
                    Community = ApiMapping.ToProto(new CommunityReach(byId[id], cell.NearestBaseId, NearestDistance(byId[id], cell.NearestBaseId, analysed))),
                    Column = cell.Index % map.Area.Grid.Columns,
                    Row = cell.Index / map.Area.Grid.Columns,
                });
            }
        }

        return report;
    }

    /// <summary>The geodesic distance from a community to the base named as its cell's nearest qualifying one.</summary>
    private static double NearestDistance(CommunityAtRisk community, string? baseId, CoverageReport report) =>
        baseId is null ? 0 : Core.Spatial.Geodesy.DistanceMetres(community.Centroid, report.Bases.First(b => b.Base.Id == baseId).Base.Location);

    private static V1.GroupGapCell GapCell(HeatMap map, GroupGapCell cell, CellRings rings)
    {
        var message = new V1.GroupGapCell
        {
            Cell = HeatMapsHandler.ToProto(map, map.Frames[0], cell.Index, rings),
            NearestBaseId = cell.NearestBaseId ?? string.Empty,
            DistanceMetres = cell.DistanceMetres,
        };
        message.CommunityIds.AddRange(cell.CommunityIds);
        return message;
    }

    /// <summary>
    /// Why a planned team's base is not among the open bases of the answer: unknown (or outside
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
