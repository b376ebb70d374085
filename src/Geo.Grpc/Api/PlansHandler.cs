using Geo.Core.Access;
using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Exporters.GeoJson;
using Geo.Exporters.Layers;
using Geo.Grpc.Access;
using Geo.Grpc.Feeds;
using Geo.Storage.Plans;
using Geo.Storage.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>
/// geoawareness.v1.Plans: what-if plans saved under a name, read back with their report judged
/// against the registry as it is when read, compared and exported. A scoped caller reaches only
/// the plans whose bases all lie inside its area; the named CLAs of a move reach only the roles
/// that manage deployments (a deployment's base is where a CLA is).
/// </summary>
internal sealed class PlansHandler(PlanStore store, PlanEvaluator evaluator, RegistryStore registry, LayerFeedService layers)
    : V1.Plans.PlansBase
{
    public override async Task<V1.SavedPlan> SavePlan(V1.SavePlanRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        ObservationRules.CheckId(request.Name, "name", errors);
        if (request.Plan is null)
        {
            errors.Add("plan", "is required");
        }

        ApiErrors.ThrowIfAny(errors);
        var caller = context.Caller();
        PlanOutcome outcome;
        try
        {
            outcome = await evaluator.EvaluateAsync(request.Plan!, caller, caller.Can(Permission.ManageDeployments), context.CancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.PermissionDenied or StatusCode.FailedPrecondition)
        {
            // The plan's own fields, named under the request's.
            throw new RpcException(new Status(e.StatusCode, $"plan.{e.Status.Detail}"));
        }
        catch (Storage.RecordNotFoundException e)
        {
            e.PlaceUnder("plan");
            throw;
        }

        // Saved at its date and reach: read back next month, it answers the same question.
        var plan = request.Plan!.Clone();
        plan.Coverage = CoverageReader.Resolved(plan.Coverage ?? new V1.CoverageRequest(), outcome.Question);
        var saved = await store.SaveAsync(request.Name, plan.ToByteArray(), outcome.Places, caller.Subject, request.Replace, caller.ScopeArea, context.CancellationToken).ConfigureAwait(false);
        return Shown(saved, plan, caller, outcome.Report);
    }

    public override async Task<V1.SavedPlan> GetPlan(V1.GetPlanRequest request, ServerCallContext context)
    {
        var (saved, plan, outcome) = await ReadAsync(request.Name, "name", context).ConfigureAwait(false);
        return Shown(saved, plan, context.Caller(), outcome.Report);
    }

    public override async Task<V1.ListPlansResponse> ListPlans(V1.ListPlansRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var response = new V1.ListPlansResponse();
        foreach (var saved in await store.ListAsync(caller.ScopeArea, context.CancellationToken).ConfigureAwait(false))
        {
            response.Plans.Add(Shown(saved, V1.PlanDeploymentRequest.Parser.ParseFrom(saved.Plan), caller, null));
        }

        return response;
    }

    public override async Task<V1.DeletePlanResponse> DeletePlan(V1.DeletePlanRequest request, ServerCallContext context)
    {
        CheckName(request.Name, "name");
        await store.DeleteAsync(request.Name, context.Caller().ScopeArea, context.CancellationToken).ConfigureAwait(false);
        return new V1.DeletePlanResponse();
    }

    public override async Task<V1.ComparePlansResponse> ComparePlans(V1.ComparePlansRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var (saved, plan, outcome) = await ReadAsync(request.Left, "left", context).ConfigureAwait(false);
        var response = new V1.ComparePlansResponse { Left = Shown(saved, plan, caller, outcome.Report) };
        if (request.Right.Length > 0)
        {
            var right = await ReadAsync(request.Right, "right", context).ConfigureAwait(false);
            response.Right = Shown(right.Saved, right.Plan, caller, right.Outcome.Report);
            return response;
        }

        // Today: the coverage the left plan was judged against, with no change.
        var today = new V1.PlanDeploymentReport
        {
            After = ApiMapping.ToProto(outcome.Plan.Before),
            GroupGapCellsBefore = outcome.Report.GroupGapCellsBefore,
            GroupGapCellsAfter = outcome.Report.GroupGapCellsBefore,
        };
        response.Right = new V1.SavedPlan { Report = today };
        return response;
    }

    public override async Task<V1.ExportPlanResponse> ExportPlan(V1.ExportPlanRequest request, ServerCallContext context)
    {
        if (request.Layer is not (V1.PlanLayer.Bases or V1.PlanLayer.CommunitiesChanged))
        {
            throw ApiErrors.InvalidArgument("layer", $"{(int)request.Layer} is not a plan layer: PLAN_LAYER_BASES (1) or PLAN_LAYER_COMMUNITIES_CHANGED (2)");
        }

        var (_, _, outcome) = await ReadAsync(request.Name, "name", context).ConfigureAwait(false);
        var (question, plan) = (outcome.Question, outcome.Plan);
        var header = layers.Header(request);
        using var buffer = new MemoryStream();
        await using (var writer = GeoJsonWriter.ToStream(buffer))
        {
            if (request.Layer == V1.PlanLayer.Bases)
            {
                await BaseLayerWriter.WriteAsync(writer, question, plan.After, header, context.CancellationToken).ConfigureAwait(false);
            }
            else
            {
                List<CommunityCoverage> changed =
                [
                    .. plan.CommunitiesBroughtInReach.Select(c => new CommunityCoverage(c, WithinReach: true)),
                    .. plan.CommunitiesPutOutOfReach.Select(c => new CommunityCoverage(c, WithinReach: false)),
                ];
                var locations = await registry.CommunityLocationsAsync([.. changed.Select(c => c.Community.Id)], context.CancellationToken).ConfigureAwait(false);
                await CommunityLayerWriter.WriteAsync(writer, question, plan.After, changed, locations, header, context.CancellationToken).ConfigureAwait(false);
            }
        }

        return new V1.ExportPlanResponse { Geojson = ByteString.CopyFrom(buffer.ToArray()) };
    }

    private static void CheckName(string name, string field)
    {
        var errors = new FieldErrors();
        ObservationRules.CheckId(name, field, errors);
        ApiErrors.ThrowIfAny(errors);
    }

    /// <summary>
    /// A saved plan the caller may see, judged now at its saved date and reach. One the registry
    /// has moved past (a base since removed, a CLA whose deployment ended) no longer applies:
    /// FAILED_PRECONDITION, with what no longer holds.
    /// </summary>
    private async Task<(StoredPlan Saved, V1.PlanDeploymentRequest Plan, PlanOutcome Outcome)> ReadAsync(string name, string field, ServerCallContext context)
    {
        CheckName(name, field);
        var caller = context.Caller();
        var saved = await store.GetAsync(name, caller.ScopeArea, field, context.CancellationToken).ConfigureAwait(false);
        var plan = V1.PlanDeploymentRequest.Parser.ParseFrom(saved.Plan);
        try
        {
            // It was checked when saved, moves included: a reader that may not see named CLAs gets the report, not the names.
            return (saved, plan, await evaluator.EvaluateAsync(plan, caller, mayNameClas: true, context.CancellationToken).ConfigureAwait(false));
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.PermissionDenied)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"{field}: saved plan '{name}' no longer applies: {e.Status.Detail}"));
        }
        catch (Storage.RecordNotFoundException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"{field}: saved plan '{name}' no longer applies: {e.Field}: {e.Message}"));
        }
    }

    /// <summary>The saved plan as the caller may receive it: a move's deployment ids only for the roles that manage deployments.</summary>
    private static V1.SavedPlan Shown(StoredPlan saved, V1.PlanDeploymentRequest plan, Caller caller, V1.PlanDeploymentReport? report)
    {
        if (!caller.Can(Permission.ManageDeployments))
        {
            plan = plan.Clone();
            foreach (var move in plan.Changes.Where(c => c.ChangeCase == V1.PlanChange.ChangeOneofCase.MoveClas).Select(c => c.MoveClas))
            {
                move.WithheldCount = move.DeploymentIds.Count;
                move.DeploymentIds.Clear();
            }
        }

        return new V1.SavedPlan { Name = saved.Name, Plan = plan, SavedBy = saved.SavedBy, SavedAt = Timestamp.FromDateTimeOffset(saved.SavedAt), Report = report };
    }
}
