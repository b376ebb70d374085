namespace Geo.Grpc.Watch;

/// <summary>Live watch settings (configuration section <c>GeoAwareness:Watch</c>).</summary>
public sealed class WatchOptions
{
    public const string SectionName = "GeoAwareness:Watch";

    /// <summary>A watch with nothing to push sends a heartbeat this often, so that a client can tell a quiet area from a dead link.</summary>
    public double HeartbeatSeconds { get; set; } = 15;

    /// <summary>
    /// Changes waiting for one watch's client to read them. A client that falls this far behind
    /// has its call ended (RESOURCE_EXHAUSTED) with the cursor to resume from: nothing is buffered without bound.
    /// </summary>
    public int MaxBacklog { get; set; } = 10_000;

    /// <summary>
    /// Matching changes a watch replays from its cursor before it goes live. A cursor further
    /// behind is refused (OUT_OF_RANGE): pull the feed from it, then watch from the feed's cursor.
    /// </summary>
    public int MaxCatchUp { get; set; } = 50_000;

    /// <summary>Changes read from the database in one statement for all the watches of the process.</summary>
    public int BatchSize { get; set; } = 1_000;

    /// <summary>
    /// How long a watch may stay open (it is exempt from GeoAwareness:Limits:MaxCallSeconds,
    /// being idle most of the time); it then ends with DEADLINE_EXCEEDED and the client resumes.
    /// </summary>
    public double MaxWatchHours { get; set; } = 24;

    internal TimeSpan Heartbeat => TimeSpan.FromSeconds(HeartbeatSeconds);

    internal TimeSpan MaxWatch => TimeSpan.FromHours(MaxWatchHours);

    /// <summary>What is wrong with the configuration, for the operator at start-up; null when nothing is.</summary>
    internal string? Problem()
    {
        var problems = new List<string>();
        if (!double.IsFinite(HeartbeatSeconds) || HeartbeatSeconds < 0.05 || HeartbeatSeconds > 3600)
        {
            problems.Add($"{SectionName}:{nameof(HeartbeatSeconds)}: {HeartbeatSeconds} is not between 0.05 and 3600 seconds");
        }

        if (MaxBacklog is < 10 or > 10_000_000)
        {
            problems.Add($"{SectionName}:{nameof(MaxBacklog)}: {MaxBacklog} is not between 10 and 10000000");
        }

        if (MaxCatchUp is < 1 or > 10_000_000)
        {
            problems.Add($"{SectionName}:{nameof(MaxCatchUp)}: {MaxCatchUp} is not between 1 and 10000000");
        }

        if (BatchSize is < 1 or > 100_000)
        {
            problems.Add($"{SectionName}:{nameof(BatchSize)}: {BatchSize} is not between 1 and 100000");
        }

        if (!double.IsFinite(MaxWatchHours) || MaxWatchHours <= 0 || MaxWatchHours > 27)
        {
            problems.Add($"{SectionName}:{nameof(MaxWatchHours)}: {MaxWatchHours} is not above 0 and at most 27 hours (the longest gRPC deadline)");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
