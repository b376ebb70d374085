using System.Runtime.CompilerServices;
using Geo.Core.Roads;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Geo.Storage.Access;
using Geo.Storage.Roads;
using Grpc.Core;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Roads;

/// <summary>
/// geoawareness.v1.Roads: a road dataset imported whole or not at all, and what the stored network
/// holds. Every feature is read by <see cref="RoadRules"/>; the first wrong ones are named in the
/// error, each by its position and id, and nothing is stored.
/// </summary>
internal sealed class RoadsHandler(RoadStore store) : V1.Roads.RoadsBase
{
    private const int MaxDatasetLength = 100;

    /// <summary>Wrong features named in one error at most; the rest are counted.</summary>
    private const int ErrorsNamed = 10;

    public override async Task<V1.ImportRoadsReport> Import(IAsyncStreamReader<V1.ImportRoadsRequest> requestStream, ServerCallContext context)
    {
        var caller = context.Caller();
        var cancellationToken = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            throw ApiErrors.InvalidArgument("dataset", "no message came: the first names the dataset");
        }

        var first = requestStream.Current;
        var dataset = first.Dataset.Trim();
        if (dataset.Length is 0 or > MaxDatasetLength)
        {
            throw ApiErrors.InvalidArgument("dataset", $"{FieldErrors.Quote(first.Dataset)} must be 1 to {MaxDatasetLength} characters (the first message names the dataset)");
        }

        var reading = new Reading(dataset);
        var stored = await store.ImportAsync(
            dataset, reading.LinesAsync(first, requestStream, cancellationToken), new AuditRow(caller.Subject, "roads.import", "road_dataset", dataset, new { token = caller.TokenId }),
            cancellationToken).ConfigureAwait(false);
        return new V1.ImportRoadsReport
        {
            Dataset = stored.Dataset, Features = reading.Features, Roads = stored.Roads, Segments = stored.Segments, ReplacedRoads = stored.ReplacedRoads,
            NetworkVersion = stored.NetworkVersion,
        };
    }

    public override async Task<V1.RoadNetworkSummary> GetNetwork(V1.GetRoadNetworkRequest request, ServerCallContext context)
    {
        var figures = await store.FiguresAsync(context.CancellationToken).ConfigureAwait(false);
        var summary = new V1.RoadNetworkSummary { Version = figures.Version, Roads = figures.Roads, Segments = figures.Segments, Vertices = figures.Vertices };
        summary.Classes.AddRange(figures.Classes.Select(c => new V1.RoadClassLength { RoadClass = (V1.RoadClass)c.Class, Kilometres = c.Kilometres, SeasonalKilometres = c.SeasonalKilometres }));
        summary.Datasets.AddRange(figures.Datasets);
        return summary;
    }

    /// <summary>The features of one import as they stream in: good lines passed on, wrong features counted and the first named.</summary>
    private sealed class Reading(string dataset)
    {
        private readonly List<string> _named = [];
        private int _wrongFeatures;
        private int _problems;

        public int Features { get; private set; }

        public async IAsyncEnumerable<RoadLine> LinesAsync(
            V1.ImportRoadsRequest first, IAsyncStreamReader<V1.ImportRoadsRequest> rest, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var message = first;
            while (true)
            {
                if (message.Dataset.Length > 0 && message.Dataset.Trim() != dataset)
                {
                    throw ApiErrors.InvalidArgument("dataset", $"{FieldErrors.Quote(message.Dataset)} differs from the first message's {FieldErrors.Quote(dataset)}: one import is one dataset");
                }

                foreach (var feature in message.Features)
                {
                    var errors = new FieldErrors();
                    var lines = RoadRules.Read(
                        new RoadFeatureText(feature.Id, feature.Name, feature.Highway, feature.Seasonal, feature.Oneway, [.. feature.Lines.Select(l => (IReadOnlyList<double>)l.Coordinates)]),
                        errors);
                    if (errors.Any)
                    {
                        Wrong(feature.Id, errors);
                    }
                    else if (_wrongFeatures == 0)
                    {
                        foreach (var line in lines)
                        {
                            yield return line;
                        }
                    }

                    Features++;
                }

                if (!await rest.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                message = rest.Current;
            }

            if (_wrongFeatures > 0)
            {
                // Thrown from inside the copy: the import's transaction is rolled back, nothing stored.
                // The first wrong field's path first, as every refusal starts; the count; then the rest.
                var more = _wrongFeatures > _named.Count ? $"; and {_wrongFeatures - _named.Count} more wrong feature(s)" : string.Empty;
                var others = _named.Count > 1 ? "; " + string.Join("; ", _named.Skip(1)) : string.Empty;
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"{_named[0]}. {_wrongFeatures} of {Features} feature(s) are wrong ({_problems} problem(s)); nothing was stored{others}{more}"));
            }
        }

        private void Wrong(string id, FieldErrors errors)
        {
            _wrongFeatures++;
            _problems += errors.All.Count;
            if (_named.Count < ErrorsNamed)
            {
                var named = id.Length == 0 ? string.Empty : $" (feature id {FieldErrors.Quote(id.Length > 40 ? id[..40] + "…" : id)})";
                _named.Add(string.Join(", ", errors.All.Select(e => $"features[{Features}].{e}{named}")));
            }
        }
    }
}
