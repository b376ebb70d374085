using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace Geo.Grpc.Hosting;

/// <summary>
/// gzip for gRPC messages, with a ceiling on what one request message may inflate to.
/// Grpc.AspNetCore checks a compressed message's size against MaxReceiveMessageSize before it
/// inflates it, and then copies the whole inflated message into memory: a few kilobytes of
/// zeros (a gzip bomb) would become gigabytes. This provider's decompression stream stops at
/// the limit instead, and the call ends with RESOURCE_EXHAUSTED.
/// </summary>
internal sealed class CappedGzipCompressionProvider(int maxDecompressedBytes) : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) => new CappedStream(new GZipStream(stream, CompressionMode.Decompress), maxDecompressedBytes);

    /// <summary>Reads through to <paramref name="inner"/>, and refuses to read past <paramref name="limit"/> bytes.</summary>
    private sealed class CappedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            // One byte more than the limit may be read, so that a message of exactly the limit passes.
            var allowed = (int)Math.Min(buffer.Length, limit - _read + 1);
            var read = inner.Read(buffer[..allowed]);
            _read += read;
            if (_read > limit)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"Received message exceeds the maximum configured message size: it inflates to more than {limit} bytes"));
            }

            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
