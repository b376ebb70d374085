using Geo.Core.Access;
using Geo.Core.Coverage;
using Geo.Core.Validation;
using Geo.Exporters.GeoJson;
using Geo.Exporters.Layers;
using Geo.Grpc.Access;
using Geo.Grpc.Api;
using Geo.Storage.Registry;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Feeds;

/// <summary>The layers of the feeds; each value is the number of the field of PullLayerRequest that asks for it.</summary>
internal enum FeedLayer
{
    HeatMap = V1.PullLayerRequest.HeatMapFieldNumber,
    HotSpots = V1.PullLayerRequest.HotSpotsFieldNumber,
    Bases = V1.PullLayerRequest.BasesFieldNumber,
    CoverageGaps = V1.PullLayerRequest.CoverageGapsFieldNumber,
    CommunitiesAtRisk = V1.PullLayerRequest.CommunitiesAtRiskFieldNumber,
    GroupGaps = V1.PullLayerRequest.GroupGapsFieldNumber,
    Facilities = V1.PullLayerRequest.FacilitiesFieldNumber,
    Presence = V1.PullLayerRequest.PresenceFieldNumber,
    Qips = V1.PullLayerRequest.QipsFieldNumber,
    Isochrones = V1.PullLayerRequest.IsochronesFieldNumber,
}

/// <summary>A layer computed for a caller and checked: only the writing is left, so a refusal came before any byte.</summary>
internal sealed class ComputedLayer(Func<GeoJsonWriter, CancellationToken, Task<long>> write)
{
    /// <summary>Writes the FeatureCollection and flushes it; returns the number of features.</summary>
    public Task<long> WriteAsync(GeoJsonWriter writer, CancellationToken cancellationToken) => write(writer, cancellationToken);
}

