using Geo.Core.Access;
using Geo.Core.Coverage;
using Geo.Core.HeatMaps;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>The gender and age gaps of one request as the caller may see them, and what they were judged from.</summary>
internal sealed record GroupGapAnswer(
    HeatMap Map, GroupGapResult Gaps, CoverageQuestion Question, CoverageReport Coverage, IReadOnlyList<CommunityAtRisk> Communities, bool Coarsened);

/// <summary>
/// A group-gaps request read and checked, and the gaps computed for a caller: one path for
/// Coverage.GetGroupGaps, Coverage.PlanDeployment and the group-gaps layer of the feeds, so that
/// all refuse the same requests with the same words and find the same cells.
/// </summary>
internal sealed class GroupGapComputer(HeatMapComputer heatMaps, CoverageReader coverage, LocationPrivacy privacy)
{
    /// <summary>The heat map and coverage question of a group-gaps request, or field errors under <paramref name="prefix"/>.</summary>
    public (HeatMapSpec Spec, CoverageQuestion Question) Read(V1.GroupGapsRequest request, string prefix)
    {
        ArgumentNullException.ThrowIfNull(request);
        string Field(string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
        var spec = heatMaps.Read(request.HeatMap, Field("heat_map"));
        var errors = new FieldErrors();
        var at = prefix.Length == 0 ? errors : errors.At(prefix);
        if (spec.Step != SeriesStep.None)
        {
            at.Add("heat_map.step", "group gaps are judged on one period: leave step unset");
        }

        if (spec.Method == HeatMapMethod.HotSpots)
        {
            at.Add("heat_map.method", "group gaps compare cell values with a threshold: use COUNT, WEIGHTED_SUM or KERNEL_DENSITY");
        }

        if (request.HeatMap.CellLayout != V1.CellLayout.Unspecified)
        {
            // A GroupGapCell carries its HeatMapCell whole, centre and ring: there is no packed form, and asking for one is refused rather than ignored.
            at.Add("heat_map.cell_layout", "group gaps are sent as cells with their polygons: leave cell_layout unset (the packed layout is HeatMaps.Compute's)");
        }

        if (!double.IsFinite(request.Threshold) || request.Threshold <= 0)
        {
            at.Add("threshold", $"{request.Threshold} must be a positive number in the heat map's unit");
        }

        var question = coverage.Read(new V1.CoverageRequest { At = request.At, Reach = request.Reach, ReachTime = request.ReachTime }, at);
        ApiErrors.ThrowIfAny(errors);
        return (spec, question);
    }

    /// <summary>
    /// Checks the request and finds the gaps on the caller's own heat map (its area, coarsening and
    /// minimum count) against the bases and communities of its area.
    /// </summary>
    public async Task<GroupGapAnswer> ComputeAsync(V1.GroupGapsRequest request, string prefix, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var (spec, question) = Read(request, prefix);
        var map = await heatMaps.ComputeAsync(spec, caller, cancellationToken).ConfigureAwait(false);
        (question, var bases, var communities) = await coverage.ReadAsync(question, string.Empty, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        var report = CoverageAnalysis.Analyse(question, bases, communities);
        var gaps = GroupGaps.Find(map, request.Threshold, spec.Filter.Affected, report.Bases, communities, cancellationToken);
        return new GroupGapAnswer(map, gaps, question, report, communities, privacy.PolicyFor(caller).IsCoarsened);
    }

    /// <summary>The request as it was answered: the heat map's and the coverage question's defaults filled in.</summary>
    public static V1.GroupGapsRequest Resolved(V1.GroupGapsRequest request, GroupGapAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(answer);
        var resolved = request.Clone();
        resolved.HeatMap = HeatMapComputer.Resolved(request.HeatMap, answer.Map);
        var coverage = CoverageReader.Resolved(new V1.CoverageRequest { At = request.At, Reach = request.Reach, ReachTime = request.ReachTime }, answer.Question);
        resolved.At = coverage.At;
        resolved.Reach = coverage.Reach;
        resolved.ReachTime = coverage.ReachTime;
        return resolved;
    }
}
