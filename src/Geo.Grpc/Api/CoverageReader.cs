using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Storage.Registry;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>
/// A coverage request read and checked into a question, and the registry read for it: one reading
/// for the Coverage service and the coverage layers of the feeds, so that both refuse the same
/// requests with the same words and answer the same question.
/// </summary>
internal sealed class CoverageReader(RegistryStore store, IOptions<CoverageOptions> options, TimeProvider clock)
{
    /// <summary>The date, reach and risk threshold of a request, or field errors naming what is wrong.</summary>
    public CoverageQuestion Read(V1.CoverageRequest request, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);
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

    /// <summary>The request as the question answered it: the date, every reach and the risk threshold the service chose filled in.</summary>
    public static V1.CoverageRequest Resolved(V1.CoverageRequest request, CoverageQuestion question)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(question);
        var resolved = request.Clone();
        resolved.At = ApiMapping.ToCalendarDate(question.At);
        resolved.Reach = new V1.ReachDistances
        {
            OperatingBaseMetres = question.Reach.OperatingBaseMetres,
            CompanyOperatingBaseMetres = question.Reach.CompanyOperatingBaseMetres,
            TemporaryOperatingBaseMetres = question.Reach.TemporaryOperatingBaseMetres,
            SurgeTeamMetres = question.Reach.SurgeTeamMetres,
        };
        resolved.MinRisk = (V1.RiskLevel)question.MinRisk;
        return resolved;
    }

    /// <summary>The open bases with their teams, and the communities at risk, read side by side.</summary>
    public async Task<(IReadOnlyList<BaseTeam> Bases, IReadOnlyList<CommunityAtRisk> Communities)> ReadAsync(
        CoverageQuestion question, string sector, Geometry? scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        var bases = store.OpenBaseTeamsAsync(question.At, sector, scope, cancellationToken);
        var communities = store.CommunitiesAtRiskAsync(question.MinRisk, sector, scope, cancellationToken);
        // Both awaited together, so that a failure of one leaves no read behind unobserved.
        await Task.WhenAll(bases, communities).ConfigureAwait(false);
        return (await bases.ConfigureAwait(false), await communities.ConfigureAwait(false));
    }
}
