using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using Geo.Exporters.GeoJson.Internal;
using NetTopologySuite.Geometries;

namespace Geo.Exporters.GeoJson;

/// <summary>
/// Streams an RFC 7946 FeatureCollection of any size through one buffer of about a chunk: WGS84
/// longitude/latitude, at most 6 decimals, RFC 7946 ring orientation, antimeridian-crossing
/// geometries cut at ±180, a "bbox" of what was written, and properties typed as JSON numbers,
/// strings, booleans and ISO 8601 UTC times.
/// </summary>
/// <remarks>
/// Calls follow the shape of the document: BeginFeatureCollection, then per feature BeginFeature,
/// a geometry and BeginProperties ... EndProperties (in either order, each at most once; what is
/// left out is written as null), EndFeature and FlushIfFullAsync; then EndFeatureCollection and
/// FlushAsync. A call out of that order throws InvalidOperationException. Not thread-safe, and no
/// call may overlap a pending flush. Buffered bytes not yet flushed are dropped on disposal.
/// </remarks>
public sealed class GeoJsonWriter : IAsyncDisposable
{
    // The slack lets the feature that passes the threshold finish without the buffer growing.
    private const int Slack = 16 * 1024;

    // The feeds are served as application/geo+json and as gRPC bytes, never inlined in HTML, so the
    // HTML-sensitive characters need no escaping and non-ASCII text (French, Arabic place names) is
    // written as UTF-8 rather than as six-byte \u escapes. Quotes, backslashes and controls are still escaped.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> _sink;
    private readonly int _chunkBytes;
    private readonly ChunkBuffer _buffer;
    private readonly Utf8JsonWriter _json;
    private Extent _extent = new();
    private Stage _stage;
    private bool _hasGeometry;
    private bool _hasProperties;
    private bool _disposed;

