using Geo.Core.Access;
using Geo.Core.Coverage;
using Geo.Core.HeatMaps;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Grpc.Core;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>
/// geoawareness.v1.Coverage: bases without a CLA team, teams without a female CLA, communities at
/// risk beyond reach of every staffed base, and what a planned deployment would change (CLA
/// policy paras 48-54). A scoped caller's answers are computed from its area alone: a base
/// outside it neither appears nor counts as reaching anyone.
/// </summary>
internal sealed class CoverageHandler(CoverageReader coverage, GroupGapComputer groupGapComputer, PlanEvaluator plans)
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

    /// <summary>A what-if plan judged against today; only roles that manage CLA deployments may move named CLAs.</summary>
    public override async Task<V1.PlanDeploymentReport> PlanDeployment(V1.PlanDeploymentRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        return (await plans.EvaluateAsync(request, caller, caller.Can(Permission.ManageDeployments), context.CancellationToken).ConfigureAwait(false)).Report;
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

    internal static V1.GroupGapCell GapCell(HeatMap map, GroupGapCell cell, CellRings rings)
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
}
