using Geo.Api.V1;
using Geo.Api;
using Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using Xunit;
using static Geo.Grpc.Tests.Api.ApiFixture;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Api;

/// <summary>
/// HeatMaps.Compute's packed cell layout end to end over gRPC on PostGIS: the packed columns give
/// the cells of the per-cell layout number for number (geometry aside), for every method, a weekly
/// series, a caller with exact locations and a coarsened one whose small cells are withheld; in a
/// fraction of the bytes; and a layout the service does not know is refused naming the field.
/// </summary>
public sealed class HeatMapCellLayoutTests(HeatMapCellLayoutTests.Mission mission) : IClassFixture<HeatMapCellLayoutTests.Mission>
{
    private ApiFixture Api => mission.Api;

    /// <summary>
    /// Clusters of 25 to 60 observations and 40 scattered singles over a 0.6° box around (40, 0.5),
    /// spread over March with every severity: enough for a planner's minimum count to show the
    /// clusters and withhold the singles.
    /// </summary>
    public sealed class Mission : IAsyncLifetime
    {
        public ApiFixture Api { get; } = new();

        public async Task InitializeAsync()
        {
            await Api.InitializeAsync();
            var random = new Random(22);
            var observations = new List<Observation>();
            foreach (var (longitude, latitude, count) in new[] { (40.0, 0.5, 60), (40.1, 0.55, 40), (39.9, 0.42, 30), (40.15, 0.4, 25) })
            {
                for (var i = 0; i < count; i++)
                {
                    observations.Add(Spread($"layout-{longitude}-{latitude}-{i}", longitude + (random.NextDouble() * 0.004), latitude + (random.NextDouble() * 0.004), random));
                }
            }

            for (var i = 0; i < 40; i++)
            {
                observations.Add(Spread($"layout-single-{i}", 39.72 + (random.NextDouble() * 0.56), 0.22 + (random.NextDouble() * 0.56), random));
            }

            await Api.SubmitAsync([.. observations]);
        }

        private static Observation Spread(string id, double longitude, double latitude, Random random)
        {
            var observation = NewObservation(id, longitude, latitude, $"2026-03-{random.Next(1, 32):00}T{random.Next(0, 24):00}:00:00Z");
            observation.Severity = random.Next(1, 6);
            return observation;
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    /// <summary>The mission's box for March 2026 in 2 km squares (33 x 33 cells).</summary>
    private static HeatMapRequest Request(double cellMetres = 2000) => new()
    {
        Filter = new ObservationFilter
        {
            Area = new Area { Bbox = new BoundingBox { West = 39.7, South = 0.2, East = 40.3, North = 0.8 } },
            ObservedFrom = Time("2026-03-01T00:00:00Z"),
            ObservedTo = Time("2026-04-01T00:00:00Z"),
        },
        CellSizeMetres = cellMetres,
    };

    private static HeatMapRequest RequestFor(string method)
    {
        var request = Request();
        switch (method)
        {
            case "count":
                request.Method = HeatMapMethod.Count;
                break;
            case "weighted sum":
                request.Method = HeatMapMethod.WeightedSum;
                request.Weighting = new Weighting { BySeverity = true, ByPeople = true, HalfLife = Duration.FromTimeSpan(TimeSpan.FromDays(7)) };
                break;
            case "kernel density":
                request.Method = HeatMapMethod.KernelDensity;
                request.BandwidthMetres = 6000;
                break;
            case "hot spots":
                request.Method = HeatMapMethod.HotSpots;
                request.DistanceBandMetres = 6000;
                break;
            default:
                request.Method = HeatMapMethod.Count;
                request.Step = SeriesStep.Week;
                break;
        }

        return request;
    }

    public static TheoryData<string, Role> MethodsAndRoles()
    {
        var data = new TheoryData<string, Role>();
        foreach (var method in new[] { "count", "weighted sum", "kernel density", "hot spots", "weekly series" })
        {
            // A supervisor sees exact locations; a planner's surface is coarsened, perturbed and thresholded.
            data.Add(method, Role.Supervisor);
            data.Add(method, Role.Planner);
        }

        return data;
    }

    private static async Task<List<HeatMapChunk>> ChunksAsync(GeoAwarenessClient channel, HeatMapRequest request)
    {
        using var call = channel.HeatMaps.Compute(request);
        var chunks = new List<HeatMapChunk>();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            chunks.Add(chunk);
        }

        Assert.NotNull(chunks[0].Grid);
        Assert.All(chunks.Skip(1), c => Assert.NotNull(c.Cells));
        return chunks;
    }

    /// <summary>A per-cell answer's cells without their centre and ring, in the order received; the answer must be all per-cell.</summary>
    private static List<(int Frame, HeatMapCell Cell)> PerCell(List<HeatMapChunk> chunks)
    {
        var cells = new List<(int, HeatMapCell)>();
        foreach (var message in chunks.Skip(1).Select(c => c.Cells))
        {
            Assert.Empty(message.Columns);
            Assert.Empty(message.Rows);
            Assert.Empty(message.Values);
            Assert.Empty(message.Counts);
            Assert.Empty(message.Classes);
            Assert.Empty(message.PValues);
            Assert.Empty(message.HotSpots);
            foreach (var cell in message.Cells)
            {
                Assert.NotNull(cell.Centre);
                Assert.NotEmpty(cell.Ring);
                var bare = cell.Clone();
                bare.Centre = null;
                bare.Ring.Clear();
                cells.Add((message.Frame, bare));
            }
        }

        return cells;
    }

