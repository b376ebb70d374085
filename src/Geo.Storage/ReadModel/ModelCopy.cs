using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using Geo.Storage.Observations;
using Npgsql;

namespace Geo.Storage.ReadModel;

/// <summary>
/// The rows of the model's select (<see cref="ModelSource"/>'s columns, then a transaction id) out of
/// a binary COPY, decoded from the bytes as PostgreSQL writes them: a signature and header, then per
/// row a 16-bit field count and each field as a 32-bit length (-1 for NULL) and its bytes, big-endian;
/// -1 for a count ends the rows. A timestamp comes as the model keeps it, microseconds since 2000.
/// Npgsql's data reader, which this replaced, spent most of the load's client time in its per-field
/// calls, and ran them unoptimised for seconds while the service started (the load of 1M rows took
/// 3.6–4.6 s with it and 2.6–3.2 s with this, alternated in one run). Community and base ids become
/// one string per id and reader, not one per row. Anything that is not the model's columns, or that the
/// model cannot hold (a NULL place, an infinite time), is refused with a <see cref="FormatException"/>.
/// </summary>
internal sealed class ModelCopy : IDisposable
{
    private const int Fields = 10;

    private static readonly byte[] Signature = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    private readonly NpgsqlRawCopyStream _stream;
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationTokenRegistration _cancel;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _nameLookup;
    private byte[] _buffer = new byte[1 << 16];
    private char[] _chars = new char[AffectedText.MaxLength];
    private int _at;
    private int _end;
    private int _rows;

    private ModelCopy(NpgsqlRawCopyStream stream, CancellationToken cancellationToken)
    {
        _stream = stream;
        _cancellationToken = cancellationToken;
        _nameLookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();

        // Stops the server's work and a read waiting on it, which then fails and is reported as cancelled.
        _cancel = cancellationToken.Register(stream.Cancel);
    }

    /// <summary>
    /// Starts the COPY of <paramref name="select"/> on <paramref name="connection"/> and reads its
    /// header. The rows are read synchronously (far faster than an await per row), on the caller's thread.
    /// </summary>
    public static ModelCopy Start(NpgsqlConnection connection, string select, CancellationToken cancellationToken)
    {
        var copy = new ModelCopy(connection.BeginRawBinaryCopy($"COPY ({select}) TO STDOUT (FORMAT BINARY)"), cancellationToken);
        try
        {
            copy.Ensure(Signature.Length + 8);
            if (!copy._buffer.AsSpan(0, Signature.Length).SequenceEqual(Signature))
            {
                throw new FormatException("not a binary COPY: the signature differs");
            }

            copy._at = Signature.Length + 4;
            var extension = copy.Int32();
            copy.Ensure(extension);
            copy._at += extension;
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>The next row and the transaction id after the model's columns; false after the last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Read(out ModelRow row, out long xid)
    {
        row = default;
        xid = 0;
        if ((++_rows & 0xFFFF) == 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
        }

        Ensure(2);
        var fields = BinaryPrimitives.ReadInt16BigEndian(_buffer.AsSpan(_at));
        _at += 2;
        if (fields == -1)
        {
            return false;
        }

        if (fields != Fields)
        {
            throw new FormatException($"a row of {fields} fields where the model reads {Fields}");
        }

        row.Seq = BinaryPrimitives.ReadInt64BigEndian(Fixed(8));
        row.Longitude = BinaryPrimitives.ReadDoubleBigEndian(Fixed(8));
        row.Latitude = BinaryPrimitives.ReadDoubleBigEndian(Fixed(8));
        row.ObservedAt = BinaryPrimitives.ReadInt64BigEndian(Fixed(8));
        if (row.ObservedAt is long.MaxValue or long.MinValue)
        {
            throw new FormatException($"observation {row.Seq} has an infinite observed_at");
        }

        var codes = BinaryPrimitives.ReadInt32BigEndian(Fixed(4));
        row.Category = (byte)(codes & 0xF);
        row.Severity = (byte)((codes >> 4) & 0x7);
        row.Verification = (byte)((codes >> 8) & 0x3);
        row.Released = ((codes >> 10) & 1) != 0;
        row.Vulnerability = (byte)((codes >> 11) & 0x1F);
        row.AffectedGroups = (ushort)((codes >> 16) & 0xFFF);
        row.AggregateKey = BinaryPrimitives.ReadInt32BigEndian(Fixed(4));
        row.CommunityId = Name();
        row.BaseId = Name();
        if (Text(out var affected))
        {
            AffectedText.Parse(affected, row.Affected);
        }

        xid = BinaryPrimitives.ReadInt64BigEndian(Fixed(8));
        return true;
    }

    public void Dispose()
    {
        _cancel.Dispose();
        _stream.Dispose();
    }

    /// <summary>A field of exactly <paramref name="size"/> bytes: a NULL or a different length is not what the select writes.</summary>
    private ReadOnlySpan<byte> Fixed(int size)
    {
        Ensure(4 + size);
        var length = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_at));
        if (length != size)
        {
            throw new FormatException(length < 0 ? "a NULL where the model needs a value" : $"a field of {length} bytes where the model reads {size}");
        }

        var value = _buffer.AsSpan(_at + 4, size);
        _at += 4 + size;
        return value;
    }

    /// <summary>A text field decoded into the reader's characters (valid until the next field); false for NULL.</summary>
    private bool Text(out ReadOnlySpan<char> text)
    {
        text = default;
        var length = Int32();
        if (length < 0)
        {
            return false;
        }

        Ensure(length);
        if (_chars.Length < length)
        {
            _chars = new char[length];
        }

        // UTF-8 never takes fewer bytes than characters: the text fits in as many characters as it has bytes.
        var count = Encoding.UTF8.GetChars(_buffer.AsSpan(_at, length), _chars);
        _at += length;
        text = _chars.AsSpan(0, count);
        return true;
    }

    /// <summary>A community's or base's id, the same string for the same id.</summary>
    private string? Name()
    {
        if (!Text(out var text))
        {
            return null;
        }

        if (!_nameLookup.TryGetValue(text, out var name))
        {
            name = new string(text);
            _names.Add(name);
        }

        return name;
    }

    private int Int32()
    {
        Ensure(4);
        var value = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_at));
        _at += 4;
        return value;
    }

    /// <summary>Makes the next <paramref name="count"/> bytes readable at <see cref="_at"/>, reading on from the COPY.</summary>
    private void Ensure(int count)
    {
        if (_end - _at >= count)
        {
            return;
        }

        if (_buffer.Length < count)
        {
            Array.Resize(ref _buffer, Math.Max(count, _buffer.Length * 2));
        }

        _buffer.AsSpan(_at, _end - _at).CopyTo(_buffer);
        _end -= _at;
        _at = 0;
        while (_end < count)
        {
            int read;
            try
            {
                read = _stream.Read(_buffer.AsSpan(_end));
            }
            catch (Exception e) when (_cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
            {
                // Npgsql cancels a COPY by breaking its connection: the read fails, and the pool drops the connection.
                throw new OperationCanceledException("the read of the model's rows was cancelled", e, _cancellationToken);
            }

            if (read == 0)
            {
                throw new FormatException("the COPY ended inside a row");
            }

            _end += read;
        }
    }
}
