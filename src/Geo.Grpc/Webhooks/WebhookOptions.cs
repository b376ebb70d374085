namespace Geo.Grpc.Webhooks;

/// <summary>Outbound webhook settings (configuration section <c>GeoAwareness:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "GeoAwareness:Webhooks";

    /// <summary>How long a receiver has to answer one delivery (connecting included) before it counts as failed.</summary>
    public double TimeoutSeconds { get; set; } = 10;

    /// <summary>The wait after the first failure in a row; it doubles with each further one.</summary>
    public double FirstRetrySeconds { get; set; } = 1;

    /// <summary>The longest wait between two attempts.</summary>
    public double MaxRetrySeconds { get; set; } = 600;

    /// <summary>Failures in a row after which a hook is suspended (about 1.5 hours of trying with the defaults).</summary>
    public int SuspendAfterFailures { get; set; } = 15;

    /// <summary>How long a process owns a hook it delivers, renewed with every step: another process takes over a hook whose owner died after this.</summary>
    public double LeaseSeconds { get; set; } = 60;

    /// <summary>How often to look for due hooks when no commit was heard (retries, hooks other processes made or resumed).</summary>
    public double PollSeconds { get; set; } = 1;

    /// <summary>Events read from the feed at once for one hook.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Attempts kept in each hook's delivery log (the newest).</summary>
    public int LogPerHook { get; set; } = 1_000;

    internal TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    internal TimeSpan FirstRetry => TimeSpan.FromSeconds(FirstRetrySeconds);

    internal TimeSpan MaxRetry => TimeSpan.FromSeconds(MaxRetrySeconds);

    internal TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    internal TimeSpan Poll => TimeSpan.FromSeconds(PollSeconds);

    /// <summary>What is wrong with the configuration, for the operator at start-up; null when nothing is.</summary>
    internal string? Problem()
    {
        var problems = new List<string>();
        Check(nameof(TimeoutSeconds), TimeoutSeconds, 0.05, 300);
        Check(nameof(FirstRetrySeconds), FirstRetrySeconds, 0.01, 3600);
        Check(nameof(MaxRetrySeconds), MaxRetrySeconds, 0.01, 86_400);
        Check(nameof(LeaseSeconds), LeaseSeconds, 1, 3600);
        Check(nameof(PollSeconds), PollSeconds, 0.05, 60);
        if (double.IsFinite(MaxRetrySeconds) && double.IsFinite(FirstRetrySeconds) && MaxRetrySeconds < FirstRetrySeconds)
        {
            problems.Add($"{SectionName}:{nameof(MaxRetrySeconds)}: {MaxRetrySeconds} is below {nameof(FirstRetrySeconds)} ({FirstRetrySeconds})");
        }

        if (double.IsFinite(LeaseSeconds) && double.IsFinite(TimeoutSeconds) && LeaseSeconds <= TimeoutSeconds * 2)
        {
            problems.Add($"{SectionName}:{nameof(LeaseSeconds)}: {LeaseSeconds} must exceed twice {nameof(TimeoutSeconds)} ({TimeoutSeconds}), or a slow receiver would let another process deliver the same hook meanwhile");
        }

        if (SuspendAfterFailures is < 1 or > 1_000)
        {
            problems.Add($"{SectionName}:{nameof(SuspendAfterFailures)}: {SuspendAfterFailures} is not between 1 and 1000");
        }

        if (BatchSize is < 1 or > 10_000)
        {
            problems.Add($"{SectionName}:{nameof(BatchSize)}: {BatchSize} is not between 1 and 10000");
        }

        if (LogPerHook is < 1 or > 1_000_000)
        {
            problems.Add($"{SectionName}:{nameof(LogPerHook)}: {LogPerHook} is not between 1 and 1000000");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);

        void Check(string name, double value, double min, double max)
        {
            if (!double.IsFinite(value) || value < min || value > max)
            {
                problems.Add($"{SectionName}:{name}: {value} is not between {min} and {max} seconds");
            }
        }
    }
}
