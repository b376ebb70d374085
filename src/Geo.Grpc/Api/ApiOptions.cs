using Geo.Core.Domain;
using Geo.Core.HeatMaps;
using Geo.Core.Spatial;

namespace Geo.Grpc.Api;

/// <summary>Limits of the API (configuration section <c>GeoAwareness:Limits</c>).</summary>
public sealed class ApiOptions
{
    public const string SectionName = "GeoAwareness:Limits";

    /// <summary>Observations in one Submit call.</summary>
    public int MaxBatchSize { get; set; } = 10_000;

    /// <summary>Observations merged per commit of a streaming ingest.</summary>
    public int IngestCommitRows { get; set; } = 50_000;

    public int MaxClockSkewSeconds { get; set; } = 300;

    public double MaxQueryAreaSquareKilometres { get; set; } = 2_000_000;

    public double MaxRadiusMetres { get; set; } = 500_000;

    public int DefaultPageSize { get; set; } = 500;

    public int MaxPageSize { get; set; } = 5000;

    public int MaxListPageSize { get; set; } = 1000;

    /// <summary>Cells of one heat map.</summary>
    public int MaxHeatMapCells { get; set; } = 1_000_000;

    /// <summary>Cells times frames of one heat map series.</summary>
    public long MaxHeatMapCellFrames { get; set; } = 4_000_000;

    public int MaxHeatMapFrames { get; set; } = 260;

    /// <summary>Points of a heat map area's boundary once densified to follow it at the cells' scale.</summary>
    public long MaxHeatMapBoundaryPoints { get; set; } = new HeatMapLimits().MaxBoundaryPoints;

    /// <summary>Connections that read one large heat map's observations in parallel.</summary>
    public int HeatMapReaders { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Pages of the observations table per parallel reader (8192 pages = 64 MiB): small tables are read by one.</summary>
    public long HeatMapPagesPerReader { get; set; } = 8192;

    /// <summary>
    /// The longest a call may run, gRPC and HTTP, streams included, whatever the client's deadline:
    /// past it the call stops and answers DEADLINE_EXCEEDED (HTTP 504). Five minutes is some fifty
    /// times a million observations streamed through Query (about 6 s measured) and thirty times a
    /// hot-spot series of 260 frames at the largest grid and band the other limits allow (10 s);
    /// a bulk ingest commits as it goes, so one cut short resumes where it was.
    /// </summary>
    public double MaxCallSeconds { get; set; } = 300;

    /// <summary>Characters of one geometry given as WKT or GeoJSON (see <see cref="Core.Spatial.ShapeLimits"/> for why each default).</summary>
    public int MaxShapeTextChars { get; set; } = ShapeLimits.Default.MaxTextChars;

    /// <summary>Nesting of one geometry's text: parentheses in WKT, arrays and objects in GeoJSON (at most 64).</summary>
    public int MaxShapeDepth { get; set; } = ShapeLimits.Default.MaxDepth;

    /// <summary>Rings, lines and points of one geometry.</summary>
    public int MaxShapeParts { get; set; } = ShapeLimits.Default.MaxParts;

    /// <summary>Vertices of one geometry.</summary>
    public int MaxShapeVertices { get; set; } = ShapeLimits.Default.MaxVertices;

    internal TimeSpan MaxCallDuration => TimeSpan.FromSeconds(MaxCallSeconds);

    internal ShapeLimits ShapeLimits => new()
    {
        MaxTextChars = MaxShapeTextChars,
        MaxDepth = MaxShapeDepth,
        MaxParts = MaxShapeParts,
        MaxVertices = MaxShapeVertices,
    };

    internal HeatMapLimits HeatMapLimits => new()
    {
        MaxCells = MaxHeatMapCells, MaxCellFrames = MaxHeatMapCellFrames, MaxFrames = MaxHeatMapFrames, MaxBoundaryPoints = MaxHeatMapBoundaryPoints,
    };

    internal ObservationLimits ObservationLimits => new() { MaxClockSkew = TimeSpan.FromSeconds(MaxClockSkewSeconds) };

    internal QueryLimits QueryLimits => new()
    {
        MaxAreaSquareKilometres = MaxQueryAreaSquareKilometres,
        MaxRadiusMetres = MaxRadiusMetres,
        DefaultPageSize = DefaultPageSize,
        MaxPageSize = MaxPageSize,
    };

    /// <summary>What is wrong with the configuration, for the operator at start-up; null when nothing is.</summary>
    internal string? Problem()
    {
        var problems = new List<string>();
        foreach (var (name, value) in new[]
        {
            (nameof(MaxShapeTextChars), MaxShapeTextChars), (nameof(MaxShapeParts), MaxShapeParts), (nameof(MaxShapeVertices), MaxShapeVertices),
        })
        {
            if (value < 1)
            {
                problems.Add($"{SectionName}:{name}: {value} must be at least 1");
            }
        }

        if (!double.IsFinite(MaxCallSeconds) || MaxCallSeconds <= 0 || MaxCallSeconds > TimeSpan.MaxValue.TotalSeconds)
        {
            problems.Add($"{SectionName}:{nameof(MaxCallSeconds)}: {MaxCallSeconds} is not a number of seconds above 0");
        }

        // Deeper, and the readers' recursion is no longer known to be safe: the limit is what
        // keeps a nested text from overflowing the stack.
        if (MaxShapeDepth is < 1 or > ShapeLimits.MaxSafeDepth)
        {
            problems.Add($"{SectionName}:{nameof(MaxShapeDepth)}: {MaxShapeDepth} is out of range 1..{ShapeLimits.MaxSafeDepth}");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
