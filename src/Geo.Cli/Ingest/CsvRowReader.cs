using System.Globalization;
using Geo.Core.Spatial;

namespace Geo.Cli.Ingest;

/// <summary>
/// Reads CSV (RFC 4180: comma-separated, double quotes around fields that hold commas, quotes or
/// line breaks) record by record from a <see cref="ReadWindow"/>. The header names the columns;
/// the location is given by longitude and latitude columns or by a wkt column. Bytes are decoded
/// per field, so a field in another encoding is reported on its own row.
/// </summary>
internal sealed class CsvRowReader : IRowReader
{
    private const int Longitude = -10;
    private const int Latitude = -11;
    private const int Wkt = -12;

    private readonly ReadWindow _window;
    private readonly ColumnSet? _columns;
    private readonly List<(int Start, int Length)> _fields = [];
    private byte[] _text = new byte[4096];
    private int _textLength;
    private long _line = 1;
    private int[] _slots = [];

    /// <param name="columns">The kind's columns; null to only read the header's names.</param>
    public CsvRowReader(Stream stream, ColumnSet? columns)
    {
        _window = new ReadWindow(stream);
        _window.Open();
        _columns = columns;
        if (!NextRecord(out _))
        {
            throw new IngestFileException(1, "header", "the file is empty: a CSV starts with a header naming its columns");
        }

        for (var i = 0; i < _fields.Count; i++)
        {
            var name = ReadWindow.Decode(Field(i), out var problem);
            if (problem is not null)
            {
                HeaderProblems.Add(($"column {i + 1}", problem));
            }

            Header.Add(name?.Trim() ?? string.Empty);
        }

        if (columns is not null)
        {
            CheckHeader(columns);
        }
    }

    public long Position => _window.Position;

    public List<string> Header { get; } = [];

    /// <summary>What is wrong with the header (line 1); rows are not read when there is anything.</summary>
    public List<(string Field, string Reason)> HeaderProblems { get; } = [];

    public bool Read(InputRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        long line;
        do
        {
            if (!NextRecord(out line))
            {
                return false;
            }
        }
        while (_fields.Count == 1 && _fields[0].Length == 0);

        row.Clear();
        row.Line = line;
        if (_fields.Count != _slots.Length)
        {
            row.Problems.Add(("row", $"has {_fields.Count} fields; the header has {_slots.Length}"));
            return true;
        }

        string? longitude = null;
        string? latitude = null;
        for (var i = 0; i < _fields.Count; i++)
        {
            var slot = _slots[i];
            var bytes = Field(i);
            if (slot == ColumnSet.Ignored || bytes.IsEmpty)
            {
                continue;
            }

            var text = ReadWindow.Decode(bytes, out var problem);
            if (problem is not null)
            {
                row.Problems.Add((Header[i], problem));
                continue;
            }

            switch (slot)
            {
                case Longitude:
                    longitude = text;
                    break;
                case Latitude:
                    latitude = text;
                    break;
                case Wkt:
                    row.Geometry = GeometryKind.Wkt;
                    row.GeometryText = text;
                    break;
                default:
                    row.Values[slot] = new RowValue { Kind = ValueKind.Text, Text = text };
                    break;
            }
        }

        if (longitude is not null || latitude is not null)
        {
            ReadPoint(longitude, latitude, row);
        }

        return true;
    }

    private static void ReadPoint(string? longitude, string? latitude, InputRow row)
    {
        if (row.Geometry == GeometryKind.Wkt)
        {
            row.Problems.Add(("location", "give longitude and latitude or wkt, not both"));
            return;
        }

        var x = Coordinate("longitude", longitude, row);
        var y = Coordinate("latitude", latitude, row);
        if (double.IsFinite(x) && double.IsFinite(y))
        {
            row.Geometry = GeometryKind.Point;
            row.Point = new GeoPoint(x, y);
        }
    }

    private static double Coordinate(string name, string? text, InputRow row)
    {
        if (text is null)
        {
            row.Problems.Add((name, "is required with the other coordinate"));
        }
        else if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            row.Problems.Add((name, $"'{text}' is not a finite number"));
        }
        else
        {
            return value;
        }

        return double.NaN;
    }

    private void CheckHeader(ColumnSet columns)
    {
        _slots = new int[Header.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Header.Count; i++)
        {
            var name = Header[i];
            _slots[i] = name switch
            {
                "longitude" when columns.Location != LocationRule.None => Longitude,
                "latitude" when columns.Location != LocationRule.None => Latitude,
                "wkt" when columns.Location != LocationRule.None => Wkt,
                _ => columns.Resolve(name),
            };
            if (_slots[i] == ColumnSet.Unknown)
            {
                HeaderProblems.Add((name.Length == 0 ? $"column {i + 1}" : name, $"{columns.UnknownReason}{(columns.Location == LocationRule.None ? string.Empty : ", longitude, latitude, wkt")}"));
            }
            else if (!seen.Add(name))
            {
                HeaderProblems.Add((name, "appears twice in the header"));
            }
        }

        foreach (var required in columns.Required)
        {
            if (!seen.Contains(required))
            {
                HeaderProblems.Add((required, "is a required column and the header does not have it"));
            }
        }

        var hasPoint = seen.Contains("longitude") && seen.Contains("latitude");
        if (columns.Location != LocationRule.None && !hasPoint && !seen.Contains("wkt"))
        {
            HeaderProblems.Add(("location", "the header needs longitude and latitude columns, or a wkt column"));
        }
    }

    private ReadOnlySpan<byte> Field(int index) => _text.AsSpan(_fields[index].Start, _fields[index].Length);

    /// <summary>The next record's fields (unquoted) into <see cref="_text"/>; false at the end of the file.</summary>
    private bool NextRecord(out long line)
    {
        _fields.Clear();
        _textLength = 0;
        line = _line;
        var fieldStart = 0;
        var quoted = false;
        var afterQuote = false;
        var any = false;
        while (true)
        {
            var pending = _window.Pending;
            if (pending.IsEmpty)
            {
                if (_window.Fill())
                {
                    continue;
                }

                if (!any)
                {
                    return false;
                }

                _fields.Add((fieldStart, _textLength - fieldStart));
                return true;
            }

            any = true;
            var i = 0;
            for (; i < pending.Length; i++)
            {
                var b = pending[i];
                if (b == (byte)'\n')
                {
                    _line++;
                }

                if (quoted)
                {
                    if (b == (byte)'"')
                    {
                        quoted = false;
                        afterQuote = true;
                    }
                    else
                    {
                        Append(b);
                    }

                    continue;
                }

                switch (b)
                {
                    case (byte)'"':
                        // A doubled quote inside a quoted field stands for one quote.
                        if (afterQuote)
                        {
                            Append(b);
                        }

                        quoted = true;
                        afterQuote = false;
                        break;
                    case (byte)',':
                        _fields.Add((fieldStart, _textLength - fieldStart));
                        fieldStart = _textLength;
                        afterQuote = false;
                        break;
                    case (byte)'\n':
                        _fields.Add((fieldStart, _textLength - fieldStart));
                        _window.Consume(i + 1);
                        return true;
                    case (byte)'\r':
                        break;
                    default:
                        Append(b);
                        afterQuote = false;
                        break;
                }
            }

            _window.Consume(i);
        }
    }

    private void Append(byte b)
    {
        if (_textLength == _text.Length)
        {
            Array.Resize(ref _text, _text.Length * 2);
        }

        _text[_textLength++] = b;
    }
}
