using System.Globalization;
using System.Text.Json;
using Geo.Core.Domain;
using Geo.Exporters.GeoJson;

namespace Geo.Exporters.Layers;

/// <summary>A facility to write, with what the reader needs beside it: how current it is, and its operator's name.</summary>
public sealed record FacilityFeature(Facility Facility, Confirmation Confirmation, string OperatorName);

/// <summary>
/// Civilian facilities as one GeoJSON FeatureCollection: each facility's shape, its type (and the
/// OSM tag and HXL #loc+type word it maps to), status, confirmation (a stale or unconfirmed site
/// is written and marked, never left out), capacity, operator, notification, sharing, and the OSM
/// tags kept from its source as one JSON text (osm_tags), so that the columns are the same for every feature.
/// </summary>
public static class FacilityLayerWriter
{
    public const string Layer = "facilities";

    public static async Task<long> WriteAsync(GeoJsonWriter writer, IAsyncEnumerable<FacilityFeature> facilities, LayerHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(facilities);
        writer.BeginFeatureCollection();
        await foreach (var (f, confirmation, operatorName) in facilities.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            writer.BeginFeature(f.Id);
            writer.WriteGeometry(f.Location);
            writer.BeginProperties();
            writer.String("id", f.Id);
            writer.String("name", f.Name);
            writer.String("type", FacilityTags.HxlType(f.Type));
            var (key, value) = FacilityTags.TagOf(f.Type);
            writer.String("osm_tag", $"{key}={value}");
            writer.String("status", Words(f.Status.ToString()));
            writer.String("confirmation", Words(confirmation.ToString()));
            writer.String("last_confirmed_on", Day(f.LastConfirmedOn));
            writer.String("confirmed_by", f.ConfirmedBy);
            writer.Number("capacity", (long?)f.Capacity);
            writer.String("operator_id", f.OperatorId);
            writer.String("operator_name", operatorName);
            writer.String("notified_on", Day(f.Notification?.NotifiedOn));
            writer.String("notified_to", f.Notification?.NotifiedTo ?? string.Empty);
            writer.String("acknowledged_on", Day(f.Notification?.AcknowledgedOn));
            writer.String("reconfirm_by", Day(f.Notification?.ReconfirmBy));
            writer.String("sharing", f.Sharing switch { SharingLevel.Public => "public", SharingLevel.Mission => "mission", _ => "liaison-only" });
            writer.String("osm_tags", JsonSerializer.Serialize(new SortedDictionary<string, string>(f.Tags.ToDictionary(), StringComparer.Ordinal)));
            writer.EndProperties();
            writer.EndFeature();
            await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }

        var total = writer.FeatureCount;
        writer.EndFeatureCollection(json => LayerMembers.Write(json, Layer, header, total, _ => { }));
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return total;
    }

    private static string Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? string.Empty;

    /// <summary>PartiallyFunctional as partially_functional.</summary>
    private static string Words(string name) => string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
