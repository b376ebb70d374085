using Geo.Grpc.Client;
using Geo.Testing.Echo;

namespace Geo.Grpc.Tests.Client;

internal static class EchoCalls
{
    public static readonly GrpcMethod<EchoRequest, EchoReply> Unary = new(EchoService.Descriptor.FindMethodByName("Unary"));
    public static readonly GrpcMethod<StreamRequest, EchoReply> ServerStream = new(EchoService.Descriptor.FindMethodByName("ServerStream"));
    public static readonly GrpcMethod<EchoRequest, EchoReply> ClientStream = new(EchoService.Descriptor.FindMethodByName("ClientStream"));
    public static readonly GrpcMethod<EchoRequest, EchoReply> Bidi = new(EchoService.Descriptor.FindMethodByName("Bidi"));
}
