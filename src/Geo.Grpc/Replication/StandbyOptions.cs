namespace Geo.Grpc.Replication;

/// <summary>
/// Reads sent to a hot standby (configuration section <c>GeoAwareness:Standby</c>). The standby is
/// a second host in the connection string (<c>Host=primary:5432,standby:5432</c>); writes always
/// go to whichever host is the primary.
/// </summary>
public sealed class StandbyOptions
{
    public const string SectionName = "GeoAwareness:Standby";

    /// <summary>Serve feed pages and indicator reports from the standby while it is no further behind than <see cref="MaxLagSeconds"/>.</summary>
    public bool Reads { get; set; }

    /// <summary>
    /// How far behind the primary (seconds of replay) the standby may be and still serve reads;
    /// past it reads return to the primary until it catches up, and the service logs both.
    /// </summary>
    public double MaxLagSeconds { get; set; } = 30;

    /// <summary>How often the standby's lag is measured.</summary>
    public double CheckSeconds { get; set; } = 1;

    internal TimeSpan Check => TimeSpan.FromSeconds(CheckSeconds);

    /// <summary>What is wrong with the configuration, for the operator at start-up; null when nothing is.</summary>
    internal string? Problem()
    {
        var problems = new List<string>();
        if (!double.IsFinite(MaxLagSeconds) || MaxLagSeconds < 0 || MaxLagSeconds > 86_400)
        {
            problems.Add($"{SectionName}:{nameof(MaxLagSeconds)}: {MaxLagSeconds} is not from 0 to 86400");
        }

        if (!double.IsFinite(CheckSeconds) || CheckSeconds < 0.05 || CheckSeconds > 3600)
        {
            problems.Add($"{SectionName}:{nameof(CheckSeconds)}: {CheckSeconds} is not from 0.05 to 3600");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
