using Geo.Core.Access;
using Geo.Core.Coverage;
using Geo.Core.Domain;
using Geo.Core.Indicators;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Storage;
using Geo.Storage.Observations;
using Geo.Storage.Registry;
using Microsoft.Extensions.Options;

namespace Geo.Grpc.Api;

/// <summary>
/// The one path from a question to an indicator report, shared by gRPC (Compute, Export) and
/// GET /indicators: the caller's bases, communities and observations read side by side (one SQL
/// pass each), then <see cref="IndicatorCalculator"/>. A scoped caller's report is computed from
/// its area alone: bases outside it neither appear nor reach anyone, and observations outside it
/// are not counted.
/// </summary>
internal sealed class IndicatorComputer(
    Replication.Lagging<ObservationStore> observationStores, Replication.Lagging<RegistryStore> registryStores, Replication.Lagging<Geo.Storage.Civilian.CivilWorkStore> workStores,
    Geo.Storage.ReadPool reads, LocationPrivacy privacy, IOptions<IndicatorOptions> options, IOptions<CoverageOptions> coverage, TimeProvider clock)
{
    private readonly IndicatorSettings _settings = new(options.Value.DataSource, options.Value.Goals(new FieldErrors()), coverage.Value.Reach);

    /// <summary>Today (UTC), the day periods must have begun by.</summary>
    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    public async Task<IndicatorReport> ComputeAsync(IndicatorQuestion question, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(caller);
        // One reading of the clock: the evaluation date and the time the report says it was computed agree.
        var now = clock.GetUtcNow();
        var evaluatedOn = question.Period.EvaluatedOn(DateOnly.FromDateTime(now.UtcDateTime));
        var scope = caller.ScopeArea;
        // A report reads the whole mission: on the standby when reads go there (GeoAwareness:Standby), all of it from one of the two.
        var onStandby = reads.OnStandby;
        var (observations, registry, works) = (observationStores.On(onStandby), registryStores.On(onStandby), workStores.On(onStandby));
        var named = await NamedBaseAsync(registry, question, scope, cancellationToken).ConfigureAwait(false);
        var bases = registry.OpenBaseTeamsAsync(evaluatedOn, null, scope, cancellationToken);
        var communities = registry.CommunitiesAtRiskAsync(CoverageQuestion.DefaultMinRisk, null, scope, cancellationToken);
        var tallies = TalliesAsync(observations, question, AccessRules.VisibilityOf(caller), cancellationToken);
        // Projects and requests are the mission's: counted for a caller of the whole mission only.
        var civil = scope is null && question.Level == IndicatorLevel.Mission
            ? works.IndicatorFiguresAsync(question.Period.Start, question.Period.End, cancellationToken)
            : Task.FromResult<(IReadOnlyList<QipCompletion>, IReadOnlyList<AssistanceDecision>, IReadOnlyList<(QipState, Cluster)>)>(([], [], []));
        // All awaited together, so that a failure of one leaves no read behind unobserved.
        await Task.WhenAll(bases, communities, tallies, civil).ConfigureAwait(false);
        var (completions, decisions, projects) = await civil.ConfigureAwait(false);
        var (observed, alerts) = await tallies.ConfigureAwait(false);
        var sources = new IndicatorSources(
            await bases.ConfigureAwait(false), await communities.ConfigureAwait(false), observed, named, completions, decisions, projects, alerts);
        return IndicatorCalculator.Compute(question, sources, _settings, now, privacy.PolicyFor(caller));
    }

    /// <summary>
    /// The observations of the question's period tallied for indicators: as reports, or as events
    /// (the alerts then apart, see <see cref="IndicatorSources.EarlyWarnings"/>).
    /// </summary>
    private static async Task<(IReadOnlyList<ObservationTally>, IReadOnlyList<ObservationTally>?)> TalliesAsync(
        ObservationStore observations, IndicatorQuestion question, Visibility visibility, CancellationToken cancellationToken)
    {
        var (start, end, level) = (question.Period.Start, question.Period.End, question.Level);
        return question.CountEvents
            ? await observations.IndicatorEventTalliesAsync(start, end, level, visibility, cancellationToken).ConfigureAwait(false)
            : (await observations.IndicatorTalliesAsync(start, end, level, visibility, cancellationToken).ConfigureAwait(false), null);
    }

    /// <summary>
    /// The base a base-level question names, which must exist inside the caller's area; a named
    /// sector must be carried by some base or community there. Either is NOT_FOUND otherwise
    /// (outside the area is as unknown as absent).
    /// </summary>
    private static async Task<Base?> NamedBaseAsync(RegistryStore registry, IndicatorQuestion question, NetTopologySuite.Geometries.Geometry? scope, CancellationToken cancellationToken)
    {
        switch (question)
        {
            case { Level: IndicatorLevel.Base, UnitId: { } baseId }:
                return (await registry.GetBaseAsync(baseId, scope, cancellationToken).ConfigureAwait(false)).Value;
            case { Level: IndicatorLevel.Sector, UnitId: { } sector }:
                return await registry.SectorExistsAsync(sector, scope, cancellationToken).ConfigureAwait(false)
                    ? null
                    : throw new RecordNotFoundException($"no sector '{sector}': no base or community carries it") { Field = "id" };
            default:
                return null;
        }
    }
}
