namespace Geo.Grpc.Api;

/// <summary>When an observation may leave the service (configuration section <c>GeoAwareness:Release</c>).</summary>
public sealed class ReleaseOptions
{
    public const string SectionName = "GeoAwareness:Release";

    /// <summary>
    /// Whether a supervisor's verification releases the observation for export as well (with no
    /// summary until one is released); when off, only Observations.Release does.
    /// </summary>
    public bool OnVerification { get; set; } = true;
}
