using Geo.Core.Access;
using Geo.Core.Domain;
using Geo.Core.HeatMaps;
using Geo.Core.Privacy;
using Geo.Core.Spatial;
using Geo.Core.Validation;
using Geo.Grpc.Access;
using Grpc.Core;
using Geo.Storage.Observations;
using Geo.Storage.ReadModel;
using Microsoft.Extensions.Options;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>
/// Heat maps for a caller: the request read and checked, the caller's observations streamed from
/// the read model (or PostGIS) into bins (coarsened first when the caller may not see exact locations), then the
/// surface computed in Geo.Core. Serves the HeatMaps service and the group gaps of Coverage.
/// </summary>
internal sealed class HeatMapComputer(ObservationPoints points, ReadModel.ModelKeeper model, LocationPrivacy privacy, IOptions<ApiOptions> options, IOptions<ReadModel.ReadModelOptions> modelOptions)
{
    private readonly ApiOptions _options = options.Value;
    private readonly int _modelWorkers = modelOptions.Value.Workers;

    /// <summary>The request as a spec, or INVALID_ARGUMENT naming every bad field, or RESOURCE_EXHAUSTED when too large.</summary>
    public HeatMapSpec Read(V1.HeatMapRequest? request, string prefix)
    {
        var errors = new FieldErrors();
        var at = prefix.Length == 0 ? errors : errors.At(prefix);
        if (request is null)
        {
            at.AddHere("is required");
            ApiErrors.ThrowIfAny(errors);
            throw new InvalidOperationException("unreachable: an error was added");
        }

        var (filterMessage, filterField) = FilterOf(request, at);
        // Heat maps are read as where the threats are: what the caller leaves open defaults to threats that were not found false.
        var (filter, defaults) = ThreatDefaults.Apply(ApiMapping.ToFilter(filterMessage, _options.ShapeLimits, filterField));
        var weighting = request.Weighting is null
            ? Weighting.None
            : new Weighting(request.Weighting.BySeverity, request.Weighting.ByPeople, ApiMapping.ToTimeSpan(request.Weighting.HalfLife, "weighting.half_life", at));
        var spec = new HeatMapSpec
        {
            Filter = filter,
            Shape = request.Shape == V1.GridShape.Unspecified ? GridShape.Square : (GridShape)request.Shape,
            CellSizeMetres = request.CellSizeMetres,
            Method = request.Method == V1.HeatMapMethod.Unspecified ? HeatMapMethod.Count : (HeatMapMethod)request.Method,
            Weighting = weighting,
            BandwidthMetres = request.BandwidthMetres,
            DistanceBandMetres = request.DistanceBandMetres,
            Classification = request.Classification == V1.Classification.Unspecified ? ClassificationMethod.Quantile : (ClassificationMethod)request.Classification,
            Classes = request.Classes == 0 ? 5 : request.Classes,
            MinCount = request.MinCount,
            Step = (SeriesStep)request.Step,
            IncludeEmpty = request.IncludeEmpty,
            CountEvents = request.CountEvents,
            Defaults = defaults,
        };
        // How the cells are sent is the caller's business alone (Geo.Core never sees it), but an
        // unknown layout is refused here, once, for every path that reads a heat-map request.
        CodeRules.CheckDefined(request.CellLayout, "cell_layout", at);
        if (!errors.Any)
        {
            QueryRules.Check(filter, _options.QueryLimits, filterField);
            HeatMapRules.Check(spec, _options.HeatMapLimits, at, filterField);
        }

        ApiErrors.ThrowIfAny(errors);
        if (HeatMapRules.TooLarge(spec, _options.HeatMapLimits) is { } tooLarge)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, prefix.Length == 0 ? tooLarge : $"{prefix}.{tooLarge}"));
        }

        return spec;
    }

    /// <summary>
    /// The observations the map is of: its filter, or, from a client of the release before the
    /// filter was embedded, the deprecated fields 1 to 9 (not both), with where to name errors.
    /// </summary>
    private static (V1.ObservationFilter Filter, FieldErrors At) FilterOf(V1.HeatMapRequest request, FieldErrors at)
    {
#pragma warning disable CS0612 // The deprecated fields are read here, and only here, for one release.
        var old = new V1.ObservationFilter
        {
            Area = request.Area,
            ObservedFrom = request.ObservedFrom,
            ObservedTo = request.ObservedTo,
            MinSeverity = request.MinSeverity,
        };
        old.Categories.AddRange(request.Categories);
        old.Verification.AddRange(request.Verification);
        old.AffectedSexes.AddRange(request.AffectedSexes);
        old.AffectedAgeGroups.AddRange(request.AffectedAgeGroups);
        old.Vulnerabilities.AddRange(request.Vulnerabilities);
#pragma warning restore CS0612
        if (request.Filter is null)
        {
            return (old, at);
        }

        if (!old.Equals(new V1.ObservationFilter()))
        {
            at.Add("filter", "give the observations either as filter or in the deprecated fields area ... vulnerabilities, not both");
        }

        return (request.Filter, at.At("filter"));
    }

    /// <summary>
    /// The request as <paramref name="map"/> answered it: the shape, method, classification,
    /// classes, kernel bandwidth or distance band that the service chose filled in, and the minimum
    /// count applied (a coarsened caller's is at least its role's).
    /// </summary>
    public static V1.HeatMapRequest Resolved(V1.HeatMapRequest request, HeatMap map)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(map);
        var spec = map.Spec;
        var resolved = request.Clone();
        if (resolved.Filter is null)
        {
            // A request in the deprecated fields is recorded as the service read it: in the filter.
            resolved.Filter = FilterOf(resolved, new FieldErrors()).Filter.Clone();
#pragma warning disable CS0612 // Cleared, so that the record names each choice once.
            resolved.Area = null;
            resolved.ObservedFrom = null;
            resolved.ObservedTo = null;
            resolved.Categories.Clear();
            resolved.MinSeverity = 0;
            resolved.Verification.Clear();
            resolved.AffectedSexes.Clear();
            resolved.AffectedAgeGroups.Clear();
            resolved.Vulnerabilities.Clear();
#pragma warning restore CS0612
        }

        // The categories and statuses counted, the defaults included: a layer's parameters say what it counted.
        resolved.Filter.Categories.Clear();
        resolved.Filter.Categories.AddRange(spec.Filter.Categories.Select(c => (V1.Category)c));
        resolved.Filter.Verification.Clear();
        resolved.Filter.Verification.AddRange(spec.Filter.Verification.Select(v => (V1.VerificationStatus)v));
        resolved.Shape = (V1.GridShape)spec.Shape;
        resolved.Method = (V1.HeatMapMethod)spec.Method;
        resolved.Classification = (V1.Classification)spec.Classification;
        resolved.Classes = spec.Classes;
        if (spec.Method == HeatMapMethod.KernelDensity)
        {
            resolved.BandwidthMetres = spec.Bandwidth;
        }

        if (spec.Method == HeatMapMethod.HotSpots)
        {
            resolved.DistanceBandMetres = spec.DistanceBand;
        }

        resolved.MinCount = map.MinCount;
        return resolved;
    }

    /// <summary>
    /// The surface as <paramref name="caller"/> may see it: inside its area, coarsened, perturbed
    /// and thresholded when its role says so (and for the importer only of released observations).
    /// </summary>
    public async Task<HeatMap> ComputeAsync(HeatMapSpec spec, Caller caller, CancellationToken cancellationToken)
    {
        var sight = await privacy.SightAsync(caller, spec.Filter, cancellationToken).ConfigureAwait(false);
        var policy = sight.Policy;
        var area = AreaGrid.Build(spec.Area, spec.Shape, spec.CellSizeMetres, cancellationToken);
        var periods = HeatMapPeriod.Frames(spec.From, spec.To, spec.Step);
        var columns = new PointColumns(
            ObservedAt: periods.Count > 1 || spec.Weighting.HalfLife is not null,
            Severity: spec.Weighting.BySeverity,
            PeopleCells: spec.Weighting.ByPeople ? spec.Filter.Affected.CellMask : 0,
            CommunityId: policy.Method == CoarseningMethod.CommunityCentroid,
            AggregateKey: policy.IsCoarsened,
            Event: spec.CountEvents);
        HeatMapBins NewBins() => new(area, periods, spec, keyed: policy.IsCoarsened);
        BinningSink NewSink() => new(NewBins(), sight.Fork(), spec.CountEvents);

        // The read model when it holds everything settled before this call, PostGIS otherwise: the
        // same rows into the same sinks either way (the differential tests hold them to it). The
        // model holds no events (a row may take 64 bytes, all spent): events are counted from PostGIS.
        var fromModel = spec.CountEvents ? null : (await model.CurrentAsync(cancellationToken).ConfigureAwait(false))
            ?.TryScanBlocks(sight.Filter, sight.Visibility, _modelWorkers, NewSink, (BinningSink sink, in ModelBlockView block) => sink.Add(block, columns), cancellationToken);
        var sinks = fromModel?.Sinks ?? await points.ReadAsync(
            sight.Filter, sight.Visibility, columns, _options.HeatMapReaders, _options.HeatMapPagesPerReader, NewSink, cancellationToken)
            .ConfigureAwait(false);
        var bins = sinks[0].Bins;
        foreach (var sink in sinks.Skip(1))
        {
            bins.Merge(sink.Bins);
            sinks[0].Linked?.Merge(sink.Linked!);
        }

        // Each linked event once, at its earliest report among those the readers kept (matching the
        // filter and seen by the caller, on the coarse point when coarsened): the bins, and so the
        // minimum count, then count events.
        foreach (var point in sinks[0].Linked?.Earliest ?? [])
        {
            BinningSink.Bin(bins, point);
        }

        if (policy.IsCoarsened)
        {
            bins.Perturb(policy.NoiseRatio);
        }

        var minCount = policy.IsCoarsened ? Math.Max(spec.MinCount, policy.MinimumAggregateCount) : spec.MinCount;
        return HeatMap.Compute(area, spec, bins, minCount, cancellationToken) with { Watermark = fromModel?.Watermark ?? 0 };
    }

    /// <summary>
    /// Bins what one reader streams; when counting events, a report linked into an event is kept
    /// in <see cref="Linked"/> instead (its event's earliest so far), to be binned once all are read.
    /// A coarsened caller's points are coarsened before anything else and tested against the area
    /// and the scope on the coarse point, so no cell ever sees an exact one.
    /// </summary>
    private sealed class BinningSink(HeatMapBins bins, ObservationSight sight, bool countEvents) : IObservationPointSink
    {
        private int[]? _frames;

        public HeatMapBins Bins => bins;

        /// <summary>When counting events: each linked event's earliest report seen so far, already coarsened.</summary>
        public EarliestReports<ObservationPoint>? Linked { get; } = countEvents ? new() : null;

        /// <summary>
        /// The matching rows of a block of the read model: by their place and frame alone when nothing
        /// else of them counts (no coarsening, no events, unweighted), each as a point otherwise.
        /// </summary>
        public void Add(in ModelBlockView block, PointColumns columns)
        {
            if (sight.Coarsening is null && Linked is null && bins.TakesPoints)
            {
                if (bins.Periods.Count == 1)
                {
                    bins.AddPoints(block.Longitudes, block.Latitudes, block.Rows);
                    return;
                }

                var rows = block.Rows;
                var frames = (_frames ??= new int[ObservationModel.BlockRows]).AsSpan(0, rows.Length);
                for (var k = 0; k < rows.Length; k++)
                {
                    frames[k] = bins.FrameOf(block.ObservedAtUtcTicks(rows[k]));
                }

                bins.AddPoints(block.Longitudes, block.Latitudes, rows, frames);
                return;
            }

            foreach (var i in block.Rows)
            {
                Add(block.Row(i).ToPoint(columns));
            }
        }

        public void Add(in ObservationPoint point)
        {
            var seen = point;
            if (sight.Coarsening is { } coarsening)
            {
                var coarse = coarsening.Coarsen(new GeoPoint(point.Longitude, point.Latitude), point.CommunityId);
                if (!sight.Sees(coarse))
                {
                    return;
                }

                seen = point with { Longitude = coarse.Longitude, Latitude = coarse.Latitude };
            }

            if (Linked?.TakeLinked(point.Event!, seen) != true)
            {
                Bin(bins, seen);
            }
        }

        /// <summary>The record key is read for coarsened callers only (0 otherwise): their counts are noised.</summary>
        public static void Bin(HeatMapBins bins, in ObservationPoint point) =>
            bins.Add(point.Longitude, point.Latitude, point.ObservedAt, point.Severity, point.People, point.AggregateKey);
    }
}
