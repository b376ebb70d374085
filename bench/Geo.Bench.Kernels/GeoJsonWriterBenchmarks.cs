using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Geo.Exporters.GeoJson;

namespace Geo.Bench.Kernels;

/// <summary>
/// A SAGE-like feed of 100,000 point features with 25 typed properties (6 strings, 8 integers,
/// 5 reals, 3 booleans, 3 times) written to a sink that only counts bytes: the streaming writer,
/// and as the peer measured in the same run, what one writes without it: a Dictionary-based
/// feature object per feature handed to JsonSerializer.Serialize.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class GeoJsonWriterBenchmarks
{
    private const int Features = 100_000;

    private static readonly string[] StringNames = ["category", "verification", "precision", "community_id", "base_id", "summary"];
    private static readonly string[] IntegerNames = ["severity", "affected_female", "affected_male", "affected_unknown", "children", "youth", "adults", "older"];
    private static readonly string[] RealNames = ["intensity", "distance_km", "risk", "coverage", "score"];
    private static readonly string[] BooleanNames = ["idps", "refugees", "disabilities"];
    private static readonly string[] TimeNames = ["observed_at", "reported_at", "verified_at"];

    private static readonly JsonEncodedText[] StringKeys = Encode(StringNames);
    private static readonly JsonEncodedText[] IntegerKeys = Encode(IntegerNames);
    private static readonly JsonEncodedText[] RealKeys = Encode(RealNames);
    private static readonly JsonEncodedText[] BooleanKeys = Encode(BooleanNames);
    private static readonly JsonEncodedText[] TimeKeys = Encode(TimeNames);

    private static readonly string[] Categories = ["threat_of_physical_violence", "armed_group_movement", "displacement", "early_warning_alert", "community_engagement"];

    private double[] _longitudes = [];
    private double[] _latitudes = [];
    private string[][] _strings = [];
    private long[][] _integers = [];
    private double[][] _reals = [];
    private bool[][] _booleans = [];
    private DateTimeOffset?[][] _times = [];
    private long _bytes;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7946);
        _longitudes = new double[Features];
        _latitudes = new double[Features];
        _strings = new string[Features][];
        _integers = new long[Features][];
        _reals = new double[Features][];
        _booleans = new bool[Features][];
        _times = new DateTimeOffset?[Features][];
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < Features; i++)
        {
            _longitudes[i] = 27.2 + (random.NextDouble() * 3.6);
            _latitudes[i] = -2.3 + (random.NextDouble() * 3.6);
            _strings[i] =
            [
                Categories[random.Next(Categories.Length)], i % 3 == 0 ? "verified" : "reported", "village",
                $"community-{random.Next(5000)}", $"base-{random.Next(200)}", $"Observation {i}: movement reported near the market, situation calm",
            ];
            _integers[i] = [.. Enumerable.Range(0, IntegerNames.Length).Select(k => (long)random.Next(k == 0 ? 6 : 400))];
            _reals[i] = [.. Enumerable.Range(0, RealNames.Length).Select(_ => Math.Round(random.NextDouble() * 100, random.Next(0, 8)))];
            _booleans[i] = [.. Enumerable.Range(0, BooleanNames.Length).Select(_ => random.Next(2) == 0)];
            var observed = start.AddSeconds(random.Next(0, 365 * 86400));
            _times[i] = [observed, observed.AddMinutes(random.Next(1, 600)), i % 3 == 0 ? observed.AddDays(1) : null];
        }
    }

    [Benchmark(Description = "GeoJsonWriter: 100,000 point features, 25 properties")]
    public async Task<long> Streaming()
    {
        _bytes = 0;
        await using var writer = new GeoJsonWriter(CountAsync);
        writer.BeginFeatureCollection();
        for (var i = 0; i < Features; i++)
        {
            writer.BeginFeature(i);
            writer.WritePoint(_longitudes[i], _latitudes[i]);
            writer.BeginProperties();
            var strings = _strings[i];
            for (var k = 0; k < strings.Length; k++)
            {
                writer.String(StringKeys[k], strings[k]);
            }

            var integers = _integers[i];
            for (var k = 0; k < integers.Length; k++)
            {
                writer.Number(IntegerKeys[k], integers[k]);
            }

            var reals = _reals[i];
            for (var k = 0; k < reals.Length; k++)
            {
                writer.Number(RealKeys[k], reals[k]);
            }

            var booleans = _booleans[i];
            for (var k = 0; k < booleans.Length; k++)
            {
                writer.Boolean(BooleanKeys[k], booleans[k]);
            }

            var times = _times[i];
            for (var k = 0; k < times.Length; k++)
            {
                writer.Time(TimeKeys[k], times[k]);
            }

            writer.EndProperties();
            writer.EndFeature();
            await writer.FlushIfFullAsync(CancellationToken.None);
        }

        writer.EndFeatureCollection(json => json.WriteNumber("total", Features));
        await writer.FlushAsync(CancellationToken.None);
        return _bytes;
    }

    [Benchmark(Baseline = true, Description = "peer: JsonSerializer.Serialize of a Dictionary feature per feature")]
    public long Naive()
    {
        using var output = new CountingStream();
        output.Write("""{"type":"FeatureCollection","features":["""u8);
        for (var i = 0; i < Features; i++)
        {
            if (i > 0)
            {
                output.WriteByte((byte)',');
            }

            var properties = new Dictionary<string, object?>(25);
            for (var k = 0; k < StringNames.Length; k++)
            {
                properties[StringNames[k]] = _strings[i][k];
            }

            for (var k = 0; k < IntegerNames.Length; k++)
            {
                properties[IntegerNames[k]] = _integers[i][k];
            }

            for (var k = 0; k < RealNames.Length; k++)
            {
                properties[RealNames[k]] = _reals[i][k];
            }

            for (var k = 0; k < BooleanNames.Length; k++)
            {
                properties[BooleanNames[k]] = _booleans[i][k];
            }

            for (var k = 0; k < TimeNames.Length; k++)
            {
                properties[TimeNames[k]] = _times[i][k]?.UtcDateTime;
            }

            var feature = new Dictionary<string, object?>
            {
                ["type"] = "Feature",
                ["id"] = i,
                ["geometry"] = new Dictionary<string, object?> { ["type"] = "Point", ["coordinates"] = new[] { Math.Round(_longitudes[i], 6), Math.Round(_latitudes[i], 6) } },
                ["properties"] = properties,
            };
            JsonSerializer.Serialize(output, feature);
        }

        output.Write(Encoding.UTF8.GetBytes($"],\"total\":{Features}}}"));
        return output.Length;
    }

    private static JsonEncodedText[] Encode(string[] names) => [.. names.Select(n => JsonEncodedText.Encode(n))];

    private ValueTask CountAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        _bytes += bytes.Length;
        return ValueTask.CompletedTask;
    }

    /// <summary>Discards what is written and keeps its length.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

        public override void WriteByte(byte value) => _length++;
    }
}
