using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Geo.Api.V1;
using Geo.Grpc.Telemetry;
using Geo.Grpc.Tests.Api;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;
using Role = Geo.Core.Access.Role;

namespace Geo.Grpc.Tests.Telemetry;

/// <summary>
/// What the GeoAwareness meter records, read in-process by a listener of this service's own meter
/// factory alone (other services of the test run have meters of the same name).
/// </summary>
public sealed class MetricsRecordingTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Calls_RefusedOrFailing_AreCountedWithTheStatusTheCallerGets()
    {
        using var meter = new ServiceMeter(api);

        await ApiFixture.FailsWith(StatusCode.PermissionDenied, () => api.As(Role.Analyst).Observations.SubmitAsync(
            new SubmitObservationsRequest { Observations = { ApiFixture.NewObservation("denied") } }).ResponseAsync);
        await ApiFixture.FailsWith(StatusCode.InvalidArgument, () => api.As(Role.Supervisor).Observations.SubmitAsync(new SubmitObservationsRequest()).ResponseAsync);
        using (var anonymous = new Geo.Api.GeoAwarenessClient(api.Service.GrpcEndpoint))
        {
            await ApiFixture.FailsWith(StatusCode.Unauthenticated, () => anonymous.Observations.CountAsync(new ObservationFilter()).ResponseAsync);
        }

        await api.QueryAllAsync(new ObservationFilter());

        Assert.Equal(1, meter.Calls("/geoawareness.v1.Observations/Submit", "PERMISSION_DENIED"));
        Assert.Equal(1, meter.Calls("/geoawareness.v1.Observations/Submit", "INVALID_ARGUMENT"));
        Assert.Equal(1, meter.Calls("/geoawareness.v1.Observations/Count", "UNAUTHENTICATED"));
        Assert.Equal(1, meter.Calls("/geoawareness.v1.Observations/Query", "OK"));
        Assert.Equal(0, meter.Rows("/geoawareness.v1.Observations/Submit"));
    }

    [Fact]
    public async Task Calls_RefusedBeforeAnyInterceptor_AreCountedWithTheStatusTheCallerGets()
    {
        using var meter = new ServiceMeter(api);
        using var channel = GrpcChannel.ForAddress(api.Service.GrpcEndpoint);
        var garbage = new byte[] { 0xFF, 0xFF, 0xFF };

        // Not a valid message: refused by the decoding marshaller, before access or any handler.
        await ApiFixture.FailsWith(StatusCode.Internal, () => channel.CreateCallInvoker().AsyncUnaryCall(
            RawMethod("geoawareness.v1.Observations", "Count"), null, new CallOptions(), garbage).ResponseAsync);
        // No such method: Grpc.AspNetCore's own answer, counted under one label whatever the path.
        await ApiFixture.FailsWith(StatusCode.Unimplemented, () => channel.CreateCallInvoker().AsyncUnaryCall(
            RawMethod("geoawareness.v1.Observations", "NoSuchMethod"), null, new CallOptions(), garbage).ResponseAsync);

        Assert.Equal(1, meter.Calls("/geoawareness.v1.Observations/Count", "INTERNAL"));
        Assert.Equal(1, meter.Calls(GrpcCallMetrics.OtherMethod, "UNIMPLEMENTED"));
        Assert.Equal(0, meter.Calls("/geoawareness.v1.Observations/NoSuchMethod", "UNIMPLEMENTED"));
    }

    private static Method<byte[], byte[]> RawMethod(string service, string name) =>
        new(MethodType.Unary, service, name, Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));

    [Fact]
    public async Task FeedLag_WhileAnOlderTransactionRuns_CountsTheWaitOfTheChangeCommittedAfterIt()
    {
        using var meter = new ServiceMeter(api);
        await using var connection = await api.Database.DataSource.OpenConnectionAsync();
        await using var holding = await connection.BeginTransactionAsync();
        await using (var xid = new NpgsqlCommand("SELECT pg_current_xact_id()", connection, holding))
        {
            // An id of its own: from now on every later commit waits below the feed's watermark.
            await xid.ExecuteScalarAsync();
        }

        await api.SubmitAsync(ApiFixture.NewObservation("lagging"));

        Assert.True(meter.FeedLag() > 0, "a change committed after a running transaction shows no lag");
        Assert.Equal(1, meter.Rows("/geoawareness.v1.Observations/Submit"));
    }

    /// <summary>The measurements of the instruments of <see cref="GeoAwarenessMetrics.MeterName"/> made by this service's meter factory.</summary>
    private sealed class ServiceMeter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, string?> Labels)> _measurements = new();

        public ServiceMeter(ApiFixture api)
        {
            var factory = api.Service.App.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Meter.Name == GeoAwarenessMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.Start();
        }

        public double Calls(string method, string status) => Sum("geoawareness.calls", (GeoAwarenessMetrics.MethodLabel, method), (GeoAwarenessMetrics.StatusLabel, status));

        public double Rows(string method) => Sum("geoawareness.ingest.rows", (GeoAwarenessMetrics.MethodLabel, method));

        public double FeedLag()
        {
            _listener.RecordObservableInstruments();
            return _measurements.Last(m => m.Instrument == "geoawareness.feed.lag").Value;
        }

        public void Dispose() => _listener.Dispose();

        private double Sum(string instrument, params (string Name, string Value)[] labels) =>
            _measurements.Where(m => m.Instrument == instrument && labels.All(l => m.Labels.GetValueOrDefault(l.Name) == l.Value)).Sum(m => m.Value);

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                labels[tag.Key] = tag.Value?.ToString();
            }

            _measurements.Enqueue((instrument.Name, value, labels));
        }
    }
}
