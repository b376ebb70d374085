using System.Diagnostics;
using System.Diagnostics.Metrics;
using Geo.Grpc.Api;
using Geo.Storage.Feeds;
using Npgsql;

namespace Geo.Grpc.Telemetry;

/// <summary>
/// The service's own instruments, on the one meter <see cref="MeterName"/>: gRPC calls by method
/// and status with their durations (recorded by <see cref="GrpcCallMetrics"/> alone), observation
/// rows ingested (recorded by the ingest handlers), and the feed's lag (read from the database when a
/// reader collects). Names, units and labels are the README's "Observability" table.
/// </summary>
internal sealed class GeoAwarenessMetrics
{
    public const string MeterName = "GeoAwareness";

    /// <summary>Label of the full gRPC method path, as Grpc.AspNetCore tags the request's span.</summary>
    public const string MethodLabel = "grpc.method";

    /// <summary>Label of the status a call ended with, spelled as the spec does (OK, NOT_FOUND).</summary>
    public const string StatusLabel = "grpc.status";

    /// <summary>Label of what became of an ingested row: stored, or already stored (a retry, changing nothing).</summary>
    public const string OutcomeLabel = "outcome";

    private static readonly TimeSpan LagQueryTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Seconds, from a cheap unary read to a feed or heat map streamed up to the call budget:
    /// the SDK's default boundaries are for milliseconds and would put every call in the first bucket.
    /// </summary>
    private static readonly double[] DurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    private readonly Counter<long> _calls;
    private readonly Histogram<double> _durations;
    private readonly Counter<long> _ingested;
    private readonly ObservationFeed _feed;
    private readonly ILogger<GeoAwarenessMetrics> _logger;
    private readonly Counter<long> _webhookDeliveries;

    public GeoAwarenessMetrics(IMeterFactory meters, ObservationFeed feed, ILogger<GeoAwarenessMetrics> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _feed = feed;
        _logger = logger;
        var meter = meters.Create(MeterName);
        _calls = meter.CreateCounter<long>("geoawareness.calls", "{call}", "gRPC calls ended, by method and status");
        _durations = meter.CreateHistogram(
            "geoawareness.call.duration", "s", "How long gRPC calls took, from its endpoint's start to its end, by method and status",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _ingested = meter.CreateCounter<long>("geoawareness.ingest.rows", "{row}", "Observation rows the ingest calls (Submit, Ingest) committed or found already stored, by method and outcome");
        _webhookDeliveries = meter.CreateCounter<long>("geoawareness.webhook.deliveries", "{attempt}", "Attempts to deliver a webhook event, by outcome (delivered, failed)");
        meter.CreateObservableGauge(
            "geoawareness.feed.lag", ReadFeedLag, "s",
            "How long the oldest committed change to an observation has waited to become deliverable by the feeds; 0 when none waits");
    }

    /// <summary>A gRPC call ended with <paramref name="status"/>, <paramref name="startedAt"/> being its <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public void CallEnded(string method, StatusCode status, long startedAt)
    {
        var labels = new TagList { { MethodLabel, method }, { StatusLabel, StatusNames.Of(status) } };
        _calls.Add(1, labels);
        _durations.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, labels);
    }

    /// <summary>Rows of one ingest call, committed (<paramref name="stored"/>) or found stored already with the same content.</summary>
    public void Ingested(string method, long stored, long alreadyStored)
    {
        if (stored > 0)
        {
            _ingested.Add(stored, new TagList { { MethodLabel, method }, { OutcomeLabel, "stored" } });
        }

        if (alreadyStored > 0)
        {
            _ingested.Add(alreadyStored, new TagList { { MethodLabel, method }, { OutcomeLabel, "already_stored" } });
        }
    }

    /// <summary>One attempt to deliver a webhook event.</summary>
    public void WebhookAttempted(bool delivered) => _webhookDeliveries.Add(1, new TagList { { OutcomeLabel, delivered ? "delivered" : "failed" } });

    /// <summary>Nothing when the database cannot say: a gap in the series is honest, a zero would not be.</summary>
    private IEnumerable<Measurement<double>> ReadFeedLag()
    {
        double lag;
        try
        {
            lag = _feed.ReadLagSeconds(LagQueryTimeout);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            TelemetryLog.FeedLagUnreadable(_logger, e.Message);
            return [];
        }

        return [new Measurement<double>(lag)];
    }
}
