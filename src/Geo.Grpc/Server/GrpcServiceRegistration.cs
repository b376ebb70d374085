using ProtoServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Geo.Grpc.Server;

/// <summary>One proto service and the handler class that serves it.</summary>
internal sealed record GrpcServiceRegistration(ProtoServiceDescriptor Service, Type HandlerType);
