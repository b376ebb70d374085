using System.Text.Json;
using Geo.Core.Spatial;

namespace Geo.Cli.Ingest;

/// <summary>
/// Reads the features of a GeoJSON FeatureCollection one at a time with <see cref="Utf8JsonReader"/>
/// over a <see cref="ReadWindow"/>: a feature is parsed once it is whole in the window, so neither
/// the file nor a document of the collection is ever held. Each row carries the line its feature
/// starts on.
/// </summary>
internal sealed class GeoJsonRowReader : IRowReader
{
    private readonly ReadWindow _window;
    private readonly ColumnSet? _columns;
    private readonly char[] _name = new char[128];
    private JsonReaderState _state;
    private Phase _phase;
    private bool _sawFeatures;
    private long _features;

    /// <summary>The line at the window's start.</summary>
    private long _line = 1;

    /// <param name="columns">The kind's columns; null to only list the first feature's property names (<see cref="FirstNames"/>).</param>
    public GeoJsonRowReader(Stream stream, ColumnSet? columns)
    {
        _window = new ReadWindow(stream);
        _window.Open();
        _columns = columns;
    }

    private enum Phase
    {
        Start,
        Collection,
        Features,
        End,
        Done,
    }

    private enum Step
    {
        NeedMore,
        Moved,
        Feature,
    }

    public long Position => _window.Position;

    /// <summary>The property names of the first feature read without columns.</summary>
    public HashSet<string> FirstNames { get; } = new(StringComparer.Ordinal);

