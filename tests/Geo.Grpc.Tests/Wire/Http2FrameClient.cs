using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Geo.Grpc.Tests.Wire;

/// <summary>
/// HTTP/2 frame by frame over a TcpClient (cleartext, prior knowledge), for what an HTTP
/// client library hides: stream limits, flow control, a peer that goes quiet. Sends header
/// blocks as HPACK literals without indexing and asks for no dynamic table
/// (SETTINGS_HEADER_TABLE_SIZE 0), so the server's header blocks decode with the static table alone.
/// </summary>
internal sealed class Http2FrameClient : IAsyncDisposable
{
    public const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;
    public const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4;
    public const ushort SettingsMaxConcurrentStreams = 0x3, SettingsInitialWindowSize = 0x4, SettingsMaxHeaderListSize = 0x6;
    public const uint InternalError = 0x2, RefusedStream = 0x7, CompressionError = 0x9;
    private const int MaxFrameSize = 16384;

    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly string _authority;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    private Http2FrameClient(TcpClient tcp, string authority)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _authority = authority;
    }

    /// <summary>The server's SETTINGS, by identifier, once <see cref="ConnectAsync"/> has returned.</summary>
    public Dictionary<ushort, uint> ServerSettings { get; } = [];

    /// <summary>Connects, sends the preface and our SETTINGS, and reads the server's SETTINGS (and ACKs it).</summary>
    public static async Task<Http2FrameClient> ConnectAsync(Uri endpoint, uint initialWindowSize = 65535)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(endpoint.Host, endpoint.Port);
        var client = new Http2FrameClient(tcp, endpoint.Authority);
        var settings = new byte[18];
        WriteSetting(settings.AsSpan(0), 0x1, 0); // HEADER_TABLE_SIZE: no dynamic table
        WriteSetting(settings.AsSpan(6), 0x2, 0); // ENABLE_PUSH
        WriteSetting(settings.AsSpan(12), SettingsInitialWindowSize, initialWindowSize);
        await client.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
        await client.SendFrameAsync(Settings, 0, 0, settings);
        var frame = await client.ReadFrameAsync();
        if (frame.Type != Settings || (frame.Flags & Ack) != 0)
        {
            throw new InvalidOperationException($"expected the server's SETTINGS first, got {frame}");
        }

        for (var i = 0; i + 6 <= frame.Payload.Length; i += 6)
        {
            client.ServerSettings[BinaryPrimitives.ReadUInt16BigEndian(frame.Payload.AsSpan(i))] = BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan(i + 2));
        }

        await client.SendFrameAsync(Settings, Ack, 0, ReadOnlyMemory<byte>.Empty);
        return client;
    }

    /// <summary>A POST's HEADERS (and CONTINUATIONs when the block exceeds one frame), every field a literal without indexing.</summary>
    public async Task SendRequestHeadersAsync(int streamId, string path, bool endStream, params (string Name, string Value)[] metadata)
    {
        var block = new MemoryStream();
        (string, string)[] fields = [(":method", "POST"), (":scheme", "http"), (":authority", _authority), (":path", path), ("content-type", "application/grpc"), ("te", "trailers"), .. metadata];
        foreach (var (name, value) in fields)
        {
            block.WriteByte(0x00);
            WriteString(block, name);
            WriteString(block, value);
        }

        var bytes = block.ToArray();
        var first = true;
        var offset = 0;
        do
        {
            var length = Math.Min(MaxFrameSize, bytes.Length - offset);
            var last = offset + length == bytes.Length;
            var flags = (byte)((last ? EndHeaders : 0) | (first && endStream ? EndStream : 0));
            await SendFrameAsync(first ? Headers : Continuation, flags, streamId, bytes.AsMemory(offset, length));
            offset += length;
            first = false;
        }
        while (offset < bytes.Length);
    }

    public Task SendDataAsync(int streamId, ReadOnlyMemory<byte> data, bool endStream) => SendFrameAsync(Data, endStream ? EndStream : (byte)0, streamId, data);

    public Task SendWindowUpdateAsync(int streamId, int increment)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, increment);
        return SendFrameAsync(WindowUpdate, 0, streamId, payload);
    }

    public async Task SendFrameAsync(byte type, byte flags, int streamId, ReadOnlyMemory<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.Span.CopyTo(frame.AsSpan(9));
        await WriteAsync(frame);
    }

    /// <summary>The next frame; throws <see cref="EndOfStreamException"/> when the server has closed the connection.</summary>
    public async Task<Http2Frame> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        var header = new byte[9];
        await _stream.ReadExactlyAsync(header, timeout.Token);
        var length = (header[0] << 16) | (header[1] << 8) | header[2];
        var payload = new byte[length];
        await _stream.ReadExactlyAsync(payload, timeout.Token);
        return new Http2Frame(header[3], header[4], BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & int.MaxValue, payload);
    }

    /// <summary>
    /// Reads frames until one matches, answering PINGs and SETTINGS and returning the
    /// flow-control credit of every DATA frame, so the server is never held back by us.
    /// </summary>
    public async Task<Http2Frame> ReadUntilAsync(Func<Http2Frame, bool> match, List<Http2Frame>? seen = null)
    {
        while (true)
        {
            var frame = await ReadFrameAsync();
            seen?.Add(frame);
            if (frame.Type == Ping && (frame.Flags & Ack) == 0)
            {
                await SendFrameAsync(Ping, Ack, 0, frame.Payload);
            }
            else if (frame.Type == Settings && (frame.Flags & Ack) == 0)
            {
                await SendFrameAsync(Settings, Ack, 0, ReadOnlyMemory<byte>.Empty);
            }
            else if (frame.Type == Data && frame.Payload.Length > 0)
            {
                await SendWindowUpdateAsync(0, frame.Payload.Length);
                if ((frame.Flags & EndStream) == 0)
                {
                    await SendWindowUpdateAsync(frame.StreamId, frame.Payload.Length);
                }
            }

            if (match(frame))
            {
                return frame;
            }
        }
    }

    /// <summary>Closes the socket at once, as a client process that dies would.</summary>
    public void Abort() => _tcp.Client.Close(0);

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
        _writeLock.Dispose();
    }

    private async Task WriteAsync(byte[] bytes)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _stream.WriteAsync(bytes);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static void WriteSetting(Span<byte> target, ushort id, uint value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(target, id);
        BinaryPrimitives.WriteUInt32BigEndian(target[2..], value);
    }

    private static void WriteString(MemoryStream block, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        WriteInteger(block, 0, 7, bytes.Length);
        block.Write(bytes);
    }

    private static void WriteInteger(MemoryStream block, byte high, int prefixBits, int value)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            block.WriteByte((byte)(high | value));
            return;
        }

        block.WriteByte((byte)(high | max));
        value -= max;
        while (value >= 128)
        {
            block.WriteByte((byte)((value % 128) + 128));
            value /= 128;
        }

        block.WriteByte((byte)value);
    }
}

