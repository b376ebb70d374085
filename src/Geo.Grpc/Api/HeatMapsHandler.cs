using Geo.Core.HeatMaps;
using Geo.Grpc.Access;
using Grpc.Core;
using V1 = Geo.Api.V1;

namespace Geo.Grpc.Api;

/// <summary>geoawareness.v1.HeatMaps: where threats concentrate, and for whom.</summary>
internal sealed class HeatMapsHandler(HeatMapComputer computer, LocationPrivacy privacy)
    : V1.HeatMaps.HeatMapsBase
{
    /// <summary>Cells per streamed message: a few hundred kilobytes.</summary>
    private const int CellsPerMessage = 2000;

    /// <summary>
    /// Cells per streamed message in the packed layout, so that no message is larger than a full
    /// one of the per-cell layout: a packed cell takes at most 34 bytes (column and row 3 each
    /// below 2,097,152, value 8, count at most 10, class 1, p-value 8, hot spot 1), so 5,000 make
    /// at most 170 KB, where 2,000 per-cell messages take about 180 KB or more (a ring of 4
    /// corners is 66 bytes, the centre 20, the framing 2, before the numbers). Typical packed
    /// cells are 15 to 25 bytes.
    /// </summary>
    private const int PackedCellsPerMessage = 5000;

    public override async Task Compute(V1.HeatMapRequest request, IServerStreamWriter<V1.HeatMapChunk> responses, ServerCallContext context)
    {
        var spec = computer.Read(request, string.Empty);
        var caller = context.Caller();
        var map = await computer.ComputeAsync(spec, caller, context.CancellationToken).ConfigureAwait(false);
        await responses.WriteAsync(new V1.HeatMapChunk { Grid = ToProto(map, privacy.PolicyFor(caller).IsCoarsened) }, context.CancellationToken).ConfigureAwait(false);

        // The layout changes the wire form alone: the same map, the same cells shown, in the same order.
        var packed = request.CellLayout == V1.CellLayout.Packed;
        var perMessage = packed ? PackedCellsPerMessage : CellsPerMessage;
        // The packed layout carries no geometry, so the corners are never projected back.
        var rings = packed ? null : new CellRings(map.Area);
        for (var f = 0; f < map.Frames.Count; f++)
        {
            var frame = map.Frames[f];
            var cells = new V1.HeatMapCells { Frame = f };
            var inMessage = 0;
            for (var index = 0; index < frame.Values.Length; index++)
            {
                if (!frame.Shown[index])
                {
                    continue;
                }

                if (rings is null)
                {
                    AddPacked(cells, map, frame, index);
                }
                else
                {
                    cells.Cells.Add(ToProto(map, frame, index, rings));
                }

                if (++inMessage == perMessage)
                {
                    await responses.WriteAsync(new V1.HeatMapChunk { Cells = cells }, context.CancellationToken).ConfigureAwait(false);
                    cells = new V1.HeatMapCells { Frame = f };
                    inMessage = 0;
                }
            }

            if (inMessage > 0)
            {
                await responses.WriteAsync(new V1.HeatMapChunk { Cells = cells }, context.CancellationToken).ConfigureAwait(false);
            }
        }
    }

    public static V1.HeatMapGrid ToProto(HeatMap map, bool coarsened)
    {
        var grid = map.Area.Grid;
        var (originX, originY) = grid.Centre(0, 0);
        var message = new V1.HeatMapGrid
        {
            Shape = (V1.GridShape)grid.Shape,
            CellSizeMetres = grid.Size,
            Method = (V1.HeatMapMethod)map.Spec.Method,
            Projection = map.Area.Frame.Proj,
            OriginX = originX,
            OriginY = originY,
            ColumnStepMetres = grid.ColumnStep,
            RowStepMetres = grid.RowStep,
            Columns = grid.Columns,
            Rows = grid.Rows,
            CellsInArea = map.Area.CellsInArea,
            Classification = (V1.Classification)map.Spec.Classification,
            Unit = map.Unit,
            BandwidthMetres = map.Spec.Method == HeatMapMethod.KernelDensity ? map.Spec.Bandwidth : 0,
            DistanceBandMetres = map.Spec.Method == HeatMapMethod.HotSpots ? map.Spec.DistanceBand : 0,
            MinCount = map.MinCount,
            Coarsened = coarsened,
            Watermark = map.Watermark,
            AppliedFilter = ToProto(map.Spec),
        };
        message.ClassBreaks.AddRange(map.Breaks);
        message.Frames.AddRange(map.Frames.Select(f => new V1.HeatMapFrame
        {
            From = ApiMapping.ToTimestamp(f.Period.From),
            To = ApiMapping.ToTimestamp(f.Period.To),
            // A coarsened caller's small totals are withheld like its small cells (reported as 0).
            Observations = map.PublishedObservations(f, coarsened) ?? 0,
            Cells = f.ShownCount,
            WithheldCells = f.WithheldCount,
        }));
        return message;
    }

    /// <summary>What the map counted: the filter's categories and statuses (the defaults when the request left them open) and the unit.</summary>
    private static V1.AppliedFilter ToProto(HeatMapSpec spec)
    {
        var message = new V1.AppliedFilter
        {
            CategoriesDefaulted = spec.Defaults.Categories,
            VerificationDefaulted = spec.Defaults.Verification,
            Counted = spec.CountEvents ? V1.CountedUnit.Events : V1.CountedUnit.Reports,
        };
        message.Categories.AddRange(spec.Filter.Categories.Distinct().Order().Select(c => (V1.Category)c));
        message.Verification.AddRange(spec.Filter.Verification.Distinct().Order().Select(v => (V1.VerificationStatus)v));
        return message;
    }

    public static V1.HeatMapCell ToProto(HeatMap map, Core.HeatMaps.HeatMapFrame frame, int index, CellRings rings)
    {
        var columns = map.Area.Grid.Columns;
        var (column, row) = (index % columns, index / columns);
        var cell = new V1.HeatMapCell
        {
            Column = column,
            Row = row,
            Value = frame.Values[index],
            Count = (long)frame.Counts[index],
            Class = frame.Classes[index],
            Centre = ApiMapping.ToProto(rings.CentreOf(column, row)),
        };
        if (frame.HotSpots is { } hotSpots)
        {
            cell.PValue = hotSpots.PValues[index];
            cell.HotSpot = hotSpots.Classes[index];
        }

        cell.Ring.AddRange(rings.RingOf(column, row));
        return cell;
    }

    /// <summary>
    /// Appends one cell to the packed columns: the numbers that <see cref="ToProto(HeatMap, Core.HeatMaps.HeatMapFrame, int, CellRings)"/>
    /// puts in its HeatMapCell, read from the same arrays with the same conversions (HeatMapTests
    /// compare the two layouts cell for cell).
    /// </summary>
    private static void AddPacked(V1.HeatMapCells cells, HeatMap map, Core.HeatMaps.HeatMapFrame frame, int index)
    {
        var columns = map.Area.Grid.Columns;
        cells.Columns.Add(index % columns);
        cells.Rows.Add(index / columns);
        cells.Values.Add(frame.Values[index]);
        cells.Counts.Add((long)frame.Counts[index]);
        cells.Classes.Add(frame.Classes[index]);
        if (frame.HotSpots is { } hotSpots)
        {
            cells.PValues.Add(hotSpots.PValues[index]);
            cells.HotSpots.Add(hotSpots.Classes[index]);
        }
    }
}
