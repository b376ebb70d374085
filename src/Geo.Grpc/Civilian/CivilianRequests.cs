using Geo.Core.Domain;
using Geo.Core.Validation;
using Geo.Grpc.Api;
using Geo.Storage.Civilian;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Civilian;

/// <summary>
/// Reads what the civilian picture's lists, exports and layers ask for, once for all of them: the
/// area (a bbox or a shape, checked as Query checks one), code lists and states, each error named
/// under the prefix the transport gives (the layer's field over gRPC, nothing over HTTP).
/// </summary>
internal sealed class CivilianRequests(IOptions<ApiOptions> api)
{
    public FacilityFilter Facilities(V1.ListFacilitiesRequest request, string prefix)
    {
        var errors = Scoped(prefix, out var all);
        var filter = new FacilityFilter(
            Area(request.Area, "area", required: false, errors),
            Codes<V1.FacilityType, FacilityType>(request.Types_, "types", errors),
            Codes<V1.FacilityStatus, FacilityStatus>(request.Statuses, "statuses", errors));
        ApiErrors.ThrowIfAny(all);
        return filter;
    }

    public PresenceFilter Presence(V1.ExportPresenceRequest request, string prefix)
    {
        var errors = Scoped(prefix, out var all);
        var filter = new PresenceFilter(Area(request.Area, "area", required: false, errors), Codes<V1.Cluster, Cluster>(request.Sectors, "sectors", errors), [], string.Empty, null);
        ApiErrors.ThrowIfAny(all);
        return filter;
    }

    /// <summary>States as numbers of <typeparamref name="T"/>, each checked.</summary>
    public static List<int> States<T>(Google.Protobuf.Collections.RepeatedField<int> states, string prefix)
        where T : struct, Enum
    {
        var errors = Scoped(prefix, out var all);
        for (var i = 0; i < states.Count; i++)
        {
            if (!Enum.IsDefined(typeof(T), states[i]))
            {
                errors.Add($"states[{i}]",
                    $"{states[i]} is not a {typeof(T).Name} number ({string.Join(", ", Enum.GetValues<T>().Select(v => $"{Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)} {v.ToString().ToLowerInvariant()}"))})");
            }
        }

        ApiErrors.ThrowIfAny(all);
        return [.. states];
    }

    /// <summary>A bbox or a shape (a circle is not taken: the civilian picture's areas are drawn, not radii), as a geometry.</summary>
    public Geometry? Area(V1.Area? area, string field, bool required, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (area is null || area.KindCase == V1.Area.KindOneofCase.None)
        {
            if (required)
            {
                errors.Add(field, "is required: a bbox or a shape");
            }

            return null;
        }

        if (area.KindCase == V1.Area.KindOneofCase.Circle)
        {
            errors.Add($"{field}.circle", "is not taken here: give a bbox or a shape");
            return null;
        }

        // The area is read as Query reads a filter's (its errors are named area.*, as here); an area
        // with an error (a NaN edge, a box inside out) is reported, never made into a geometry.
        var before = errors.All.Count;
        var filter = ApiMapping.ToFilter(new V1.ObservationFilter { Area = area }, api.Value.ShapeLimits, errors).Area;
        if (filter is null || errors.All.Count > before)
        {
            return null;
        }

        QueryRules.Check(new ObservationFilter { Area = filter }, api.Value.QueryLimits, errors);
        if (errors.All.Count > before)
        {
            return null;
        }

        return filter is ShapeArea shape ? shape.Shape
            : Core.Spatial.ShapeReader.Factory.ToGeometry(new Envelope(((BoxArea)filter).West, ((BoxArea)filter).East, ((BoxArea)filter).South, ((BoxArea)filter).North));
    }

    public static List<TDomain> Codes<TProto, TDomain>(IList<TProto> codes, string field, FieldErrors errors)
        where TProto : struct, Enum
        where TDomain : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(errors);
        var list = new List<TDomain>();
        for (var i = 0; i < codes.Count; i++)
        {
            var code = (TDomain)(object)Convert.ToInt32(codes[i], System.Globalization.CultureInfo.InvariantCulture);
            CodeRules.CheckDefined(code, $"{field}[{i}]", errors);
            list.Add(code);
        }

        return list;
    }

    private static FieldErrors Scoped(string prefix, out FieldErrors all)
    {
        all = new FieldErrors();
        return prefix.Length == 0 ? all : all.At(prefix);
    }
}
