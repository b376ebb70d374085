using Geo.Core.Domain;

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

    internal ObservationLimits ObservationLimits => new() { MaxClockSkew = TimeSpan.FromSeconds(MaxClockSkewSeconds) };

    internal QueryLimits QueryLimits => new()
    {
        MaxAreaSquareKilometres = MaxQueryAreaSquareKilometres,
        MaxRadiusMetres = MaxRadiusMetres,
        DefaultPageSize = DefaultPageSize,
        MaxPageSize = MaxPageSize,
    };
}