    /// <summary>A packed answer's columns read back into cells, in the order received; the answer must be all packed, its columns parallel.</summary>
    private static List<(int Frame, HeatMapCell Cell)> Packed(List<HeatMapChunk> chunks, bool hotSpots)
    {
        var cells = new List<(int, HeatMapCell)>();
        foreach (var message in chunks.Skip(1).Select(c => c.Cells))
        {
            Assert.Empty(message.Cells);
            var n = message.Columns.Count;
            Assert.True(n > 0, "a message of cells carries at least one");
            Assert.Equal(n, message.Rows.Count);
            Assert.Equal(n, message.Values.Count);
            Assert.Equal(n, message.Counts.Count);
            Assert.Equal(n, message.Classes.Count);
            Assert.Equal(hotSpots ? n : 0, message.PValues.Count);
            Assert.Equal(hotSpots ? n : 0, message.HotSpots.Count);
            for (var i = 0; i < n; i++)
            {
                cells.Add((message.Frame, new HeatMapCell
                {
                    Column = message.Columns[i],
                    Row = message.Rows[i],
                    Value = message.Values[i],
                    Count = message.Counts[i],
                    Class = message.Classes[i],
                    PValue = hotSpots ? message.PValues[i] : 0,
                    HotSpot = hotSpots ? message.HotSpots[i] : 0,
                }));
            }
        }

        return cells;
    }

    [Theory]
    [MemberData(nameof(MethodsAndRoles))]
    public async Task Packed_EveryMethodAndRole_GivesThePerCellAnswerCellForCell(string method, Role role)
    {
        var request = RequestFor(method);
        var packedRequest = request.Clone();
        packedRequest.CellLayout = CellLayout.Packed;

        var perCell = await ChunksAsync(Api.As(role), request);
        var packed = await ChunksAsync(Api.As(role), packedRequest);

        var grid = perCell[0].Grid;
        // The watermark is the database's, which other tests' writes move between the two calls.
        packed[0].Grid.Watermark = grid.Watermark;
        Assert.Equal(grid, packed[0].Grid);
        var expected = PerCell(perCell);
        var actual = Packed(packed, hotSpots: request.Method == HeatMapMethod.HotSpots);
        // Cells first: with none returned, the comparison below would pass on nothing.
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
        for (var f = 0; f < grid.Frames.Count; f++)
        {
            Assert.Equal(grid.Frames[f].Cells, actual.Count(c => c.Frame == f));
        }

        if (request.Method == HeatMapMethod.HotSpots)
        {
            Assert.Contains(actual, c => c.Cell.HotSpot != 0);
        }

        if (method == "weekly series")
        {
            Assert.Equal(5, grid.Frames.Count);
            Assert.True(actual.Select(c => c.Frame).Distinct().Count() > 1, "cells in more than one frame");
        }

        // The planner's small cells stay withheld in both layouts: never sent, only counted.
        Assert.Equal(role == Role.Planner, grid.Coarsened);
        if (role == Role.Planner && request.Method == HeatMapMethod.Count)
        {
            Assert.True(grid.Frames.Sum(f => f.WithheldCells) > 0, "the planner's minimum count withholds the scattered singles");
            Assert.All(actual, c => Assert.True(c.Cell.Count >= grid.MinCount, $"cell ({c.Cell.Column}, {c.Cell.Row}) rests on {c.Cell.Count}"));
        }
    }

    [Fact]
    public async Task Packed_ManyCells_IsAFractionOfThePerCellBytes_InMessagesNoLargerThanThePerCellOnes()
    {
        // Every cell of the box at 500 m, empty or not: about 17,700 cells, several messages of each layout.
        var request = Request(500);
        request.IncludeEmpty = true;
        var packedRequest = request.Clone();
        packedRequest.CellLayout = CellLayout.Packed;

        var perCell = await ChunksAsync(Api.Channel, request);
        var packed = await ChunksAsync(Api.Channel, packedRequest);

        var expected = PerCell(perCell);
        Assert.True(expected.Count > 15_000, $"{expected.Count} cells");
        Assert.Equal(expected, Packed(packed, hotSpots: false));
        Assert.True(packed.Count > 2, $"{packed.Count - 1} packed messages of cells");
        var perCellBytes = perCell.Skip(1).Sum(c => (long)c.CalculateSize());
        var packedBytes = packed.Skip(1).Sum(c => (long)c.CalculateSize());
        Assert.True(packedBytes * 4 < perCellBytes, $"packed {packedBytes:N0} bytes, per cell {perCellBytes:N0}");
        var largestPerCell = perCell.Skip(1).Max(c => c.CalculateSize());
        Assert.All(packed.Skip(1), c => Assert.True(c.CalculateSize() <= largestPerCell, $"a packed message of {c.CalculateSize():N0} bytes, the largest per-cell one {largestPerCell:N0}"));
    }

    [Fact]
    public async Task UnknownCellLayout_IsInvalidArgumentNamingCellLayout()
    {
        var request = RequestFor("count");
        request.CellLayout = (CellLayout)7;

        var detail = await FailsWith(StatusCode.InvalidArgument, () => ChunksAsync(Api.Channel, request));

        Assert.StartsWith("cell_layout: 7 is not a known CellLayout", detail, StringComparison.Ordinal);
    }
}
