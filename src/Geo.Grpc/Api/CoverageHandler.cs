using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Grpc.Protocol;
using Geo.Grpc.Server;
using Geo.Storage;
using Geo.Storage.Registry;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>
/// geoawareness.v1.Coverage: bases without a CLA team, teams without a female CLA, communities at
/// risk beyond reach of every staffed base, and what a planned deployment would change (CLA
/// policy paras 48-54). A scoped caller's answers are computed from its area alone: a base
/// outside it neither appears nor counts as reaching anyone.
/// </summary>
internal sealed class CoverageHandler(RegistryStore store, IOptions<CoverageOptions> options, TimeProvider clock)
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => V1.CoverageReflection.Descriptor.Services[0];

    public async Task<V1.CoverageReport> GetCoverage(V1.CoverageRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var question = CheckedQuestion(request, errors);
        ApiErrors.ThrowIfAny(errors);
        var (bases, communities) = await ReadAsync(question, request.Sector, context.Caller().ScopeArea, context.CancellationToken).ConfigureAwait(false);
        return ApiMapping.ToProto(CoverageAnalysis.Analyse(question, bases, communities));
    }

    /// <summary>Served by the heat-map work (issue 6, item 8), which computes the threatened cells this needs.</summary>
    public static Task<V1.GroupGapsReport> GetGroupGaps(V1.GroupGapsRequest request, ServerCallContext context) =>
        Task.FromException<V1.GroupGapsReport>(new RpcException(StatusCode.Unimplemented, "group gaps: not yet"));

    public async Task<V1.PlanDeploymentReport> PlanDeployment(V1.PlanDeploymentRequest request, ServerCallContext context)
    {
        var errors = new FieldErrors();
        var question = CheckedQuestion(request.Coverage ?? new V1.CoverageRequest(), errors.At("coverage"));
        var teams = request.Teams.Select(t => new PlannedTeam(t.BaseId, t.ClaCount, t.FemaleCount)).ToList();
        PlannedTeam.Check(teams, errors);
        ApiErrors.ThrowIfAny(errors);
        if (request.GroupGaps is not null)
        {
            // Refused rather than ignored: a planner would otherwise read "no group gap closes".
            throw new RpcException(StatusCode.Unimplemented, "group_gaps: comparing group gaps is not yet served; leave it empty");
        }

        var scope = context.Caller().ScopeArea;
        var sector = request.Coverage?.Sector ?? string.Empty;
        var (bases, communities) = await ReadAsync(question, sector, scope, context.CancellationToken).ConfigureAwait(false);
        var open = bases.Select(b => b.Base.Id).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < teams.Count; i++)
        {
            if (!open.Contains(teams[i].BaseId))
            {
                await ThrowNotPlannableAsync(teams[i].BaseId, $"teams[{i}].base_id", question.At, sector, scope, context.CancellationToken).ConfigureAwait(false);
            }
        }

        return ApiMapping.ToProto(CoverageAnalysis.Plan(question, bases, communities, teams));
    }

    /// <summary>The date, reach and risk threshold of a request, or field errors naming what is wrong.</summary>
    private CoverageQuestion CheckedQuestion(V1.CoverageRequest request, FieldErrors errors)
    {
        var at = ApiMapping.ToDate(request.At, "at", errors) ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        ObservationRules.CheckOptionalId(request.Sector, "sector", errors);
        var configured = options.Value;
        var reach = configured.Reach;
        if (request.Reach is { } given)
        {
            var field = errors.At("reach");
            ReachDistances.Check(given.OperatingBaseMetres, "operating_base_metres", configured.MaxReachMetres, field);
            ReachDistances.Check(given.CompanyOperatingBaseMetres, "company_operating_base_metres", configured.MaxReachMetres, field);
            ReachDistances.Check(given.TemporaryOperatingBaseMetres, "temporary_operating_base_metres", configured.MaxReachMetres, field);
            ReachDistances.Check(given.SurgeTeamMetres, "surge_team_metres", configured.MaxReachMetres, field);
            reach = reach.Overridden(given.OperatingBaseMetres, given.CompanyOperatingBaseMetres, given.TemporaryOperatingBaseMetres, given.SurgeTeamMetres);
        }

        var minRisk = (RiskLevel)request.MinRisk;
        if (minRisk == RiskLevel.Unassessed)
        {
            minRisk = CoverageQuestion.DefaultMinRisk;
        }
        else if (!Enum.IsDefined(minRisk))
        {
            errors.Add("min_risk", $"{(int)request.MinRisk} is not a known RiskLevel (1 LOW to 4 CRITICAL; 0 for the default, MEDIUM)");
        }

        return new CoverageQuestion(at, reach, minRisk);
    }

    /// <summary>The open bases with their teams, and the communities at risk, read side by side.</summary>
    private async Task<(IReadOnlyList<BaseTeam> Bases, IReadOnlyList<CommunityAtRisk> Communities)> ReadAsync(
        CoverageQuestion question, string sector, Geometry? scope, CancellationToken cancellationToken)
    {
        var bases = store.OpenBaseTeamsAsync(question.At, sector, scope, cancellationToken);
        var communities = store.CommunitiesAtRiskAsync(question.MinRisk, sector, scope, cancellationToken);
        // Both awaited together, so that a failure of one leaves no read behind unobserved.
        await Task.WhenAll(bases, communities).ConfigureAwait(false);
        return (await bases.ConfigureAwait(false), await communities.ConfigureAwait(false));
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
