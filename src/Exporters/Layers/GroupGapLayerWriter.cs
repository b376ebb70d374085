using System.Globalization;
using System.Text.Json;
using Geo.Core.Coverage;
using Geo.Core.HeatMaps;
using Geo.Exporters.GeoJson;

namespace Geo.Exporters.Layers;

/// <summary>
/// The group-gaps layer: each gap cell of <see cref="GroupGaps"/> as its WGS84 polygon with the
/// properties of <see cref="GroupGapFields"/>; the collection carries the heat map's grid (as the
/// heat-map layer's does), whether a qualifying team needs a woman CLA, and how many cells reach
/// the threshold in all, covered or not.
/// </summary>
public static class GroupGapLayerWriter
{
    public const string Layer = "group-gaps";

    private static readonly JsonEncodedText RequiresFemaleCla = JsonEncodedText.Encode("requires_female_cla");
    private static readonly JsonEncodedText ThreatenedCells = JsonEncodedText.Encode("threatened_cells");

    /// <summary>
    /// Writes the layer as one FeatureCollection and flushes it; returns the number of features.
    /// <paramref name="coarsened"/> says whether the map was computed on coarsened locations.
    /// </summary>
    public static async Task<long> WriteAsync(
        GeoJsonWriter writer, HeatMap map, GroupGapResult gaps, bool coarsened, LayerHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(gaps);
        ArgumentNullException.ThrowIfNull(header);
        var rings = new CellRings(map.Area);
        var columns = map.Area.Grid.Columns;
        var frame = map.Frames[0];
        writer.BeginFeatureCollection();
        foreach (var cell in gaps.Cells)
        {
            var (column, row) = (cell.Index % columns, cell.Index / columns);
            var id = string.Create(CultureInfo.InvariantCulture, $"c{column}-r{row}");
            writer.BeginFeature(id);
            writer.WriteGeometry(HeatMapLayerWriter.Polygon(rings.RingOf(column, row)));
            writer.BeginProperties();
            writer.String(GroupGapFields.Id.Json, id);
            writer.Number(GroupGapFields.Column.Json, (long)column);
            writer.Number(GroupGapFields.Row.Json, (long)row);
            writer.Number(GroupGapFields.Value.Json, frame.Values[cell.Index]);
            writer.Number(GroupGapFields.Count.Json, (long)frame.Counts[cell.Index]);
            writer.Number(GroupGapFields.Class.Json, (long)frame.Classes[cell.Index]);
            writer.String(GroupGapFields.NearestBaseId.Json, cell.NearestBaseId);
            if (cell.NearestBaseId is null)
            {
                writer.Null(GroupGapFields.DistanceMetres.Json);
            }
            else
            {
                writer.Number(GroupGapFields.DistanceMetres.Json, cell.DistanceMetres);
            }

            writer.String(GroupGapFields.CommunityIds.Json, string.Join(',', cell.CommunityIds));
            writer.Number(GroupGapFields.CommunityCount.Json, (long)cell.CommunityIds.Count);
            writer.EndProperties();
            writer.EndFeature();
            await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }

        var total = writer.FeatureCount;
        writer.EndFeatureCollection(json => LayerMembers.Write(json, Layer, header, total, product =>
        {
            HeatMapLayerWriter.WriteGrid(product, map, coarsened, [total]);
            product.WriteBoolean(RequiresFemaleCla, gaps.RequiresFemaleCla);
            product.WriteNumber(ThreatenedCells, gaps.ThreatenedCells);
        }));
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return total;
    }
}
