using System.Globalization;
using System.Threading.Channels;
using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Api;
using Grpc.Core;
using Google.Protobuf;

namespace Geo.Bench.Seeding;

/// <summary>
/// A synthetic mission (Geo.Synthetic) through the service's API: its registry one record a call,
/// CLA teams at bases placed at communities, and its observations through the streaming ingest.
/// </summary>
public static class MissionSeed
{
    /// <summary>Registers the communities, then the bases, then the deployments (each refers to the ones before); records an earlier run registered are kept.</summary>
    public static async Task RegisterAsync(
        GeoAwarenessClient client, IReadOnlyList<Community> communities, IReadOnlyList<Base> bases, IReadOnlyList<ClaDeployment> deployments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        await CreateAllAsync(client, (c, r) => c.Registry.CreateCommunityAsync(r, cancellationToken: cancellationToken), communities).ConfigureAwait(false);
        await CreateAllAsync(client, (c, r) => c.Registry.CreateBaseAsync(r, cancellationToken: cancellationToken), bases).ConfigureAwait(false);
        await CreateAllAsync(client, (c, r) => c.Registry.CreateDeploymentAsync(r, cancellationToken: cancellationToken), deployments).ConfigureAwait(false);
    }

    /// <summary>
    /// <paramref name="count"/> bases placed at communities drawn at random, with teams of 0 to 4 CLAs:
    /// a tenth operating bases, about half company operating bases, the rest temporary bases and
    /// surge teams; some bases empty, some of one CLA, most of two or more; two in five CLAs female;
    /// a fifth on temporary duty; a tenth of deployments ended on 2026-03-31, a twentieth of bases closed on 2026-01-31.
    /// </summary>
    public static (List<Base> Bases, List<ClaDeployment> Deployments) TeamsAtCommunities(IReadOnlyList<Core.Domain.Community> communities, int count, Random random)
    {
        ArgumentNullException.ThrowIfNull(communities);
        ArgumentNullException.ThrowIfNull(random);
        var bases = new List<Base>(count);
        var deployments = new List<ClaDeployment>();
        var sites = communities.OrderBy(_ => random.Next()).Take(count).ToList();
        for (var i = 0; i < sites.Count; i++)
        {
            var kind = ((double)i / sites.Count) switch
            {
                < 0.1 => BaseKind.OperatingBase,
                < 0.65 => BaseKind.CompanyOperatingBase,
                < 0.9 => BaseKind.TemporaryOperatingBase,
                _ => BaseKind.SurgeTeam,
            };
            var site = sites[i].Location.InteriorPoint;
            var id = string.Create(CultureInfo.InvariantCulture, $"bench-base-{i:D3}");
            bases.Add(new Base
            {
                Id = id, Name = "Base " + sites[i].Name, Kind = kind, Unit = "BATT", Sector = sites[i].Sector, AdminArea = sites[i].AdminArea,
                Location = new GeoPoint { Longitude = site.X + ((random.NextDouble() - 0.5) * 0.02), Latitude = site.Y + ((random.NextDouble() - 0.5) * 0.02) },
                OpenedOn = new CalendarDate { Year = 2024, Month = 1, Day = 1 },
                ClosedOn = random.NextDouble() < 0.05 ? new CalendarDate { Year = 2026, Month = 1, Day = 31 } : null,
            });

            var clas = random.NextDouble() switch { < 0.1 => 0, < 0.25 => 1, < 0.65 => 2, < 0.9 => 3, _ => 4 };
            for (var c = 0; c < clas; c++)
            {
                var temporary = random.NextDouble() < 0.2;
                deployments.Add(new ClaDeployment
                {
                    Id = $"{id}-dep-{c}", ClaId = $"{id}-cla-{c}", BaseId = id, Sex = random.NextDouble() < 0.4 ? Sex.Female : Sex.Male,
                    From = temporary ? new CalendarDate { Year = 2026, Month = 1, Day = 15 } : new CalendarDate { Year = 2025, Month = 1, Day = 1 },
                    To = random.NextDouble() < 0.1 ? new CalendarDate { Year = 2026, Month = 3, Day = 31 } : null,
                    TemporaryDuty = temporary,
                    HomeLocality = random.NextDouble() < 0.5 ? sites[i].AdminArea : "Kinshasa",
                    HomeCommunityId = random.NextDouble() < 0.5 ? communities[random.Next(communities.Count)].Id : string.Empty,
                });
            }
        }

        return (bases, deployments);
    }

    /// <summary>The mission's first <paramref name="count"/> observations as Ingest messages of <paramref name="batch"/>, generated as they are read.</summary>
    public static IEnumerable<IngestRequest> IngestBatches(Synthetic.Mission mission, int count, int batch)
    {
        ArgumentNullException.ThrowIfNull(mission);
        var message = new IngestRequest();
        foreach (var observation in mission.Observations(count))
        {
            message.Observations.Add(ApiMapping.ToSubmission(observation));
            if (message.Observations.Count == batch)
            {
                yield return message;
                message = new IngestRequest();
            }
        }

        if (message.Observations.Count > 0)
        {
            yield return message;
        }
    }

    /// <summary>
    /// Streams the messages through one Observations.Ingest call, generating the next while the
    /// last is sent; throws unless the service received every observation.
    /// </summary>
    public static async Task<IngestResponse> IngestAsync(GeoAwarenessClient client, IEnumerable<IngestRequest> messages, long expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var queue = Channel.CreateBounded<IngestRequest>(new BoundedChannelOptions(16) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(
            async () =>
            {
                try
                {
                    foreach (var message in messages)
                    {
                        await queue.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    queue.Writer.Complete();
                }
            },
            cancellationToken);

        using var call = client.Observations.Ingest(cancellationToken: cancellationToken);
        await foreach (var message in queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        var response = await call.ResponseAsync.ConfigureAwait(false);
        await producer.ConfigureAwait(false);
        if (response.Received != expected)
        {
            throw new InvalidOperationException($"the service received {response.Received} of {expected}");
        }

        return response;
    }

    /// <summary>Creates the records with a few calls in flight; records an earlier run registered are kept.</summary>
    public static async Task CreateAllAsync<T>(GeoAwarenessClient client, Func<GeoAwarenessClient, T, AsyncUnaryCall<T>> create, IReadOnlyList<T> records)
        where T : class, IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(records);
        var next = -1;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < records.Count)
            {
                try
                {
                    await create(client, records[i]).ResponseAsync.ConfigureAwait(false);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
                {
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Worker())).ConfigureAwait(false);
    }
}
