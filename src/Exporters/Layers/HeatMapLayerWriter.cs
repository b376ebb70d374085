using System.Globalization;
using System.Text.Json;
using Geo.Core.HeatMaps;
using Geo.Core.Spatial;
using Geo.Exporters.GeoJson;
using NetTopologySuite.Geometries;

namespace Geo.Exporters.Layers;

/// <summary>Which cells of a heat map become features.</summary>
public enum HeatMapCellSelection
{
    /// <summary>Every cell the answer shows (withheld cells never are).</summary>
    Shown = 1,

    /// <summary>Shown cells that are hot or cold spots at 90% confidence or more.</summary>
    Significant = 2,
}

/// <summary>
/// The heat-map and hot-spots layers: one feature per cell and frame, its WGS84 polygon and the
/// properties of <see cref="HeatMapCellFields"/>; the collection carries the grid's projection,
/// unit, class breaks and frames. Cells stream through the writer one at a time.
/// </summary>
public static class HeatMapLayerWriter
{
    public const string HeatMapLayer = "heat-map";
    public const string HotSpotsLayer = "hot-spots";

    private static readonly JsonEncodedText Unit = JsonEncodedText.Encode("unit");
    private static readonly JsonEncodedText Projection = JsonEncodedText.Encode("projection");
    private static readonly JsonEncodedText Columns = JsonEncodedText.Encode("columns");
    private static readonly JsonEncodedText Rows = JsonEncodedText.Encode("rows");
    private static readonly JsonEncodedText CellsInArea = JsonEncodedText.Encode("cells_in_area");
    private static readonly JsonEncodedText ClassBreaks = JsonEncodedText.Encode("class_breaks");
    private static readonly JsonEncodedText MinCount = JsonEncodedText.Encode("min_count");
    private static readonly JsonEncodedText Coarsened = JsonEncodedText.Encode("coarsened");
    private static readonly JsonEncodedText WithheldCells = JsonEncodedText.Encode("withheld_cells");
    private static readonly JsonEncodedText Frames = JsonEncodedText.Encode("frames");
    private static readonly JsonEncodedText Index = JsonEncodedText.Encode("index");
    private static readonly JsonEncodedText From = JsonEncodedText.Encode("from");
    private static readonly JsonEncodedText To = JsonEncodedText.Encode("to");
    private static readonly JsonEncodedText Observations = JsonEncodedText.Encode("observations");
    private static readonly JsonEncodedText Cells = JsonEncodedText.Encode("cells");
    private static readonly JsonEncodedText Features = JsonEncodedText.Encode("features");

