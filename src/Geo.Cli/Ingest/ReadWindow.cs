using System.Text;

namespace Geo.Cli.Ingest;

/// <summary>
/// A rolling window over a file: the bytes not yet consumed stay at the front, more are read
/// behind them, and the buffer grows only when a single record does not fit. The file is never
/// held whole.
/// </summary>
internal sealed class ReadWindow(Stream stream)
{
    /// <summary>No record needs more than this; a bigger one means the file is not what it claims to be.</summary>
    private const int MaxRecordBytes = 256 << 20;

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private byte[] _buffer = new byte[1 << 20];
    private long _offset;

    public int Start { get; private set; }

    public int End { get; private set; }

    /// <summary>The file has no bytes beyond <see cref="End"/>.</summary>
    public bool Final { get; private set; }

    public byte[] Buffer => _buffer;

    public ReadOnlySpan<byte> Pending => _buffer.AsSpan(Start, End - Start);

    /// <summary>Bytes of the file consumed so far.</summary>
    public long Position => _offset + Start;

    public void Consume(int count) => Start += count;

    /// <summary>Reads more behind what is pending; false when the file has ended.</summary>
    public bool Fill()
    {
        if (Final)
        {
            return false;
        }

        if (Start > 0)
        {
            _buffer.AsSpan(Start, End - Start).CopyTo(_buffer);
            _offset += Start;
            End -= Start;
            Start = 0;
        }

        if (End == _buffer.Length)
        {
            if (_buffer.Length >= MaxRecordBytes)
            {
                throw new IngestFileException(0, "file", $"one record is larger than {MaxRecordBytes >> 20} MiB");
            }

            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = stream.Read(_buffer, End, _buffer.Length - End);
        End += read;
        Final = read == 0;
        return read > 0;
    }

    /// <summary>Fills the window and skips a UTF-8 byte order mark; a UTF-16 file is refused (only UTF-8 is read).</summary>
    public void Open()
    {
        while (End - Start < 3 && Fill())
        {
        }

        var head = Pending;
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            Consume(3);
        }
        else if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            throw new IngestFileException(1, "encoding", "the file is UTF-16; save it as UTF-8");
        }
    }

    /// <summary>Text that must be UTF-8: bytes of another encoding (a Latin-1 é in a UTF-8 file) are named, not replaced.</summary>
    public static string? Decode(ReadOnlySpan<byte> bytes, out string? problem)
    {
        try
        {
            problem = null;
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            problem = InvalidUtf8(e.BytesUnknown);
            return null;
        }
    }

    public static string InvalidUtf8(byte[]? bytes) =>
        $"is not valid UTF-8 (bytes {(bytes is null ? "?" : Convert.ToHexString(bytes))}): the file mixes encodings; save it as UTF-8";
}
