using Geo.Api.V1;
using Geo.Cli.Connection;
using Geo.Synthetic;
using Geo.Core.Validation;
using Geo.Grpc.Api;
using Grpc.Core;
using Google.Protobuf;

namespace Geo.Cli.Demo;

/// <summary>Records of one kind that a load added, and those it found already there.</summary>
internal readonly record struct Tally(long Added, long AlreadyThere)
{
    public long Total => Added + AlreadyThere;
}

/// <summary>What loading the demo mission did.</summary>
internal sealed record DemoLoadReport(int Seed, DateOnly LoadDate, Tally Sectors, Tally Communities, Tally Bases, Tally Deployments, Tally Observations, Tally Roads)
{
    public bool ChangedNothing => Sectors.Added + Communities.Added + Bases.Added + Deployments.Added + Observations.Added + Roads.Added == 0;
}

/// <summary>
/// Loads the demo mission into a running service over gRPC, as any client would: sectors, then
/// communities, bases and deployments through Registry (a planner's token), then the observations
/// through the streaming Observations.Ingest (a supervisor's token: planners do not submit).
/// Every registry record keeps its id, so a second load finds everything already there and
/// changes nothing. Observation keys are the submitter's own (the service issues ids per token
/// subject), so the observations are sent only while the service holds fewer than the demo has:
/// a second load with another supervisor's token must not store them twice.
/// </summary>
internal sealed class DemoLoader(ServiceConnection planner, ServiceConnection supervisor)
{
    /// <summary>Observations per Ingest message: well under the service's batch limit.</summary>
    private const int IngestBatch = 500;

    /// <summary>
    /// The date the demo of <paramref name="seed"/> is (or was) generated for: that of the demo
    /// already stored, else <paramref name="today"/> when the service holds no base and no
    /// observation; null when it holds a mission that is not this demo.
    /// </summary>
    public async Task<DateOnly?> LoadDateAsync(int seed, DateOnly today, CancellationToken cancellationToken)
    {
        var stored = await StoredOperatingBaseAsync(cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return await IsEmptyAsync(cancellationToken).ConfigureAwait(false) ? today : null;
        }

        var loadDate = DemoMission.LoadDateOf(stored);
        var generated = DemoMission.Generate(seed, loadDate).Bases.Single(b => b.Id == DemoMission.OperatingBaseId);
        return generated.Name == stored.Name && generated.Location == stored.Location ? loadDate : null;
    }

    /// <summary>True when the service holds no base and no observation.</summary>
    public async Task<bool> IsEmptyAsync(CancellationToken cancellationToken)
    {
        var bases = await planner.Api.Registry.ListBasesAsync(new ListRequest { PageSize = 1 }, planner.Options(cancellationToken)).ConfigureAwait(false);
        if (bases.Bases.Count > 0)
        {
            return false;
        }

        var count = await supervisor.Api.Observations.CountAsync(new Api.V1.ObservationFilter(), supervisor.Options(cancellationToken)).ConfigureAwait(false);
        return count.Observations == 0;
    }

    /// <summary>Loads the demo of <paramref name="seed"/> as of <paramref name="loadDate"/> (see <see cref="LoadDateAsync"/>).</summary>
    public async Task<DemoLoadReport> LoadAsync(int seed, DateOnly loadDate, IProgress<long>? observationsSent, CancellationToken cancellationToken)
    {
        var mission = DemoMission.Generate(seed, loadDate);
        var sectors = await PutSectorsAsync(mission, cancellationToken).ConfigureAwait(false);
        var communities = await CreateAllAsync(mission.Communities.Select(ApiMapping.ToProto), c => c.Id, (r, m, o) => r.GetCommunityAsync(m, o), (r, m, o) => r.CreateCommunityAsync(m, o), cancellationToken).ConfigureAwait(false);
        var bases = await CreateAllAsync(mission.Bases.Select(ApiMapping.ToProto), b => b.Id, (r, m, o) => r.GetBaseAsync(m, o), (r, m, o) => r.CreateBaseAsync(m, o), cancellationToken).ConfigureAwait(false);
        var deployments = await CreateAllAsync(mission.Deployments.Select(ApiMapping.ToProto), d => d.Id, (r, m, o) => r.GetDeploymentAsync(m, o), (r, m, o) => r.CreateDeploymentAsync(m, o), cancellationToken).ConfigureAwait(false);
        var roads = await RoadsAsync(mission, cancellationToken).ConfigureAwait(false);
        var observations = await ObservationsAsync(mission, observationsSent, cancellationToken).ConfigureAwait(false);
        return new DemoLoadReport(seed, loadDate, sectors, communities, bases, deployments, observations, roads);
    }