internal sealed record Http2Frame(byte Type, byte Flags, int StreamId, byte[] Payload)
{
    public bool IsEndStream => (Flags & Http2FrameClient.EndStream) != 0;

    /// <summary>The error code of a RST_STREAM or GOAWAY.</summary>
    public uint ErrorCode => Type == Http2FrameClient.GoAway
        ? BinaryPrimitives.ReadUInt32BigEndian(Payload.AsSpan(4))
        : BinaryPrimitives.ReadUInt32BigEndian(Payload);

    /// <summary>A HEADERS frame's fields (no padding or priority expected from Kestrel; no CONTINUATION).</summary>
    public Dictionary<string, string> DecodeHeaders() => Hpack.Decode(Payload);

    public override string ToString() => $"type {Type} flags 0x{Flags:x2} stream {StreamId} length {Payload.Length}";
}

/// <summary>Just enough HPACK to read Kestrel's header blocks when the client allowed no dynamic table.</summary>
internal static class Hpack
{
    private static readonly string[] StaticTable =
    [
        "", ":authority", ":method GET", ":method POST", ":path /", ":path /index.html", ":scheme http", ":scheme https",
        ":status 200", ":status 204", ":status 206", ":status 304", ":status 400", ":status 404", ":status 500",
        "accept-charset", "accept-encoding gzip, deflate", "accept-language", "accept-ranges", "accept",
        "access-control-allow-origin", "age", "allow", "authorization", "cache-control", "content-disposition",
        "content-encoding", "content-language", "content-length", "content-location", "content-range", "content-type",
        "cookie", "date", "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match",
        "if-range", "if-unmodified-since", "last-modified", "link", "location", "max-forwards", "proxy-authenticate",
        "proxy-authorization", "range", "referer", "refresh", "retry-after", "server", "set-cookie",
        "strict-transport-security", "transfer-encoding", "user-agent", "vary", "via", "www-authenticate",
    ];

    public static Dictionary<string, string> Decode(byte[] block)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var offset = 0;
        while (offset < block.Length)
        {
            var first = block[offset];
            if ((first & 0x80) != 0)
            {
                var entry = StaticTable[ReadInteger(block, ref offset, 7)];
                var space = entry.IndexOf(' ', StringComparison.Ordinal);
                fields[entry[..space]] = entry[(space + 1)..];
            }
            else if ((first & 0xE0) == 0x20)
            {
                ReadInteger(block, ref offset, 5); // dynamic table size update
            }
            else
            {
                var index = ReadInteger(block, ref offset, (first & 0x40) != 0 ? 6 : 4);
                var name = index == 0 ? ReadString(block, ref offset) : StaticTable[index].Split(' ')[0];
                fields[name] = ReadString(block, ref offset);
            }
        }

        return fields;
    }

    private static int ReadInteger(byte[] block, ref int offset, int prefixBits)
    {
        var max = (1 << prefixBits) - 1;
        var value = block[offset++] & max;
        if (value < max)
        {
            return value;
        }

        for (var shift = 0; ; shift += 7)
        {
            var next = block[offset++];
            value += (next & 0x7F) << shift;
            if ((next & 0x80) == 0)
            {
                return value;
            }
        }
    }

    private static string ReadString(byte[] block, ref int offset)
    {
        if ((block[offset] & 0x80) != 0)
        {
            throw new NotSupportedException("Huffman-coded header strings are not decoded here");
        }

        var length = ReadInteger(block, ref offset, 7);
        var text = Encoding.ASCII.GetString(block, offset, length);
        offset += length;
        return text;
    }
}