/// <summary>
/// The layer feeds behind both gRPC (Feeds.PullLayer) and HTTP (GET /feeds/layers/{name}): the
/// request checked by the same code as HeatMaps.Compute and Coverage.GetCoverage, the product
/// computed for the caller as those services compute it, and one writer per layer, so both
/// transports give the same bytes and the same answers as the services.
/// </summary>
internal sealed class LayerFeedService(
    HeatMapComputer heatMaps, CoverageReader coverage, GroupGapComputer groupGaps, RegistryStore registry, LocationPrivacy privacy, TimeProvider clock,
    Civilian.CivilianRequests civilianRequests, Geo.Storage.Civilian.CivilianStore civilian, Geo.Storage.Civilian.FacilityStore facilities,
    Geo.Storage.Civilian.CivilWorkStore works, Microsoft.Extensions.Options.IOptions<Civilian.CivilianOptions> civilianOptions)
{
    // Every field written, defaults included: the collection says exactly what produced it.
    private static readonly JsonFormatter Parameters = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private static readonly Permission[] HeatMapReaders = [Permission.ReadFeeds, Permission.ReadHeatMaps];
    private static readonly Permission[] CoverageReaders = [Permission.ReadFeeds, Permission.ReadCoverage];

    // An importer pulls the public records only: it reads none of the civilian picture in full beyond them.
    private static readonly Permission[] CivilianReaders = [Permission.ReadFeeds, Permission.ReadCivilianPicture];

    /// <summary>Every layer, in the order of its field in PullLayerRequest.</summary>
    public static IReadOnlyList<FeedLayer> All { get; } = Enum.GetValues<FeedLayer>();

    /// <summary>The field of PullLayerRequest that asks for the layer: its name prefixes the layer's field errors over gRPC, its type is the layer's request.</summary>
    public static FieldDescriptor FieldOf(FeedLayer layer) => V1.PullLayerRequest.Descriptor.FindFieldByNumber((int)layer);

    /// <summary>The layer's name in its URL (/feeds/layers/{name}) and in its collection's "layer".</summary>
    public static string NameOf(FeedLayer layer) => layer switch
    {
        FeedLayer.HeatMap => HeatMapLayerWriter.HeatMapLayer,
        FeedLayer.HotSpots => HeatMapLayerWriter.HotSpotsLayer,
        FeedLayer.Bases => BaseLayerWriter.Layer,
        FeedLayer.CoverageGaps => CoverageGapLayerWriter.Layer,
        FeedLayer.GroupGaps => GroupGapLayerWriter.Layer,
        FeedLayer.Facilities => FacilityLayerWriter.Layer,
        FeedLayer.Presence => PresenceLayerWriter.Layer,
        FeedLayer.Qips => QipLayerWriter.Layer,
        FeedLayer.Isochrones => IsochroneLayerWriter.Layer,
        _ => CommunityLayerWriter.Layer,
    };

    /// <summary>
    /// Who may pull the layer: any of these permissions will do. An importer (ReadFeeds) pulls
    /// every layer; a role that reads the layer's product through its own service reads the layer
    /// too, so the map page can draw it for analysts and planners with their own tokens.
    /// </summary>
    public static IReadOnlyList<Permission> PermissionsOf(FeedLayer layer) => layer switch
    {
        FeedLayer.HeatMap or FeedLayer.HotSpots => HeatMapReaders,
        FeedLayer.Facilities or FeedLayer.Presence or FeedLayer.Qips => CivilianReaders,
        _ => CoverageReaders,
    };

    /// <summary>
    /// Checks <paramref name="request"/> (the layer's HeatMapRequest or CoverageRequest) and
    /// computes the layer as <paramref name="caller"/> may see it. Field errors are named under
    /// <paramref name="prefix"/> (the oneof field over gRPC, nothing over HTTP).
    /// </summary>
    public async Task<ComputedLayer> ComputeAsync(FeedLayer layer, IMessage request, string prefix, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        return layer switch
        {
            FeedLayer.HeatMap or FeedLayer.HotSpots => await HeatMapAsync(layer, (V1.HeatMapRequest)request, prefix, caller, cancellationToken).ConfigureAwait(false),
            FeedLayer.GroupGaps => await GroupGapsAsync((V1.GroupGapsRequest)request, prefix, caller, cancellationToken).ConfigureAwait(false),
            FeedLayer.Facilities => FacilitiesLayer((V1.ListFacilitiesRequest)request, prefix, caller),
            FeedLayer.Presence => PresenceLayer((V1.ExportPresenceRequest)request, prefix, caller),
            FeedLayer.Qips => QipsLayer((V1.ListCivilWorksRequest)request, prefix, caller),
            _ => await CoverageAsync(layer, (V1.CoverageRequest)request, prefix, caller, cancellationToken).ConfigureAwait(false),
        };
    }

    private static string Field(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    private async Task<ComputedLayer> HeatMapAsync(FeedLayer layer, V1.HeatMapRequest request, string prefix, Caller caller, CancellationToken cancellationToken)
    {
        var selection = HeatMapCellSelection.Shown;
        if (request.CellLayout != V1.CellLayout.Unspecified)
        {
            // A layer is GeoJSON: every cell is a polygon feature, whatever layout was asked for.
            throw ApiErrors.InvalidArgument(Field(prefix, "cell_layout"), "a layer's cells are GeoJSON polygons: leave cell_layout unset (the packed layout is HeatMaps.Compute's)");
        }

        if (layer == FeedLayer.HotSpots)
        {
            if (request.Method is not (V1.HeatMapMethod.Unspecified or V1.HeatMapMethod.HotSpots))
            {
                var given = V1.HeatMapRequest.Descriptor.FindFieldByNumber(V1.HeatMapRequest.MethodFieldNumber).EnumType.FindValueByNumber((int)request.Method)?.Name;
                throw ApiErrors.InvalidArgument(Field(prefix, "method"),
                    $"{given ?? ((int)request.Method).ToString(System.Globalization.CultureInfo.InvariantCulture)} is not the hot-spots layer's method: leave method unset (HOT_SPOTS), or pull the heat-map layer");
            }

            request = request.Clone();
            request.Method = V1.HeatMapMethod.HotSpots;
            selection = request.IncludeEmpty ? HeatMapCellSelection.Shown : HeatMapCellSelection.Significant;
        }

        var spec = heatMaps.Read(request, prefix);
        var map = await heatMaps.ComputeAsync(spec, caller, cancellationToken).ConfigureAwait(false);
        var coarsened = privacy.PolicyFor(caller).IsCoarsened;
        var header = Header(HeatMapComputer.Resolved(request, map));
        var name = NameOf(layer);
        return new ComputedLayer((writer, token) => HeatMapLayerWriter.WriteAsync(writer, name, map, selection, coarsened, header, token));
    }

    private async Task<ComputedLayer> CoverageAsync(FeedLayer layer, V1.CoverageRequest request, string prefix, Caller caller, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var question = coverage.Read(request, prefix.Length == 0 ? errors : errors.At(prefix));
        if (layer == FeedLayer.Isochrones && request.ReachTime is null)
        {
            (prefix.Length == 0 ? errors : errors.At(prefix)).Add("reach_time", "is required: the isochrones layer draws a travel time (its mode and minutes)");
        }

        ApiErrors.ThrowIfAny(errors);
        (question, var bases, var communities) = await coverage.ReadAsync(question, request.Sector, caller.ScopeArea, cancellationToken).ConfigureAwait(false);
        var report = CoverageAnalysis.Analyse(question, bases, communities);
        var header = Header(CoverageReader.Resolved(request, question));
        switch (layer)
        {
            case FeedLayer.Isochrones:
                return new ComputedLayer((writer, token) => IsochroneLayerWriter.WriteAsync(writer, question, report, header, token));
            case FeedLayer.Bases:
                return new ComputedLayer((writer, token) => BaseLayerWriter.WriteAsync(writer, question, report, header, token));
            case FeedLayer.CoverageGaps:
            {
                var locations = await registry.CommunityLocationsAsync(report.CommunitiesOutOfReach.Select(c => c.Community.Id).ToList(), cancellationToken).ConfigureAwait(false);
                return new ComputedLayer((writer, token) => CoverageGapLayerWriter.WriteAsync(writer, question, report, locations, header, token));
            }

            default:
            {
                var judged = CoverageAnalysis.Communities(question, report, communities);
                var locations = await registry.CommunityLocationsAsync(judged.Select(c => c.Community.Id).ToList(), cancellationToken).ConfigureAwait(false);
                return new ComputedLayer((writer, token) => CommunityLayerWriter.WriteAsync(writer, question, report, judged, locations, header, token));
            }
        }
    }

    private async Task<ComputedLayer> GroupGapsAsync(V1.GroupGapsRequest request, string prefix, Caller caller, CancellationToken cancellationToken)
    {
        var answer = await groupGaps.ComputeAsync(request, prefix, caller, cancellationToken).ConfigureAwait(false);
        var header = Header(GroupGapComputer.Resolved(request, answer));
        return new ComputedLayer((writer, token) => GroupGapLayerWriter.WriteAsync(writer, answer.Map, answer.Gaps, answer.Coarsened, header, token));
    }

    /// <summary>The facilities the caller reads in full (<see cref="Core.Domain.CivilianSharing"/>), each with how current it is today.</summary>
    private ComputedLayer FacilitiesLayer(V1.ListFacilitiesRequest request, string prefix, Caller caller)
    {
        var filter = civilianRequests.Facilities(request, prefix);
        var widest = Core.Domain.CivilianSharing.ReadsInFull(caller);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var staleDays = civilianOptions.Value.FacilityStaleDays;
        var header = Header(request);
        return new ComputedLayer(async (writer, token) =>
        {
            var names = (await civilian.AllOrganisationsAsync(token).ConfigureAwait(false)).ToDictionary(o => o.Id, o => o.Name, StringComparer.Ordinal);
            return await FacilityLayerWriter.WriteAsync(writer, Features(token), header, token).ConfigureAwait(false);

            async IAsyncEnumerable<FacilityFeature> Features([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
            {
                await foreach (var stored in facilities.ReadAsync(filter, widest, caller.ScopeArea, cancellationToken).ConfigureAwait(false))
                {
                    var f = stored.Value;
                    yield return new FacilityFeature(f, f.ConfirmationOn(today, staleDays), names.GetValueOrDefault(f.OperatorId, string.Empty));
                }
            }
        });
    }

    private ComputedLayer PresenceLayer(V1.ExportPresenceRequest request, string prefix, Caller caller)
    {
        var filter = civilianRequests.Presence(request, prefix);
        var widest = Core.Domain.CivilianSharing.ReadsInFull(caller);
        var header = Header(request);
        return new ComputedLayer((writer, token) => PresenceLayerWriter.WriteAsync(writer, Records(token), header, token));

        async IAsyncEnumerable<PresenceFeature> Records([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var stored in civilian.ReadPresenceAsync(filter, widest, caller.ScopeArea, cancellationToken).ConfigureAwait(false))
            {
                yield return new PresenceFeature(stored.Presence, stored.OrganisationName, stored.OrganisationAcronym, stored.Place);
            }
        }
    }

    /// <summary>Projects are the mission's own and carry no sharing level: a reader of the civilian picture or a feed importer reads them all.</summary>
    private ComputedLayer QipsLayer(V1.ListCivilWorksRequest request, string prefix, Caller caller)
    {
        var states = Civilian.CivilianRequests.States<Core.Domain.QipState>(request.States, prefix);
        var header = Header(request);
        return new ComputedLayer((writer, token) => QipLayerWriter.WriteAsync(writer, Inside(works.ReadQipPlacesAsync(states, token)), header, token));

        async IAsyncEnumerable<(Core.Domain.QuickImpactProject, NetTopologySuite.Geometries.Point)> Inside(IAsyncEnumerable<(Core.Domain.QuickImpactProject Project, NetTopologySuite.Geometries.Point Place)> all)
        {
            await foreach (var (project, place) in all.ConfigureAwait(false))
            {
                if (caller.ScopeArea is not { } scope || scope.Covers(place))
                {
                    yield return (project, place);
                }
            }
        }
    }

    /// <summary>The header of a layer computed now from <paramref name="resolved"/> (the request with the defaults the service chose).</summary>
    public LayerHeader Header(IMessage resolved) =>
        // Whole seconds: when it was made, to the second, is all a reader of a map needs.
        new(Parameters.Format(resolved), DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().ToUnixTimeSeconds()));
}
