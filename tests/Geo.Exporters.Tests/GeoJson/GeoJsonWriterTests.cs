using System.Text;
using System.Text.Json;
using Geo.Core.Spatial;
using Geo.Exporters.GeoJson;
using NetTopologySuite.Geometries;
using Xunit;

namespace Geo.Exporters.Tests.GeoJson;

public sealed class GeoJsonWriterTests
{
    private static readonly JsonEncodedText Count = JsonEncodedText.Encode("count");
    private static readonly JsonEncodedText Mean = JsonEncodedText.Encode("mean");
    private static readonly JsonEncodedText Category = JsonEncodedText.Encode("category");
    private static readonly JsonEncodedText Verified = JsonEncodedText.Encode("verified");
    private static readonly JsonEncodedText ObservedAt = JsonEncodedText.Encode("observed_at");

    [Fact]
    public async Task Write_PointFeatures_IsAFeatureCollectionWithBboxAndForeignMembers()
    {
        var text = await WriteAsync(writer =>
        {
            writer.BeginFeatureCollection();
            writer.BeginFeature("obs-1");
            writer.WritePoint(29.2, -1.6000004);
            writer.BeginProperties();
            writer.Number(Count, 3);
            writer.EndProperties();
            writer.EndFeature();
            writer.BeginFeature(2);
            writer.WritePoint(30.5, 1.25);
            writer.BeginProperties();
            writer.EndProperties();
            writer.EndFeature();
            writer.EndFeatureCollection(json =>
            {
                json.WriteNumber("total", 2);
                json.WriteString("next_cursor", "abc");
            });
        });

        Assert.Equal(
            """{"type":"FeatureCollection","features":[""" +
            """{"type":"Feature","id":"obs-1","geometry":{"type":"Point","coordinates":[29.2,-1.6]},"properties":{"count":3}},""" +
            """{"type":"Feature","id":2,"geometry":{"type":"Point","coordinates":[30.5,1.25]},"properties":{}}""" +
            """],"bbox":[29.2,-1.6,30.5,1.25],"total":2,"next_cursor":"abc"}""",
            text);
    }

