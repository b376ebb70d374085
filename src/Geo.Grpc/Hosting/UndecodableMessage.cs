using System.Buffers;
using System.Globalization;
using System.Reflection;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace Geo.Grpc.Hosting;

/// <summary>
/// Why a request message could not be decoded, as a status: INVALID_ARGUMENT naming the text field
/// that holds bytes that are not UTF-8 (proto3 allows none, and Google.Protobuf refuses the whole
/// message without saying where), else INTERNAL, the spec's status for a message that cannot be parsed.
/// </summary>
internal static class UndecodableMessage
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>How deep the search for the field goes: far below any real message of the API.</summary>
    private const int MaxDepth = 32;

    /// <remarks>Count and Summarize take the filter itself as their request; their errors name its fields filter.*, as the API's checks do.</remarks>
    public static Status StatusOf(ReadOnlySequence<byte> payload, Type messageType, InvalidProtocolBufferException exception)
    {
        ArgumentNullException.ThrowIfNull(messageType);
        ArgumentNullException.ThrowIfNull(exception);
        if (messageType.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is MessageDescriptor descriptor)
        {
            try
            {
                var prefix = descriptor.ClrType == typeof(Geo.Api.V1.ObservationFilter) ? "filter." : string.Empty;
                if (InvalidText(payload.ToArray(), descriptor, prefix, 0) is { } field)
                {
                    return new Status(StatusCode.InvalidArgument, $"{field.Path}: is not valid UTF-8 (the byte 0x{field.Byte:X2} at offset {field.Offset} of its text)");
                }
            }
            catch (InvalidProtocolBufferException)
            {
                // The message is broken elsewhere too: the general answer below.
            }
        }

        return new Status(StatusCode.Internal, $"the request message is not a valid {messageType.Name}: {exception.Message}");
    }

    private static (string Path, byte Byte, int Offset)? InvalidText(byte[] message, MessageDescriptor descriptor, string prefix, int depth)
    {
        var input = new CodedInputStream(message);
        var seen = new Dictionary<int, int>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            var field = descriptor.FindFieldByNumber(number);
            if (field is null || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited
                || field.FieldType is not (FieldType.String or FieldType.Message))
            {
                input.SkipLastField();
                continue;
            }

            var index = seen.GetValueOrDefault(number);
            seen[number] = index + 1;
            var path = prefix + field.Name + (field.IsRepeated && !field.IsMap ? $"[{index.ToString(CultureInfo.InvariantCulture)}]" : string.Empty);
            var bytes = input.ReadBytes().ToByteArray();
            if (field.FieldType == FieldType.String)
            {
                if (FirstInvalid(bytes) is { } offset)
                {
                    return (path, bytes[offset], offset);
                }
            }
            else if (depth < MaxDepth && InvalidText(bytes, field.MessageType, path + ".", depth + 1) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }

    /// <summary>The offset of the first byte that does not decode as UTF-8, or null.</summary>
    private static int? FirstInvalid(byte[] text)
    {
        try
        {
            StrictUtf8.GetCharCount(text);
            return null;
        }
        catch (DecoderFallbackException e)
        {
            return Math.Max(0, e.Index);
        }
    }
}
