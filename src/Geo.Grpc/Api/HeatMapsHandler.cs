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

    public override async Task Compute(V1.HeatMapRequest request, IServerStreamWriter<V1.HeatMapChunk> responses, ServerCallContext context)
    {
        var spec = computer.Read(request, string.Empty);
        var caller = context.Caller();
        var map = await computer.ComputeAsync(spec, caller, context.CancellationToken).ConfigureAwait(false);
        await responses.WriteAsync(new V1.HeatMapChunk { Grid = ToProto(map, privacy.PolicyFor(caller).IsCoarsened) }, context.CancellationToken).ConfigureAwait(false);
        var rings = new CellRings(map.Area);
        for (var f = 0; f < map.Frames.Count; f++)
        {
            var frame = map.Frames[f];
            var cells = new V1.HeatMapCells { Frame = f };
            for (var index = 0; index < frame.Values.Length; index++)
            {
                if (!frame.Shown[index])
                {
                    continue;
                }

                cells.Cells.Add(ToProto(map, frame, index, rings));
                if (cells.Cells.Count == CellsPerMessage)
                {
                    await responses.WriteAsync(new V1.HeatMapChunk { Cells = cells }, context.CancellationToken).ConfigureAwait(false);
                    cells = new V1.HeatMapCells { Frame = f };
                }
            }

            if (cells.Cells.Count > 0)
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
}
