using System.Globalization;
using Geo.Core.Domain;
using Geo.Exporters.GeoJson;
using Geo.Exporters.Hxl;
using NetTopologySuite.Geometries;

namespace Geo.Exporters.Layers;

/// <summary>A presence record to draw: the record, its organisation's names, and its place (its point or polygon, or its P-code's area).</summary>
public sealed record PresenceFeature(Presence Presence, string OrganisationName, string OrganisationAcronym, Geometry Place);

/// <summary>Who does what where, one feature per presence record the caller reads in full, in the words of a 3W sheet.</summary>
public static class PresenceLayerWriter
{
    public const string Layer = "presence";

    public static async Task<long> WriteAsync(GeoJsonWriter writer, IAsyncEnumerable<PresenceFeature> records, LayerHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(header);
        writer.BeginFeatureCollection();
        await foreach (var (p, name, acronym, place) in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            writer.BeginFeature(p.Id);
            writer.WriteGeometry(place);
            writer.BeginProperties();
            writer.String("id", p.Id);
            writer.String("organisation_id", p.OrganisationId);
            writer.String("organisation", name);
            writer.String("acronym", acronym);
            writer.String("sector", ThreeWWords.Of(p.Sector));
            writer.String("activity", p.Activity);
            writer.String("pcode", p.Pcode);
            writer.String("location_name", p.LocationName);
            writer.String("status", ThreeWWords.Of(p.Status).ToLowerInvariant());
            writer.String("start", p.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            writer.String("end", p.End?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? string.Empty);
            writer.Number("targeted_total", (long?)p.TargetedTotal);
            writer.Number("reached_total", (long?)p.ReachedTotal);
            writer.String("sharing", ThreeWWords.Of(p.Sharing));
            writer.EndProperties();
            writer.EndFeature();
            await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }

        var total = writer.FeatureCount;
        writer.EndFeatureCollection(json => LayerMembers.Write(json, Layer, header, total, _ => { }));
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return total;
    }
}
