using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Geo.Grpc.Protocol;

/// <summary>Reads framed messages from a pipe, for the server (request body) and the client (response body).</summary>
internal static class MessageReader
{
    /// <summary>The next message, or null at the clean end of the stream.</summary>
    /// <param name="encoding">The stream's grpc-encoding, or null for none (a compressed frame is then an error).</param>
    public static async ValueTask<T?> ReadAsync<T>(PipeReader reader, MessageParser<T> parser, int maxMessageBytes, string? encoding, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            bool complete;
            bool compressed;
            ReadOnlySequence<byte> payload;
            try
            {
                complete = MessageFraming.TryReadFrame(ref buffer, maxMessageBytes, out compressed, out payload);
            }
            catch
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw;
            }

            if (complete)
            {
                try
                {
                    return Decode(parser, payload, compressed, encoding, maxMessageBytes);
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start);
                }
            }

            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw new OperationCanceledException(cancellationToken);
            }

            if (result.IsCompleted)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                return leftover == 0 ? null : throw new RpcException(StatusCode.Internal, $"Incomplete message: the stream ended {leftover} bytes into a message frame.");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static T Decode<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload, bool compressed, string? encoding, int maxMessageBytes)
        where T : IMessage<T>
    {
        if (compressed)
        {
            if (encoding is null || string.Equals(encoding, MessageCompression.Identity, StringComparison.OrdinalIgnoreCase))
            {
                throw new RpcException(StatusCode.Internal, "A message has the compressed flag set but the stream has no grpc-encoding.");
            }

            payload = MessageCompression.Decompress(payload, maxMessageBytes);
        }

        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException)
        {
            throw new RpcException(StatusCode.Internal, $"Failed to deserialize the {typeof(T).Name} message.");
        }
    }
}