    /// <summary>The demo's roads as the dataset "demo", once: importing it again would only bump the network's version.</summary>
    private async Task<Tally> RoadsAsync(Mission mission, CancellationToken cancellationToken)
    {
        var network = await planner.Api.Roads.GetNetworkAsync(new GetRoadNetworkRequest(), planner.Options(cancellationToken)).ConfigureAwait(false);
        if (network.Datasets.Contains(DemoMission.RoadDataset))
        {
            return new Tally(0, mission.Roads.Count);
        }

        using var call = planner.Api.Roads.Import(planner.Options(cancellationToken));
        var message = new ImportRoadsRequest { Dataset = DemoMission.RoadDataset };
        foreach (var road in mission.Roads)
        {
            var line = new RoadLineString();
            line.Coordinates.AddRange(road.Points.SelectMany(p => new[] { p.Longitude, p.Latitude }));
            message.Features.Add(new RoadFeature { Id = road.Name, Name = road.Name, Highway = road.Highway, Seasonal = road.Seasonal ? "yes" : "no", Lines = { line } });
        }

        await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        await call.ResponseAsync.ConfigureAwait(false);
        return new Tally(mission.Roads.Count, 0);
    }

    private async Task<Core.Domain.Base?> StoredOperatingBaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            var stored = await planner.Api.Registry.GetBaseAsync(new GetByIdRequest { Id = DemoMission.OperatingBaseId }, planner.Options(cancellationToken))
                .ConfigureAwait(false);
            return ApiMapping.ToBase(stored, new FieldErrors());
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Puts only the sectors that are missing: putting one again would redraw it and bump its version.</summary>
    private async Task<Tally> PutSectorsAsync(Mission mission, CancellationToken cancellationToken)
    {
        var existing = await planner.Api.Registry.ListSectorsAsync(new ListSectorsRequest(), planner.Options(cancellationToken)).ConfigureAwait(false);
        var known = existing.Sectors.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        long added = 0, there = 0;
        foreach (var sector in DemoMission.Sectors(mission))
        {
            if (known.Contains(sector.Id))
            {
                there++;
                continue;
            }

            var message = new Sector { Id = sector.Id, Name = sector.Name, Area = ApiMapping.ToShape(sector.Area) };
            await planner.Api.Registry.PutSectorAsync(message, planner.Options(cancellationToken)).ConfigureAwait(false);
            added++;
        }

        return new Tally(added, there);
    }

    /// <summary>
    /// Creates the records not yet stored. Creating a stored record again would succeed and change
    /// nothing, so each is looked up first to tell the user which were already there.
    /// </summary>
    private async Task<Tally> CreateAllAsync<T>(
        IEnumerable<T> records,
        Func<T, string> id,
        Func<Registry.RegistryClient, GetByIdRequest, CallOptions, AsyncUnaryCall<T>> get,
        Func<Registry.RegistryClient, T, CallOptions, AsyncUnaryCall<T>> create,
        CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        long added = 0, there = 0;
        foreach (var record in records)
        {
            try
            {
                await get(planner.Api.Registry, new GetByIdRequest { Id = id(record) }, planner.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
                there++;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                await create(planner.Api.Registry, record, planner.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
                added++;
            }
        }

        return new Tally(added, there);
    }

    /// <summary>
    /// The service holds this demo or nothing (<see cref="LoadDateAsync"/>), so as many stored
    /// observations as the demo has means they are all there; fewer is a load cut short, which
    /// the same loader completes (its keys are idempotent).
    /// </summary>
    private async Task<Tally> ObservationsAsync(Mission mission, IProgress<long>? sent, CancellationToken cancellationToken)
    {
        var stored = await supervisor.Api.Observations.CountAsync(new Api.V1.ObservationFilter(), supervisor.Options(cancellationToken))
            .ConfigureAwait(false);
        var expected = DemoMission.Observations(mission).LongCount();
        if (stored.Observations >= expected)
        {
            sent?.Report(expected);
            return new Tally(0, expected);
        }

        return await IngestAsync(mission, sent, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Tally> IngestAsync(Mission mission, IProgress<long>? sent, CancellationToken cancellationToken)
    {
        using var call = supervisor.Api.Observations.Ingest(supervisor.Options(cancellationToken));
        var message = new IngestRequest();
        long count = 0;
        foreach (var observation in DemoMission.Observations(mission))
        {
            message.Observations.Add(ApiMapping.ToSubmission(observation));
            if (message.Observations.Count == IngestBatch)
            {
                await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                count += message.Observations.Count;
                sent?.Report(count);
                message = new IngestRequest();
            }
        }

        if (message.Observations.Count > 0)
        {
            await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            sent?.Report(count + message.Observations.Count);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        var response = await call.ResponseAsync.ConfigureAwait(false);
        return new Tally(response.Stored, response.AlreadyStored);
    }
}
