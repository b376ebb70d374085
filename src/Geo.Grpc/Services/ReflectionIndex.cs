using Geo.Grpc.Protocol;
using Geo.Grpc.Server;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Geo.Grpc.Services;

/// <summary>
/// What server reflection answers, for both protocol versions: the served services and the
/// proto files that describe them, indexed by file name and by symbol once at start-up.
/// </summary>
internal sealed class ReflectionIndex
{
    private readonly Dictionary<string, FileDescriptor> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileDescriptor> _symbols = new(StringComparer.Ordinal);

    public ReflectionIndex(IEnumerable<GrpcServiceRegistration> registrations)
    {
        var services = new List<string>();
        foreach (var registration in registrations)
        {
            if (!services.Contains(registration.Service.FullName))
            {
                services.Add(registration.Service.FullName);
            }

            AddFile(registration.Service.File);
        }

        services.Sort(StringComparer.Ordinal);
        ServiceNames = services;
    }

    public IReadOnlyList<string> ServiceNames { get; }

    /// <summary>The file and everything it imports, transitively, the file itself first.</summary>
    public IReadOnlyList<ByteString>? FileByName(string fileName) =>
        _files.TryGetValue(fileName, out var file) ? WithDependencies(file) : null;

    public IReadOnlyList<ByteString>? FileContainingSymbol(string symbol) =>
        _symbols.TryGetValue(symbol, out var file) ? WithDependencies(file) : null;

    public bool IsKnownType(string fullName) => _symbols.ContainsKey(fullName);

    public static Status NotFound(string what) => new(StatusCode.NotFound, $"{what} not found");

    private static List<ByteString> WithDependencies(FileDescriptor file)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<ByteString>();
        var pending = new Stack<FileDescriptor>();
        pending.Push(file);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (!seen.Add(next.Name))
            {
                continue;
            }

            result.Add(next.SerializedData);
            foreach (var dependency in next.Dependencies)
            {
                pending.Push(dependency);
            }
        }

        return result;
    }

    private void AddFile(FileDescriptor file)
    {
        if (!_files.TryAdd(file.Name, file))
        {
            return;
        }

        foreach (var message in file.MessageTypes)
        {
            AddMessage(message, file);
        }

        foreach (var enumType in file.EnumTypes)
        {
            _symbols.TryAdd(enumType.FullName, file);
        }

        foreach (var service in file.Services)
        {
            _symbols.TryAdd(service.FullName, file);
            foreach (var method in service.Methods)
            {
                _symbols.TryAdd(method.FullName, file);
            }
        }

        foreach (var dependency in file.Dependencies)
        {
            AddFile(dependency);
        }
    }

    private void AddMessage(MessageDescriptor message, FileDescriptor file)
    {
        _symbols.TryAdd(message.FullName, file);
        foreach (var nested in message.NestedTypes)
        {
            AddMessage(nested, file);
        }

        foreach (var enumType in message.EnumTypes)
        {
            _symbols.TryAdd(enumType.FullName, file);
        }
    }
}
