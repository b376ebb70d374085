using Microsoft.Extensions.Options;

namespace Geo.Grpc.Server;

/// <summary>Every bound method by path, built once when the pipeline is built.</summary>
internal sealed class GrpcMethodRegistry
{
    private readonly Dictionary<string, ServerMethod> _methods = new(StringComparer.Ordinal);
    private readonly HashSet<string> _services = new(StringComparer.Ordinal);

    public GrpcMethodRegistry(IEnumerable<GrpcServiceRegistration> registrations, IServiceProvider services, IOptions<GrpcServerOptions> options, ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger("Geo.Grpc.Server");
        foreach (var registration in registrations)
        {
            if (!_services.Add(registration.Service.FullName))
            {
                continue;
            }

            var handler = services.GetRequiredService(registration.HandlerType);
            foreach (var method in registration.Service.Methods)
            {
                var bound = MethodBinder.Bind(method, registration.HandlerType, handler, options.Value, logger);
                _methods.Add(bound.Path, bound);
            }

            ServerLog.ServiceBound(logger, registration.Service.FullName, registration.HandlerType.Name, registration.Service.Methods.Count);
        }
    }

    public bool TryGetMethod(string path, out ServerMethod method) => _methods.TryGetValue(path, out method!);

    public bool IsKnownService(ReadOnlySpan<char> name) => _services.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name);
}
