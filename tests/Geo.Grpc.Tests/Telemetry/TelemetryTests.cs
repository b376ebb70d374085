using System.Net;
using System.Net.Http.Headers;
using Geo.Api;
using Geo.Api.V1;
using Geo.Grpc.Hosting;
using Geo.Grpc.Telemetry;
using Geo.Grpc.Tests.Api;
using Geo.Grpc.Tests.Hosting;
using Geo.Testing;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Telemetry;

/// <summary>
/// What operators read: OTLP traces and metrics sent to a collector, and GET /metrics. The service
/// runs as its own process here (the executable, as an operator starts it): metrics listen to every
/// meter of one name in a process, so in-process services beside this one would add their calls.
/// </summary>
public sealed class TelemetryTests : IAsyncLifetime
{
    private const string Submit = "/geoawareness.v1.Observations/Submit";
    private const string Ingest = "/geoawareness.v1.Observations/Ingest";
    private const string Get = "/geoawareness.v1.Observations/Get";

    private readonly PostgisDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Otlp_EndpointInTheEnvironment_ExportsTheCallsSpanWithItsDatabaseSpansAndTheMetrics()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var service = ServiceProcess.StartWithEnvironment(
            new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint.ToString(),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            },
            $"--ConnectionStrings:GeoAwareness={_database.ConnectionString}");
        await service.WaitUntilReadyAsync();
        using (var supervisor = await ClientAsync(service, Role.Supervisor))
        {
            await supervisor.Observations.SubmitAsync(new SubmitObservationsRequest { Observations = { ApiFixture.NewObservation("otlp-1") } });
        }

        // Stopping flushes every span and the last metrics to the collector before the process ends.
        Assert.Equal(0, await service.TerminateAsync());

        var spans = collector.Traces.SelectMany(OtlpPayload.Spans).ToList();
        var all = string.Join("\n", spans);
        var call = spans.Where(s => s.Attributes.GetValueOrDefault("grpc.method") == Submit).ToList();
        Assert.True(call.Count == 1, $"one server span of {Submit} expected among:\n{all}");
        Assert.Equal("0", call[0].Attributes.GetValueOrDefault("grpc.status_code"));
        var database = spans.Where(s => s.Scope == "Npgsql" && s.TraceId == call[0].TraceId).ToList();
        Assert.True(database.Count > 0, $"no Npgsql span in the trace of {Submit} among:\n{all}");
        Assert.All(database, span => Assert.Equal("postgresql", span.Attributes.GetValueOrDefault("db.system.name")));
        // Commands outside any request (the readiness probe, the revocation listener) start no trace of their own.
        Assert.All(spans.Where(s => s.Scope == "Npgsql"), span => Assert.NotEqual(string.Empty, span.ParentSpanId));
        var metrics = collector.Metrics.SelectMany(OtlpPayload.MetricNames).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("GeoAwareness/geoawareness.calls", metrics);
        Assert.Contains("GeoAwareness/geoawareness.call.duration", metrics);
        Assert.Contains("Microsoft.AspNetCore.Hosting/http.server.request.duration", metrics);
    }

    [Fact]
    public async Task Metrics_AfterCalls_CountCallsByMethodAndStatusAndRowsIngested_ForAnAdministratorOnly()
    {
        await using var service = ServiceProcess.Start($"--ConnectionStrings:GeoAwareness={_database.ConnectionString}");
        await service.WaitUntilReadyAsync();
        using (var supervisor = await ClientAsync(service, Role.Supervisor))
        {
            var batch = new SubmitObservationsRequest { Observations = { ApiFixture.NewObservation("metrics-1"), ApiFixture.NewObservation("metrics-2"), ApiFixture.NewObservation("metrics-3") } };
            await supervisor.Observations.SubmitAsync(batch);
            await supervisor.Observations.SubmitAsync(batch);
            using (var ingest = supervisor.Observations.Ingest())
            {
                await ingest.RequestStream.WriteAsync(new IngestRequest { Observations = { ApiFixture.NewObservation("metrics-4"), ApiFixture.NewObservation("metrics-5") } });
                await ingest.RequestStream.CompleteAsync();
                Assert.Equal(2, (await ingest).Stored);
            }

            await ApiFixture.FailsWith(StatusCode.NotFound, () => supervisor.Observations.GetAsync(new GetObservationRequest { Id = "obs-none" }).ResponseAsync);
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{service.HttpPort}") };
        using var anonymous = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        using var analyst = await ScrapeAsync(http, await TokenAsync(Role.Analyst));
        using var administrator = await ScrapeAsync(http, await TokenAsync(Role.Administrator));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, analyst.StatusCode);
        Assert.Equal(HttpStatusCode.OK, administrator.StatusCode);
        Assert.Equal("text/plain", administrator.Content.Headers.ContentType?.MediaType);
        var samples = PrometheusText.Parse(await administrator.Content.ReadAsStringAsync());
        Assert.Equal(2, Calls(samples, Submit, "OK"));
        Assert.Equal(1, Calls(samples, Ingest, "OK"));
        Assert.Equal(1, Calls(samples, Get, "NOT_FOUND"));
        Assert.Null(Calls(samples, Get, "OK"));
        Assert.Equal(2, PrometheusText.Value(samples, "geoawareness_call_duration_seconds_count", ("grpc_method", Submit), ("grpc_status", "OK")));
        Assert.Equal(3, Rows(samples, Submit, "stored"));
        Assert.Equal(3, Rows(samples, Submit, "already_stored"));
        Assert.Equal(2, Rows(samples, Ingest, "stored"));
        Assert.Null(Rows(samples, Ingest, "already_stored"));
        Assert.True(PrometheusText.Value(samples, "geoawareness_feed_lag_seconds") >= 0, "the feed lag is missing or negative");
        Assert.True(PrometheusText.Value(samples, "geoawareness_read_model_observations") >= 0, "the read model's rows are missing");
        Assert.True(PrometheusText.Value(samples, "geoawareness_read_model_size_bytes") > 0, "the read model's size is missing or 0");
        Assert.Contains(samples, s => s.Name == "http_server_request_duration_seconds_count");
        Assert.Equal(0, await service.TerminateAsync());
    }

    [Fact]
    public void OtlpTarget_OurSettingOverHttp_WinsOverTheVariableAndGetsEachSignalsPath()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GeoAwareness:Telemetry:OtlpEndpoint"] = "http://collector.mission:4318/otlp/",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://elsewhere:4317",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        }).Build();
        var traces = new OtlpExporterOptions();

        OtlpTarget.From(configuration)!.Apply(traces, "v1/traces");

        Assert.Equal(OtlpExportProtocol.HttpProtobuf, traces.Protocol);
        Assert.Equal(new Uri("http://collector.mission:4318/otlp/v1/traces"), traces.Endpoint);
    }

    [Theory]
    [InlineData("GeoAwareness:Telemetry:OtlpEndpoint", "collector:4317", "GeoAwareness:Telemetry:OtlpEndpoint 'collector:4317' is not an http:// or https:// address")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector", "OTEL_EXPORTER_OTLP_ENDPOINT 'ftp://collector' is not an http:// or https:// address")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "OTEL_EXPORTER_OTLP_PROTOCOL 'http/json' is not one the exporter speaks")]
    public void OtlpTarget_Malformed_StopsTheStartUpNamingTheSetting(string name, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4317", [name] = value };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        var error = Assert.Throws<StartupException>(() => OtlpTarget.From(configuration));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtlpTarget_NoEndpoint_IsOff()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc" }).Build();

        Assert.Null(OtlpTarget.From(configuration));
    }

    private static double? Calls(List<PrometheusText.Sample> samples, string method, string status) =>
        PrometheusText.Value(samples, "geoawareness_calls_total", ("grpc_method", method), ("grpc_status", status));

    private static double? Rows(List<PrometheusText.Sample> samples, string method, string outcome) =>
        PrometheusText.Value(samples, "geoawareness_ingest_rows_total", ("grpc_method", method), ("outcome", outcome));

    private static async Task<HttpResponseMessage> ScrapeAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    private Task<string> TokenAsync(Role role) => TestTokens.IssueAsync(_database.DataSource, role, ApiFixture.SubjectOf(role));

    private async Task<GeoAwarenessClient> ClientAsync(ServiceProcess service, Role role) =>
        new(new Uri($"http://127.0.0.1:{service.GrpcPort}"), await TokenAsync(role));
}
