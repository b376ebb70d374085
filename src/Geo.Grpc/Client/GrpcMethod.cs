using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Geo.Grpc.Client;

/// <summary>A method to call, taken from its proto descriptor: its path and how to read its responses.</summary>
public sealed class GrpcMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public GrpcMethod(MethodDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.InputType.ClrType != typeof(TRequest) || descriptor.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"{descriptor.FullName} takes {descriptor.InputType.ClrType?.Name} and returns {descriptor.OutputType.ClrType?.Name}, not {typeof(TRequest).Name} and {typeof(TResponse).Name}",
                nameof(descriptor));
        }

        Descriptor = descriptor;
        Path = $"/{descriptor.Service.FullName}/{descriptor.Name}";
        ResponseParser = (MessageParser<TResponse>)descriptor.OutputType.Parser;
    }

    public MethodDescriptor Descriptor { get; }

    /// <summary>The HTTP/2 :path, e.g. <c>/grpc.health.v1.Health/Check</c>.</summary>
    public string Path { get; }

    internal MessageParser<TResponse> ResponseParser { get; }
}
