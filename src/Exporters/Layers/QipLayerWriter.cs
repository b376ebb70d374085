using System.Globalization;
using Geo.Core.Domain;
using Geo.Exporters.GeoJson;
using Geo.Exporters.Hxl;
using NetTopologySuite.Geometries;

namespace Geo.Exporters.Layers;

/// <summary>Quick impact projects, one point each: its place, or its community's representative point.</summary>
public static class QipLayerWriter
{
    public const string Layer = "qips";

    public static async Task<long> WriteAsync(GeoJsonWriter writer, IAsyncEnumerable<(QuickImpactProject Project, Point Place)> projects, LayerHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(projects);
        ArgumentNullException.ThrowIfNull(header);
        writer.BeginFeatureCollection();
        await foreach (var (p, place) in projects.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            writer.BeginFeature(p.Id);
            writer.WritePoint(place.X, place.Y);
            writer.BeginProperties();
            writer.String("id", p.Id);
            writer.String("title", p.Title);
            writer.String("sector", ThreeWWords.Of(p.Sector));
            writer.String("state", p.State.ToString().ToLowerInvariant());
            writer.Number("budget_usd", (double)p.BudgetUsd);
            writer.String("planned_completion", p.PlannedCompletion.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            writer.String("completed_on", p.CompletedOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? string.Empty);
            writer.Boolean("completed_on_time", p.CompletedOnTime);
            writer.String("community_id", p.Scope.CommunityId);
            writer.String("requested_by", p.Scope.RequestedBy);
            writer.String("implemented_by", p.Scope.ImplementedBy);
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