    public bool Read(InputRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        while (_phase != Phase.Done)
        {
            var reader = new Utf8JsonReader(_window.Pending, _window.Final, _state);
            Step step;
            int featureStart;
            try
            {
                step = Advance(ref reader, out featureStart);
            }
            catch (JsonException e)
            {
                // The reader's state carries its line count from the start of the file (0-based).
                throw new IngestFileException((e.LineNumber ?? _line - 1) + 1, "JSON", Reason(e));
            }

            if (step == Step.NeedMore)
            {
                if (_window.Final)
                {
                    throw new IngestFileException(_line + _window.Pending.Count((byte)'\n'), "JSON", "the file ends before the FeatureCollection is closed (truncated?)");
                }

                _window.Fill();
                continue;
            }

            var consumed = _window.Pending[..(int)reader.BytesConsumed];
            if (step == Step.Feature)
            {
                row.Clear();
                row.Line = _line + consumed[..featureStart].Count((byte)'\n');
                ReadFeature(consumed[featureStart..], row);
            }

            _line += consumed.Count((byte)'\n');
            _window.Consume(consumed.Length);
            _state = reader.CurrentState;
            if (step == Step.Feature)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One move through the collection's structure; <see cref="Step.NeedMore"/> leaves everything as it was.</summary>
    private Step Advance(ref Utf8JsonReader reader, out int featureStart)
    {
        featureStart = 0;
        switch (_phase)
        {
            case Phase.Start:
                if (!reader.Read())
                {
                    return _window.Final ? throw new IngestFileException(_line, "JSON", "the file is empty") : Step.NeedMore;
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new IngestFileException(_line, "JSON", "is not a GeoJSON FeatureCollection (the file does not start with an object)");
                }

                _phase = Phase.Collection;
                return Step.Moved;

            case Phase.Collection:
                if (!reader.Read())
                {
                    return Step.NeedMore;
                }

                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    _phase = Phase.End;
                    return Step.Moved;
                }

                var isFeatures = reader.ValueTextEquals("features"u8);
                var isType = reader.ValueTextEquals("type"u8);
                if (!reader.Read())
                {
                    return Step.NeedMore;
                }

                if (isFeatures)
                {
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        throw new IngestFileException(_line, "features", "must be an array of features");
                    }

                    _sawFeatures = true;
                    _phase = Phase.Features;
                    return Step.Moved;
                }

                if (isType && !(reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("FeatureCollection"u8)))
                {
                    throw new IngestFileException(_line, "type", "must be \"FeatureCollection\": a file holds one collection of features");
                }

                return reader.TrySkip() ? Step.Moved : Step.NeedMore;

            case Phase.Features:
                if (!reader.Read())
                {
                    return Step.NeedMore;
                }

                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    _phase = Phase.Collection;
                    return Step.Moved;
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new IngestFileException(_line, $"features[{_features}]", "is not a feature object");
                }

                featureStart = (int)reader.TokenStartIndex;
                if (!reader.TrySkip())
                {
                    return Step.NeedMore;
                }

                _features++;
                return Step.Feature;

            default:
                if (reader.Read())
                {
                    throw new IngestFileException(_line, "JSON", "there is more after the FeatureCollection");
                }

                if (!_window.Final)
                {
                    return Step.NeedMore;
                }

                if (!_sawFeatures)
                {
                    throw new IngestFileException(_line, "features", "is missing: not a GeoJSON FeatureCollection");
                }

                _phase = Phase.Done;
                return Step.Moved;
        }
    }

    /// <summary>A whole feature: its geometry, its properties, and its "id" when the properties have none.</summary>
    private void ReadFeature(ReadOnlySpan<byte> feature, InputRow row)
    {
        var reader = new Utf8JsonReader(feature, isFinalBlock: true, state: default);
        reader.Read();
        RowValue featureId = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                if (!(reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("Feature"u8)))
                {
                    row.Problems.Add(("type", "must be \"Feature\""));
                }
            }
            else if (reader.ValueTextEquals("geometry"u8))
            {
                reader.Read();
                ReadGeometry(ref reader, feature, row);
            }
            else if (reader.ValueTextEquals("properties"u8))
            {
                reader.Read();
                ReadProperties(ref reader, feature, row);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                featureId = Value(ref reader, feature, "id", row);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Every kind's first slot is its id; RFC 7946 lets a feature carry it beside the properties.
        if (_columns is not null && row.Values[0].Kind is ValueKind.Absent && featureId.Kind is not ValueKind.Absent)
        {
            row.Values[0] = featureId;
        }
    }

    private static void ReadGeometry(ref Utf8JsonReader reader, ReadOnlySpan<byte> feature, InputRow row)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            row.Geometry = GeometryKind.Null;
            return;
        }

        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        var json = feature[start..(int)reader.BytesConsumed];
        if (TryReadPoint(json, out var point))
        {
            row.Geometry = GeometryKind.Point;
            row.Point = point;
            return;
        }

        // Anything but a plain point is read by the service's own GeoJSON shape reader, with its reasons.
        row.GeometryText = ReadWindow.Decode(json, out var problem);
        if (problem is not null)
        {
            row.Problems.Add(("geometry", problem));
            return;
        }

        row.Geometry = GeometryKind.GeoJson;
    }

    /// <summary>{"type":"Point","coordinates":[x,y]} in any member order, read without allocating; false for anything else.</summary>
    private static bool TryReadPoint(ReadOnlySpan<byte> json, out GeoPoint point)
    {
        point = default;
        var reader = new Utf8JsonReader(json);
        reader.Read();
        var isPoint = false;
        var hasCoordinates = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                isPoint = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("Point"u8);
                if (!isPoint)
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("coordinates"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray
                    || !reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var longitude)
                    || !reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var latitude))
                {
                    return false;
                }

                // An altitude, when given, is not kept.
                while (reader.Read() && reader.TokenType == JsonTokenType.Number)
                {
                }

                if (reader.TokenType != JsonTokenType.EndArray)
                {
                    return false;
                }

                point = new GeoPoint(longitude, latitude);
                hasCoordinates = true;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return isPoint && hasCoordinates;
    }

    private void ReadProperties(ref Utf8JsonReader reader, ReadOnlySpan<byte> feature, InputRow row)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            row.Problems.Add(("properties", "must be an object or null"));
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var slot = ColumnSet.Unknown;
            string? name = null;
            try
            {
                var length = reader.ValueSpan.Length <= _name.Length ? reader.CopyString(_name) : -1;
                if (_columns is null)
                {
                    FirstNames.Add(reader.GetString()!);
                }
                else if (length >= 0)
                {
                    slot = _columns.Resolve(_name.AsSpan(0, length));
                }

                if (slot == ColumnSet.Unknown)
                {
                    name = reader.GetString();
                }
            }
            catch (InvalidOperationException)
            {
                name = "(property name)";
                row.Problems.Add((name, ReadWindow.InvalidUtf8(null)));
            }

            reader.Read();
            if (_columns is null || slot == ColumnSet.Ignored)
            {
                reader.Skip();
            }
            else if (slot == ColumnSet.Unknown)
            {
                row.Problems.Add((name!, _columns.UnknownReason));
                reader.Skip();
            }
            else
            {
                row.Values[slot] = Value(ref reader, feature, _columns.Names[slot], row);
            }
        }
    }

    private static RowValue Value(ref Utf8JsonReader reader, ReadOnlySpan<byte> feature, string name, InputRow row)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new RowValue { Kind = ValueKind.Text, Text = Text(ref reader, name, row) };
            case JsonTokenType.Number:
                return new RowValue { Kind = ValueKind.Number, Number = reader.GetDouble() };
            case JsonTokenType.True:
                return new RowValue { Kind = ValueKind.True };
            case JsonTokenType.False:
                return new RowValue { Kind = ValueKind.False };
            case JsonTokenType.Null:
                return new RowValue { Kind = ValueKind.Null };
            default:
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var text = ReadWindow.Decode(feature[start..(int)reader.BytesConsumed], out var problem);
                if (problem is not null)
                {
                    row.Problems.Add((name, problem));
                }

                return new RowValue { Kind = ValueKind.Json, Text = text };
        }
    }

    private static string? Text(ref Utf8JsonReader reader, string name, InputRow row)
    {
        if (!reader.ValueIsEscaped)
        {
            var text = ReadWindow.Decode(reader.ValueSpan, out var problem);
            if (problem is not null)
            {
                row.Problems.Add((name, problem));
            }

            return text;
        }

        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            row.Problems.Add((name, ReadWindow.InvalidUtf8(null)));
            return null;
        }
    }

    /// <summary>The parser's reason without its position, which is given as the line instead.</summary>
    private static string Reason(JsonException e)
    {
        var message = e.Message;
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return at > 0 ? message[..at].TrimEnd('.', ' ') : message;
    }
}