    /// <summary>
    /// A writer that hands its bytes to <paramref name="sink"/> each time the buffer passes
    /// <paramref name="chunkBytes"/> (<see cref="FlushIfFullAsync"/>) and on <see cref="FlushAsync"/>.
    /// The memory handed to the sink is reused once the sink's task completes: copy it if it must live longer.
    /// </summary>
    public GeoJsonWriter(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> sink, int chunkBytes = 64 * 1024)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkBytes, 256 * 1024 * 1024);
        _sink = sink;
        _chunkBytes = chunkBytes;
        _buffer = new ChunkBuffer(chunkBytes + Slack);
        _json = new Utf8JsonWriter(_buffer, Options);
    }

    private enum Stage
    {
        Start,
        Collection,
        Feature,
        Properties,
        Ended,
    }

    /// <summary>The JSON writer underneath, for foreign members and properties of unusual types.</summary>
    public Utf8JsonWriter Json => _json;

    /// <summary>Features ended so far.</summary>
    public long FeatureCount { get; private set; }

    /// <summary>The extent of the geometries written so far (after normalisation), or null when none was.</summary>
    public Envelope? Bounds => _extent.ToEnvelope();

    /// <summary>The capacity of the buffer, for tests that hold it to about a chunk.</summary>
    internal int BufferCapacity => _buffer.Capacity;

    /// <summary>A writer that writes its chunks to <paramref name="output"/>.</summary>
    public static GeoJsonWriter ToStream(Stream output, int chunkBytes = 64 * 1024)
    {
        ArgumentNullException.ThrowIfNull(output);
        return new GeoJsonWriter(output.WriteAsync, chunkBytes);
    }

    /// <summary>{"type":"FeatureCollection","features":[</summary>
    public void BeginFeatureCollection()
    {
        Expect(Stage.Start, "BeginFeatureCollection", "it starts the document");
        _json.WriteStartObject();
        _json.WriteString(JsonNames.Type, JsonNames.FeatureCollection);
        _json.WriteStartArray(JsonNames.Features);
        _stage = Stage.Collection;
    }

    /// <summary>{"type":"Feature","id":"..."</summary>
    public void BeginFeature(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        StartFeature();
        _json.WriteString(JsonNames.Id, id);
    }

    /// <summary>{"type":"Feature","id":...</summary>
    public void BeginFeature(long id)
    {
        StartFeature();
        _json.WriteNumber(JsonNames.Id, id);
    }

    /// <summary>"geometry":{"type":"Point","coordinates":[lon,lat]}, the fast path; a longitude beyond ±180 is wrapped.</summary>
    /// <exception cref="ArgumentException">
    /// A coordinate is not finite or the latitude is outside -90..90; nothing is written then, so the
    /// feature can still be given another geometry or none.
    /// </exception>
    public void WritePoint(double longitude, double latitude)
    {
        ExpectGeometry();
        CoordinateRules.CheckPosition(longitude, latitude);
        longitude = Antimeridian.Wrap(longitude);
        Span<byte> text = stackalloc byte[JsonNames.PointPrefix.Length + CoordinateFormat.MaxPositionLength + 1];
        JsonNames.PointPrefix.CopyTo(text);
        var length = JsonNames.PointPrefix.Length - 1 + CoordinateFormat.WritePosition(longitude, latitude, text[(JsonNames.PointPrefix.Length - 1)..]);
        text[length++] = (byte)'}';
        _json.WritePropertyName(JsonNames.Geometry);
        _json.WriteRawValue(text[..length], skipInputValidation: true);
        _extent.Add(longitude, latitude);
        _hasGeometry = true;
    }

    /// <summary>"geometry": the geometry normalised (<see cref="GeoJsonGeometry.Normalise"/>), or null when it is null or empty.</summary>
    /// <exception cref="ArgumentException">
    /// A coordinate is not finite, a latitude is outside -90..90, or a polygon cannot be cut at ±180;
    /// nothing is written then, so the feature can still be given another geometry or none.
    /// </exception>
    public void WriteGeometry(Geometry? geometry)
    {
        ExpectGeometry();
        var normalised = geometry is null ? null : GeoJsonGeometry.Normalise(geometry);
        _json.WritePropertyName(JsonNames.Geometry);
        if (normalised is null || normalised.IsEmpty)
        {
            _json.WriteNullValue();
        }
        else
        {
            GeometryJson.Write(_json, normalised, ref _extent);
        }

        _hasGeometry = true;
    }

    /// <summary>"properties":{</summary>
    public void BeginProperties()
    {
        Expect(Stage.Feature, "BeginProperties", "it belongs inside a feature");
        if (_hasProperties)
        {
            ThrowOutOfOrder("BeginProperties", "the feature already has its properties");
        }

        _json.WriteStartObject(JsonNames.Properties);
        _stage = Stage.Properties;
    }

    /// <summary>A string property; null is written as JSON null.</summary>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The published API names property writers after the JSON type they write.")]
    public void String(JsonEncodedText name, string? value)
    {
        ExpectProperty();
        _json.WriteString(name, value);
    }

    /// <inheritdoc cref="String(JsonEncodedText, string?)"/>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The published API names property writers after the JSON type they write.")]
    public void String(string name, string? value)
    {
        ExpectProperty();
        _json.WriteString(name, value);
    }

    /// <summary>An integer property.</summary>
    public void Number(JsonEncodedText name, long value)
    {
        ExpectProperty();
        _json.WriteNumber(name, value);
    }

    /// <inheritdoc cref="Number(JsonEncodedText, long)"/>
    public void Number(string name, long value)
    {
        ExpectProperty();
        _json.WriteNumber(name, value);
    }

    /// <summary>An integer property; null is written as JSON null.</summary>
    public void Number(JsonEncodedText name, long? value)
    {
        if (value is { } number)
        {
            Number(name, number);
        }
        else
        {
            Null(name);
        }
    }

    /// <inheritdoc cref="Number(JsonEncodedText, long?)"/>
    public void Number(string name, long? value)
    {
        if (value is { } number)
        {
            Number(name, number);
        }
        else
        {
            Null(name);
        }
    }

    /// <summary>
    /// A real property, always with a decimal point or exponent (3 is written 3.0) so that readers
    /// that guess column types from values (GDAL) see a real column; NaN and infinities are written as null.
    /// </summary>
    public void Number(JsonEncodedText name, double value)
    {
        ExpectProperty();
        _json.WritePropertyName(name);
        WriteDouble(value);
    }

    /// <inheritdoc cref="Number(JsonEncodedText, double)"/>
    public void Number(string name, double value)
    {
        ExpectProperty();
        _json.WritePropertyName(name);
        WriteDouble(value);
    }

    /// <summary>A real property as <see cref="Number(JsonEncodedText, double)"/>; null is written as JSON null.</summary>
    public void Number(JsonEncodedText name, double? value) => Number(name, value ?? double.NaN);

    /// <inheritdoc cref="Number(JsonEncodedText, double?)"/>
    public void Number(string name, double? value) => Number(name, value ?? double.NaN);

    /// <summary>A boolean property.</summary>
    public void Boolean(JsonEncodedText name, bool value)
    {
        ExpectProperty();
        _json.WriteBoolean(name, value);
    }

    /// <inheritdoc cref="Boolean(JsonEncodedText, bool)"/>
    public void Boolean(string name, bool value)
    {
        ExpectProperty();
        _json.WriteBoolean(name, value);
    }

    /// <summary>A time property in ISO 8601 UTC, e.g. "2026-03-04T05:06:07Z", fractional seconds only when not zero; null is written as JSON null.</summary>
    public void Time(JsonEncodedText name, DateTimeOffset? value)
    {
        ExpectProperty();
        _json.WritePropertyName(name);
        WriteTime(value);
    }

    /// <inheritdoc cref="Time(JsonEncodedText, DateTimeOffset?)"/>
    public void Time(string name, DateTimeOffset? value)
    {
        ExpectProperty();
        _json.WritePropertyName(name);
        WriteTime(value);
    }

    /// <summary>A null property.</summary>
    public void Null(JsonEncodedText name)
    {
        ExpectProperty();
        _json.WriteNull(name);
    }

    /// <inheritdoc cref="Null(JsonEncodedText)"/>
    public void Null(string name)
    {
        ExpectProperty();
        _json.WriteNull(name);
    }

    /// <summary>Closes "properties".</summary>
    public void EndProperties()
    {
        Expect(Stage.Properties, "EndProperties", "no BeginProperties is open");
        _json.WriteEndObject();
        _hasProperties = true;
        _stage = Stage.Feature;
    }

    /// <summary>Closes the feature; a feature given no geometry or no properties gets null for them, as RFC 7946 §3.2 requires the members.</summary>
    public void EndFeature()
    {
        Expect(Stage.Feature, "EndFeature", "no feature is open, or its properties are");
        if (!_hasGeometry)
        {
            _json.WriteNull(JsonNames.Geometry);
        }

        if (!_hasProperties)
        {
            _json.WriteNull(JsonNames.Properties);
        }

        _json.WriteEndObject();
        FeatureCount++;
        _stage = Stage.Collection;
    }

    /// <summary>
    /// Closes "features", writes "bbox":[west,south,east,north] when any geometry was written, lets
    /// <paramref name="foreignMembers"/> write members (e.g. "total", "next_cursor") into the still
    /// open collection object, and closes it.
    /// </summary>
    public void EndFeatureCollection(Action<Utf8JsonWriter>? foreignMembers = null)
    {
        Expect(Stage.Collection, "EndFeatureCollection", "no collection is open, or a feature is");
        _json.WriteEndArray();
        if (!_extent.IsEmpty)
        {
            _json.WriteStartArray(JsonNames.Bbox);
            WriteBound(_extent.West);
            WriteBound(_extent.South);
            WriteBound(_extent.East);
            WriteBound(_extent.North);
            _json.WriteEndArray();
        }

        foreignMembers?.Invoke(_json);
        _json.WriteEndObject();
        _stage = Stage.Ended;
    }

    /// <summary>Hands the buffer to the sink when it has passed the chunk size; call after each feature.</summary>
    public ValueTask FlushIfFullAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        return _buffer.WrittenCount + _json.BytesPending >= _chunkBytes ? FlushAsync(cancellationToken) : ValueTask.CompletedTask;
    }

    /// <summary>Hands everything buffered to the sink.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _json.Flush();
        if (_buffer.WrittenCount == 0)
        {
            return;
        }

        await _sink(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        _buffer.Reset();
    }

    /// <summary>Releases the buffer; what was not flushed is dropped, so that a failed feed is not sent half-written by accident.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _json.DisposeAsync().ConfigureAwait(false);
        _buffer.Dispose();
    }

    [DoesNotReturn]
    private static void ThrowOutOfOrder(string member, string reason) =>
        throw new InvalidOperationException($"{member} cannot be called here: {reason}");

    private void StartFeature()
    {
        Expect(Stage.Collection, "BeginFeature", "no collection is open, or a feature is");
        _json.WriteStartObject();
        _json.WriteString(JsonNames.Type, JsonNames.Feature);
        _hasGeometry = false;
        _hasProperties = false;
        _stage = Stage.Feature;
    }

    private void ExpectGeometry()
    {
        Expect(Stage.Feature, "a geometry", "it belongs inside a feature, outside its properties");
        if (_hasGeometry)
        {
            ThrowOutOfOrder("a geometry", "the feature already has one");
        }
    }

    private void ExpectProperty()
    {
        if (_stage != Stage.Properties || _disposed)
        {
            Expect(Stage.Properties, "a property", "no BeginProperties is open");
        }
    }

    private void Expect(Stage stage, string member, string reason)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_stage != stage)
        {
            ThrowOutOfOrder(member, reason);
        }
    }

    private void WriteDouble(double value) => ValueFormat.WriteDoubleValue(_json, value);

    private void WriteTime(DateTimeOffset? value) => ValueFormat.WriteTimeValue(_json, value);

    private void WriteBound(double value)
    {
        Span<byte> text = stackalloc byte[CoordinateFormat.MaxLength];
        _json.WriteRawValue(text[..CoordinateFormat.Write(value, text)], skipInputValidation: true);
    }
}