    [Fact]
    public async Task Properties_EveryKind_AreTypedJsonValues()
    {
        var observed = new DateTimeOffset(2026, 3, 4, 7, 6, 7, TimeSpan.FromHours(2));
        var text = await WriteOneFeatureAsync(writer =>
        {
            writer.String(Category, "threat \"armed\" à Béni");
            writer.Number(Count, 5_000_000_000L);
            writer.Number(Mean, 3.0);
            writer.Boolean(Verified, true);
            writer.Time(ObservedAt, observed);
            writer.Time("responded_at", observed.AddTicks(5_000_000));
            writer.Time("closed_at", null);
            writer.Number("nan", double.NaN);
            writer.Number("infinite", double.PositiveInfinity);
            writer.Number("tiny", 1e-7);
            writer.Number("no_count", (long?)null);
            writer.Number("some_count", (long?)7);
            writer.Number("no_mean", (double?)null);
            writer.String("no_text", null);
            writer.Null("nothing");
        });

        Assert.Contains("\"mean\":3.0,", text, StringComparison.Ordinal);
        Assert.Contains("à Béni", text, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(text);
        var properties = document.RootElement.GetProperty("features")[0].GetProperty("properties");
        Assert.Equal("threat \"armed\" à Béni", properties.GetProperty("category").GetString());
        Assert.Equal(5_000_000_000L, properties.GetProperty("count").GetInt64());
        Assert.Equal(JsonValueKind.Number, properties.GetProperty("mean").ValueKind);
        Assert.Equal(JsonValueKind.True, properties.GetProperty("verified").ValueKind);
        Assert.Equal("2026-03-04T05:06:07Z", properties.GetProperty("observed_at").GetString());
        Assert.Equal("2026-03-04T05:06:07.5Z", properties.GetProperty("responded_at").GetString());
        Assert.Equal(1e-7, properties.GetProperty("tiny").GetDouble());
        Assert.Equal(7, properties.GetProperty("some_count").GetInt64());
        foreach (var name in new[] { "closed_at", "nan", "infinite", "no_count", "no_mean", "no_text", "nothing" })
        {
            Assert.Equal(JsonValueKind.Null, properties.GetProperty(name).ValueKind);
        }
    }

    [Fact]
    public async Task WriteGeometry_Polygons_AreOrientedRoundedAndInTheBbox()
    {
        var text = await WriteAsync(writer =>
        {
            writer.BeginFeatureCollection();
            writer.BeginFeature(1);
            writer.WriteGeometry(Read("POLYGON((0 0, 0 1.00000049, 1 1, 1 0, 0 0))"));
            writer.EndFeature();
            writer.BeginFeature(2);
            writer.WriteGeometry(Read("POLYGON((179.5 -2, -179.5 -2, -179.5 1, 179.5 1, 179.5 -2))"));
            writer.EndFeature();
            writer.EndFeatureCollection();
        });

        using var document = JsonDocument.Parse(text);
        var features = document.RootElement.GetProperty("features");
        Assert.Equal("[[[0,0],[1,0],[1,1],[0,1],[0,0]]]", features[0].GetProperty("geometry").GetProperty("coordinates").GetRawText());
        Assert.Equal(JsonValueKind.Null, features[0].GetProperty("properties").ValueKind);
        var split = features[1].GetProperty("geometry");
        Assert.Equal("MultiPolygon", split.GetProperty("type").GetString());
        Assert.Equal(2, split.GetProperty("coordinates").GetArrayLength());
        Assert.Equal("[-180,-2,180,1]", document.RootElement.GetProperty("bbox").GetRawText());
    }

    [Fact]
    public async Task WriteGeometry_EveryGeometryType_IsWritten()
    {
        var wkts = new[]
        {
            "POINT(1 2)", "MULTIPOINT((1 2), (3 4))", "LINESTRING(1 2, 3 4)", "MULTILINESTRING((1 2, 3 4), (5 6, 7 8))",
            "POLYGON((0 0, 1 0, 1 1, 0 0))", "MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))",
            "GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(1 2, 3 4))",
        };
        var text = await WriteAsync(writer =>
        {
            writer.BeginFeatureCollection();
            foreach (var wkt in wkts)
            {
                writer.BeginFeature(wkt);
                writer.WriteGeometry(Read(wkt));
                writer.EndFeature();
            }

            writer.EndFeatureCollection();
        });

        using var document = JsonDocument.Parse(text);
        var features = document.RootElement.GetProperty("features");
        Assert.Equal(wkts.Select(w => Read(w).GeometryType), features.EnumerateArray().Select(f => f.GetProperty("geometry").GetProperty("type").GetString()));
        Assert.Equal("[[1,2],[3,4]]", features[1].GetProperty("geometry").GetProperty("coordinates").GetRawText());
        Assert.Equal(2, features[6].GetProperty("geometry").GetProperty("geometries").GetArrayLength());
    }

    [Fact]
    public async Task WriteGeometry_NullOrEmpty_IsNullAndLeavesNoBbox()
    {
        var text = await WriteAsync(writer =>
        {
            writer.BeginFeatureCollection();
            writer.BeginFeature(1);
            writer.WriteGeometry(null);
            writer.EndFeature();
            writer.BeginFeature(2);
            writer.WriteGeometry(Read("POLYGON EMPTY"));
            writer.EndFeature();
            writer.BeginFeature(3);
            writer.EndFeature();
            writer.EndFeatureCollection();
        });

        Assert.Equal(
            """{"type":"FeatureCollection","features":[""" +
            """{"type":"Feature","id":1,"geometry":null,"properties":null},""" +
            """{"type":"Feature","id":2,"geometry":null,"properties":null},""" +
            """{"type":"Feature","id":3,"geometry":null,"properties":null}]}""",
            text);
    }

    [Fact]
    public async Task Bounds_AndFeatureCount_FollowWhatWasWritten()
    {
        await using var writer = new GeoJsonWriter((_, _) => ValueTask.CompletedTask);
        writer.BeginFeatureCollection();
        Assert.Null(writer.Bounds);
        writer.BeginFeature(1);
        writer.WritePoint(190, 5);
        writer.EndFeature();
        writer.BeginFeature(2);
        writer.WriteGeometry(Read("LINESTRING(-100 -20, -90 -10)"));
        writer.EndFeature();

        Assert.Equal(2, writer.FeatureCount);
        Assert.Equal(new Envelope(-170, -90, -20, 5), writer.Bounds);
    }

    [Theory]
    [InlineData(double.NaN, 0.0, "longitude NaN is not a finite number")]
    [InlineData(0.0, double.PositiveInfinity, "latitude Infinity is not a finite number")]
    [InlineData(10.0, 90.5, "latitude 90.5 is outside -90..90")]
    public async Task WritePoint_BadCoordinate_ThrowsArgumentExceptionNamingIt(double longitude, double latitude, string expected)
    {
        await using var writer = new GeoJsonWriter((_, _) => ValueTask.CompletedTask);
        writer.BeginFeatureCollection();
        writer.BeginFeature(1);

        var error = Assert.Throws<ArgumentException>(() => writer.WritePoint(longitude, latitude));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteGeometry_LatitudeOutOfRange_ThrowsArgumentExceptionNamingIt()
    {
        await using var writer = new GeoJsonWriter((_, _) => ValueTask.CompletedTask);
        writer.BeginFeatureCollection();
        writer.BeginFeature(1);

        var error = Assert.Throws<ArgumentException>(() => writer.WriteGeometry(Read("POLYGON((0 0, 1 0, 1 95, 0 0))")));

        Assert.Contains("latitude 95 outside -90..90", error.Message, StringComparison.Ordinal);
        Assert.Equal("geometry", error.ParamName);
    }

    [Fact]
    public async Task WriteGeometry_Refused_LeavesTheFeatureOpenForAnother()
    {
        var text = await WriteAsync(writer =>
        {
            writer.BeginFeatureCollection();
            writer.BeginFeature(1);
            Assert.Throws<ArgumentException>(() => writer.WriteGeometry(Read("POINT(0 91)")));
            Assert.Throws<ArgumentException>(() => writer.WritePoint(0, -91));
            writer.WriteGeometry(null);
            writer.EndFeature();
            writer.EndFeatureCollection();
        });

        Assert.Equal("""{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"geometry":null,"properties":null}]}""", text);
    }

    [Fact]
    public async Task String_QuotesControlsAndBrokenSurrogates_StayValidJson()
    {
        var text = await WriteOneFeatureAsync(writer => writer.String(Category, "a\"b\\c\u0001\u2028 <d> \uD800e"));

        using var document = JsonDocument.Parse(text);
        Assert.Equal("a\"b\\c\u0001\u2028 <d> \uFFFDe", document.RootElement.GetProperty("features")[0].GetProperty("properties").GetProperty("category").GetString());
    }

    public static TheoryData<string, Action<GeoJsonWriter>> OutOfOrder => new()
    {
        { "feature before the collection", w => w.BeginFeature(1) },
        { "end of a feature never begun", w => { w.BeginFeatureCollection(); w.EndFeature(); } },
        { "second collection", w => { w.BeginFeatureCollection(); w.BeginFeatureCollection(); } },
        { "feature inside a feature", w => { w.BeginFeatureCollection(); w.BeginFeature(1); w.BeginFeature(2); } },
        { "point outside a feature", w => { w.BeginFeatureCollection(); w.WritePoint(1, 2); } },
        { "second geometry", w => { w.BeginFeatureCollection(); w.BeginFeature(1); w.WritePoint(1, 2); w.WriteGeometry(null); } },
        { "geometry inside properties", w => { w.BeginFeatureCollection(); w.BeginFeature(1); w.BeginProperties(); w.WritePoint(1, 2); } },
        { "property outside properties", w => { w.BeginFeatureCollection(); w.BeginFeature(1); w.Number(Count, 1); } },
        { "second properties", w => { w.BeginFeatureCollection(); w.BeginFeature(1); w.BeginProperties(); w.EndProperties(); w.BeginProperties(); } },
        { "end of a feature with properties open", w => { w.BeginFeatureCollection(); w.BeginFeature(1); w.BeginProperties(); w.EndFeature(); } },
        { "end of properties never begun", w => { w.BeginFeatureCollection(); w.BeginFeature(1); w.EndProperties(); } },
        { "end of the collection inside a feature", w => { w.BeginFeatureCollection(); w.BeginFeature(1); w.EndFeatureCollection(); } },
        { "feature after the end", w => { w.BeginFeatureCollection(); w.EndFeatureCollection(); w.BeginFeature(1); } },
    };

    [Theory]
    [MemberData(nameof(OutOfOrder))]
    public async Task Members_OutOfOrder_ThrowInvalidOperationException(string scenario, Action<GeoJsonWriter> calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        await using var writer = new GeoJsonWriter((_, _) => ValueTask.CompletedTask);

        var error = Assert.Throws<InvalidOperationException>(() => calls(writer));

        Assert.Contains("cannot be called here", error.Message, StringComparison.Ordinal);
        Assert.NotEmpty(scenario);
    }

    [Fact]
    public async Task FlushIfFull_200000FeaturesToADiscardingSink_KeepsChunksAndBufferNearTheChunkSize()
    {
        const int ChunkBytes = 16 * 1024;
        var largestChunk = 0;
        var chunks = 0;
        var total = 0L;
        await using var writer = new GeoJsonWriter(
            (bytes, _) =>
            {
                largestChunk = Math.Max(largestChunk, bytes.Length);
                chunks++;
                total += bytes.Length;
                return ValueTask.CompletedTask;
            },
            ChunkBytes);
        var initialCapacity = writer.BufferCapacity;
        var time = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        writer.BeginFeatureCollection();
        for (var i = 0; i < 200_000; i++)
        {
            writer.BeginFeature(i);
            writer.WritePoint(27 + (i % 3600 / 1000.0), -2 + (i % 3000 / 1000.0));
            writer.BeginProperties();
            writer.String(Category, "threat_of_physical_violence");
            writer.Number(Count, i);
            writer.Number(Mean, i / 7.0);
            writer.Boolean(Verified, i % 2 == 0);
            writer.Time(ObservedAt, time.AddSeconds(i));
            writer.EndProperties();
            writer.EndFeature();
            await writer.FlushIfFullAsync(CancellationToken.None);
        }

        writer.EndFeatureCollection();
        await writer.FlushAsync(CancellationToken.None);

        Assert.True(total > 200_000 * 100, $"only {total} bytes written");
        Assert.True(chunks > total / (2 * ChunkBytes), $"{chunks} chunks for {total} bytes");
        Assert.InRange(largestChunk, 1, (2 * ChunkBytes) - 1);
        Assert.Equal(initialCapacity, writer.BufferCapacity);
        Assert.InRange(writer.BufferCapacity, ChunkBytes, 4 * ChunkBytes);
    }

    [Fact]
    public async Task FlushIfFull_SmallChunks_ConcatenateToValidJson()
    {
        var output = new MemoryStream();
        var sizes = new List<int>();
        await using var writer = new GeoJsonWriter(
            async (bytes, cancellationToken) =>
            {
                sizes.Add(bytes.Length);
                await output.WriteAsync(bytes, cancellationToken);
            },
            chunkBytes: 1000);

        writer.BeginFeatureCollection();
        for (var i = 0; i < 5000; i++)
        {
            writer.BeginFeature($"f{i}");
            writer.WriteGeometry(Read("POLYGON((0 0, 0 1, 1 1, 0 0))"));
            writer.BeginProperties();
            writer.Number(Count, i);
            writer.EndProperties();
            writer.EndFeature();
            await writer.FlushIfFullAsync(CancellationToken.None);
        }

        writer.EndFeatureCollection();
        await writer.FlushAsync(CancellationToken.None);

        using var document = JsonDocument.Parse(output.ToArray());
        Assert.Equal(5000, document.RootElement.GetProperty("features").GetArrayLength());
        Assert.Equal(4999, document.RootElement.GetProperty("features")[4999].GetProperty("properties").GetProperty("count").GetInt32());
        Assert.True(sizes.Count > 100, $"{sizes.Count} chunks");
        Assert.All(sizes.SkipLast(1), size => Assert.InRange(size, 1000, 1999));
    }

    [Fact]
    public async Task FlushIfFull_UnderTheThreshold_DoesNotCallTheSink()
    {
        var calls = 0;
        await using var writer = new GeoJsonWriter((_, _) => { calls++; return ValueTask.CompletedTask; });
        writer.BeginFeatureCollection();
        writer.BeginFeature(1);
        writer.EndFeature();

        await writer.FlushIfFullAsync(CancellationToken.None);
        Assert.Equal(0, calls);
        await writer.FlushAsync(CancellationToken.None);
        Assert.Equal(1, calls);
        await writer.FlushAsync(CancellationToken.None);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task FlushIfFull_CancelledToken_Throws()
    {
        await using var writer = new GeoJsonWriter((_, _) => ValueTask.CompletedTask);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await writer.FlushIfFullAsync(cancellation.Token));
    }

    [Fact]
    public async Task Flush_TokenReachesTheSink()
    {
        using var cancellation = new CancellationTokenSource();
        CancellationToken seen = default;
        await using var writer = new GeoJsonWriter((_, token) => { seen = token; return ValueTask.CompletedTask; });
        writer.BeginFeatureCollection();

        await writer.FlushAsync(cancellation.Token);

        Assert.Equal(cancellation.Token, seen);
    }

    [Fact]
    public async Task Dispose_DropsWhatWasNotFlushedAndRefusesFurtherCalls()
    {
        var calls = 0;
        var writer = new GeoJsonWriter((_, _) => { calls++; return ValueTask.CompletedTask; });
        writer.BeginFeatureCollection();

        await writer.DisposeAsync();
        await writer.DisposeAsync();

        Assert.Equal(0, calls);
        Assert.Throws<ObjectDisposedException>(() => writer.BeginFeature(1));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await writer.FlushIfFullAsync(CancellationToken.None));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await writer.FlushAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ToStream_WritesTheDocumentToTheStream()
    {
        var output = new MemoryStream();
        await using (var writer = GeoJsonWriter.ToStream(output))
        {
            writer.BeginFeatureCollection();
            writer.EndFeatureCollection();
            await writer.FlushAsync(CancellationToken.None);
        }

        Assert.Equal("""{"type":"FeatureCollection","features":[]}""", Encoding.UTF8.GetString(output.ToArray()));
    }

    internal static async Task<string> WriteAsync(Action<GeoJsonWriter> write)
    {
        var output = new MemoryStream();
        await using var writer = GeoJsonWriter.ToStream(output);
        write(writer);
        await writer.FlushAsync(CancellationToken.None);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static Task<string> WriteOneFeatureAsync(Action<GeoJsonWriter> properties) => WriteAsync(writer =>
    {
        writer.BeginFeatureCollection();
        writer.BeginFeature(1);
        writer.WritePoint(0, 0);
        writer.BeginProperties();
        properties(writer);
        writer.EndProperties();
        writer.EndFeature();
        writer.EndFeatureCollection();
    });

    private static Geometry Read(string wkt) => ShapeReader.ReadWkt(wkt).Geometry ?? throw new ArgumentException(wkt);
}
