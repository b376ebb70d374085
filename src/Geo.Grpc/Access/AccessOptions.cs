namespace Geo.Grpc.Access;

/// <summary>Authentication settings (configuration section <c>GeoAwareness:Auth</c>).</summary>
public sealed class AccessOptions
{
    public const string SectionName = "GeoAwareness:Auth";

    /// <summary>Every call needs a token. Off only for benchmarks that measure the cost of authorisation.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Health (gRPC and HTTP) answers without a token.</summary>
    public bool OpenHealth { get; set; }

    /// <summary>GET /metrics answers without a token (for a Prometheus inside the mission's network); otherwise it needs an administrator's.</summary>
    public bool OpenMetrics { get; set; }

    /// <summary>Server reflection answers without a token (development; keep it closed in production).</summary>
    public bool OpenReflection { get; set; }

    /// <summary>Sustained calls per second allowed to one token; above it, RESOURCE_EXHAUSTED.</summary>
    public double RequestsPerSecondPerToken { get; set; } = 500;

    /// <summary>Calls one token may make in a burst above the sustained rate.</summary>
    public double BurstPerToken { get; set; } = 1000;

    /// <summary>
    /// How long a verified token is trusted before it is read again. Revocations and sector
    /// changes are heard at once through the database (migration 0006); this bounds staleness
    /// only while that notification channel is down.
    /// </summary>
    public int TokenCacheSeconds { get; set; } = 5;
}
