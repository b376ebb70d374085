namespace Geo.Grpc.ReadModel;

/// <summary>The in-memory read model of observations (configuration section <c>GeoAwareness:ReadModel</c>).</summary>
public sealed class ReadModelOptions
{
    public const string SectionName = "GeoAwareness:ReadModel";

    /// <summary>Off: every heat map reads PostGIS, as before the model existed.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The ceiling on the model's memory. A table that would need more is not loaded, and a model that
    /// grows past it is dropped: the service logs why and heat maps read PostGIS, rather than growing.
    /// About 62 bytes an observation (see README, sizing).
    /// </summary>
    public double MaxMegabytes { get; set; } = 1024;

    /// <summary>
    /// How long a request waits for the model to take in what was committed before it began (it
    /// reads its own writes); past it the request reads PostGIS.
    /// </summary>
    public double CatchUpWaitSeconds { get; set; } = 2;

    /// <summary>
    /// How long after a catch-up began the model answers without another, as long as nothing was
    /// written through this service and no commit was heard since: a write through this service is
    /// still read by its caller's next request, and one made elsewhere (psql, another instance) is
    /// seen within this time and the catch-up's. 0: every request waits for a catch-up begun after
    /// it arrived. At most 200 (the model's promise: a commit visible within 200 ms).
    /// </summary>
    public int FreshForMilliseconds { get; set; } = 100;

    /// <summary>
    /// The most matches of one query whose keys the model collects (16 bytes each) before it leaves
    /// the query to PostGIS, which streams any number of rows without holding them.
    /// </summary>
    public int MaxQueryRows { get; set; } = 200_000;

    /// <summary>
    /// Table pages (8 KiB) per connection reading the table at start-up; up to <see cref="Workers"/>
    /// connections read their own ranges at once, in one snapshot. Smaller tables are read by one.
    /// </summary>
    public long LoadPagesPerReader { get; set; } = 4096;

    /// <summary>
    /// Rows taken in since the model was last ordered (appended in arrival order, their blocks
    /// spanning the whole region) past which it is ordered again, beside the one in use, which is
    /// then swapped: at least this many, and at least a quarter of the model.
    /// </summary>
    public int ReorderRows { get; set; } = 100_000;

    /// <summary>Threads one request scans the model with.</summary>
    public int Workers { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    internal long MaxBytes => (long)(MaxMegabytes * 1024 * 1024);

    internal TimeSpan CatchUpWait => TimeSpan.FromSeconds(CatchUpWaitSeconds);

    /// <summary>What is wrong with the configuration, for the operator at start-up; null when nothing is.</summary>
    internal string? Problem()
    {
        var problems = new List<string>();
        if (!double.IsFinite(MaxMegabytes) || MaxMegabytes <= 0 || MaxMegabytes > 1_048_576)
        {
            problems.Add($"{SectionName}:{nameof(MaxMegabytes)}: {MaxMegabytes} is not above 0 and at most 1048576");
        }

        if (!double.IsFinite(CatchUpWaitSeconds) || CatchUpWaitSeconds < 0 || CatchUpWaitSeconds > 60)
        {
            problems.Add($"{SectionName}:{nameof(CatchUpWaitSeconds)}: {CatchUpWaitSeconds} is not between 0 and 60 seconds");
        }

        if (FreshForMilliseconds is < 0 or > 200)
        {
            problems.Add($"{SectionName}:{nameof(FreshForMilliseconds)}: {FreshForMilliseconds} is not between 0 and 200 milliseconds");
        }

        if (MaxQueryRows is < 1 or > 100_000_000)
        {
            problems.Add($"{SectionName}:{nameof(MaxQueryRows)}: {MaxQueryRows} is not between 1 and 100000000");
        }

        if (ReorderRows is < 1 or > 100_000_000)
        {
            problems.Add($"{SectionName}:{nameof(ReorderRows)}: {ReorderRows} is not between 1 and 100000000");
        }

        if (LoadPagesPerReader is < 1 or > 1_000_000_000)
        {
            problems.Add($"{SectionName}:{nameof(LoadPagesPerReader)}: {LoadPagesPerReader} is not between 1 and 1000000000");
        }

        if (Workers is < 1 or > 64)
        {
            problems.Add($"{SectionName}:{nameof(Workers)}: {Workers} is not between 1 and 64");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
