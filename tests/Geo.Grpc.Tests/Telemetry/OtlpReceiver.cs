using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Geo.Grpc.Tests.Telemetry;

/// <summary>
/// A collector as small as a test needs: OTLP/HTTP with protobuf bodies, POST /v1/traces and
/// /v1/metrics, every request kept as it came. The payloads are read with <see cref="OtlpPayload"/>.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<byte[]> _traces = new();
    private readonly ConcurrentQueue<byte[]> _metrics = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base address, as OTEL_EXPORTER_OTLP_ENDPOINT takes it.</summary>
    public Uri Endpoint => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    public IReadOnlyList<byte[]> Traces => [.. _traces];

    public IReadOnlyList<byte[]> Metrics => [.. _metrics];

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var receiver = new OtlpReceiver(builder.Build());
        receiver._app.MapPost("/v1/traces", http => ReceiveAsync(http, receiver._traces));
        receiver._app.MapPost("/v1/metrics", http => ReceiveAsync(http, receiver._metrics));
        await receiver._app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task ReceiveAsync(HttpContext http, ConcurrentQueue<byte[]> into)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        into.Enqueue(body.ToArray());
        // An empty Export*ServiceResponse: everything accepted.
        http.Response.ContentType = "application/x-protobuf";
        http.Response.StatusCode = StatusCodes.Status200OK;
    }
}

/// <summary>
/// What a test reads of OTLP payloads, walked field by field on the protobuf wire (the OTLP
/// protos are not compiled here): spans with their scope, trace id and attributes, and metric names.
/// </summary>
internal static class OtlpPayload
{
    public sealed record Span(string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes)
    {
        public override string ToString() => $"{Scope}: {Name} trace {TraceId} [{string.Join(", ", Attributes.Select(a => $"{a.Key}={a.Value}"))}]";
    }

    /// <summary>ExportTraceServiceRequest: resource_spans(1) / scope_spans(2) / scope(1).name(1) and spans(2).</summary>
    public static List<Span> Spans(byte[] request)
    {
        var spans = new List<Span>();
        foreach (var resourceSpans in Messages(ByteString.CopyFrom(request), 1))
        {
            foreach (var scopeSpans in Messages(resourceSpans, 2))
            {
                var scope = Messages(scopeSpans, 1).Select(s => Text(s, 1)).FirstOrDefault() ?? string.Empty;
                foreach (var span in Messages(scopeSpans, 2))
                {
                    var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var pair in Messages(span, 9))
                    {
                        attributes[Text(pair, 1)] = Messages(pair, 2).Select(AnyValue).FirstOrDefault() ?? string.Empty;
                    }

                    spans.Add(new Span(scope, Hex(span, 1), Hex(span, 2), Hex(span, 4), Text(span, 5), attributes));
                }
            }
        }

        return spans;
    }

    /// <summary>ExportMetricsServiceRequest: resource_metrics(1) / scope_metrics(2) / scope(1).name(1) and metrics(2).name(1), as "scope/name".</summary>
    public static List<string> MetricNames(byte[] request) =>
        [.. from resourceMetrics in Messages(ByteString.CopyFrom(request), 1)
            from scopeMetrics in Messages(resourceMetrics, 2)
            let scope = Messages(scopeMetrics, 1).Select(s => Text(s, 1)).FirstOrDefault() ?? string.Empty
            from metric in Messages(scopeMetrics, 2)
            select $"{scope}/{Text(metric, 1)}"];

    /// <summary>AnyValue: string_value(1), bool_value(2), int_value(3); others as empty.</summary>
    private static string AnyValue(ByteString value)
    {
        var input = new CodedInputStream(value.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: return input.ReadString();
                case 2: return input.ReadBool() ? "true" : "false";
                case 3: return input.ReadInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
                default: input.SkipLastField(); break;
            }
        }

        return string.Empty;
    }

    private static string Text(ByteString message, int field) => Messages(message, field).FirstOrDefault()?.ToStringUtf8() ?? string.Empty;

    private static string Hex(ByteString message, int field) => Convert.ToHexStringLower(Messages(message, field).FirstOrDefault()?.ToByteArray() ?? []);

    /// <summary>Every length-delimited field numbered <paramref name="field"/> (sub-messages, strings, bytes), in order.</summary>
    private static List<ByteString> Messages(ByteString message, int field)
    {
        var found = new List<ByteString>();
        var input = new CodedInputStream(message.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                found.Add(input.ReadBytes());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return found;
    }
}
