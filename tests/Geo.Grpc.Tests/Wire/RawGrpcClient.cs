using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;

namespace Geo.Grpc.Tests.Wire;

/// <summary>A plain HTTP/2 client that sends hand-made gRPC bytes, to test the server's framing and error paths.</summary>
internal sealed class RawGrpcClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _address;

    public RawGrpcClient(Uri address)
    {
        _address = address;
        _http = new HttpClient(new SocketsHttpHandler())
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public static byte[] Frame(IMessage message, byte flag = 0) => Frame(message.ToByteArray(), flag);

    public static byte[] Frame(byte[] payload, byte flag = 0)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    public Task<RawResponse> PostAsync(string path, byte[] body, params (string Name, string Value)[] headers) =>
        PostAsync(path, new ChunkedContent([body]), headers);

    public async Task<RawResponse> PostAsync(string path, HttpContent content, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_address, path))
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        var contentType = "application/grpc";
        foreach (var (name, value) in headers)
        {
            if (name == "content-type")
            {
                contentType = value;
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        var responseHeaders = Flatten(response.Headers);
        foreach (var header in Flatten(response.Content.Headers))
        {
            responseHeaders[header.Key] = header.Value;
        }

        return new RawResponse(response.StatusCode, responseHeaders, body, Flatten(response.TrailingHeaders));
    }

    public void Dispose() => _http.Dispose();

    private static Dictionary<string, string> Flatten(System.Net.Http.Headers.HttpHeaders headers)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in headers.NonValidated)
        {
            result[header.Key] = header.Value.ToString();
        }

        return result;
    }
}

internal sealed record RawResponse(HttpStatusCode HttpStatus, Dictionary<string, string> Headers, byte[] Body, Dictionary<string, string> Trailers)
{
    /// <summary>grpc-status from the trailers, or from the headers of a trailers-only response.</summary>
    public int? GrpcStatus =>
        Trailers.TryGetValue("grpc-status", out var t) ? int.Parse(t, System.Globalization.CultureInfo.InvariantCulture)
        : Headers.TryGetValue("grpc-status", out var h) ? int.Parse(h, System.Globalization.CultureInfo.InvariantCulture)
        : null;

    public string? GrpcMessage => Trailers.TryGetValue("grpc-message", out var t) ? t : Headers.GetValueOrDefault("grpc-message");

    /// <summary>The call's status, its message percent-decoded.</summary>
    public (global::Grpc.Core.StatusCode Code, string Detail) Status() =>
        ((global::Grpc.Core.StatusCode)(GrpcStatus ?? throw new InvalidOperationException("no grpc-status")),
            Uri.UnescapeDataString(GrpcMessage ?? string.Empty));

    public bool IsTrailersOnly => Headers.ContainsKey("grpc-status") && Body.Length == 0 && Trailers.Count == 0;

    /// <summary>The response messages, unframed (uncompressed frames only).</summary>
    public List<byte[]> Messages()
    {
        var messages = new List<byte[]>();
        var offset = 0;
        while (offset < Body.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(Body.AsSpan(offset + 1));
            messages.Add(Body.AsSpan(offset + 5, length).ToArray());
            offset += 5 + length;
        }

        return messages;
    }
}

/// <summary>A request body written in pieces, each flushed on its own so it travels in its own DATA frame.</summary>
internal sealed class ChunkedContent(IReadOnlyList<byte[]> chunks) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        foreach (var chunk in chunks)
        {
            await stream.WriteAsync(chunk);
            await stream.FlushAsync();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