    /// <summary>
    /// Writes the layer <paramref name="layer"/> of <paramref name="map"/> as one FeatureCollection
    /// and flushes it; returns the number of features. <paramref name="coarsened"/> says whether the
    /// map was computed on coarsened locations: a frame's small total is then withheld (null) as
    /// its small cells are.
    /// </summary>
    public static async Task<long> WriteAsync(
        GeoJsonWriter writer, string layer, HeatMap map, HeatMapCellSelection selection, bool coarsened, LayerHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(header);
        var rings = new CellRings(map.Area);
        var columns = map.Area.Grid.Columns;
        var series = map.Frames.Count > 1;
        var written = new long[map.Frames.Count];
        writer.BeginFeatureCollection();
        for (var f = 0; f < map.Frames.Count; f++)
        {
            var frame = map.Frames[f];
            for (var index = 0; index < frame.Values.Length; index++)
            {
                if (!frame.Shown[index] || (selection == HeatMapCellSelection.Significant && (frame.HotSpots is not { } spots || spots.Classes[index] == 0)))
                {
                    continue;
                }

                var (column, row) = (index % columns, index / columns);
                var id = string.Create(CultureInfo.InvariantCulture, $"f{f}-c{column}-r{row}");
                writer.BeginFeature(id);
                writer.WriteGeometry(Polygon(rings.RingOf(column, row)));
                writer.BeginProperties();
                writer.String(HeatMapCellFields.Id.Json, id);
                writer.Number(HeatMapCellFields.Column.Json, (long)column);
                writer.Number(HeatMapCellFields.Row.Json, (long)row);
                if (series)
                {
                    writer.Number(HeatMapCellFields.Frame.Json, (long)f);
                    writer.Time(HeatMapCellFields.FrameFrom.Json, frame.Period.From);
                    writer.Time(HeatMapCellFields.FrameTo.Json, frame.Period.To);
                }

                writer.Number(HeatMapCellFields.Value.Json, frame.Values[index]);
                writer.Number(HeatMapCellFields.Count.Json, (long)frame.Counts[index]);
                writer.Number(HeatMapCellFields.Class.Json, (long)frame.Classes[index]);
                if (frame.HotSpots is { } hotSpots)
                {
                    var hotSpot = hotSpots.Classes[index];
                    writer.Number(HeatMapCellFields.PValue.Json, hotSpots.PValues[index]);
                    writer.Number(HeatMapCellFields.HotSpot.Json, (long)hotSpot);
                    writer.Number(HeatMapCellFields.Confidence.Json, (long)ConfidenceOf(hotSpot));
                }

                writer.EndProperties();
                writer.EndFeature();
                written[f]++;
                await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        var total = written.Sum();
        writer.EndFeatureCollection(json => LayerMembers.Write(json, layer, header, total, product => WriteGrid(product, map, coarsened, written)));
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return total;
    }

    /// <summary>The confidence, in percent, of a hot-spot class −3..3 (0: not significant).</summary>
    public static int ConfidenceOf(int hotSpot) => Math.Abs(hotSpot) switch
    {
        3 => 99,
        2 => 95,
        1 => 90,
        _ => 0,
    };

    /// <summary>The cell's ring, closed, as a polygon: the writer orients it and cuts it at the antimeridian.</summary>
    internal static Polygon Polygon(double[] ring)
    {
        var coordinates = new Coordinate[(ring.Length / 2) + 1];
        for (var i = 0; i < ring.Length; i += 2)
        {
            coordinates[i / 2] = new Coordinate(ring[i], ring[i + 1]);
        }

        coordinates[^1] = coordinates[0].Copy();
        return ShapeReader.Factory.CreatePolygon(coordinates);
    }

    /// <summary>The grid, its class breaks and frames; <paramref name="written"/> holds the features written of each frame.</summary>
    internal static void WriteGrid(Utf8JsonWriter json, HeatMap map, bool coarsened, long[] written)
    {
        json.WriteString(Unit, map.Unit);
        json.WriteString(Projection, map.Area.Frame.Proj);
        json.WriteNumber(Columns, map.Area.Grid.Columns);
        json.WriteNumber(Rows, map.Area.Grid.Rows);
        json.WriteNumber(CellsInArea, map.Area.CellsInArea);
        json.WriteStartArray(ClassBreaks);
        foreach (var upper in map.Breaks)
        {
            LayerMembers.WriteReal(json, upper);
        }

        json.WriteEndArray();
        json.WriteNumber(MinCount, map.MinCount);
        json.WriteBoolean(Coarsened, coarsened);
        json.WriteNumber(WithheldCells, map.Frames.Sum(f => (long)f.WithheldCount));
        json.WriteStartArray(Frames);
        for (var f = 0; f < map.Frames.Count; f++)
        {
            var frame = map.Frames[f];
            json.WriteStartObject();
            json.WriteNumber(Index, f);
            LayerMembers.WriteTime(json, From, frame.Period.From);
            LayerMembers.WriteTime(json, To, frame.Period.To);
            if (map.PublishedObservations(frame, coarsened) is { } observations)
            {
                json.WriteNumber(Observations, observations);
            }
            else
            {
                json.WriteNull(Observations);
            }

            json.WriteNumber(Cells, frame.ShownCount);
            json.WriteNumber(WithheldCells, frame.WithheldCount);
            json.WriteNumber(Features, written[f]);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
