using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Roads;
using Geo.Core.Validation;
using Geo.Grpc.Roads;
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
internal sealed class CoverageReader(RegistryStore store, IOptions<CoverageOptions> options, IOptions<RoadsOptions> roadOptions, RoadNetworkCache roads, TimeProvider clock)
{
    private async Task<TravelReach?> ReachAsync(TravelTime time, CancellationToken cancellationToken) => await roads.ReachAsync(time, cancellationToken).ConfigureAwait(false);

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

        return new CoverageQuestion(at, reach, minRisk, ReadTravelTime(request.ReachTime, at, errors));
    }

    /// <summary>A travel-time reach as given, its season resolved for the date; null when not asked.</summary>
    public TravelTime? ReadTravelTime(V1.TravelTimeReach? given, DateOnly at, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (given is null)
        {
            return null;
        }

        var field = errors.At("reach_time");
        var mode = given.Mode switch
        {
            V1.TravelMode.Vehicle => TravelMode.Vehicle,
            V1.TravelMode.OnFoot => TravelMode.OnFoot,
            _ => (TravelMode?)null,
        };
        if (mode is null)
        {
            field.Add("mode", given.Mode == V1.TravelMode.Unspecified
                ? "is required: VEHICLE or ON_FOOT"
                : $"{(int)given.Mode} is not a known TravelMode (1 VEHICLE, 2 ON_FOOT)");
        }

        if (given.Minutes is < 1 or > TravelTime.MaxMinutes)
        {
            field.Add("minutes", $"{given.Minutes} is out of range: 1 to {TravelTime.MaxMinutes} minutes");
        }

        bool? closed = given.Season switch
        {
            V1.RoadSeason.ByDate => roadOptions.Value.IsRainy(at),
            V1.RoadSeason.Dry => false,
            V1.RoadSeason.Rainy => true,
            _ => null,
        };
        if (closed is null)
        {
            field.Add("season", $"{(int)given.Season} is not a known RoadSeason (0 BY_DATE, 1 DRY, 2 RAINY)");
        }

        return mode is { } m && closed is { } c ? new TravelTime(m, given.Minutes, c) : null;
    }

    /// <summary>A travel time as answered: its season resolved.</summary>
    public static V1.TravelTimeReach? ToProto(TravelTime? time) => time is null ? null : new V1.TravelTimeReach
    {
        Mode = time.Mode == TravelMode.Vehicle ? V1.TravelMode.Vehicle : V1.TravelMode.OnFoot,
        Minutes = time.Minutes,
        Season = time.SeasonalRoadsClosed ? V1.RoadSeason.Rainy : V1.RoadSeason.Dry,
    };

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
        resolved.ReachTime = ToProto(question.Time);
        return resolved;
    }

    /// <summary>
    /// The open bases with their teams, and the communities at risk, read side by side; and the
    /// question with its travel time's reach on the current road network, when it asks one.
    /// </summary>
    public async Task<(CoverageQuestion Question, IReadOnlyList<BaseTeam> Bases, IReadOnlyList<CommunityAtRisk> Communities)> ReadAsync(
        CoverageQuestion question, string sector, Geometry? scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        var bases = store.OpenBaseTeamsAsync(question.At, sector, scope, cancellationToken);
        var communities = store.CommunitiesAtRiskAsync(question.MinRisk, sector, scope, cancellationToken);
        var travel = question.Time is { } time && question.Travel is null ? ReachAsync(time, cancellationToken) : Task.FromResult(question.Travel);
        // All awaited together, so that a failure of one leaves no read behind unobserved.
        await Task.WhenAll(bases, communities, travel).ConfigureAwait(false);
        return (question with { Travel = await travel.ConfigureAwait(false) }, await bases.ConfigureAwait(false), await communities.ConfigureAwait(false));
    }
}
